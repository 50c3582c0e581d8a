package placement

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// The clusters of the reference's unit-test table: cluster1 without labels,
// cluster2 with foo=bar.
var referenceClusters = []Cluster{{Name: "cluster1"}, {Name: "cluster2", Labels: map[string]string{"foo": "bar"}}}

func names(n ...string) []typesv1beta1.ClusterReference {
	refs := []typesv1beta1.ClusterReference{}
	for _, name := range n {
		refs = append(refs, typesv1beta1.ClusterReference{Name: name})
	}
	return refs
}

func selector(l map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: l}
}

func TestSelectedTruthTable(t *testing.T) {
	cases := []struct {
		name      string
		placement *typesv1beta1.Placement
		want      []string
	}{
		{"names win over an empty selector", &typesv1beta1.Placement{Clusters: names("cluster1"), ClusterSelector: selector(nil)}, []string{"cluster1"}},
		{"nothing set selects nothing", &typesv1beta1.Placement{}, nil},
		{"an empty names list selects nothing even with a selector", &typesv1beta1.Placement{Clusters: names(), ClusterSelector: selector(map[string]string{"foo": "bar"})}, nil},
		{"an empty selector selects all", &typesv1beta1.Placement{ClusterSelector: selector(nil)}, []string{"cluster1", "cluster2"}},
		{"a selector selects by label", &typesv1beta1.Placement{ClusterSelector: selector(map[string]string{"foo": "bar"})}, []string{"cluster2"}},
		{"unknown names are dropped", &typesv1beta1.Placement{Clusters: names("cluster2", "gone")}, []string{"cluster2"}},
		{"a nil placement selects nothing", nil, nil},
		{"match expressions", &typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "foo", Operator: metav1.LabelSelectorOpDoesNotExist}}}}, []string{"cluster1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Selected(tc.placement, referenceClusters)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(sets.New(tc.want...)) {
				t.Errorf("selected %v, want %v", sets.List(got), tc.want)
			}
		})
	}
}

func TestSelectedRejectsAnInvalidSelector(t *testing.T) {
	_, err := Selected(&typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "foo", Operator: "Near"}}}}, referenceClusters)
	if err == nil || !strings.Contains(err.Error(), "spec.placement.clusterSelector") {
		t.Fatalf("want an error naming spec.placement.clusterSelector, got %v", err)
	}
}

func TestComputeIntersectsWithTheNamespace(t *testing.T) {
	all := &typesv1beta1.Placement{ClusterSelector: selector(nil)}
	onlyCluster2 := &typesv1beta1.Placement{Clusters: names("cluster2")}
	cases := []struct {
		name         string
		in           Input
		want         []string
		notFederated bool
	}{
		{"cluster-scoped target ignores namespaces", Input{Object: all}, []string{"cluster1", "cluster2"}, false},
		{"namespaced target is restricted by its namespace", Input{Object: all, NamespacedTarget: true, NamespaceFederated: true, Namespace: onlyCluster2},
			[]string{"cluster2"}, false},
		{"a namespace without placement allows nothing", Input{Object: all, NamespacedTarget: true, NamespaceFederated: true},
			nil, false},
		{"unfederated namespace, cluster-scoped control plane: nowhere", Input{Object: all, NamespacedTarget: true, ClusterScopedControlPlane: true},
			nil, true},
		{"unfederated namespace, namespaced control plane: own placement", Input{Object: onlyCluster2, NamespacedTarget: true},
			[]string{"cluster2"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Clusters = referenceClusters
			got, err := Compute(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Clusters.Equal(sets.New(tc.want...)) || got.NamespaceNotFederated != tc.notFederated {
				t.Errorf("got %v (namespace not federated %v), want %v (%v)", sets.List(got.Clusters), got.NamespaceNotFederated, tc.want, tc.notFederated)
			}
		})
	}
}
