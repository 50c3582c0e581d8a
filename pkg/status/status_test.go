package status

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

var (
	earlier = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now     = metav1.NewTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
)

func raw(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

// stored is the reference's starting status: clusters [{cluster1}] and
// Propagation=True.
func stored(remote *apiextensionsv1.JSON) typesv1beta1.FederatedStatus {
	return typesv1beta1.FederatedStatus{
		Conditions: []typesv1beta1.Condition{{Type: typesv1beta1.PropagationConditionType, Status: corev1.ConditionTrue,
			LastTransitionTime: &earlier, LastUpdateTime: &earlier}},
		Clusters: []typesv1beta1.ClusterStatus{{Name: "cluster1", RemoteStatus: remote}},
	}
}

func ok(names ...string) map[string]typesv1beta1.PropagationStatus {
	m := map[string]typesv1beta1.PropagationStatus{}
	for _, n := range names {
		m[n] = typesv1beta1.ClusterPropagationOK
	}
	return m
}

// TestChangedTable is the reference's status_test.go table (§1.5).
func TestChangedTable(t *testing.T) {
	cases := []struct {
		name    string
		old     typesv1beta1.FederatedStatus
		pass    Pass
		changed bool
	}{
		{"cluster not ready", stored(nil), Pass{Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.ClusterNotReady}}, true},
		{"no clusters", stored(nil), Pass{Clusters: ok()}, true},
		{"ok without remote status, collection disabled", stored(nil), Pass{Clusters: ok("cluster1")}, false},
		{"ok without remote status, collection enabled", stored(nil), Pass{Clusters: ok("cluster1"), CollectStatus: true}, true},
		{"remote status {} where none was stored", stored(nil), Pass{Clusters: ok("cluster1"), CollectStatus: true,
			RemoteStatus: map[string]*apiextensionsv1.JSON{"cluster1": raw(`{}`)}}, true},
		{"remote status equal to the stored one", stored(raw(`{"replicas":1,"ready":true}`)), Pass{Clusters: ok("cluster1"), CollectStatus: true,
			RemoteStatus: map[string]*apiextensionsv1.JSON{"cluster1": raw(`{"ready": true, "replicas": 1.0}`)}}, false},
		{"another cluster", stored(nil), Pass{Clusters: ok("cluster1", "cluster2")}, true},
		{"namespace not federated", stored(nil), Pass{Reason: typesv1beta1.NamespaceNotFederated, Clusters: ok("cluster1")}, true},
		{"generation 1, stored 0", stored(nil), Pass{Generation: 1, Clusters: ok("cluster1")}, true},
		{"changes propagated", stored(nil), Pass{Clusters: ok("cluster1"), Propagated: true}, true},
		{"a new version record", stored(nil), Pass{Clusters: ok("cluster1"), Versions: map[string]string{"cluster1": "rv:7 h"}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, changed := Next(tc.old, tc.pass, now); changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
		})
	}
}

