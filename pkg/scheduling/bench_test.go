package scheduling

import (
	"fmt"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// BenchmarkPlan100Clusters plans 1000 replicas over 100 clusters with
// mixed weights, minimums, maximums, capacities and running replicas. It
// prints µs/plan beside the 50 µs goal and never fails on a timing: a
// single iteration (-benchtime 1x) on a busy machine says little.
func BenchmarkPlan100Clusters(b *testing.B) {
	for _, rebalance := range []bool{false, true} {
		b.Run(fmt.Sprintf("rebalance=%v", rebalance), func(b *testing.B) {
			in := Input{Preferences: map[string]v1alpha1.ClusterPreferences{"*": {Weight: 1}}, TotalReplicas: 1000,
				Current: map[string]int64{}, Capacity: map[string]int64{}, Rebalance: rebalance, Key: "shop/web"}
			for i := range 100 {
				name := fmt.Sprintf("cluster-%03d", i)
				in.Clusters = append(in.Clusters, name)
				maxReplicas := int64(15 + i%10)
				in.Preferences[name] = v1alpha1.ClusterPreferences{MinReplicas: int64(i % 3), MaxReplicas: &maxReplicas, Weight: int64(1 + i%4)}
				in.Current[name] = int64(i % 17)
				if i%7 == 0 {
					in.Capacity[name] = 5
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				Plan(in)
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/1000, "µs/plan")
			b.ReportMetric(50, "goal-µs/plan")
		})
	}
}
