package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestOrphaningDeletionRoundTrip enables, shows and disables orphaning of
// a federated object.
func TestOrphaningDeletionRoundTrip(t *testing.T) {
	host := hostClient(t)
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "orphan-")
	mustFed(t, "enable", "configmaps")
	if err := host.Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c1"}}); err != nil {
		t.Fatal(err)
	}
	mustFed(t, "federate", "configmap", "c1", "-n", ns)

	status := func() string {
		return strings.TrimSpace(mustFed(t, "orphaning-deletion", "status", "federatedconfigmaps", "c1", "-n", ns))
	}
	if got := status(); got != "Disabled" {
		t.Errorf("status before = %q", got)
	}
	if out := mustFed(t, "orphaning-deletion", "enable", "configmaps", "c1", "-n", ns, "--dry-run=server"); !strings.Contains(out, "federatedconfigmap.types.kubefed.io/c1 orphaning deletion enabled (server dry run)") {
		t.Errorf("enable --dry-run=server output: %q", out)
	}
	if got := status(); got != "Disabled" {
		t.Errorf("status after a server-side dry run = %q", got)
	}
	// TYPE is the target type, as for status: the federated object is annotated.
	if out := mustFed(t, "orphaning-deletion", "enable", "configmaps", "c1", "-n", ns); !strings.Contains(out, "federatedconfigmap.types.kubefed.io/c1 orphaning deletion enabled") {
		t.Errorf("enable output: %q", out)
	}
	fcm := getFederated(t, host, "FederatedConfigMap", ns, "c1")
	if fcm.GetAnnotations()["kubefed.io/orphan"] != "true" {
		t.Errorf("annotations = %v", fcm.GetAnnotations())
	}
	cm := &corev1.ConfigMap{}
	mustGet(t, host, cm, ns, "c1")
	if _, set := cm.Annotations["kubefed.io/orphan"]; set {
		t.Errorf("the host ConfigMap was annotated instead of its federated object: %v", cm.Annotations)
	}
	if got := status(); got != "Enabled" {
		t.Errorf("status after enable = %q", got)
	}
	mustFed(t, "orphaning-deletion", "disable", "cm", "c1", "-n", ns)
	if got := status(); got != "Disabled" {
		t.Errorf("status after disable = %q", got)
	}
	mustFail(t, fed(t, "orphaning-deletion", "status", "podtemplates", "c1", "-n", ns), "type podtemplates is not enabled for federation", "kubectl fed enable podtemplates")
	mustFail(t, fed(t, "orphaning-deletion", "status", "federatedconfigmaps", "nope", "-n", ns), `"nope" not found`)
	mustFail(t, fed(t, "orphaning-deletion", "enable", "federatedconfigmaps"), "TYPE and NAME are required")
}

// TestVersion checks the output forms of `kubectl fed version`: one human
// line for the plugin, plus one for the control plane it finds.
func TestVersion(t *testing.T) {
	out := mustFed(t, "version")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "kubectl-fed "+testVersion+" (commit ") || !strings.Contains(lines[0], runtime.GOOS+"/"+runtime.GOARCH+")") {
		t.Errorf("version = %q", out)
	}
	if len(lines) == 2 && !strings.HasPrefix(lines[1], `Control plane: namespace kube-federation-system of context "host"`) {
		t.Errorf("version's control plane line = %q", lines[1])
	}
	if out := mustFed(t, "version", "--client"); strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "kubectl-fed "+testVersion) {
		t.Errorf("version --client = %q", out)
	}
	if out := mustFed(t, "version", "--kubefed-namespace", "nowhere"); strings.Count(out, "\n") != 1 {
		t.Errorf("version without a control plane printed more than the plugin's line: %q", out)
	}
	if out := mustFed(t, "version", "--short"); strings.TrimSpace(out) != testVersion {
		t.Errorf("version --short = %q", out)
	}
	var info map[string]string
	if err := json.Unmarshal([]byte(mustFed(t, "version", "-o", "json")), &info); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"} {
		if info[key] == "" {
			t.Errorf("version -o json lacks %s: %v", key, info)
		}
	}
	if out := mustFed(t, "version", "-o", "yaml"); !strings.Contains(out, "gitVersion: "+testVersion) {
		t.Errorf("version -o yaml = %q", out)
	}
	mustFail(t, fed(t, "version", "-o", "xml"), "Invalid value for --output")
}

