package scheduling

import (
	"maps"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// TestResult covers reference §3.5 step 6: 0 for clusters running the
// workload, then the plan, plus the overflow.
func TestResult(t *testing.T) {
	in := Input{
		Preferences:   map[string]v1alpha1.ClusterPreferences{"a": {Weight: 1}, "b": {Weight: 1}},
		TotalReplicas: 10, Clusters: []string{"a", "b", "c"},
		Current:   map[string]int64{"c": 3, "a": 1},
		Capacity:  map[string]int64{"b": 2},
		Rebalance: true,
	}
	res := Plan(in)
	got := Replicas(in, res)
	want := map[string]int64{"a": 8, "b": 2 + 3, "c": 0}
	if !maps.Equal(got, want) {
		t.Fatalf("Replicas = %v, want %v (plan %v overflow %v)", got, want, res.Plan, res.Overflow)
	}
	statuses := ClusterStatuses(Rows(in, res))
	if len(statuses) != 3 {
		t.Fatalf("statuses = %+v", statuses)
	}
	a, b, c := statuses[0], statuses[1], statuses[2]
	if a.Name != "a" || a.Replicas != 8 || *a.CurrentReplicas != 1 || a.Capacity != nil || a.Reason != "weight" {
		t.Errorf("a: %+v", a)
	}
	if b.Name != "b" || b.Replicas != 5 || b.Overflow != 3 || *b.Capacity != 2 || b.CurrentReplicas != nil || b.Reason != "capacity" {
		t.Errorf("b: %+v", b)
	}
	if c.Name != "c" || c.Replicas != 0 || *c.CurrentReplicas != 3 || c.Reason != "no preference" {
		t.Errorf("c: %+v", c)
	}
}
