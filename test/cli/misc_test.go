package cli

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// TestCompletion completes through kubectl, which runs the
// kubectl_complete-fed helper, and through the plugin directly.
func TestCompletion(t *testing.T) {
	r := testkit.KubectlEnv(t, pluginEnv(t, shared.KubeconfigPath()), "__complete", "fed", "jo")
	if r.Err != nil || !strings.Contains(r.Stdout, "join") {
		t.Errorf("kubectl __complete fed jo: err=%v stdout=%q stderr=%q", r.Err, r.Stdout, r.Stderr)
	}
	r = testkit.KubectlEnv(t, pluginEnv(t, shared.KubeconfigPath()), "fed", "__complete", "join", "mem")
	if r.Err != nil || !strings.Contains(r.Stdout, "member1") || !strings.Contains(r.Stdout, "member2") {
		t.Errorf("completion of join's CLUSTER_NAME: err=%v stdout=%q stderr=%q", r.Err, r.Stdout, r.Stderr)
	}
	r = testkit.KubectlEnv(t, pluginEnv(t, shared.KubeconfigPath()), "fed", "__complete", "enable", "--context", "host", "deployments")
	if r.Err != nil || !strings.Contains(r.Stdout, "deployments.apps") {
		t.Errorf("completion of enable's TYPE: err=%v stdout=%q stderr=%q", r.Err, r.Stdout, r.Stderr)
	}
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