// TestCompletion completes through kubectl's plugin completion, which
// runs the kubectl_complete-fed helper `make build` and the krew archive
// ship: commands, contexts, joined clusters, served and enabled types,
// object names and namespaces; and checks the shell scripts complete the
// kubectl-fed program.
func TestCompletion(t *testing.T) {
	host := hostClient(t)
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "complete-")
	mustFed(t, "enable", "configmaps")
	ctx := context.Background()
	if err := host.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-config"}}); err != nil {
		t.Fatal(err)
	}
	mustFed(t, "federate", "configmap", "web-config", "-n", ns)
	kfc := &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-federation-system", Name: "completion-joined"},
		Spec:       corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://127.0.0.1:1", SecretRef: corev1beta1.LocalSecretReference{Name: "none"}},
	}
	if err := host.Create(ctx, kfc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Delete(context.Background(), kfc) })

	env := pluginEnv(t, shared.KubeconfigPath())
	for _, tc := range []struct {
		words  []string
		want   []string
		absent []string
	}{
		{[]string{"jo"}, []string{"join"}, nil},
		{[]string{"join", "mem"}, []string{"member1", "member2"}, nil},
		{[]string{"unjoin", "completion-"}, []string{"completion-joined"}, []string{"member1"}},
		{[]string{"status", "--context", "ho"}, []string{"host"}, nil},
		{[]string{"enable", "deployments"}, []string{"deployments.apps"}, nil},
		// status and orphaning-deletion offer the enabled types only.
		{[]string{"status", ""}, []string{"configmaps"}, []string{"pods"}},
		{[]string{"orphaning-deletion", "enable", "config"}, []string{"configmaps"}, nil},
		{[]string{"status", "configmaps", "-n", ns, "web"}, []string{"web-config"}, nil},
		{[]string{"orphaning-deletion", "status", "configmaps", "-n", ns, ""}, []string{"web-config"}, nil},
		{[]string{"federate", "configmaps", "-n", ns, "web"}, []string{"web-config"}, nil},
		{[]string{"status", "configmaps", "-n", "complete-"}, []string{ns}, nil},
		{[]string{"completion", ""}, []string{"bash", "kubectl-plugin"}, nil},
	} {
		r := testkit.KubectlEnv(t, env, append([]string{"__complete", "fed"}, tc.words...)...)
		// Lines are "completion[\tdescription]", then ":directive".
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
			word, _, _ := strings.Cut(line, "\t")
			got = append(got, word)
		}
		if r.Err != nil || len(got) == 0 || !strings.HasPrefix(got[len(got)-1], ":") {
			t.Errorf("kubectl __complete fed %s: err=%v stdout=%q stderr=%q", strings.Join(tc.words, " "), r.Err, r.Stdout, r.Stderr)
			continue
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("kubectl __complete fed %s = %q, want %s among them", strings.Join(tc.words, " "), got, w)
			}
		}
		for _, w := range tc.absent {
			if slices.Contains(got, w) {
				t.Errorf("kubectl __complete fed %s = %q, must not offer %s", strings.Join(tc.words, " "), got, w)
			}
		}
	}

	// The helper printed by completion kubectl-plugin is the one shipped.
	helper, err := os.ReadFile(filepath.Join(binDir, "kubectl_complete-fed"))
	if err != nil {
		t.Fatal(err)
	}
	if out := mustFed(t, "completion", "kubectl-plugin"); out != string(helper) {
		t.Errorf("completion kubectl-plugin printed:\n%s\nthe shipped helper is:\n%s", out, helper)
	}
	if out := mustFed(t, "completion", "bash"); !strings.Contains(out, "complete -o default -F __start_kubectl-fed kubectl-fed") {
		t.Errorf("the bash script does not complete kubectl-fed:\n%.400s", out)
	}
	mustFail(t, fed(t, "completion", "tcsh"), `unsupported shell "tcsh"`)
}

// TestHelpShowsKubectlFed checks that help speaks of `kubectl fed`.
func TestHelpShowsKubectlFed(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"join", "--help"}, {"federate", "--help"}, {"orphaning-deletion", "enable", "--help"}} {
		r := testkit.KubectlEnv(t, pluginEnv(t, shared.KubeconfigPath()), append([]string{"fed"}, args...)...)
		if r.Err != nil || !strings.Contains(r.Stdout, "Usage:\n  kubectl fed ") || !strings.Contains(r.Stdout, "Examples:") {
			t.Errorf("kubectl fed %s: err=%v\n%s%s", strings.Join(args, " "), r.Err, r.Stdout, r.Stderr)
		}
	}
}
