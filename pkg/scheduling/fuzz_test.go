package scheduling

import (
	"fmt"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// FuzzPlan checks, for any input, that Plan returns, places no more than
// the total, never plans a negative count or one above a cluster's
// maximum or capacity, and gives every cluster in the plan a reason.
func FuzzPlan(f *testing.F) {
	f.Add(int64(50), int64(1), int64(0), int64(-1), int64(10), int64(30), uint8(3), true, "ns/web")
	f.Add(int64(6), int64(2), int64(3), int64(3), int64(-1), int64(0), uint8(2), false, "")
	f.Add(int64(1<<31-1), int64(1<<62), int64(0), int64(-1), int64(-1), int64(1<<31-2), uint8(5), false, "k")
	f.Fuzz(func(t *testing.T, total, weight, minimum, maximum, capacity, current int64, n uint8, rebalance bool, key string) {
		total %= 1 << 31 // totalReplicas is an int32
		n %= 120
		clusters := make([]string, n)
		prefs := map[string]v1alpha1.ClusterPreferences{}
		caps, currents := map[string]int64{}, map[string]int64{}
		for i := range clusters {
			name := fmt.Sprintf("c%d", i)
			clusters[i] = name
			pref := v1alpha1.ClusterPreferences{Weight: weight * int64(i%3), MinReplicas: minimum * int64(i%2)}
			if maximum >= 0 || i%4 == 0 {
				m := maximum + int64(i)
				pref.MaxReplicas = &m
			}
			if i%5 != 4 {
				prefs[name] = pref
			}
			if capacity >= 0 && i%3 == 1 {
				caps[name] = capacity - int64(i)
			}
			currents[name] = current / int64(i+1)
		}
		if weight%2 == 0 {
			prefs[v1alpha1.AllClusters] = v1alpha1.ClusterPreferences{Weight: weight}
		}
		res := Plan(Input{Preferences: prefs, TotalReplicas: total, Clusters: clusters, Current: currents,
			Capacity: caps, Rebalance: rebalance, Key: key})
		var sum int64
		for name, count := range res.Plan {
			if count < 0 {
				t.Fatalf("cluster %s planned %d", name, count)
			}
			if c, ok := caps[name]; ok && count > max(c, 0) {
				t.Fatalf("cluster %s planned %d above capacity %d", name, count, c)
			}
			if res.Reasons[name] == "" {
				t.Fatalf("cluster %s has no reason", name)
			}
			sum += count
		}
		if sum > max(total, 0) {
			t.Fatalf("planned %d replicas of %d: %v", sum, total, res.Plan)
		}
	})
}
