package cli

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// fedRaw runs `kubectl fed ARGS` with the fleet's kubeconfig and no
// --context of its own.
func fedRaw(t testing.TB, args ...string) testkit.Result {
	t.Helper()
	return testkit.KubectlEnv(t, pluginEnv(t, shared.KubeconfigPath()), append([]string{"fed"}, args...)...)
}

// TestFederateWarnsWhenItGoesNowhere checks that federate succeeds but
// warns when a placement names a cluster that is not joined, and when the
// object's namespace is not federated (with the command that fixes it).
func TestFederateWarnsWhenItGoesNowhere(t *testing.T) {
	host := hostClient(t)
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "nowhere-")
	mustFed(t, "enable", "configmaps", "namespaces")
	for _, name := range []string{"c3", "c4"} {
		if err := host.Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}

	for _, args := range [][]string{
		{"federate", "cm", "c3", "-n", ns, "--clusters", "member9", "--dry-run"},
		{"federate", "cm", "c3", "-n", ns, "--clusters", "member9"},
	} {
		r := fed(t, args...)
		if r.Err != nil {
			t.Fatalf("%v: %v\n%s", args, r.Err, r.Stderr)
		}
		for _, want := range []string{
			`Warning: cluster "member9" in --clusters is not joined`, "kubectl fed join member9",
			"Warning: namespace " + ns + " is not federated", "kubectl fed federate namespace " + ns,
		} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.Stderr)
			}
		}
	}

	mustFed(t, "federate", "namespace", ns)
	r := fed(t, "federate", "cm", "c4", "-n", ns)
	if r.Err != nil || strings.Contains(r.Stderr, "is not federated") || strings.Contains(r.Stderr, "in --clusters is not joined") {
		t.Errorf("federate into a federated namespace with the default placement: err=%v stderr:\n%s", r.Err, r.Stderr)
	}

	t.Run("status of a FederatedNamespace looks in the namespace of its name", func(t *testing.T) {
		out := mustFed(t, "status", "namespaces", ns)
		if !strings.Contains(out, ns) {
			t.Errorf("status namespaces %s:\n%s", ns, out)
		}
		if out := mustFed(t, "status", "namespaces"); !strings.Contains(out, ns) {
			t.Errorf("status namespaces does not list %s:\n%s", ns, out)
		}
	})

	t.Run("-v=1 logs the writes with the keys cluster, type and object", func(t *testing.T) {
		if err := host.Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c5"}}); err != nil {
			t.Fatal(err)
		}
		r := fed(t, "federate", "cm", "c5", "-n", ns, "-v=1")
		if r.Err != nil {
			t.Fatalf("%v\n%s", r.Err, r.Stderr)
		}
		for _, want := range []string{`"Creating object"`, `cluster="host"`, `type="FederatedConfigMap"`, `object="` + ns + `/c5"`} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("-v=1 log lacks %s:\n%s", want, r.Stderr)
			}
		}
		if r := fed(t, "federate", "cm", "c3", "-n", ns, "--dry-run"); strings.Contains(r.Stderr, "Creating object") {
			t.Errorf("without -v, federate logged:\n%s", r.Stderr)
		}
	})
}

// TestStatusFindsTheControlPlane checks the messages for a kubeconfig,
// context or KubeFed namespace that holds no control plane.
func TestStatusFindsTheControlPlane(t *testing.T) {
	mustFail(t, fed(t, "status", "--kubefed-namespace", "wrong"),
		`no KubeFed control plane in namespace wrong of context "host"`, "kubectl get kubefedconfigs -A", "--kubefed-namespace")
	mustFail(t, fedRaw(t, "status", "--context", "member1"),
		`no KubeFed control plane in namespace kube-federation-system of context "member1"`, "--context")
	mustFail(t, fedRaw(t, "status", "--context", "nope"),
		`context "nope" does not exist in the kubeconfig`, "its contexts are: host, member1, member2")
	mustFail(t, fedRaw(t, "federate", "cm", "x", "--context", "nope"), `context "nope" does not exist`)
	mustFail(t, fedRaw(t, "status", "--kubeconfig", "/nonexistent/config"), "the kubeconfig /nonexistent/config (--kubeconfig) cannot be read")
}

// TestEnableTwiceIsUnchanged checks that enabling a type again reports
// both of its objects unchanged.
func TestEnableTwiceIsUnchanged(t *testing.T) {
	mustFed(t, "enable", "limitranges")
	out := mustFed(t, "enable", "limitranges")
	for _, want := range []string{
		"customresourcedefinition.apiextensions.k8s.io/federatedlimitranges.types.kubefed.io unchanged",
		"federatedtypeconfig.core.kubefed.io/limitranges unchanged in namespace kube-federation-system",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second enable lacks %q:\n%s", want, out)
		}
	}
}

// TestFederateContentsSelector checks that -l restricts what --contents
// federates with a namespace, and that -o name prints the federated objects.
func TestFederateContentsSelector(t *testing.T) {
	host := hostClient(t)
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "selector-")
	mustFed(t, "enable", "configmaps", "namespaces")
	for name, app := range map[string]string{"web-a": "web", "web-b": "web", "db": "db"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}}}
		if err := host.Create(context.Background(), cm); err != nil {
			t.Fatal(err)
		}
	}
	out := mustFed(t, "federate", "namespace", ns, "--contents", "-l", "app=web", "--skip-api-resources", "secrets,serviceaccounts", "-o", "name")
	want := "federatednamespace.types.kubefed.io/" + ns + "\nfederatedconfigmap.types.kubefed.io/web-a\nfederatedconfigmap.types.kubefed.io/web-b\n"
	if out != want {
		t.Errorf("federate --contents -l app=web -o name:\n%s\nwant\n%s", out, want)
	}
	mustFail(t, fed(t, "federate", "cm", "db", "-n", ns, "-l", "app=web"), "--selector chooses the objects --contents federates")
	mustFail(t, fed(t, "federate", "cm", "db", "-n", ns, "-o", "xml"), `Invalid value for --output: "xml"`)
}

// TestFederateDryRunFailsAsTheRealRun checks that a dry run of a type that
// is not enabled fails as the real run does, instead of reporting it created.
func TestFederateDryRunFailsAsTheRealRun(t *testing.T) {
	host := hostClient(t)
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "dryrun-")
	if err := host.Create(context.Background(), &corev1.PodTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pt"},
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"federate", "podtemplates", "pt", "-n", ns}, {"federate", "podtemplates", "pt", "-n", ns, "--dry-run"}} {
		mustFail(t, fed(t, args...), "podtemplates", "--enable-type")
	}
	if out := mustFed(t, "federate", "podtemplates", "pt", "-n", ns, "--dry-run", "--enable-type"); !strings.Contains(out, "federatedpodtemplate.types.kubefed.io/pt created (dry run)") {
		t.Errorf("dry run with --enable-type:\n%s", out)
	}
}
