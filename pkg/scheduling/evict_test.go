package scheduling

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestHoldEvicting(t *testing.T) {
	spec := &typesv1beta1.FederatedSpec{Overrides: []typesv1beta1.Override{{ClusterName: "old", ClusterOverrides: []typesv1beta1.ClusterOverride{
		{Path: ReplicasPath, Value: &apiextensionsv1.JSON{Raw: []byte("3")}}}}}}
	res := Result{Plan: map[string]int64{"a": 2, "b": 1}}
	tests := []struct {
		name     string
		observed map[string]Observation
		want     int64
	}{
		{"the moved replicas are not ready: the old cluster keeps its 3", map[string]Observation{"a": {Current: 2, Reported: 2}}, 3},
		{"they are: the old cluster gets 0", map[string]Observation{"a": {Current: 2, Reported: 2}, "b": {Current: 5, Reported: 5}}, 0},
		{"their pods are ready but b's status does not say so yet: the old cluster keeps its 3", map[string]Observation{"a": {Current: 2, Reported: 2}, "b": {Current: 1, Reported: 0}}, 3},
	}
	for _, tt := range tests {
		result := map[string]int64{"a": 2, "b": 1}
		rows := HoldEvicting(result, spec, []string{"old"}, res, tt.observed)
		if result["old"] != tt.want || len(rows) != 1 || rows[0].Planned != tt.want || rows[0].Reason != ReasonEvicting || !rows[0].Placed {
			t.Errorf("%s: result %v rows %+v, want old=%d", tt.name, result, rows, tt.want)
		}
	}
	if n := Scheduled(spec, "none"); n != -1 {
		t.Errorf("Scheduled of a cluster without override = %d, want -1", n)
	}
}
