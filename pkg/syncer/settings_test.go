package syncer

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
)

func TestChangedSettings(t *testing.T) {
	base := newConfig("kube-federation-system").Spec
	for _, tc := range []struct {
		name          string
		change        func(*corev1beta1.KubeFedConfigSpec)
		live, restart []string
	}{
		{"nothing", func(*corev1beta1.KubeFedConfigSpec) {}, nil, nil},
		{"adoption", func(s *corev1beta1.KubeFedConfigSpec) {
			v := corev1beta1.AdoptResourcesDisabled
			s.SyncController.AdoptResources = &v
		}, []string{"syncController.adoptResources"}, nil},
		{"workers and health checks", func(s *corev1beta1.KubeFedConfigSpec) {
			n := int64(9)
			s.SyncController.MaxConcurrentReconciles = &n
			s.ClusterHealthCheck.Period = &metav1.Duration{Duration: time.Minute}
		}, nil, []string{"clusterHealthCheck", "syncController.maxConcurrentReconciles"}},
		{"feature gates and leader election", func(s *corev1beta1.KubeFedConfigSpec) {
			s.FeatureGates = s.FeatureGates[1:]
			s.LeaderElect.LeaseDuration = &metav1.Duration{Duration: time.Minute}
		}, nil, []string{"leaderElect", "featureGates"}},
		{"the inventory", func(s *corev1beta1.KubeFedConfigSpec) {
			s.Inventory = &corev1beta1.InventoryConfig{Namespace: "fleet"}
		}, nil, []string{"inventory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := *base.DeepCopy()
			tc.change(&changed)
			live, restart := changedSettings(base, changed)
			if !slices.Equal(live, tc.live) || !slices.Equal(restart, tc.restart) {
				t.Errorf("got live %v restart %v, want live %v restart %v", live, restart, tc.live, tc.restart)
			}
		})
	}
}

func TestSafeConfigDisablesAdoption(t *testing.T) {
	invalid := newConfig("kube-federation-system")
	invalid.Spec.Scope = corev1beta1.NamespaceScoped
	invalid.Spec.LeaderElect.LeaseDuration = &metav1.Duration{Duration: time.Second} // shorter than renewDeadline
	invalid.Generation = 7
	safe := safeConfig(invalid)
	if errs := validation.ValidateKubeFedConfig(safe, nil); len(errs) > 0 {
		t.Fatalf("the safe config is invalid: %v", errs)
	}
	if *safe.Spec.SyncController.AdoptResources != corev1beta1.AdoptResourcesDisabled {
		t.Errorf("adoptResources %s, want Disabled", *safe.Spec.SyncController.AdoptResources)
	}
	if safe.Spec.Scope != corev1beta1.NamespaceScoped || safe.Generation != 7 {
		t.Errorf("scope %s generation %d, want the invalid one's (Namespaced, 7)", safe.Spec.Scope, safe.Generation)
	}
}
