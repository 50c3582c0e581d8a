package scheduling

import (
	"maps"
	"strings"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

const regionKey = "topology.kubernetes.io/region"

var regions = map[string]map[string]string{
	"eu1": {regionKey: "eu"}, "eu2": {regionKey: "eu"}, "us1": {regionKey: "us"}, "ap1": {regionKey: "ap"}, "none": {},
}

func TestPlanSpread(t *testing.T) {
	tests := []struct {
		name     string
		clusters []string
		total    int64
		spread   v1alpha1.TopologySpread
		want     map[string]int64
		shares   map[string]int64
		met      bool
		message  string
	}{
		{"even across regions, then within eu", []string{"eu1", "eu2", "us1"}, 6, v1alpha1.TopologySpread{TopologyKey: regionKey, MinGroups: 2},
			map[string]int64{"eu1": 2, "eu2": 1, "us1": 3}, map[string]int64{"eu": 3, "us": 3}, true, "span 2"},
		{"weights per group", []string{"eu1", "us1", "ap1"}, 4, v1alpha1.TopologySpread{TopologyKey: regionKey, Weights: map[string]int64{"eu": 3, "us": 1}},
			map[string]int64{"eu1": 3, "us1": 1, "ap1": 0}, map[string]int64{"eu": 3, "us": 1, "ap": 0}, true, "span 2"},
		{"a region down: the plan runs in the one left, unmet", []string{"eu1", "eu2"}, 4, v1alpha1.TopologySpread{TopologyKey: regionKey, MinGroups: 2},
			map[string]int64{"eu1": 2, "eu2": 2}, map[string]int64{"eu": 4}, false, "only 1 topology.kubernetes.io/region groups have a ready candidate cluster (eu)"},
		{"too few replicas for the groups: unmet", []string{"eu1", "us1", "ap1"}, 1, v1alpha1.TopologySpread{TopologyKey: regionKey, MinGroups: 2},
			nil, nil, false, "span 1"},
		{"a cluster without the label gets nothing", []string{"none", "us1"}, 2, v1alpha1.TopologySpread{TopologyKey: regionKey},
			map[string]int64{"us1": 2}, map[string]int64{"us": 2}, true, "span 1"},
		{"no group at all", []string{"none"}, 2, v1alpha1.TopologySpread{TopologyKey: regionKey, MinGroups: 1},
			map[string]int64{}, map[string]int64{}, false, "(none)"},
	}
	for _, tt := range tests {
		res, sp := PlanSpread(Input{TotalReplicas: tt.total, Clusters: tt.clusters, Key: "ns/web", Rebalance: true}, tt.spread, regions)
		if tt.want != nil && !maps.Equal(res.Plan, tt.want) {
			t.Errorf("%s: plan %v, want %v", tt.name, res.Plan, tt.want)
		}
		if tt.shares != nil && !maps.Equal(sp.Shares, tt.shares) {
			t.Errorf("%s: shares %v, want %v", tt.name, sp.Shares, tt.shares)
		}
		if sp.Met != tt.met || !strings.Contains(sp.Message, tt.message) {
			t.Errorf("%s: met %v %q, want %v and a message containing %q", tt.name, sp.Met, sp.Message, tt.met, tt.message)
		}
	}
}

// FuzzPlanSpread checks on random inputs that the spread plan places at
// most totalReplicas, only in clusters with a group, and within each
// group at most its share.
func FuzzPlanSpread(f *testing.F) {
	f.Add(int64(7), uint8(2), int64(1), int64(2), false, uint8(0b1111))
	f.Fuzz(func(t *testing.T, total int64, minGroups uint8, wEU, wUS int64, rebalance bool, mask uint8) {
		var clusters []string
		for i, c := range []string{"eu1", "eu2", "us1", "ap1", "none"} {
			if mask&(1<<i) != 0 {
				clusters = append(clusters, c)
			}
		}
		spread := v1alpha1.TopologySpread{TopologyKey: regionKey, MinGroups: int32(minGroups), Weights: map[string]int64{"eu": wEU, "us": wUS}}
		res, sp := PlanSpread(Input{TotalReplicas: total, Clusters: clusters, Rebalance: rebalance, Current: map[string]int64{"eu1": 1}}, spread, regions)
		var sum int64
		groupSums := map[string]int64{}
		for c, n := range res.Plan {
			if n < 0 {
				t.Fatalf("negative plan %v", res.Plan)
			}
			g, ok := sp.Groups[c]
			if !ok {
				t.Fatalf("cluster %s without a group in the plan %v", c, res.Plan)
			}
			sum += n
			groupSums[g] += n
		}
		if sum > max(total, 0) {
			t.Fatalf("plan %v places %d of %d", res.Plan, sum, total)
		}
		for g, n := range groupSums {
			if n > sp.Shares[g] {
				t.Fatalf("group %s got %d over its share %d", g, n, sp.Shares[g])
			}
		}
	})
}
