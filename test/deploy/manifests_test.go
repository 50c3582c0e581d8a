package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestEveryCRDIsListed checks that manifests/crds/kustomization.yml, which
// `make generate` does not write, names exactly the generated CRDs.
func TestEveryCRDIsListed(t *testing.T) {
	root := repositoryRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "manifests", "crds", "kustomization.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "manifests", "crds", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var generated []string
	for _, f := range files {
		generated = append(generated, filepath.Base(f))
	}
	slices.Sort(k.Resources)
	if !slices.Equal(k.Resources, generated) {
		t.Errorf("manifests/crds/kustomization.yml lists %v; the generated CRDs are %v: edit its resources", k.Resources, generated)
	}
}

// TestApplyDryRun checks that the server accepts every variant on a fresh
// host (one with only the CRDs and the namespace, see prepare).
func TestApplyDryRun(t *testing.T) {
	expected := map[string][]string{
		"manifests": {"deployment.apps/kubefed-syncer", "deployment.apps/kubefed-admission-webhook", "kubefedconfig.core.kubefed.io/kubefed",
			"validatingwebhookconfiguration.admissionregistration.k8s.io/validations.core.kubefed.io", "poddisruptionbudget.policy/kubefed-syncer",
			"clusterrole.rbac.authorization.k8s.io/kubefed:aggregate-to-edit", "rolebinding.rbac.authorization.k8s.io/kubefed:federation-reader"},
		"manifests/overlays/namespaced": {"role.rbac.authorization.k8s.io/kubefed-syncer-federated",
			"validatingwebhookconfiguration.admissionregistration.k8s.io/validations.core.kubefed.io-kube-federation-system"},
		"manifests/overlays/cert-manager": {"certificate.cert-manager.io/kubefed-admission-webhook", "issuer.cert-manager.io/kubefed-admission-webhook"},
	}
	for _, v := range variants {
		t.Run(filepath.Base(v), func(t *testing.T) {
			r := control.DryRuns[v]
			if r.Err != nil {
				t.Fatalf("kubectl apply -k %s --dry-run=server: %v\n%s%s", v, r.Err, r.Stdout, r.Stderr)
			}
			for _, name := range expected[v] {
				if !strings.Contains(r.Stdout, name+" ") {
					t.Errorf("kubectl apply -k %s --dry-run=server does not mention %s:\n%s", v, name, r.Stdout)
				}
			}
			if !strings.Contains(r.Stdout, "(server dry run)") {
				t.Errorf("not a server dry run:\n%s", r.Stdout)
			}
		})
	}
}

// TestVariantsDiffer checks what each overlay changes in the base, and the
// hardening of the base's Deployments.
func TestVariantsDiffer(t *testing.T) {
	root := repositoryRoot(t)
	bin := binDir(t)
	built := map[string][]map[string]any{}
	for _, v := range variants {
		docs, err := Render(root, bin, v)
		if err != nil {
			t.Fatal(err)
		}
		built[v] = docs
	}
	base, namespaced, certManager := built[variants[0]], built[variants[1]], built[variants[2]]

	for _, name := range []string{"kubefed-syncer", "kubefed-admission-webhook"} {
		d := find(t, base, "Deployment", name)
		replicas, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas")
		podSecurity, _, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec", "securityContext")
		containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		c := containers[0].(map[string]any)
		security, _ := c["securityContext"].(map[string]any)
		drop, _, _ := unstructured.NestedStringSlice(security, "capabilities", "drop")
		if replicas != 2 || podSecurity["runAsNonRoot"] != true || security["readOnlyRootFilesystem"] != true ||
			security["allowPrivilegeEscalation"] != false || !slices.Equal(drop, []string{"ALL"}) ||
			c["livenessProbe"] == nil || c["readinessProbe"] == nil || c["resources"] == nil {
			t.Errorf("Deployment %s: replicas %d, pod securityContext %v, container securityContext %v, probes and resources %v/%v/%v",
				name, replicas, podSecurity, security, c["livenessProbe"] != nil, c["readinessProbe"] != nil, c["resources"] != nil)
		}
		find(t, base, "PodDisruptionBudget", name)
	}
	if args := containerArgs(t, base, "kubefed-syncer"); !slices.Contains(args, "--leader-elect") {
		t.Errorf("syncer args %v lack --leader-elect", args)
	}

	if scope, _, _ := unstructured.NestedString(find(t, namespaced, "KubeFedConfig", "kubefed").Object, "spec", "scope"); scope != "Namespaced" {
		t.Errorf("namespaced overlay: KubeFedConfig scope %q", scope)
	}
	if has(namespaced, "ClusterRole", "kubefed-syncer") || !has(namespaced, "Role", "kubefed-syncer-federated") {
		t.Error("namespaced overlay: the syncer's federated-object rights should be the Role kubefed-syncer-federated, not the ClusterRole kubefed-syncer")
	}
	if args := containerArgs(t, namespaced, "kubefed-admission-webhook"); !slices.Contains(args, "--namespaced") {
		t.Errorf("namespaced overlay: webhook args %v lack --namespaced", args)
	}
	vwc := find(t, namespaced, "ValidatingWebhookConfiguration", "validations.core.kubefed.io-kube-federation-system")
	hooks, _, _ := unstructured.NestedSlice(vwc.Object, "webhooks")
	for _, h := range hooks {
		ns, _, _ := unstructured.NestedString(h.(map[string]any), "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name")
		if ns != KubeFedNamespace {
			t.Errorf("namespaced overlay: webhook %v selects namespace %q", h.(map[string]any)["name"], ns)
		}
	}

	if args := containerArgs(t, certManager, "kubefed-admission-webhook"); slices.Contains(args, "--cert-rotation") {
		t.Errorf("cert-manager overlay: webhook args %v still rotate certificates", args)
	}
	if has(certManager, "Role", "kubefed-admission-webhook-certificates") || has(certManager, "ClusterRole", "kubefed-admission-webhook-configurations") {
		t.Error("cert-manager overlay: the webhook keeps the rights to write its certificate Secret and configurations")
	}
	if ann := find(t, certManager, "MutatingWebhookConfiguration", "mutation.core.kubefed.io").GetAnnotations(); ann["cert-manager.io/inject-ca-from"] == "" {
		t.Errorf("cert-manager overlay: no inject-ca-from annotation: %v", ann)
	}
}

func find(t *testing.T, docs []map[string]any, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, d := range docs {
		u := &unstructured.Unstructured{Object: d}
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	t.Fatalf("no %s %s in the kustomize output", kind, name)
	return nil
}

func has(docs []map[string]any, kind, name string) bool {
	for _, d := range docs {
		u := &unstructured.Unstructured{Object: d}
		if u.GetKind() == kind && u.GetName() == name {
			return true
		}
	}
	return false
}

func containerArgs(t *testing.T, docs []map[string]any, deployment string) []string {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(find(t, docs, "Deployment", deployment).Object, "spec", "template", "spec", "containers")
	args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	return args
}
