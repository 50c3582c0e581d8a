package inventory

import (
	"maps"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestLabels(t *testing.T) {
	prop := func(name, value string) inventoryv1alpha1.Property {
		return inventoryv1alpha1.Property{Name: name, Value: value}
	}
	tests := []struct {
		name   string
		labels map[string]string
		props  []inventoryv1alpha1.Property
		want   map[string]string
	}{
		{"nothing", nil, nil, map[string]string{}},
		{"region and zone also as topology labels", nil, []inventoryv1alpha1.Property{prop("region", "eu"), prop("zone", "eu-1a")},
			map[string]string{"region": "eu", "zone": "eu-1a", corev1.LabelTopologyRegion: "eu", corev1.LabelTopologyZone: "eu-1a"}},
		{"qualified property names", nil, []inventoryv1alpha1.Property{prop("example.com/tier", "gold")}, map[string]string{"example.com/tier": "gold"}},
		{"values that are no label values are skipped", nil, []inventoryv1alpha1.Property{prop("cpu", "16 cores"), prop("region", "a,b")}, map[string]string{}},
		{"names that are no label keys are skipped", nil, []inventoryv1alpha1.Property{prop("Node Count", "3")}, map[string]string{}},
		{"the profile's labels win", map[string]string{"region": "us", "team": "a"}, []inventoryv1alpha1.Property{prop("region", "eu")},
			map[string]string{"region": "us", "team": "a", corev1.LabelTopologyRegion: "eu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &inventoryv1alpha1.ClusterProfile{ObjectMeta: metav1.ObjectMeta{Labels: tt.labels}, Status: inventoryv1alpha1.ClusterProfileStatus{Properties: tt.props}}
			if got := Labels(p); !maps.Equal(got, tt.want) {
				t.Errorf("Labels = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMemberCondition(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if c := MemberCondition(nil, 3); c.Status != metav1.ConditionUnknown || c.ObservedGeneration != 3 || c.Type != ConditionMemberReady {
		t.Errorf("without health: %+v, want Unknown of generation 3", c)
	}
	health := []corev1beta1.ClusterCondition{
		{Type: corev1beta1.ClusterReady, Status: corev1.ConditionFalse, Reason: "ClusterConfigMalformed", Message: "no access", LastTransitionTime: &at},
		{Type: corev1beta1.ClusterConfigMalformed, Status: corev1.ConditionTrue},
	}
	c := MemberCondition(health, 1)
	if c.Status != metav1.ConditionFalse || c.Reason != "ClusterConfigMalformed" || c.Message != "no access" || !c.LastTransitionTime.Equal(&at) {
		t.Errorf("MemberCondition = %+v, want the Ready condition's status, reason, message and time", c)
	}
}

func TestPublishedHealthInvertsMemberCondition(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	health := []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionFalse,
		Reason: "ClusterNotReachable", Message: "cluster is not reachable", LastTransitionTime: &at}}
	p := &inventoryv1alpha1.ClusterProfile{}
	p.Status.Conditions, _ = WithCondition(nil, MemberCondition(health, 1))
	got := PublishedHealth(p)
	if len(got) != 1 || got[0].Type != corev1beta1.ClusterReady || got[0].Status != corev1.ConditionFalse ||
		got[0].Reason != "ClusterNotReachable" || !got[0].LastTransitionTime.Equal(&at) {
		t.Errorf("PublishedHealth = %+v, want the Ready condition MemberCondition recorded", got)
	}
	p.Status.Conditions, _ = WithCondition(nil, MemberCondition(nil, 1))
	if got := PublishedHealth(p); got != nil {
		t.Errorf("PublishedHealth of an Unknown condition = %+v, want none", got)
	}
	if got := PublishedHealth(&inventoryv1alpha1.ClusterProfile{}); got != nil {
		t.Errorf("PublishedHealth of a profile without the condition = %+v, want none", got)
	}
}

func TestWithConditionChangesOnlyOnChange(t *testing.T) {
	c := metav1.Condition{Type: ConditionMemberReady, Status: metav1.ConditionTrue, Reason: "ClusterReady", Message: "ok"}
	first, changed := WithCondition([]metav1.Condition{{Type: "Other", Status: metav1.ConditionTrue, Reason: "X"}}, c)
	if !changed || len(first) != 2 || meta.FindStatusCondition(first, "Other") == nil {
		t.Fatalf("setting a new condition: changed %v, %+v; want it added beside the other", changed, first)
	}
	if _, changed := WithCondition(first, c); changed {
		t.Error("setting the same condition again reports a change: the syncer would write on every probe")
	}
	c.Status = metav1.ConditionFalse
	if _, changed := WithCondition(first, c); !changed {
		t.Error("a status change is not reported")
	}
}

func TestProduced(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	later := metav1.NewTime(now.Add(time.Hour))
	region := "eu"
	cluster := &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-federation-system", Name: "a", Labels: map[string]string{"team": "x"}},
		Status: corev1beta1.KubeFedClusterStatus{KubernetesVersion: "v1.37.2", Region: &region, Zones: []string{"eu-1a"},
			Conditions: []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue, Reason: "ClusterReady", Message: "/healthz responded with ok", LastTransitionTime: &now}}},
	}
	p := Produced(cluster, "fleet", nil, now)
	if p.Namespace != "fleet" || p.Name != "a" || p.Labels["team"] != "x" || p.Labels[inventoryv1alpha1.LabelClusterManagerKey] != ClusterManagerName || !Ours(p) {
		t.Errorf("identity: %s/%s labels %v manager %q", p.Namespace, p.Name, p.Labels, p.Spec.ClusterManager.Name)
	}
	healthy := meta.FindStatusCondition(p.Status.Conditions, inventoryv1alpha1.ClusterConditionControlPlaneHealthy)
	if healthy == nil || healthy.Status != metav1.ConditionTrue || p.Status.Version.Kubernetes != "v1.37.2" {
		t.Errorf("status: %+v", p.Status)
	}
	if got := Labels(p); got[corev1.LabelTopologyRegion] != "eu" || got[corev1.LabelTopologyZone] != "eu-1a" {
		t.Errorf("the region and zone do not read back as topology labels: %v", got)
	}
	if again := Produced(cluster, "fleet", p, later); !SameProfile(p, again) {
		t.Errorf("an unchanged cluster an hour later gives a different profile:\n%+v\n%+v", p.Status, again.Status)
	}
	down := cluster.DeepCopy()
	down.Status.Conditions[0].Status, down.Status.Conditions[0].Reason = corev1.ConditionFalse, "ClusterNotReachable"
	next := Produced(down, "fleet", p, later)
	if SameProfile(p, next) || meta.IsStatusConditionTrue(next.Status.Conditions, inventoryv1alpha1.ClusterConditionControlPlaneHealthy) {
		t.Errorf("an unreachable cluster keeps ControlPlaneHealthy=True: %+v", next.Status.Conditions)
	}
	if Ours(&inventoryv1alpha1.ClusterProfile{Spec: inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: "ocm"}}}) {
		t.Error("another manager's profile is taken for ours")
	}
}

