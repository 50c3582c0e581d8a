package placement

import (
	"maps"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestComputeTaints(t *testing.T) {
	cordon := corev1beta1.Taint{Key: corev1beta1.TaintUnschedulable, Effect: corev1beta1.TaintNoSchedule}
	drain := corev1beta1.Taint{Key: corev1beta1.TaintDrain, Effect: corev1beta1.TaintNoExecute}
	clusters := []Cluster{
		{Name: "plain", Ready: true},
		{Name: "cordoned", Ready: true, Taints: []corev1beta1.Taint{cordon}},
		{Name: "drained", Ready: true, Taints: []corev1beta1.Taint{drain}},
		{Name: "down", Ready: false, Taints: []corev1beta1.Taint{drain}},
	}
	all := &typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}}
	tolerant := &typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}, Tolerations: []corev1beta1.Toleration{{Operator: corev1beta1.TolerationOpExists}}}
	tests := []struct {
		name        string
		object      *typesv1beta1.Placement
		tolerations []corev1beta1.Toleration
		holding     []string
		targets     []string
		tainted     []string
		evicting    []string
	}{
		{"new object: tainted clusters get nothing", all, nil, nil, []string{"plain"}, []string{"cordoned", "drained"}, nil},
		{"held: NoSchedule keeps it, NoExecute evicts it", all, nil, []string{"plain", "cordoned", "drained"},
			[]string{"cordoned", "drained", "plain"}, nil, []string{"drained"}},
		{"a toleration of every taint", tolerant, nil, nil, []string{"cordoned", "drained", "plain"}, nil, nil},
		{"the extra tolerations count too", all, []corev1beta1.Toleration{{Key: corev1beta1.TaintDrain, Operator: corev1beta1.TolerationOpExists}},
			[]string{"drained"}, []string{"drained", "plain"}, []string{"cordoned"}, nil},
		{"a cluster that is not ready stays NotReady", &typesv1beta1.Placement{Clusters: names("down")}, nil, []string{"down"}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compute(Input{Object: tt.object, Clusters: clusters, Tolerations: tt.tolerations, Holding: sets.New(tt.holding...)})
			if err != nil {
				t.Fatal(err)
			}
			if got := sets.List(res.Targets); !slices.Equal(got, tt.targets) {
				t.Errorf("targets %v, want %v", got, tt.targets)
			}
			if got := slices.Sorted(maps.Keys(res.Tainted)); !slices.Equal(got, tt.tainted) {
				t.Errorf("tainted %v, want %v", got, tt.tainted)
			}
			if got := slices.Sorted(maps.Keys(res.Evicting)); !slices.Equal(got, tt.evicting) {
				t.Errorf("evicting %v, want %v", got, tt.evicting)
			}
		})
	}
}

func TestComputeTaintMessageAndEvict(t *testing.T) {
	clusters := []Cluster{{Name: "a", Ready: true, Taints: []corev1beta1.Taint{{Key: "team", Value: "x", Effect: corev1beta1.TaintNoExecute}}}, {Name: "b", Ready: true}}
	res, err := Compute(Input{Object: &typesv1beta1.Placement{Clusters: names("a", "b")}, Clusters: clusters})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tainted["a"] != "team=x:NoExecute" {
		t.Errorf("tainted message %q, want the taint", res.Tainted["a"])
	}
	res, _ = Compute(Input{Object: &typesv1beta1.Placement{Clusters: names("a", "b")}, Clusters: clusters, Holding: sets.New("a")})
	res.Evict("a")
	if res.Clusters.Has("a") || res.Targets.Has("a") || len(res.Evicting) != 0 || !res.Targets.Has("b") {
		t.Errorf("after Evict(a): clusters %v targets %v evicting %v", sets.List(res.Clusters), sets.List(res.Targets), res.Evicting)
	}
}
