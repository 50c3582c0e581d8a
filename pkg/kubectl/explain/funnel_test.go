package explain

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/syncview"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

func member(name string, ready bool, taints ...corev1beta1.Taint) members.Member {
	c := corev1beta1.KubeFedCluster{}
	c.Name = name
	c.Spec.Taints = taints
	if ready {
		c.Status.Conditions = []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue}}
	}
	return members.Member{Cluster: c, Source: clusterclient.SourceJoined}
}

func configMap(name string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"namespace": "shop", "name": name}, "data": map[string]any{"k": "v"}}}
	u.SetLabels(labels)
	return u
}

// scene plans FederatedConfigMap shop/web, placed in a, b, c, d, e, g, h,
// i and k, through the syncer's functions: a has no copy (Create), b has
// an override and a managed copy that differs (Update), c is denied by a
// policy, d is not ready and e holds a copy labelled managed=false; f and
// j are not placed; g has a NoSchedule taint and no copy. h, i, j and k
// have NoExecute taints: i's (an hour old) and k's (2 minutes) were
// admitted by the eviction rate limit (1 per minute), and so was j's (30 s
// ago), so h's (just added) is queued and acts as NoSchedule; the object
// does not run ready elsewhere (a has no copy), so the gate evicts i, whose
// timeout passed, and k waits its turn. The status records OK for b, h, i
// and k and an older ClusterNotReady for a.
func scene(t *testing.T) *syncview.Scene {
	t.Helper()
	now := time.Now()
	fed := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": map[string]any{"namespace": "shop", "name": "web"},
		"spec": map[string]any{
			"template": map[string]any{"data": map[string]any{"k": "v"}},
			"placement": map[string]any{"clusters": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"name": "c"}, map[string]any{"name": "d"},
				map[string]any{"name": "e"}, map[string]any{"name": "g"}, map[string]any{"name": "h"}, map[string]any{"name": "i"}, map[string]any{"name": "k"}}},
			"overrides": []any{map[string]any{"clusterName": "b", "clusterOverrides": []any{map[string]any{"path": "/data/k", "value": "vb"}}}},
		},
		"status": map[string]any{"clusters": []any{map[string]any{"name": "a", "status": "ClusterNotReady"}, map[string]any{"name": "b"}, map[string]any{"name": "h"},
			map[string]any{"name": "i"}, map[string]any{"name": "k"}}},
	}}
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		t.Fatal(err)
	}
	noExecute := func(key string, ago time.Duration) corev1beta1.Taint {
		taint := corev1beta1.Taint{Key: key, Effect: corev1beta1.TaintNoExecute}
		if ago > 0 {
			added := metav1.NewTime(now.Add(-ago))
			taint.TimeAdded = &added
		}
		return taint
	}
	list := []members.Member{member("a", true), member("b", true), member("c", true), member("d", false), member("e", true), member("f", true),
		member("g", true, corev1beta1.Taint{Key: "team", Value: "infra", Effect: corev1beta1.TaintNoSchedule}),
		member("h", true, noExecute("kubefed.io/drain", 0)), member("i", true, noExecute("kubefed.io/unreachable", time.Hour)),
		member("j", true, noExecute("kubefed.io/drain", 30*time.Second)), member("k", true, noExecute("kubefed.io/drain", 2*time.Minute))}
	s := &syncview.Scene{Spec: spec, Members: list, Type: status.Type{Config: corev1beta1.FederatedTypeConfig{Spec: corev1beta1.FederatedTypeConfigSpec{
		TargetType: corev1beta1.APIResource{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps", Scope: apiextensionsv1.NamespaceScoped}}}}}
	s.Clusters, s.AdmittedTaints, s.QueuedTaints = syncview.Effective(list, 1, now)
	denied := map[string]string{"c": "FederationPolicy shop/guard forbids cluster c (deniedClusters.names c)"}
	if s.Status, err = typesv1beta1.StatusOf(fed); err != nil {
		t.Fatal(err)
	}
	holding, _ := propagation.Recorded(s.Status)
	placed, err := placement.Compute(placement.ObjectInput(spec, "shop", true, false, nil, s.Clusters, denied, holding))
	if err != nil {
		t.Fatal(err)
	}
	s.Input = propagation.Input{Federated: fed, Target: schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, Placement: placed, AdoptResources: true}
	managed := map[string]string{"kubefed.io/managed": "true"}
	observed := map[string]*unstructured.Unstructured{"b": configMap("web", managed), "e": configMap("web", map[string]string{"kubefed.io/managed": "false"}),
		"h": configMap("web", managed), "i": configMap("web", managed), "k": configMap("web", managed)}
	for _, m := range list {
		seen := propagation.Member{Name: m.Name(), Ready: m.PlacementCluster().Ready, Synced: m.PlacementCluster().Ready, Observed: observed[m.Name()]}
		if _, ok := denied[m.Name()]; ok {
			seen.Synced = false
		}
		s.Seen = append(s.Seen, seen)
		s.ReadErrs = append(s.ReadErrs, nil)
	}
	s.Plan(5 * time.Minute)
	return s
}

func TestFunnel(t *testing.T) {
	e := Funnel(scene(t))
	want := map[string][3]string{ // action, status, stopped at
		"a": {"Create", "OK", ""},
		"b": {"Update", "OK", ""},
		"c": {"Skip", "PolicyDenied", StepPolicy},
		"d": {"Skip", "ClusterNotReady", StepReady},
		"e": {"Skip", "ManagedLabelFalse", StepMember},
		"f": {"Skip", "", StepPlacement},
		"g": {"Skip", "Tainted", StepTaints},
		"h": {"Skip", "OK", ""},                          // queued by the rate limit: NoSchedule, and it holds the object
		"i": {"Delete", "WaitingForRemoval", StepTaints}, // the gate lets it go
		"j": {"Skip", "", StepPlacement},
		"k": {"Skip", "Evicting", ""}, // waits its turn, kept up to date
	}
	if len(e.Clusters) != len(want) {
		t.Errorf("%d clusters explained, want %d", len(e.Clusters), len(want))
	}
	for _, c := range e.Clusters {
		if got := [3]string{c.Action, c.Status, c.StoppedAt}; got != want[c.Cluster] {
			t.Errorf("cluster %s: action, status, stopped at = %v, want %v", c.Cluster, got, want[c.Cluster])
		}
	}
	var out bytes.Buffer
	if err := Render(&out, e); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/explain.txt", out.String())
}

// TestFunnelReplicas explains a FederatedDeployment whose replicas an RSP
// schedules: a gets 3 replicas by weight, b gets 0 and c is not planned.
func TestFunnelReplicas(t *testing.T) {
	fed := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": map[string]any{"namespace": "shop", "name": "web"},
		"spec": map[string]any{
			"template":  map[string]any{"spec": map[string]any{"replicas": int64(1)}},
			"placement": map[string]any{"clusters": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}},
			"overrides": []any{
				map[string]any{"clusterName": "a", "clusterOverrides": []any{map[string]any{"path": "/spec/replicas", "value": int64(3)}}},
				map[string]any{"clusterName": "b", "clusterOverrides": []any{map[string]any{"path": "/spec/replicas", "value": int64(0)}}},
			},
		},
	}}
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		t.Fatal(err)
	}
	list := []members.Member{member("a", true), member("b", true), member("c", true)}
	s := &syncview.Scene{Spec: spec, Status: &typesv1beta1.FederatedStatus{}, Members: list, Scheduled: true, Type: status.Type{Config: corev1beta1.FederatedTypeConfig{Spec: corev1beta1.FederatedTypeConfigSpec{
		TargetType: corev1beta1.APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: apiextensionsv1.NamespaceScoped}}}}}
	s.RSP = &schedulingv1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec: schedulingv1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: schedulingv1alpha1.TargetKindFederatedDeployment, TotalReplicas: 3},
		Status: schedulingv1alpha1.ReplicaSchedulingPreferenceStatus{Clusters: []schedulingv1alpha1.ClusterSchedulingStatus{
			{Name: "a", Replicas: 3, Reason: "weight"}, {Name: "b", Replicas: 0, Reason: "weight"}}}}
	s.Clusters, _, _ = syncview.Effective(list, 1, time.Now())
	placed, err := placement.Compute(placement.ObjectInput(spec, "shop", true, false, nil, s.Clusters, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	s.Input = propagation.Input{Federated: fed, Target: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, Placement: placed, AdoptResources: true}
	for _, m := range list {
		s.Seen = append(s.Seen, propagation.Member{Name: m.Name(), Ready: true, Synced: true})
		s.ReadErrs = append(s.ReadErrs, nil)
	}
	s.Plan(time.Minute)
	e := Funnel(s)
	want := map[string]string{"a": "3", "b": "0", "c": "not planned"}
	for _, c := range e.Clusters {
		for _, step := range c.Steps {
			if step.Step == StepReplicas && step.Result != want[c.Cluster] {
				t.Errorf("cluster %s: replicas %q, want %q", c.Cluster, step.Result, want[c.Cluster])
			}
		}
	}
	var out bytes.Buffer
	if err := Render(&out, e); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/explain-replicas.txt", out.String())
}