func TestPlacedClusters(t *testing.T) {
	replicas := func(cluster, n string) typesv1beta1.Override {
		return typesv1beta1.Override{ClusterName: cluster, ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: &apiextensionsv1.JSON{Raw: []byte(n)}}}}
	}
	status := []typesv1beta1.ClusterStatus{{Name: "c"}, {Name: "a", Status: typesv1beta1.ClusterNotReady}, {Name: "b"}, {Name: "gone", Status: typesv1beta1.WaitingForRemoval}}
	tests := []struct {
		name      string
		overrides []typesv1beta1.Override
		want      []string
	}{
		{"every placed cluster but the one it leaves, sorted", nil, []string{"a", "b", "c"}},
		{"a replica plan leaves out clusters without replicas", []typesv1beta1.Override{replicas("b", "0"), replicas("c", "2")}, []string{"a", "c"}},
		{"other overrides do not matter", []typesv1beta1.Override{{ClusterName: "b", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/spec/paused", Value: &apiextensionsv1.JSON{Raw: []byte("0")}}}}}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlacedClusters(status, tt.overrides); !slices.Equal(got, tt.want) {
				t.Errorf("PlacedClusters = %v, want %v", got, tt.want)
			}
		})
	}
	pd := PlacementDecision("shop", PlacementDecisionName("FederatedDeployment", "web"), []string{"a", "moon"}, func(c string) string {
		if c == "moon" {
			return "fleet"
		}
		return ""
	})
	if pd.Name != "federateddeployment-web" || pd.Namespace != "shop" || len(pd.Decisions) != 2 ||
		pd.Decisions[0].ClusterProfileRef != (inventoryv1alpha1.ClusterProfileReference{Name: "a"}) ||
		pd.Decisions[1].ClusterProfileRef != (inventoryv1alpha1.ClusterProfileReference{Name: "moon", Namespace: "fleet"}) {
		t.Errorf("PlacementDecision = %+v", pd)
	}
	if empty := PlacementDecision("shop", "x", nil, func(string) string { return "" }); empty.Decisions == nil {
		t.Error("a decision naming no cluster has a nil list; the API requires decisions")
	}
}
