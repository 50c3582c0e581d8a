package scheduling

import (
	"encoding/json"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func raw(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

func op(path, value string) typesv1beta1.ClusterOverride {
	return typesv1beta1.ClusterOverride{Path: path, Value: raw(value)}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestApply covers reference §3.5 step 7 and KubeFed's plugin unit tests.
func TestApply(t *testing.T) {
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"foo": "bar"}}
	cases := []struct {
		name    string
		spec    typesv1beta1.FederatedSpec
		result  map[string]int64
		changed bool
		want    string // JSON of placement and overrides after Apply
	}{
		{
			name: "replicas override removed for an unscheduled cluster, others kept",
			spec: typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}, {Name: "b"}}},
				Overrides: []typesv1beta1.Override{
					{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{op("/spec/replicas", "5")}},
					{ClusterName: "b", ClusterOverrides: []typesv1beta1.ClusterOverride{op("/spec/replicas", "5"), op("/ultimate/answer", "42")}},
				}},
			result:  map[string]int64{"a": 5},
			changed: true,
			want:    `{"clusters":[{"name":"a"}]}|[{"clusterName":"a","clusterOverrides":[{"path":"/spec/replicas","value":5}]},{"clusterName":"b","clusterOverrides":[{"path":"/ultimate/answer","value":42}]}]`,
		},
		{
			name: "existing override updated 0 to 5",
			spec: typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}}},
				Overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{op("/spec/replicas", "0")}}}},
			result:  map[string]int64{"a": 5},
			changed: true,
			want:    `{"clusters":[{"name":"a"}]}|[{"clusterName":"a","clusterOverrides":[{"path":"/spec/replicas","value":5}]}]`,
		},
		{
			name: "override added with value 0 next to an unrelated one",
			spec: typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{ClusterSelector: selector},
				Overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{op("/metadata/labels/x", `"y"`)}}}},
			result:  map[string]int64{"a": 0},
			changed: true,
			want:    `{"clusters":[{"name":"a"}],"clusterSelector":{"matchLabels":{"foo":"bar"}}}|[{"clusterName":"a","clusterOverrides":[{"path":"/metadata/labels/x","value":"y"},{"path":"/spec/replicas","value":0}]}]`,
		},
		{
			name: "nothing changed: same clusters in another order, 5.0 equals 5",
			spec: typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "b"}, {Name: "a"}}},
				Overrides: []typesv1beta1.Override{
					{ClusterName: "b", ClusterOverrides: []typesv1beta1.ClusterOverride{op("/spec/replicas", "2.0")}},
					{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{op("/image", `"x"`), op("/spec/replicas", "3")}},
				}},
			result:  map[string]int64{"a": 3, "b": 2},
			changed: false,
			want:    `{"clusters":[{"name":"b"},{"name":"a"}]}|[{"clusterName":"b","clusterOverrides":[{"path":"/spec/replicas","value":2.0}]},{"clusterName":"a","clusterOverrides":[{"path":"/image","value":"x"},{"path":"/spec/replicas","value":3}]}]`,
		},
		{
			name:    "no placement and no overrides: zero-replica clusters placed too",
			result:  map[string]int64{"b": 0, "a": 4},
			changed: true,
			want:    `{"clusters":[{"name":"a"},{"name":"b"}]}|[{"clusterName":"a","clusterOverrides":[{"path":"/spec/replicas","value":4}]},{"clusterName":"b","clusterOverrides":[{"path":"/spec/replicas","value":0}]}]`,
		},
		{
			name: "a remove operation on /spec/replicas becomes a replace; duplicates dropped",
			spec: typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}}},
				Overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{
					{Op: typesv1beta1.OverrideOpRemove, Path: "/spec/replicas"}, op("/spec/replicas", "9")}}}},
			result:  map[string]int64{"a": 1},
			changed: true,
			want:    `{"clusters":[{"name":"a"}]}|[{"clusterName":"a","clusterOverrides":[{"path":"/spec/replicas","value":1}]}]`,
		},
		{
			name:    "empty result: placement emptied",
			spec:    typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}}}},
			result:  map[string]int64{},
			changed: true,
			want:    `{"clusters":[]}|null`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			before := toJSON(t, spec)
			changed := Apply(&spec, tc.result)
			if changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
			if got := toJSON(t, spec.Placement) + "|" + toJSON(t, spec.Overrides); got != tc.want {
				t.Errorf("after Apply:\n got %s\nwant %s", got, tc.want)
			}
			if !changed && toJSON(t, spec) != before {
				t.Errorf("unchanged spec was modified: %s -> %s", before, toJSON(t, spec))
			}
		})
	}
}
