package scheduling

import (
	"fmt"
	"maps"
	"math"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

type prefs = map[string]v1alpha1.ClusterPreferences
type counts = map[string]int64

func ptr(n int64) *int64 { return &n }

var (
	abc = []string{"A", "B", "C"}
	ab  = []string{"A", "B"}
)

// TestPlanReferenceCases is every planner case of reference §3.5, with
// key "" (clusters of equal weight in the order D < C < B < A).
func TestPlanReferenceCases(t *testing.T) {
	w1 := prefs{"*": {Weight: 1}}
	cases := []struct {
		prefs     prefs
		total     int64
		clusters  []string
		current   counts
		capacity  counts
		rebalance bool
		plan      counts
		overflow  counts
	}{
		{prefs: w1, total: 50, clusters: abc, plan: counts{"A": 16, "B": 17, "C": 17}},
		{prefs: w1, total: 50, clusters: ab, plan: counts{"A": 25, "B": 25}},
		{prefs: w1, total: 1, clusters: ab, plan: counts{"A": 0, "B": 1}},
		{prefs: w1, total: 1, clusters: []string{"A", "B", "C", "D"}, plan: counts{"A": 0, "B": 0, "C": 0, "D": 1}},
		{prefs: w1, total: 1, clusters: []string{"A"}, plan: counts{"A": 1}},
		{prefs: w1, total: 1, clusters: nil, plan: counts{}},
		{prefs: prefs{"*": {MinReplicas: 2}}, total: 50, clusters: abc, plan: counts{"A": 2, "B": 2, "C": 2}},
		{prefs: prefs{"*": {MinReplicas: 20}}, total: 50, clusters: abc, plan: counts{"A": 10, "B": 20, "C": 20}},
		{prefs: prefs{"*": {MinReplicas: 10, Weight: 1, MaxReplicas: ptr(12)}}, total: 50, clusters: abc, plan: counts{"A": 12, "B": 12, "C": 12}},
		{prefs: prefs{"*": {Weight: 1, MaxReplicas: ptr(2)}}, total: 50, clusters: abc, plan: counts{"A": 2, "B": 2, "C": 2}},
		{prefs: prefs{"*": {MaxReplicas: ptr(2)}}, total: 50, clusters: abc, plan: counts{"A": 0, "B": 0, "C": 0}},
		{prefs: prefs{"A": {Weight: 1}, "B": {Weight: 2}}, total: 60, clusters: abc, plan: counts{"A": 20, "B": 40}},
		{prefs: prefs{"A": {Weight: 10000}, "B": {Weight: 1}}, total: 50, clusters: abc, plan: counts{"A": 50, "B": 0}},
		{prefs: prefs{"A": {Weight: 10000}, "B": {Weight: 1}}, total: 50, clusters: []string{"B", "C"}, plan: counts{"B": 50}},
		{prefs: prefs{"A": {Weight: 10000, MaxReplicas: ptr(10)}, "B": {Weight: 1}, "C": {Weight: 1}}, total: 50, clusters: abc,
			plan: counts{"A": 10, "B": 20, "C": 20}},
		{prefs: prefs{"A": {Weight: 10000, MaxReplicas: ptr(10)}, "B": {Weight: 1}, "C": {Weight: 1, MaxReplicas: ptr(10)}}, total: 50, clusters: abc,
			plan: counts{"A": 10, "B": 30, "C": 10}},
		{prefs: w1, total: 50, clusters: abc, current: counts{"C": 30}, plan: counts{"A": 10, "B": 10, "C": 30}},
		{prefs: w1, total: 50, clusters: ab, current: counts{"A": 30}, plan: counts{"A": 30, "B": 20}},
		{prefs: w1, total: 50, clusters: ab, current: counts{"A": 10}, plan: counts{"A": 25, "B": 25}},
		{prefs: w1, total: 50, clusters: ab, current: counts{"A": 10, "B": 20}, plan: counts{"A": 25, "B": 25}},
		{prefs: w1, total: 50, clusters: abc, capacity: counts{"C": 10}, rebalance: true,
			plan: counts{"A": 20, "B": 20, "C": 10}, overflow: counts{"C": 7}},
		{prefs: prefs{"A": {Weight: 1}, "B": {Weight: 2}}, total: 60, clusters: abc, capacity: counts{"B": 10}, rebalance: true,
			plan: counts{"A": 50, "B": 10}, overflow: counts{"B": 30}},
		{prefs: prefs{"A": {Weight: 1}, "B": {Weight: 5}}, total: 60, clusters: abc, capacity: counts{"B": 10},
			plan: counts{"A": 50, "B": 10}, overflow: counts{}},
		// User-guide examples.
		{prefs: nil, total: 9, clusters: abc, plan: counts{"A": 3, "B": 3, "C": 3}},
		{prefs: w1, total: 9, clusters: abc, plan: counts{"A": 3, "B": 3, "C": 3}},
		{prefs: prefs{"A": {Weight: 1}, "B": {Weight: 2}}, total: 9, clusters: abc, plan: counts{"A": 3, "B": 6}},
		{prefs: prefs{"A": {MinReplicas: 4, MaxReplicas: ptr(6), Weight: 1}, "B": {MinReplicas: 4, MaxReplicas: ptr(8), Weight: 2}}, total: 9, clusters: abc,
			plan: counts{"A": 4, "B": 5}},
		{prefs: prefs{"*": {Weight: 1}, "C": {MaxReplicas: ptr(20), Weight: 1}}, total: 50, clusters: abc, plan: counts{"A": 16, "B": 17, "C": 17}},
		{prefs: prefs{"*": {Weight: 1}, "C": {MaxReplicas: ptr(20), Weight: 1}}, total: 50, clusters: []string{"A", "C"}, plan: counts{"A": 30, "C": 20}},
		{prefs: prefs{"*": {Weight: 1}, "C": {MaxReplicas: ptr(20), Weight: 1}}, total: 50, clusters: []string{"C"}, plan: counts{"C": 20}},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%v total %d clusters %v current %v capacity %v rebalance %v", tc.prefs, tc.total, tc.clusters, tc.current, tc.capacity, tc.rebalance)
		t.Run(name, func(t *testing.T) {
			got := Plan(Input{Preferences: tc.prefs, TotalReplicas: tc.total, Clusters: tc.clusters,
				Current: tc.current, Capacity: tc.capacity, Rebalance: tc.rebalance})
			if !maps.Equal(got.Plan, tc.plan) {
				t.Errorf("plan = %v, want %v", got.Plan, tc.plan)
			}
			if want := tc.overflow; !maps.Equal(got.Overflow, want) && (len(want) != 0 || len(got.Overflow) != 0) {
				t.Errorf("overflow = %v, want %v", got.Overflow, want)
			}
		})
	}
}

// TestHashIsFNV1 pins the tie-breaking hash to 32-bit FNV-1 (not FNV-1a)
// with the reference's values.
func TestHashIsFNV1(t *testing.T) {
	for name, want := range map[string]uint32{"A": 84696414, "B": 84696413, "C": 84696412, "D": 84696411} {
		if got := hash(name, ""); got != want {
			t.Errorf("hash(%q, \"\") = %d, want %d", name, got, want)
		}
	}
	// The key follows the cluster name: "A"+"x" hashes as "Ax".
	if hash("A", "x") != hash("Ax", "") {
		t.Errorf("hash(A, x) != hash(Ax, \"\")")
	}
}

// TestKeyOrdersTies shows that the key, not the cluster name, decides
// which of two equal clusters gets the odd replica.
func TestKeyOrdersTies(t *testing.T) {
	winners := map[string]bool{}
	for i := range 20 {
		key := fmt.Sprintf("ns/web-%d", i)
		got := Plan(Input{Preferences: prefs{"*": {Weight: 1}}, TotalReplicas: 1, Clusters: ab, Key: key}).Plan
		first := "A"
		if hash("B", key) < hash("A", key) {
			first = "B"
		}
		if got[first] != 1 {
			t.Errorf("key %q: plan %v, want the replica on %s (lower hash)", key, got, first)
		}
		winners[first] = true
	}
	if len(winners) != 2 {
		t.Errorf("over 20 keys only %v ever won a tie", winners)
	}
}

func TestReasons(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want map[string]Reason
	}{
		{"weight", Input{TotalReplicas: 4, Clusters: ab}, map[string]Reason{"A": ReasonWeight, "B": ReasonWeight}},
		{"min only", Input{Preferences: prefs{"*": {MinReplicas: 2}}, TotalReplicas: 4, Clusters: ab}, map[string]Reason{"A": ReasonMin, "B": ReasonMin}},
		{"max", Input{Preferences: prefs{"A": {Weight: 1, MaxReplicas: ptr(1)}, "B": {Weight: 1}}, TotalReplicas: 4, Clusters: ab},
			map[string]Reason{"A": ReasonMax, "B": ReasonWeight}},
		{"capacity", Input{TotalReplicas: 4, Clusters: ab, Capacity: counts{"A": 1}, Rebalance: true},
			map[string]Reason{"A": ReasonCapacity, "B": ReasonWeight}},
		{"capacity below min", Input{Preferences: prefs{"*": {MinReplicas: 3}}, TotalReplicas: 6, Clusters: ab, Capacity: counts{"A": 1}},
			map[string]Reason{"A": ReasonCapacity, "B": ReasonMin}},
		{"current kept", Input{TotalReplicas: 50, Clusters: abc, Current: counts{"C": 30}},
			map[string]Reason{"A": ReasonWeight, "B": ReasonWeight, "C": ReasonCurrent}},
		{"current equal to the weighted share", Input{TotalReplicas: 6, Clusters: ab, Current: counts{"A": 3, "B": 3}},
			map[string]Reason{"A": ReasonWeight, "B": ReasonWeight}},
		{"current below the weighted share", Input{TotalReplicas: 6, Clusters: ab, Current: counts{"A": 1, "B": 5}},
			map[string]Reason{"A": ReasonWeight, "B": ReasonCurrent}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Plan(tc.in).Reasons; !maps.Equal(got, tc.want) {
				t.Errorf("reasons = %v, want %v (plan %v)", got, tc.want, Plan(tc.in).Plan)
			}
		})
	}
}

