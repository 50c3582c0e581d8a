package bench

import (
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// TestShortPropagationBenchmark runs BenchmarkPropagation's measurements
// at a small size (200 objects x 3 members) inside `make test`, so that
// the benchmark cannot rot. It checks that every phase measured something,
// never a timing.
func TestShortPropagationBenchmark(t *testing.T) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	sz := Sizes{Members: 3, Objects: 200, LatencyRounds: 20, IdleSeconds: 5, WebhookCalls: 100}
	r := run(t, sz)
	report(t, r, "propagation-short.json")
	for _, m := range fleet.ClusterNames(sz.Members)[1:] {
		if got := r.MemberWritesBy[m+" POST"]; got < int64(sz.Objects) {
			t.Errorf("the syncer created %d objects in %s while propagating %d; want at least %d", got, m, sz.Objects, sz.Objects)
		}
	}
	if r.FloorSeconds <= 0 || r.CreatesPerSecondWebhook <= 0 || r.CreatesPerSecondNoWebhook <= 0 || r.HostWritesPerObject < 1 ||
		r.SyncerPeakRSSMiB <= 0 || len(r.WebhookP99Ms) != 2 {
		t.Errorf("a phase measured nothing: %+v", r)
	}
}
