package v1beta1

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestKubeFedClusterStatusIsReady(t *testing.T) {
	tests := []struct {
		name   string
		status *KubeFedClusterStatus
		want   bool
	}{
		{name: "nil", status: nil, want: false},
		{name: "no conditions", status: &KubeFedClusterStatus{}, want: false},
		{name: "ready", status: &KubeFedClusterStatus{Conditions: []ClusterCondition{{Type: ClusterReady, Status: corev1.ConditionTrue}}}, want: true},
		{name: "not ready", status: &KubeFedClusterStatus{Conditions: []ClusterCondition{
			{Type: ClusterReady, Status: corev1.ConditionFalse},
			{Type: ClusterOffline, Status: corev1.ConditionFalse},
		}}, want: false},
		{name: "offline only", status: &KubeFedClusterStatus{Conditions: []ClusterCondition{{Type: ClusterOffline, Status: corev1.ConditionTrue}}}, want: false},
		{name: "ready unknown", status: &KubeFedClusterStatus{Conditions: []ClusterCondition{{Type: ClusterReady, Status: corev1.ConditionUnknown}}}, want: false},
	}
	for _, tt := range tests {
		if got := tt.status.IsReady(); got != tt.want {
			t.Errorf("%s: IsReady() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFederatedTypeConfigHelpers(t *testing.T) {
	enabled := StatusCollectionEnabled
	ftc := &FederatedTypeConfig{
		Spec: FederatedTypeConfigSpec{
			TargetType:       APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: NamespaceScoped},
			FederatedType:    APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment", PluralName: "federateddeployments", Scope: NamespaceScoped},
			Propagation:      PropagationEnabled,
			StatusCollection: &enabled,
		},
	}
	ftc.Name = "deployments.apps"
	if !ftc.GetNamespaced() || !ftc.GetPropagationEnabled() || !ftc.GetStatusEnabled() || ftc.IsNamespace() {
		t.Errorf("helpers of %s report namespaced=%v propagation=%v status=%v namespace=%v",
			ftc.Name, ftc.GetNamespaced(), ftc.GetPropagationEnabled(), ftc.GetStatusEnabled(), ftc.IsNamespace())
	}
	if got := ftc.GetTargetType().QualifiedName(); got != ftc.Name {
		t.Errorf("target QualifiedName = %q, want %q", got, ftc.Name)
	}
	if got, want := ftc.GetFederatedType().GroupVersionResource(), (schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federateddeployments"}); got != want {
		t.Errorf("GroupVersionResource = %v, want %v", got, want)
	}
	if got, want := ftc.GetTargetType().GroupVersionKind(), (schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}); got != want {
		t.Errorf("GroupVersionKind = %v, want %v", got, want)
	}

	ftc.Spec.Propagation = PropagationDisabled
	ftc.Spec.StatusCollection = nil
	ftc.Spec.TargetType.Scope = ClusterScoped
	ftc.Name = "namespaces"
	if ftc.GetNamespaced() || ftc.GetPropagationEnabled() || ftc.GetStatusEnabled() || !ftc.IsNamespace() {
		t.Errorf("helpers of %s report namespaced=%v propagation=%v status=%v namespace=%v",
			ftc.Name, ftc.GetNamespaced(), ftc.GetPropagationEnabled(), ftc.GetStatusEnabled(), ftc.IsNamespace())
	}
}