func TestUnplaced(t *testing.T) {
	res := Plan(Input{Preferences: prefs{"*": {Weight: 1, MaxReplicas: ptr(2)}}, TotalReplicas: 10, Clusters: abc})
	if got := Unplaced(Rows(Input{Clusters: abc}, res), 10); got != 4 {
		t.Errorf("Unplaced = %d, want 4 (plan %v)", got, res.Plan)
	}
}

// TestPlanHostileInputs covers inputs the API rejects but the offline CLI
// or a future caller might pass: negative numbers count as zero and huge
// weights neither overflow nor loop.
func TestPlanHostileInputs(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want counts
	}{
		{"negative total", Input{TotalReplicas: -5, Clusters: ab}, counts{"A": 0, "B": 0}},
		{"negative weight and min", Input{Preferences: prefs{"A": {Weight: -1, MinReplicas: -3}, "B": {Weight: 1}}, TotalReplicas: 4, Clusters: ab},
			counts{"A": 0, "B": 4}},
		{"negative capacity", Input{TotalReplicas: 4, Clusters: ab, Capacity: counts{"A": -2}, Rebalance: true}, counts{"A": 0, "B": 4}},
		// The weight sum saturates: the first cluster takes everything.
		{"huge weights", Input{Preferences: prefs{"A": {Weight: math.MaxInt64}, "B": {Weight: math.MaxInt64}}, TotalReplicas: math.MaxInt32, Clusters: ab},
			counts{"A": 0, "B": math.MaxInt32}},
		{"min above max", Input{Preferences: prefs{"*": {MinReplicas: 5, MaxReplicas: ptr(2), Weight: 1}}, TotalReplicas: 10, Clusters: ab},
			counts{"A": 5, "B": 5}},
		// Running replicas far beyond the total, with nothing left to share:
		// KubeFed would take one pass per replica.
		{"pre-allocation passes", Input{Preferences: prefs{"A": {Weight: 1}, "B": {Weight: 0}}, TotalReplicas: math.MaxInt32,
			Clusters: ab, Current: counts{"A": math.MaxInt32 - 1}}, counts{"A": math.MaxInt32, "B": 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Plan(tc.in).Plan; !maps.Equal(got, tc.want) {
				t.Errorf("plan = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSkipAbsorbingPassesMatchesSlowLoop compares the fast-forward with
// passes run one by one on inputs small enough for the slow way.
func TestSkipAbsorbingPassesMatchesSlowLoop(t *testing.T) {
	for total := int64(1); total <= 40; total++ {
		for current := int64(0); current <= 45; current += 3 {
			for _, w := range [][2]int64{{1, 0}, {3, 1}, {1, 1}, {5, 2}} {
				in := Input{Preferences: prefs{"A": {Weight: w[0]}, "B": {Weight: w[1]}, "C": {Weight: 1, MaxReplicas: ptr(3)}},
					TotalReplicas: total, Clusters: abc, Current: counts{"A": current, "B": current / 2}}
				got := Plan(in).Plan
				want := slowPlan(in)
				if !maps.Equal(got, want) {
					t.Fatalf("%+v: plan %v, slow loop %v", in, got, want)
				}
			}
		}
	}
}

// slowPlan is Plan with the fast-forward disabled.
func slowPlan(in Input) counts {
	saved := fastForward
	fastForward = false
	defer func() { fastForward = saved }()
	return Plan(in).Plan
}
