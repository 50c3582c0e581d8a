package defaults

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/diff"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

func TestDefaultsFillEveryField(t *testing.T) {
	cfg := &v1beta1.KubeFedConfig{Spec: v1beta1.KubeFedConfigSpec{Scope: v1beta1.ClusterScoped}}
	SetDefaultKubeFedConfig(cfg)
	d := func(v time.Duration) *metav1.Duration { return &metav1.Duration{Duration: v} }
	n := func(v int64) *int64 { return &v }
	lock, adopt := v1beta1.ConfigMapsResourceLock, v1beta1.AdoptResourcesEnabled
	want := v1beta1.KubeFedConfigSpec{
		Scope:              v1beta1.ClusterScoped,
		ControllerDuration: &v1beta1.DurationConfig{AvailableDelay: d(20 * time.Second), UnavailableDelay: d(60 * time.Second), CacheSyncTimeout: d(5 * time.Minute)},
		LeaderElect:        &v1beta1.LeaderElectConfig{LeaseDuration: d(15 * time.Second), RenewDeadline: d(10 * time.Second), RetryPeriod: d(5 * time.Second), ResourceLock: &lock},
		FeatureGates: []v1beta1.FeatureGatesConfig{
			{Name: v1beta1.PushReconciler, Configuration: v1beta1.ConfigurationEnabled},
			{Name: v1beta1.RawResourceStatusCollection, Configuration: v1beta1.ConfigurationEnabled},
			{Name: v1beta1.SchedulerPreferences, Configuration: v1beta1.ConfigurationEnabled},
		},
		ClusterHealthCheck: &v1beta1.ClusterHealthCheckConfig{Period: d(10 * time.Second), FailureThreshold: n(3), SuccessThreshold: n(1), Timeout: d(3 * time.Second)},
		SyncController:     &v1beta1.SyncControllerConfig{MaxConcurrentReconciles: n(1), AdoptResources: &adopt},
		StatusController:   &v1beta1.StatusControllerConfig{MaxConcurrentReconciles: n(1)},
	}
	if !reflect.DeepEqual(want, cfg.Spec) {
		t.Fatalf("defaulted spec (-want +got):\n%s", diff.Diff(want, cfg.Spec))
	}
}

func TestDefaultsKeepUserValues(t *testing.T) {
	d := func(v time.Duration) *metav1.Duration { return &metav1.Duration{Duration: v} }
	n := func(v int64) *int64 { return &v }
	lock, adopt := v1beta1.EndpointsResourceLock, v1beta1.AdoptResourcesDisabled
	user := v1beta1.KubeFedConfigSpec{
		Scope:              v1beta1.NamespaceScoped,
		ControllerDuration: &v1beta1.DurationConfig{AvailableDelay: d(1), UnavailableDelay: d(2), CacheSyncTimeout: d(3)},
		LeaderElect:        &v1beta1.LeaderElectConfig{LeaseDuration: d(4), RenewDeadline: d(5), RetryPeriod: d(6), ResourceLock: &lock},
		FeatureGates: []v1beta1.FeatureGatesConfig{
			{Name: v1beta1.SchedulerPreferences, Configuration: v1beta1.ConfigurationDisabled},
			{Name: v1beta1.PushReconciler, Configuration: v1beta1.ConfigurationDisabled},
			{Name: v1beta1.RawResourceStatusCollection, Configuration: v1beta1.ConfigurationEnabled},
		},
		ClusterHealthCheck: &v1beta1.ClusterHealthCheckConfig{Period: d(7), FailureThreshold: n(8), SuccessThreshold: n(9), Timeout: d(10)},
		SyncController:     &v1beta1.SyncControllerConfig{MaxConcurrentReconciles: n(11), AdoptResources: &adopt},
		StatusController:   &v1beta1.StatusControllerConfig{MaxConcurrentReconciles: n(12)},
	}
	cfg := &v1beta1.KubeFedConfig{Spec: *user.DeepCopy()}
	SetDefaultKubeFedConfig(cfg)
	want := user.DeepCopy()
	want.FeatureGates = []v1beta1.FeatureGatesConfig{
		{Name: v1beta1.PushReconciler, Configuration: v1beta1.ConfigurationDisabled},
		{Name: v1beta1.RawResourceStatusCollection, Configuration: v1beta1.ConfigurationEnabled},
		{Name: v1beta1.SchedulerPreferences, Configuration: v1beta1.ConfigurationDisabled},
	}
	if !reflect.DeepEqual(*want, cfg.Spec) {
		t.Fatalf("user values changed (-want +got):\n%s", diff.Diff(*want, cfg.Spec))
	}
}

func TestDefaultsAppendMissingGatesSorted(t *testing.T) {
	cfg := &v1beta1.KubeFedConfig{Spec: v1beta1.KubeFedConfigSpec{
		FeatureGates: []v1beta1.FeatureGatesConfig{{Name: v1beta1.SchedulerPreferences, Configuration: v1beta1.ConfigurationDisabled}},
	}}
	SetDefaultKubeFedConfig(cfg)
	var names []v1beta1.FeatureGateName
	for _, g := range cfg.Spec.FeatureGates {
		names = append(names, g.Name)
	}
	want := []v1beta1.FeatureGateName{v1beta1.PushReconciler, v1beta1.RawResourceStatusCollection, v1beta1.SchedulerPreferences}
	if !reflect.DeepEqual(want, names) {
		t.Fatalf("gates: want %v, got %v", want, names)
	}
	if cfg.Spec.FeatureGates[2].Configuration != v1beta1.ConfigurationDisabled {
		t.Fatalf("the user's SchedulerPreferences setting was lost")
	}
	if cfg.Spec.Scope != "" {
		t.Fatalf("scope must not be defaulted")
	}
}
