package diff

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

func cm(data string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"namespace": "shop", "name": "web", "uid": "1234", "resourceVersion": "7"},
		"data":     map[string]any{"k": data}}}
	u.SetLabels(labels)
	return u
}

func TestCluster(t *testing.T) {
	managed := map[string]string{"kubefed.io/managed": "true"}
	for _, tc := range []struct {
		name     string
		plan     propagation.ClusterPlan
		observed *unstructured.Unstructured
		want     []string // fragments; none means no diff
	}{
		{name: "create", plan: propagation.ClusterPlan{Cluster: "a", Action: propagation.Create, Desired: cm("v", managed)},
			want: []string{"--- /dev/null\n+++ a/create\n", "+  k: v\n"}},
		{name: "update", plan: propagation.ClusterPlan{Cluster: "a", Action: propagation.Update, Desired: cm("new", managed)}, observed: cm("old", managed),
			want: []string{"--- a/live\n+++ a/update\n", "-  k: old\n+  k: new\n"}},
		{name: "delete", plan: propagation.ClusterPlan{Cluster: "a", Action: propagation.Delete}, observed: cm("v", managed),
			want: []string{"--- a/live\n+++ /dev/null\n", "-  k: v\n"}},
		{name: "unlabel", plan: propagation.ClusterPlan{Cluster: "a", Action: propagation.Unlabel}, observed: cm("v", managed),
			want: []string{"-    kubefed.io/managed: \"true\"\n"}},
		{name: "skip", plan: propagation.ClusterPlan{Cluster: "a", Action: propagation.Skip}, observed: cm("v", managed)},
		{name: "update without a visible change", plan: propagation.ClusterPlan{Cluster: "a", Action: propagation.Update, Desired: cm("v", managed)}, observed: cm("v", managed)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Cluster(tc.plan, tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 && got != "" {
				t.Errorf("want no diff, got\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("diff lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "uid") || strings.Contains(got, "resourceVersion") {
				t.Errorf("diff shows server metadata:\n%s", got)
			}
		})
	}
}
