package scheduling

import (
	"maps"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

func capacity(n int64) *int64 { return &n }

func TestCapacities(t *testing.T) {
	cases := []struct {
		name       string
		total      int64
		observed   map[string]Observation
		remembered map[string]int64
		want       map[string]int64
	}{
		{"fresh estimate", 6, map[string]Observation{"a": {Current: 2, Capacity: capacity(2)}, "b": {Current: 3}}, nil, map[string]int64{"a": 2}},
		{"fresh replaces remembered", 6, map[string]Observation{"a": {Current: 1, Capacity: capacity(1)}, "b": {Current: 3}}, map[string]int64{"a": 2}, map[string]int64{"a": 1}},
		{"remembered while replicas are not all running", 6, map[string]Observation{"a": {Current: 2}, "b": {Current: 3}}, map[string]int64{"a": 2}, map[string]int64{"a": 2}},
		{"forgotten once all run", 6, map[string]Observation{"a": {Current: 2}, "b": {Current: 4}}, map[string]int64{"a": 2}, map[string]int64{}},
		{"forgotten when the cluster runs more than it", 6, map[string]Observation{"a": {Current: 3}, "b": {Current: 2}}, map[string]int64{"a": 2}, map[string]int64{}},
		{"forgotten for a cluster no longer observed", 6, map[string]Observation{"b": {Current: 3}}, map[string]int64{"a": 2}, map[string]int64{}},
		{"only for its own cluster", 6, map[string]Observation{"a": {Current: 2}, "b": {Current: 3}}, map[string]int64{"b": 5}, map[string]int64{"b": 5}},
		{"nothing observed", 6, nil, map[string]int64{"a": 2}, map[string]int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Capacities(tc.total, tc.observed, tc.remembered); !maps.Equal(got, tc.want) {
				t.Errorf("Capacities = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCapacityMoveHolds replays the e2e capacity case (6 replicas over a
// and b, rebalance false, a has room for 2) reconcile by reconcile, each
// plan starting from the status the previous one wrote. Between the move
// and b running its 4th replica, a runs 2 of 2 and has no unschedulable pod
// left: without the remembered estimate the plan went back to 3/3.
func TestCapacityMoveHolds(t *testing.T) {
	rsp := &v1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec: v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: v1alpha1.TargetKindFederatedDeployment, TotalReplicas: 6}}
	clusters := []string{"a", "b"}
	plan := func(observed map[string]Observation) (map[string]int64, map[string]int64) {
		in := PlanInput(rsp, clusters, observed)
		res := Plan(in)
		result := Replicas(in, res)
		rsp.Status.Clusters = ClusterStatuses(Rows(in, res))
		return result, in.Capacity
	}
	steps := []struct {
		name     string
		observed map[string]Observation
		want     map[string]int64
		capacity map[string]int64
	}{
		{"first plan", nil, map[string]int64{"a": 3, "b": 3}, map[string]int64{}},
		{"a's third pod unschedulable for the window", map[string]Observation{"a": {Current: 2, Capacity: capacity(2)}, "b": {Current: 3}},
			map[string]int64{"a": 2, "b": 4}, map[string]int64{"a": 2}},
		{"a runs 2 of 2, b 3 of 4", map[string]Observation{"a": {Current: 2}, "b": {Current: 3}},
			map[string]int64{"a": 2, "b": 4}, map[string]int64{"a": 2}},
		{"b runs 4: the estimate is dropped, the replicas stay where they run", map[string]Observation{"a": {Current: 2}, "b": {Current: 4}},
			map[string]int64{"a": 2, "b": 4}, map[string]int64{}},
	}
	for _, step := range steps {
		got, capacities := plan(step.observed)
		if !maps.Equal(got, step.want) || !maps.Equal(capacities, step.capacity) {
			t.Fatalf("%s: plan %v capacity %v, want %v capacity %v", step.name, got, capacities, step.want, step.capacity)
		}
	}

	// The same window planned without the estimate (KubeFed's behaviour):
	// the replica goes back to a.
	rsp.Status = v1alpha1.ReplicaSchedulingPreferenceStatus{}
	if got, _ := plan(map[string]Observation{"a": {Current: 2}, "b": {Current: 3}}); !maps.Equal(got, map[string]int64{"a": 3, "b": 3}) {
		t.Fatalf("without the remembered estimate: plan %v, want the flap back to 3/3", got)
	}
}
