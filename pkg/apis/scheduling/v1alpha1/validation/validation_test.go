package validation

import (
	"strings"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

func TestReplicaSchedulingPreference(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name     string
		spec     v1alpha1.ReplicaSchedulingPreferenceSpec
		fragment string
	}{
		{"valid", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", TotalReplicas: 9, Clusters: map[string]v1alpha1.ClusterPreferences{
			"*": {Weight: 1}, "cluster1": {MinReplicas: 2, MaxReplicas: n(2), Weight: 3}}}, ""},
		{"valid empty map", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedReplicaSet"}, ""},
		{"no kind", v1alpha1.ReplicaSchedulingPreferenceSpec{}, "spec.targetKind: Required value"},
		{"bad kind", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedStatefulSet"}, `spec.targetKind: Unsupported value: "FederatedStatefulSet"`},
		{"negative total", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", TotalReplicas: -1}, "spec.totalReplicas: Invalid value: -1: must be greater than or equal to 0"},
		{"negative min", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", Clusters: map[string]v1alpha1.ClusterPreferences{
			"c1": {MinReplicas: -1}}}, "spec.clusters[c1].minReplicas: Invalid value"},
		{"max below min", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", Clusters: map[string]v1alpha1.ClusterPreferences{
			"c1": {MinReplicas: 3, MaxReplicas: n(2)}}}, "spec.clusters[c1].maxReplicas: Invalid value: 2: must be greater than or equal to minReplicas"},
		{"negative weight", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", Clusters: map[string]v1alpha1.ClusterPreferences{
			"c1": {Weight: -5}}}, "spec.clusters[c1].weight: Invalid value"},
		{"bad cluster key", v1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", Clusters: map[string]v1alpha1.ClusterPreferences{
			"Bad_Name": {Weight: 1}}}, `spec.clusters[Bad_Name]: Invalid value: "Bad_Name": must be a cluster name or "*"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateReplicaSchedulingPreference(&v1alpha1.ReplicaSchedulingPreference{Spec: tt.spec})
			if tt.fragment == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected: %v", errs.ToAggregate())
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tt.fragment) {
				t.Fatalf("errors %v do not contain %q", errs.ToAggregate(), tt.fragment)
			}
		})
	}
}

func TestReplicaSchedulingPreferenceListsAllProblems(t *testing.T) {
	rsp := &v1alpha1.ReplicaSchedulingPreference{Spec: v1alpha1.ReplicaSchedulingPreferenceSpec{
		TargetKind: "Nope", TotalReplicas: -1,
		Clusters: map[string]v1alpha1.ClusterPreferences{"c1": {Weight: -1}},
	}}
	if errs := ValidateReplicaSchedulingPreference(rsp); len(errs) != 3 {
		t.Fatalf("want 3 errors, got %v", errs.ToAggregate())
	}
}
