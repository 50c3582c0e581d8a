package bench

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// TestShortPropagationBenchmark runs BenchmarkPropagation's measurements
// at a small size (200 objects x 3 members, writes counted over a 2 s idle
// window instead of 60 s) inside `make test`, so that the benchmark cannot
// rot. It checks that every phase measured something, never a timing.
func TestShortPropagationBenchmark(t *testing.T) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	sz := Sizes{Members: 3, Objects: 200, LatencyRounds: 20, IdleSeconds: 2, WebhookCalls: 100}
	r := run(t, sz)
	report(t, r, "propagation-short.json")
	for _, m := range fleet.ClusterNames(sz.Members)[1:] {
		if got := r.MemberWritesBy[m+" POST"]; got < int64(sz.Objects) {
			t.Errorf("the syncer created %d objects in %s while propagating %d; want at least %d", got, m, sz.Objects, sz.Objects)
		}
	}
	if r.FloorSeconds <= 0 || r.CreatesPerSecondWebhook <= 0 || r.CreatesPerSecondNoWebhook <= 0 || r.HostWritesPerObject < 1 ||
		r.SyncerPeakRSSMiB <= 0 || len(r.WebhookP99Ms) != 2 || r.PassesPerObject < 1 ||
		r.PropagationBudget.BusyCoreSeconds <= 0 || r.PropagationBudget.CoreSeconds[groupSyncer] <= 0 || len(r.PropagationBudget.Timeline) == 0 {
		t.Errorf("a phase measured nothing: %+v", r)
	}
}

// TestShortScaleBenchmark runs BenchmarkScale's measurements at a small
// size (200 objects x 3 light members, a short stall, a 2 s idle window)
// inside `make test`, so that the scale benchmark cannot rot. It checks that every phase
// measured something, that a restart rewrote nothing and that the stalled
// member lost nothing, never a timing. From the restart on, the members
// are probed every second (not ready after two failures, health bound 3 s)
// instead of at `make local-up`'s defaults (33 s), which the stall would
// otherwise wait out; its output says so.
func TestShortScaleBenchmark(t *testing.T) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	second, failures, successes := &metav1.Duration{Duration: time.Second}, int64(2), int64(1)
	sz := ScaleSizes{Members: []int{3}, ConfigMaps: 150, Deployments: 50, LatencyRounds: 10, IdleSeconds: 2, StallObjects: 20, ProfileSeconds: 1,
		HealthCheck: &corev1beta1.ClusterHealthCheckConfig{Period: second, Timeout: second, FailureThreshold: &failures, SuccessThreshold: &successes}}
	r := runScale(t, sz, 3)
	reportScale(t, sz, []ScaleResult{r})
	if r.MemberWrites < int64(r.MemberObjects) {
		t.Errorf("the syncer wrote %d times to members while propagating %d member objects", r.MemberWrites, r.MemberObjects)
	}
	if r.RestartWrites != 0 {
		t.Errorf("the restarted syncer wrote %d times to members, whose objects were all up to date; want 0", r.RestartWrites)
	}
	if s := r.StallReport; s == nil || s.Lost != 0 || s.Extra != 0 || s.ClusterNotReadySeconds <= 0 || s.EntriesSeconds <= 0 {
		t.Errorf("after the stall of member3 and SIGCONT: %+v; want it reported, then nothing lost or extra", s)
	}
	if r.FloorSeconds <= 0 || r.SyncerPeakRSSMiB <= 0 || r.RestartPeakRSSMiB <= 0 || r.StallSeconds <= 0 || r.StallCatchUpSeconds <= 0 || r.CPUProfile == "" || r.HeapProfile == "" {
		t.Errorf("a phase measured nothing: %+v", r)
	}
}
