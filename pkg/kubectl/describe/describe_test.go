package describe

import (
	"bytes"
	"errors"
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
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/explain"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/syncview"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

// TestWriteClusters describes FederatedDeployment shop/web, whose RSP
// gives a 2 replicas by weight: a runs a managed copy that differs (an
// update), with an event, the event of a pod not ready and its
// dependencies; b has a NoSchedule taint; c, from the inventory, is not
// ready, and reading it failed.
func TestWriteClusters(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	fed := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": map[string]any{"namespace": "shop", "name": "web"},
		"spec": map[string]any{
			"template":  map[string]any{"spec": map[string]any{"replicas": int64(1)}},
			"placement": map[string]any{"clusters": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"name": "c"}}},
			"overrides": []any{map[string]any{"clusterName": "a", "clusterOverrides": []any{map[string]any{"path": "/spec/replicas", "value": int64(2)}}}},
		},
	}}
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		t.Fatal(err)
	}
	cluster := func(name string, ready bool, taints ...corev1beta1.Taint) members.Member {
		c := corev1beta1.KubeFedCluster{}
		c.Name, c.Spec.Taints = name, taints
		if ready {
			c.Status.Conditions = []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue}}
		}
		source := clusterclient.SourceJoined
		if name == "c" {
			source = clusterclient.SourceInventory
		}
		return members.Member{Cluster: c, Source: source}
	}
	list := []members.Member{cluster("a", true), cluster("b", true, corev1beta1.Taint{Key: "team", Value: "infra", Effect: corev1beta1.TaintNoSchedule}), cluster("c", false)}
	s := &syncview.Scene{Spec: spec, Status: &typesv1beta1.FederatedStatus{}, Members: list, Scheduled: true, Type: status.Type{Config: corev1beta1.FederatedTypeConfig{Spec: corev1beta1.FederatedTypeConfigSpec{
		TargetType: corev1beta1.APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: apiextensionsv1.NamespaceScoped}}}}}
	s.RSP = &schedulingv1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec:   schedulingv1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: schedulingv1alpha1.TargetKindFederatedDeployment, TotalReplicas: 2},
		Status: schedulingv1alpha1.ReplicaSchedulingPreferenceStatus{Clusters: []schedulingv1alpha1.ClusterSchedulingStatus{{Name: "a", Replicas: 2, Reason: "weight"}}}}
	s.Clusters, _, _ = syncview.Effective(list, 1, now)
	placed, err := placement.Compute(placement.ObjectInput(spec, "shop", true, false, nil, s.Clusters, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	s.Input = propagation.Input{Federated: fed, Target: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, Placement: placed, AdoptResources: true}
	running := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"namespace": "shop", "name": "web", "generation": int64(4), "resourceVersion": "812", "labels": map[string]any{"kubefed.io/managed": "true"}},
		"spec":     map[string]any{"replicas": int64(1)}, "status": map[string]any{"replicas": int64(1), "readyReplicas": int64(0)}}}
	for _, m := range list {
		seen := propagation.Member{Name: m.Name(), Ready: m.PlacementCluster().Ready, Synced: m.PlacementCluster().Ready}
		if m.Name() == "a" {
			seen.Observed = running
		}
		s.Seen = append(s.Seen, seen)
		s.ReadErrs = append(s.ReadErrs, nil)
	}
	s.Plan(time.Minute)
	views := []memberView{
		{events: []status.Event{{Last: now.Add(-time.Minute), Type: "Normal", Reason: "ScalingReplicaSet", Message: "Scaled up replica set web-5d4 to 1"}},
			podEvents: []status.Event{{Last: now.Add(-30 * time.Second), Type: "Warning", Reason: "FailedScheduling", Message: "pod web-5d4-x: 0/1 nodes are available"}},
			deps: []dependencyState{{ref: dependencies.Ref{Kind: dependencies.ConfigMap, Name: "web-config"}, state: "copied"},
				{ref: dependencies.Ref{Kind: dependencies.Secret, Name: "web-tls"}, state: "missing: the syncer copies it on its next pass"}}},
		{},
		{err: errors.New("connection refused")},
	}
	var out bytes.Buffer
	if err := writeClusters(&out, s, explain.Funnel(s), views, now); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/clusters.txt", out.String())
}

// TestStateOf states a dependency's copy in a member cluster.
func TestStateOf(t *testing.T) {
	cm := dependencies.Ref{Kind: dependencies.ConfigMap, Name: "web-config"}
	optional := dependencies.Ref{Kind: dependencies.Secret, Name: "extra", Optional: true}
	copied := &unstructured.Unstructured{}
	copied.SetLabels(map[string]string{"kubefed.io/managed": "true"})
	own := &unstructured.Unstructured{}
	for _, c := range []struct {
		name            string
		ref             dependencies.Ref
		member          *unstructured.Unstructured
		onHost, follows bool
		want            string
	}{
		{"copied", cm, copied, true, true, "copied"},
		{"the cluster's own", cm, own, true, true, "present, the cluster's own (not managed by kubectl-fed)"},
		{"optional and absent", optional, nil, false, true, "absent (optional)"},
		{"absent everywhere", cm, nil, false, true, "missing, and not on the host either: create it there"},
		{"to be copied", cm, nil, true, true, "missing: the syncer copies it on its next pass"},
		{"not followed", cm, nil, true, false, "missing: not followed, federate it or follow the dependencies"},
	} {
		if got := stateOf(c.ref, c.member, c.onHost, c.follows); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