func TestConditionReasonsAndTimes(t *testing.T) {
	cases := []struct {
		name           string
		pass           Pass
		wantStatus     corev1.ConditionStatus
		wantReason     typesv1beta1.AggregateReason
		wantTransition *metav1.Time
		wantUpdate     *metav1.Time
	}{
		{"all ok keeps both times", Pass{Clusters: ok("cluster1")}, corev1.ConditionTrue, "", &earlier, &earlier},
		{"propagating moves the update time only", Pass{Clusters: ok("cluster1"), Propagated: true}, corev1.ConditionTrue, "", &earlier, &now},
		{"a failing cluster is a transition", Pass{Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}},
			corev1.ConditionFalse, typesv1beta1.CheckClusters, &now, &now},
		{"placement failure wins over clusters", Pass{Reason: typesv1beta1.ComputePlacementFailed,
			Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}},
			corev1.ConditionFalse, typesv1beta1.ComputePlacementFailed, &now, &now},
		{"unknown clusters are not green", Pass{Reason: typesv1beta1.UnknownCluster, Clusters: ok("cluster1")},
			corev1.ConditionFalse, typesv1beta1.UnknownCluster, &now, &now},
		{"no clusters are not green", Pass{Reason: typesv1beta1.NoClusters, Clusters: ok()},
			corev1.ConditionFalse, typesv1beta1.NoClusters, &now, &now},
		{"a failing cluster wins over unknown clusters", Pass{Reason: typesv1beta1.UnknownCluster,
			Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}},
			corev1.ConditionFalse, typesv1beta1.CheckClusters, &now, &now},
		{"a missing dependency is not green", Pass{Reason: typesv1beta1.DependencyNotFound, Clusters: ok("cluster1")},
			corev1.ConditionFalse, typesv1beta1.DependencyNotFound, &now, &now},
		{"a dependency type not enabled is not green", Pass{Reason: typesv1beta1.DependencyTypeNotEnabled, Clusters: ok("cluster1")},
			corev1.ConditionFalse, typesv1beta1.DependencyTypeNotEnabled, &now, &now},
		{"a dependency a policy keeps out is not green", Pass{Reason: typesv1beta1.DependencyDenied, Clusters: ok("cluster1")},
			corev1.ConditionFalse, typesv1beta1.DependencyDenied, &now, &now},
		{"a dependency not written is not green", Pass{Reason: typesv1beta1.DependencyPropagationFailed, Clusters: ok("cluster1")},
			corev1.ConditionFalse, typesv1beta1.DependencyPropagationFailed, &now, &now},
		{"a failing cluster wins over a dependency not written", Pass{Reason: typesv1beta1.DependencyPropagationFailed,
			Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}},
			corev1.ConditionFalse, typesv1beta1.CheckClusters, &now, &now},
		{"a failing cluster wins over a missing dependency", Pass{Reason: typesv1beta1.DependencyNotFound,
			Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}},
			corev1.ConditionFalse, typesv1beta1.CheckClusters, &now, &now},
		{"an unfederated namespace wins over clusters", Pass{Reason: typesv1beta1.NamespaceNotFederated,
			Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}},
			corev1.ConditionFalse, typesv1beta1.NamespaceNotFederated, &now, &now},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next, _ := Next(stored(nil), tc.pass, now)
			c := propagationCondition(next)
			if c.Status != tc.wantStatus || c.Reason != tc.wantReason {
				t.Errorf("condition %s/%q, want %s/%q", c.Status, c.Reason, tc.wantStatus, tc.wantReason)
			}
			if !c.LastTransitionTime.Equal(tc.wantTransition) || !c.LastUpdateTime.Equal(tc.wantUpdate) {
				t.Errorf("times transition %v update %v, want %v %v", c.LastTransitionTime, c.LastUpdateTime, tc.wantTransition, tc.wantUpdate)
			}
		})
	}
}

func TestClustersAreSortedAndOtherConditionsKept(t *testing.T) {
	old := stored(nil)
	old.Conditions = append(old.Conditions, typesv1beta1.Condition{Type: "Custom", Status: corev1.ConditionTrue})
	next, _ := Next(old, Pass{Clusters: ok("c", "a", "b")}, now)
	if len(next.Clusters) != 3 || next.Clusters[0].Name != "a" || next.Clusters[2].Name != "c" {
		t.Errorf("clusters %v, want sorted a, b, c", next.Clusters)
	}
	if len(next.Conditions) != 2 || next.Conditions[1].Type != "Custom" {
		t.Errorf("conditions %v: the Custom condition was lost", next.Conditions)
	}
	if _, changed := Next(next, Pass{Clusters: ok("b", "c", "a")}, now); changed {
		t.Error("the same clusters in another order count as a change")
	}
}

