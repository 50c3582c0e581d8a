package scheduling

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// fed runs `kubectl fed ARGS --context host` through kubectl's plugin
// dispatch to the kubectl-fed built for this run.
func fed(t *testing.T, args ...string) testkit.Result {
	t.Helper()
	return testkit.Plugin{Kubeconfig: shared.KubeconfigPath()}.Run(t, args...)
}

// TestPlanOffline previews an RSP through kubectl without touching any
// cluster: reference case "* weight 1, total 50, capacity C=10" with
// rebalance.
func TestPlanOffline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rsp.yaml")
	if err := os.WriteFile(file, []byte(`apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata: {name: web, namespace: shop}
spec: {targetKind: FederatedDeployment, totalReplicas: 50, rebalance: true}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := fed(t, "plan", "-f", file, "--clusters", "A,B,C", "--capacity", "C=10", "--key", "")
	want := `CLUSTER   PLANNED   CURRENT   CAPACITY   OVERFLOW   REASON
A         20        -         -          -          weight
B         20        -         -          -          weight
C         10        -         10         7          capacity
`
	if r.Err != nil || r.Stdout != want || r.Stderr != "" {
		t.Errorf("kubectl fed plan -f: err %v\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.Err, r.Stdout, want, r.Stderr)
	}
	r = fed(t, "plan", "-f", file, "--clusters", "A,B,C", "--capacity", "C=10", "--key", "", "-o", "json")
	wantJSON := "{\n    \"plan\": {\n        \"A\": 20,\n        \"B\": 20,\n        \"C\": 10\n    },\n    \"overflow\": {\n        \"C\": 7\n    }\n}\n"
	if r.Err != nil || r.Stdout != wantJSON {
		t.Errorf("kubectl fed plan -f -o json: err %v\nstdout:\n%s\nwant:\n%s", r.Err, r.Stdout, wantJSON)
	}
	if r := fed(t, "plan", "-f", file); r.Err == nil {
		t.Errorf("kubectl fed plan -f without --clusters succeeded:\n%s", r.Stdout)
	}
}

// TestPlanLive shows the plan the syncer recorded, with the replicas the
// members run.
func TestPlanLive(t *testing.T) {
	ns := newNamespace(t)
	runPods(t, "member1", ns, -1)
	runPods(t, "member2", ns, -1)
	create(t, workload(deployments, ns, "web", clusters("member1", "member2"), nil))
	// The RSP comes once both members run the template's replica: a first
	// plan that sees only one of them keeps its replicas (rebalance false),
	// as in TestFailover.
	waitReady(t, deployments, "member1", ns, "web", 1)
	waitReady(t, deployments, "member2", ns, "web", 1)
	create(t, newRSP(deployments, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 6,
		Clusters: map[string]v1alpha1.ClusterPreferences{"member1": {Weight: 2}, "member2": {Weight: 1}}}))
	want := `CLUSTER   PLANNED   CURRENT   CAPACITY   OVERFLOW   REASON
member1   4         4         -          -          weight
member2   2         2         -          -          weight
`
	var last testkit.Result
	testkit.Eventually(t, "kubectl fed plan rsp web to show the running replicas", func(context.Context) (bool, error) {
		last = fed(t, "plan", "rsp", "web", "-n", ns)
		return check(last.Err == nil && last.Stdout == want, "err %v, stdout:\n%s\nstderr: %s", last.Err, last.Stdout, last.Stderr)
	})
	r := fed(t, "plan", "rsp", "web", "-n", ns, "-o", "yaml")
	if wantYAML := "overflow: {}\nplan:\n  member1: 4\n  member2: 2\n"; r.Err != nil || r.Stdout != wantYAML {
		t.Errorf("kubectl fed plan rsp web -o yaml: err %v\n%s\nwant:\n%s", r.Err, r.Stdout, wantYAML)
	}
	if r := fed(t, "plan", "rsp", "absent", "-n", ns); r.Err == nil || !strings.Contains(r.Stderr, "not found") {
		t.Errorf("kubectl fed plan rsp absent: err %v, stderr %q; want a not-found error", r.Err, r.Stderr)
	}
}
