package status

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// runSyncer runs the syncer as a process (each test its own: a second
// syncer in this process would clash with the first's controller names)
// until the end of the test, and waits for it to stop so that later tests'
// statuses stay as they write them. Its log is shown if the test failed.
func runSyncer(t *testing.T) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "syncer.log")
	p, err := testkit.StartSyncer(context.Background(), shared, "syncer", testkit.Command(t, "syncer"), logPath,
		"--leader-elect=false", "--workers", "4")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			if len(out) > 6000 {
				out = out[len(out)-6000:]
			}
			t.Logf("syncer log (end):\n%s", out)
		}
	})
}

// eventuallyShows polls `kubectl fed ARGS` until its normalized output
// holds every fragment, and returns it.
func eventuallyShows(t *testing.T, what string, args []string, fragments ...string) string {
	t.Helper()
	var out string
	testkit.Eventually(t, what, func(context.Context) (bool, error) {
		r := fed(t, args...)
		out = normalize(r.Stdout + r.Stderr)
		for _, f := range fragments {
			if !strings.Contains(out, f) {
				return false, nil
			}
		}
		return true, nil
	})
	return out
}

// TestViewsOfALiveFleet runs the syncer on a fleet with simulated nodes:
// member1 runs both replicas of web, member2 has room for one. The views
// show the collected and aggregated status, and a member going down.
func TestViewsOfALiveFleet(t *testing.T) {
	mustFed(t, "enable", "namespaces")
	runSyncer(t)
	createNamespace(t, "live")
	ctx := context.Background()
	everywhere := object{"clusters": []any{object{"name": "member1"}, object{"name": "member2"}}}
	fns := &unstructured.Unstructured{Object: object{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedNamespace",
		"metadata": object{"namespace": "live", "name": "live"},
		"spec":     object{"placement": everywhere},
	}}
	labels := object{"app": "web"}
	web := &unstructured.Unstructured{Object: object{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": object{"namespace": "live", "name": "web"},
		"spec": object{
			"template": object{"spec": object{"replicas": int64(2), "selector": object{"matchLabels": labels},
				"template": object{"metadata": object{"labels": labels},
					"spec": object{"containers": []any{object{"name": "web", "image": "web:1"}}}}}},
			"placement": everywhere,
		},
	}}
	for _, u := range []*unstructured.Unstructured{fns, web} {
		if err := host.Create(ctx, u); err != nil {
			t.Fatalf("creating %s: %v", u.GetKind(), err)
		}
	}

	view := []string{"status", "deployment", "web", "-n", "live"}
	out := eventuallyShows(t, "member statuses collected: 2/2 in member1, 1/2 in member2", view,
		"Status: | Propagated",
		"Ready: | False (ReplicasNotReady): not ready in 1/2 clusters: member2: 1/2 ready, 2 up-to-date, 1 available",
		"Replicas: | 3/4 ready, 4 up-to-date, 3 available",
		"member1 | ok | 2/2 | 2 | 2\n",
		"member2 | ok | 1/2 | 2 | 1 | 1/2 ready, 2 up-to-date, 1 available\n")
	t.Logf("kubectl fed status deployment web -n live:\n%s", out)
	eventuallyShows(t, "the type view with aggregated replicas", []string{"status", "deployments", "-n", "live"},
		"web | 2/2 | 3/4 | Propagated | <age>")
	mustFail(t, fed(t, append(view, "--fail-if-not-ready")...), "FederatedDeployment live/web is not ready", "member2: 1/2 ready")

	// A member going down shows in the fleet, type and object views.
	member2 := shared.Cluster("member2")
	member2.StopAPIServer()
	t.Cleanup(func() {
		if err := member2.StartAPIServer(context.Background()); err != nil {
			t.Errorf("restarting member2's API server: %v", err)
		}
	})
	eventuallyShows(t, "member2 not ready in the fleet view", []string{"status"}, "member2 | joined | False |")
	eventuallyShows(t, "member2 not ready in the object view", view, "member2 | ClusterNotReady | - | - | -")
	eventuallyShows(t, "the type view failing", []string{"status", "deployments", "-n", "live"},
		"web | 1/2 |", "Failing: ClusterNotReady")
}
