package placement

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
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
			notFederated := got.Reason == typesv1beta1.NamespaceNotFederated
			if !got.Clusters.Equal(sets.New(tc.want...)) || notFederated != tc.notFederated {
				t.Errorf("got %v (namespace not federated %v), want %v (%v)", sets.List(got.Clusters), notFederated, tc.want, tc.notFederated)
			}
		})
	}
}

// TestComputeTargets checks placement ∩ namespace placement ∩ policy ∩
// ready, and the reasons a placement is not what the object asks for.
func TestComputeTargets(t *testing.T) {
	clusters := []Cluster{{Name: "a", Ready: true, Labels: map[string]string{"tier": "gold"}}, {Name: "b", Ready: true}, {Name: "c"}, {Name: "d", Ready: true}}
	all := &typesv1beta1.Placement{ClusterSelector: selector(nil)}
	cases := []struct {
		name                        string
		in                          Input
		selected, targets, notReady []string
		denied                      map[string]string
		reason                      typesv1beta1.AggregateReason
		message                     string
		unknown                     []string
	}{
		{name: "ready, allowed clusters are targets", in: Input{Object: all},
			selected: []string{"a", "b", "c", "d"}, targets: []string{"a", "b", "d"}, notReady: []string{"c"}},
		{name: "a denied cluster is no target, ready or not", in: Input{Object: all, Denied: map[string]string{"b": "no b", "c": "no c", "x": "not placed"}},
			selected: []string{"a", "b", "c", "d"}, targets: []string{"a", "d"}, denied: map[string]string{"b": "no b", "c": "no c"}},
		{name: "namespace placement narrows", in: Input{Object: all, NamespacedTarget: true, NamespaceFederated: true, Namespace: &typesv1beta1.Placement{Clusters: names("a", "c")}},
			selected: []string{"a", "c"}, targets: []string{"a"}, notReady: []string{"c"}},
		{name: "an unknown name among good ones", in: Input{Object: &typesv1beta1.Placement{Clusters: names("a", "member9", "gone")}},
			selected: []string{"a"}, targets: []string{"a"}, unknown: []string{"gone", "member9"},
			reason: typesv1beta1.UnknownCluster, message: "spec.placement.clusters names clusters that are not joined: gone, member9; fix the names or join the clusters (kubectl fed join)"},
		{name: "only unknown names", in: Input{Object: &typesv1beta1.Placement{Clusters: names("member9")}},
			unknown: []string{"member9"}, reason: typesv1beta1.UnknownCluster, message: "not joined: member9"},
		{name: "a selector that matches nothing", in: Input{Object: &typesv1beta1.Placement{ClusterSelector: selector(map[string]string{"tier": "silver"})}},
			reason: typesv1beta1.NoClusters, message: "spec.placement.clusterSelector matches none of the 4 joined clusters"},
		{name: "no cluster joined", in: Input{Object: all, Clusters: []Cluster{}},
			reason: typesv1beta1.NoClusters, message: "no cluster is joined: join one with kubectl fed join"},
		{name: "the namespace excludes every selected cluster", in: Input{Object: &typesv1beta1.Placement{Clusters: names("a")}, NamespacedTarget: true, NamespaceName: "shop",
			NamespaceFederated: true, Namespace: &typesv1beta1.Placement{Clusters: names("b")}},
			reason: typesv1beta1.NoClusters, message: "the FederatedNamespace shop places none of the clusters the object's placement selects (a)"},
		{name: "an empty clusters list is placed nowhere on purpose", in: Input{Object: &typesv1beta1.Placement{Clusters: names()}}},
		{name: "no placement is placed nowhere on purpose", in: Input{}},
		{name: "a placement with neither field selects nothing on purpose", in: Input{Object: &typesv1beta1.Placement{}}},
		{name: "an unfederated namespace says how to federate it", in: Input{Object: all, NamespacedTarget: true, ClusterScopedControlPlane: true, NamespaceName: "shop"},
			reason: typesv1beta1.NamespaceNotFederated, message: "run kubectl fed federate namespace shop"},
		{name: "every placed cluster denied is no placement problem", in: Input{Object: &typesv1beta1.Placement{Clusters: names("a")}, Denied: map[string]string{"a": "no"}},
			selected: []string{"a"}, denied: map[string]string{"a": "no"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.Clusters == nil {
				tc.in.Clusters = clusters
			}
			got, err := Compute(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Clusters.Equal(sets.New(tc.selected...)) || !got.Targets.Equal(sets.New(tc.targets...)) || !got.NotReady.Equal(sets.New(tc.notReady...)) {
				t.Errorf("selected %v targets %v not ready %v; want %v, %v, %v", sets.List(got.Clusters), sets.List(got.Targets), sets.List(got.NotReady),
					tc.selected, tc.targets, tc.notReady)
			}
			if len(got.Denied) != len(tc.denied) {
				t.Errorf("denied %v, want %v", got.Denied, tc.denied)
			}
			for k, v := range tc.denied {
				if got.Denied[k] != v {
					t.Errorf("denied %v, want %v", got.Denied, tc.denied)
				}
			}
			if strings.Join(got.Unknown, ",") != strings.Join(tc.unknown, ",") {
				t.Errorf("unknown %v, want %v", got.Unknown, tc.unknown)
			}
			if got.Reason != tc.reason || !strings.Contains(got.Message, tc.message) || (tc.reason == "" && got.Message != "") {
				t.Errorf("reason %q message %q; want %q containing %q", got.Reason, got.Message, tc.reason, tc.message)
			}
		})
	}
}

// TestObjectInput: the namespace's placement counts only for a namespaced
// target whose namespace is federated.
func TestObjectInput(t *testing.T) {
	own := &typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}, {Name: "b"}}}}
	ns := &typesv1beta1.FederatedSpec{Placement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}}}}
	clusters := []Cluster{{Name: "a", Ready: true}, {Name: "b", Ready: true}}
	for _, tc := range []struct {
		name       string
		namespaced bool
		ns         *typesv1beta1.FederatedSpec
		want       []string
	}{
		{name: "namespaced, namespace federated", namespaced: true, ns: ns, want: []string{"a"}},
		{name: "namespaced, namespace not federated", namespaced: true, want: []string{"a", "b"}},
		{name: "cluster-scoped target", ns: ns, want: []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compute(ObjectInput(own, "shop", tc.namespaced, false, tc.ns, clusters, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := sets.List(res.Targets); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("targets = %v, want %v", got, tc.want)
			}
		})
	}
	// holding passes through: a NoSchedule taint keeps what a cluster holds
	cordoned := []Cluster{{Name: "a", Ready: true, Taints: []corev1beta1.Taint{{Key: "kubefed.io/unschedulable", Effect: corev1beta1.TaintNoSchedule}}}}
	for _, holding := range []sets.Set[string]{nil, sets.New("a")} {
		res, err := Compute(ObjectInput(own, "shop", false, false, nil, cordoned, nil, holding))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Targets.Has("a"), holding.Has("a"); got != want {
			t.Errorf("holding %v: a is a target = %v, want %v", sets.List(holding), got, want)
		}
	}
}