func TestMessagesAreRecordedAndCompared(t *testing.T) {
	pass := Pass{Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed},
		Messages: map[string]string{"cluster1": "field is immutable"}}
	next, _ := Next(stored(nil), pass, now)
	if next.Clusters[0].Message != "field is immutable" {
		t.Errorf("message %q not recorded", next.Clusters[0].Message)
	}
	if _, changed := Next(next, pass, now); changed {
		t.Error("the same message counts as a change")
	}
	pass.Messages["cluster1"] = "another error"
	if _, changed := Next(next, pass, now); !changed {
		t.Error("a new message does not count as a change")
	}
}

func TestReadyConditionAndAggregatedStatus(t *testing.T) {
	later := metav1.NewTime(now.Add(time.Minute))
	notReady := &typesv1beta1.Condition{Status: corev1.ConditionFalse, Reason: "ClustersNotReady", Message: "not ready in b"}
	agg := &typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 2}
	pass := Pass{Clusters: ok("a", "b"), Ready: notReady, Aggregated: agg}

	first, changed := Next(stored(nil), pass, now)
	if !changed || len(first.Conditions) != 2 || first.Conditions[1].Type != typesv1beta1.ReadyConditionType {
		t.Fatalf("changed=%v conditions %v, want Propagation then Ready", changed, first.Conditions)
	}
	if first.Aggregated == nil || first.Aggregated.ClustersReady != 1 {
		t.Errorf("aggregated %v, want the pass's", first.Aggregated)
	}
	if _, changed := Next(first, pass, later); changed {
		t.Error("the same Ready condition and aggregated status count as a change")
	}

	otherMessage := *notReady
	otherMessage.Message = "not ready in a, b"
	second, changed := Next(first, Pass{Clusters: ok("a", "b"), Ready: &otherMessage, Aggregated: agg}, later)
	ready := second.Conditions[1]
	if !changed || ready.Message != otherMessage.Message || !ready.LastUpdateTime.Equal(&later) || !ready.LastTransitionTime.Equal(&now) {
		t.Errorf("changed=%v ready %+v: a new message moves lastUpdateTime only", changed, ready)
	}

	moreReady := &typesv1beta1.AggregatedStatus{ClustersReady: 2, ClustersTotal: 2}
	if _, changed := Next(second, Pass{Clusters: ok("a", "b"), Ready: &otherMessage, Aggregated: moreReady}, later); !changed {
		t.Error("a new aggregated status does not count as a change")
	}

	off, changed := Next(second, Pass{Clusters: ok("a", "b")}, later)
	if !changed || len(off.Conditions) != 1 || off.Aggregated != nil {
		t.Errorf("changed=%v conditions %v aggregated %v: without collection Ready and aggregated go", changed, off.Conditions, off.Aggregated)
	}
}

func TestPlacementMessageIsTheConditionsMessage(t *testing.T) {
	pass := Pass{Reason: typesv1beta1.UnknownCluster, Message: "not joined: member9", Clusters: ok("cluster1")}
	next, changed := Next(stored(nil), pass, now)
	if c := propagationCondition(next); !changed || c.Message != "not joined: member9" {
		t.Fatalf("changed=%v condition %+v, want the placement's message", changed, c)
	}
	if _, changed := Next(next, pass, now); changed {
		t.Error("the same message counts as a change")
	}
	pass.Message = "not joined: member8, member9"
	if _, changed := Next(next, pass, now); !changed {
		t.Error("a new message does not count as a change")
	}
	// A failing cluster wins: its reason has no message of the placement's.
	failing := Pass{Reason: typesv1beta1.UnknownCluster, Message: "not joined: member9",
		Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.UpdateFailed}}
	if c := propagationCondition(first(Next(next, failing, now))); c.Reason != typesv1beta1.CheckClusters || c.Message != "" {
		t.Errorf("condition %+v, want CheckClusters without the placement's message", c)
	}
	// Back to a good placement: the message goes.
	if c := propagationCondition(first(Next(next, Pass{Clusters: ok("cluster1")}, now))); c.Status != corev1.ConditionTrue || c.Message != "" {
		t.Errorf("condition %+v, want True without a message", c)
	}
}

func first(s typesv1beta1.FederatedStatus, _ bool) typesv1beta1.FederatedStatus { return s }
