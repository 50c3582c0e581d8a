// Package defaults fills in the KubeFedConfig fields a user left unset,
// with KubeFed's defaults.
package defaults

import (
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// Default values of a KubeFedConfig.
const (
	AvailableDelay                = 20 * time.Second
	UnavailableDelay              = 60 * time.Second
	CacheSyncTimeout              = 5 * time.Minute
	LeaseDuration                 = 15 * time.Second
	RenewDeadline                 = 10 * time.Second
	RetryPeriod                   = 5 * time.Second
	ResourceLock                  = v1beta1.ConfigMapsResourceLock
	HealthCheckPeriod             = 10 * time.Second
	HealthCheckFailureThreshold   = 3
	HealthCheckSuccessThreshold   = 1
	HealthCheckTimeout            = 3 * time.Second
	SyncMaxConcurrentReconciles   = 1
	AdoptResources                = v1beta1.AdoptResourcesEnabled
	StatusMaxConcurrentReconciles = 1
)

// FeatureGateDefaults is the default configuration of every known feature
// gate. Unlike KubeFed, RawResourceStatusCollection is on by default, so
// that a FederatedTypeConfig with statusCollection Enabled (which
// `kubectl fed enable` sets for workload types) collects member status
// without a second switch; listing the gate as Disabled turns it off.
var FeatureGateDefaults = map[v1beta1.FeatureGateName]v1beta1.ConfigurationMode{
	v1beta1.PushReconciler:              v1beta1.ConfigurationEnabled,
	v1beta1.SchedulerPreferences:        v1beta1.ConfigurationEnabled,
	v1beta1.RawResourceStatusCollection: v1beta1.ConfigurationEnabled,
}

// SetDefaultKubeFedConfig fills every nil field of the spec with its
// default, appends every known feature gate that is missing at its default
// and sorts the gates by name. Values the user set are kept; spec.scope is
// never defaulted.
func SetDefaultKubeFedConfig(cfg *v1beta1.KubeFedConfig) {
	spec := &cfg.Spec

	if spec.ControllerDuration == nil {
		spec.ControllerDuration = &v1beta1.DurationConfig{}
	}
	d := spec.ControllerDuration
	setDuration(&d.AvailableDelay, AvailableDelay)
	setDuration(&d.UnavailableDelay, UnavailableDelay)
	setDuration(&d.CacheSyncTimeout, CacheSyncTimeout)

	if spec.LeaderElect == nil {
		spec.LeaderElect = &v1beta1.LeaderElectConfig{}
	}
	le := spec.LeaderElect
	setDuration(&le.LeaseDuration, LeaseDuration)
	setDuration(&le.RenewDeadline, RenewDeadline)
	setDuration(&le.RetryPeriod, RetryPeriod)
	if le.ResourceLock == nil {
		le.ResourceLock = ptr(ResourceLock)
	}

	for name, mode := range FeatureGateDefaults {
		if !slices.ContainsFunc(spec.FeatureGates, func(g v1beta1.FeatureGatesConfig) bool { return g.Name == name }) {
			spec.FeatureGates = append(spec.FeatureGates, v1beta1.FeatureGatesConfig{Name: name, Configuration: mode})
		}
	}
	slices.SortStableFunc(spec.FeatureGates, func(a, b v1beta1.FeatureGatesConfig) int {
		return strings.Compare(string(a.Name), string(b.Name))
	})

	if spec.ClusterHealthCheck == nil {
		spec.ClusterHealthCheck = &v1beta1.ClusterHealthCheckConfig{}
	}
	hc := spec.ClusterHealthCheck
	setDuration(&hc.Period, HealthCheckPeriod)
	setInt(&hc.FailureThreshold, HealthCheckFailureThreshold)
	setInt(&hc.SuccessThreshold, HealthCheckSuccessThreshold)
	setDuration(&hc.Timeout, HealthCheckTimeout)

	if spec.SyncController == nil {
		spec.SyncController = &v1beta1.SyncControllerConfig{}
	}
	setInt(&spec.SyncController.MaxConcurrentReconciles, SyncMaxConcurrentReconciles)
	if spec.SyncController.AdoptResources == nil {
		spec.SyncController.AdoptResources = ptr(AdoptResources)
	}

	if spec.StatusController == nil {
		spec.StatusController = &v1beta1.StatusControllerConfig{}
	}
	setInt(&spec.StatusController.MaxConcurrentReconciles, StatusMaxConcurrentReconciles)
}

// setDuration sets *d to def if it is nil.
func setDuration(d **metav1.Duration, def time.Duration) {
	if *d == nil {
		*d = &metav1.Duration{Duration: def}
	}
}

// setInt sets *n to def if it is nil.
func setInt(n **int64, def int64) {
	if *n == nil {
		*n = &def
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
