package propagation

import (
	"slices"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

func TestGateInput(t *testing.T) {
	now := time.Unix(1000, 0)
	added := metav1.NewTime(now.Add(-time.Minute))
	taint := corev1beta1.Taint{Key: corev1beta1.TaintDrain, Effect: corev1beta1.TaintNoExecute, TimeAdded: &added}
	placed := placement.Result{Targets: sets.New("a", "b", "gone"), Evicting: map[string]corev1beta1.Taint{"gone": taint}}
	replicas := func(n string) *typesv1beta1.FederatedSpec {
		return &typesv1beta1.FederatedSpec{Overrides: []typesv1beta1.Override{{ClusterName: "gone",
			ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: &apiextensionsv1.JSON{Raw: []byte(n)}}}}}}
	}
	tests := []struct {
		name  string
		spec  *typesv1beta1.FederatedSpec
		ready sets.Set[string]
		want  bool // ReadyElsewhere
	}{
		{"ready in every remaining cluster", &typesv1beta1.FederatedSpec{}, sets.New("a", "b"), true},
		{"not ready in b", &typesv1beta1.FederatedSpec{}, sets.New("a"), false},
		{"replicas not moved off the evicting cluster yet", replicas("2"), sets.New("a", "b"), false},
		{"its replicas moved (override 0)", replicas("0"), sets.New("a", "b"), true},
	}
	for _, tt := range tests {
		in := GateInput(tt.spec, placed, true, time.Hour, now, []string{"a", "b", "c", "gone"}, tt.ready.Has, nil)
		if in.ReadyElsewhere != tt.want || in.Remaining != 2 || !in.Removing || in.Timeout != time.Hour ||
			len(in.Evictions) != 1 || in.Evictions[0].Cluster != "gone" || !in.Evictions[0].Since.Equal(added.Time) || in.Evictions[0].Holds != nil {
			t.Errorf("%s: GateInput = %+v, want ReadyElsewhere %v, 2 remaining, removing, gone since %s, holding nothing", tt.name, in, tt.want, added)
		}
	}
	held := func(cluster string) []string { return []string{"FederatedDeployment web in " + cluster} }
	in := GateInput(&typesv1beta1.FederatedSpec{}, placed, false, time.Hour, now, []string{"a", "b", "gone"}, sets.New("a", "b").Has, held)
	if len(in.Evictions) != 1 || len(in.Evictions[0].Holds) != 1 || in.Evictions[0].Holds[0] != "FederatedDeployment web in gone" {
		t.Errorf("GateInput with holds: evictions %+v, want gone holding what holds names for it", in.Evictions)
	}
}

// TestHeldInNamespace checks which federated objects of a namespace keep
// it in a cluster: those with a status entry for the cluster other than
// Tainted, and those whose status does not decode.
func TestHeldInNamespace(t *testing.T) {
	obj := func(kind, name string, status interface{}) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": kind,
			"metadata": object{"namespace": "shop", "name": name}}}
		if status != nil {
			u.Object["status"] = status
		}
		return u
	}
	entries := func(list ...object) object {
		clusters := make([]interface{}, len(list))
		for i, e := range list {
			clusters[i] = e
		}
		return object{"clusters": clusters}
	}
	objs := []*unstructured.Unstructured{
		obj("FederatedDeployment", "web", entries(object{"name": "c1", "status": "OK"}, object{"name": "c2", "status": "OK"})),
		obj("FederatedConfigMap", "evicting", entries(object{"name": "c1", "status": "Evicting"})),
		obj("FederatedService", "tainted", entries(object{"name": "c1", "status": "Tainted"})),
		obj("FederatedSecret", "new", nil),
		obj("FederatedConfigMap", "garbled", "not an object"),
	}
	for cluster, want := range map[string][]string{
		"c1": {"FederatedDeployment web", "FederatedConfigMap evicting", "FederatedConfigMap garbled"},
		"c2": {"FederatedDeployment web", "FederatedConfigMap garbled"},
		"c3": {"FederatedConfigMap garbled"},
	} {
		if got := HeldInNamespace(objs, cluster); !slices.Equal(got, want) {
			t.Errorf("HeldInNamespace(%s) = %q, want %q", cluster, got, want)
		}
	}
}

func TestRunsReady(t *testing.T) {
	fed := &unstructured.Unstructured{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": object{"namespace": "shop", "name": "web"}, "spec": object{"template": object{"spec": object{"replicas": int64(2)}}}}}
	deployment := func(replicas, ready, observed int64) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": object{"name": "web", "generation": int64(3)},
			"spec": object{"replicas": replicas}, "status": object{"readyReplicas": ready, "observedGeneration": observed}}}
		return u
	}
	target := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	tests := []struct {
		name string
		m    Member
		want bool
	}{
		{"ready with its replicas", Member{Name: "a", Ready: true, Synced: true, Observed: deployment(2, 2, 3)}, true},
		{"replicas not ready", Member{Name: "a", Ready: true, Synced: true, Observed: deployment(2, 1, 3)}, false},
		{"generation not observed", Member{Name: "a", Ready: true, Synced: true, Observed: deployment(2, 2, 2)}, false},
		{"other replicas", Member{Name: "a", Ready: true, Synced: true, Observed: deployment(1, 1, 3)}, false},
		{"no object", Member{Name: "a", Ready: true, Synced: true}, false},
		{"not known", Member{Name: "a", Ready: true, Observed: deployment(2, 2, 3)}, false},
		{"not ready", Member{Name: "a", Synced: true, Observed: deployment(2, 2, 3)}, false},
	}
	src := NewSource(fed, target)
	for _, tt := range tests {
		if got := RunsReady(src, tt.m); got != tt.want {
			t.Errorf("%s: RunsReady = %v, want %v", tt.name, got, tt.want)
		}
	}
}
