package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// JitterFactor is client-go's leader-election jitter: renewDeadline must be
// greater than retryPeriod times this factor.
const JitterFactor = 1.2

// positiveMessage is the error for a duration or count that must be > 0.
const positiveMessage = "must be greater than 0"

// ValidateKubeFedConfig validates a (defaulted) KubeFedConfig. On update,
// old is the stored object and spec.scope may not change; on create old is
// nil.
func ValidateKubeFedConfig(cfg, old *v1beta1.KubeFedConfig) field.ErrorList {
	spec := &cfg.Spec
	path := field.NewPath("spec")
	var errs field.ErrorList

	scope := path.Child("scope")
	switch spec.Scope {
	case "":
		errs = append(errs, field.Required(scope, ""))
	case v1beta1.ClusterScoped, v1beta1.NamespaceScoped:
	default:
		errs = append(errs, field.NotSupported(scope, spec.Scope, []string{string(v1beta1.ClusterScoped), string(v1beta1.NamespaceScoped)}))
	}
	if old != nil {
		errs = append(errs, apimachineryvalidation.ValidateImmutableField(spec.Scope, old.Spec.Scope, scope)...)
	}

	if d := spec.ControllerDuration; d == nil {
		errs = append(errs, field.Required(path.Child("controllerDuration"), ""))
	} else {
		p := path.Child("controllerDuration")
		errs = append(errs, positiveDuration(d.AvailableDelay, p.Child("availableDelay"))...)
		errs = append(errs, positiveDuration(d.UnavailableDelay, p.Child("unavailableDelay"))...)
		errs = append(errs, positiveDuration(d.CacheSyncTimeout, p.Child("cacheSyncTimeout"))...)
	}

	if le := spec.LeaderElect; le == nil {
		errs = append(errs, field.Required(path.Child("leaderElect"), ""))
	} else {
		errs = append(errs, validateLeaderElect(le, path.Child("leaderElect"))...)
	}

	errs = append(errs, validateFeatureGates(spec.FeatureGates, path.Child("featureGates"))...)

	if hc := spec.ClusterHealthCheck; hc == nil {
		errs = append(errs, field.Required(path.Child("clusterHealthCheck"), ""))
	} else {
		p := path.Child("clusterHealthCheck")
		errs = append(errs, positiveDuration(hc.Period, p.Child("period"))...)
		errs = append(errs, positiveInt(hc.FailureThreshold, p.Child("failureThreshold"))...)
		errs = append(errs, positiveInt(hc.SuccessThreshold, p.Child("successThreshold"))...)
		errs = append(errs, positiveDuration(hc.Timeout, p.Child("timeout"))...)
	}

	if sc := spec.SyncController; sc == nil {
		errs = append(errs, field.Required(path.Child("syncController"), ""))
	} else {
		p := path.Child("syncController")
		switch {
		case sc.AdoptResources == nil:
			errs = append(errs, field.Required(p.Child("adoptResources"), ""))
		default:
			errs = append(errs, positiveInt(sc.MaxConcurrentReconciles, p.Child("maxConcurrentReconciles"))...)
			switch *sc.AdoptResources {
			case v1beta1.AdoptResourcesEnabled, v1beta1.AdoptResourcesDisabled:
			default:
				errs = append(errs, field.NotSupported(p.Child("adoptResources"), *sc.AdoptResources,
					[]v1beta1.ResourceAdoption{v1beta1.AdoptResourcesEnabled, v1beta1.AdoptResourcesDisabled}))
			}
		}
	}

	if sc := spec.StatusController; sc == nil {
		errs = append(errs, field.Required(path.Child("statusController"), ""))
	} else {
		errs = append(errs, positiveInt(sc.MaxConcurrentReconciles, path.Child("statusController", "maxConcurrentReconciles"))...)
	}

	errs = append(errs, ValidateInventory(spec.Inventory, path.Child("inventory"))...)
	return errs
}

// ValidateInventory checks a KubeFedConfig's spec.inventory (nil is valid:
// the inventory is off) at path.
func ValidateInventory(inv *v1beta1.InventoryConfig, path *field.Path) field.ErrorList {
	if inv == nil {
		return nil
	}
	errs := namespaceName(inv.Namespace, path.Child("namespace"))
	return append(errs, namespaceName(inv.ProfileNamespace, path.Child("profileNamespace"))...)
}

// namespaceName checks an optional namespace name.
func namespaceName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return nil
	}
	var errs field.ErrorList
	for _, msg := range apimachineryvalidation.ValidateNamespaceName(name, false) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}

// validateLeaderElect checks the durations, their order and the lock type.
func validateLeaderElect(le *v1beta1.LeaderElectConfig, path *field.Path) field.ErrorList {
	errs := positiveDuration(le.LeaseDuration, path.Child("leaseDuration"))
	errs = append(errs, positiveDuration(le.RenewDeadline, path.Child("renewDeadline"))...)
	errs = append(errs, positiveDuration(le.RetryPeriod, path.Child("retryPeriod"))...)
	if le.LeaseDuration != nil && le.RenewDeadline != nil && le.LeaseDuration.Duration <= le.RenewDeadline.Duration {
		errs = append(errs, field.Invalid(path.Child("leaseDuration"), le.LeaseDuration.Duration.String(),
			"leaseDuration must be greater than renewDeadline"))
	}
	if le.RenewDeadline != nil && le.RetryPeriod != nil &&
		float64(le.RenewDeadline.Duration) <= JitterFactor*float64(le.RetryPeriod.Duration) {
		errs = append(errs, field.Invalid(path.Child("renewDeadline"), le.RenewDeadline.Duration.String(),
			"renewDeadline must be greater than retryPeriod*JitterFactor (1.2)"))
	}
	lock := path.Child("resourceLock")
	switch {
	case le.ResourceLock == nil:
		errs = append(errs, field.Required(lock, ""))
	case *le.ResourceLock == v1beta1.ConfigMapsResourceLock, *le.ResourceLock == v1beta1.EndpointsResourceLock:
	default:
		errs = append(errs, field.NotSupported(lock, *le.ResourceLock,
			[]v1beta1.ResourceLockType{v1beta1.ConfigMapsResourceLock, v1beta1.EndpointsResourceLock}))
	}
	return errs
}

// validateFeatureGates checks that the list is present, names are known
// and unique, and configurations are Enabled or Disabled.
func validateFeatureGates(gates []v1beta1.FeatureGatesConfig, path *field.Path) field.ErrorList {
	if gates == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	seen := sets.New[v1beta1.FeatureGateName]()
	for i, g := range gates {
		p := path.Index(i)
		switch {
		case seen.Has(g.Name):
			errs = append(errs, field.Duplicate(p.Child("name"), g.Name))
		case !KnownFeatureGates.Has(g.Name):
			errs = append(errs, field.NotSupported(p.Child("name"), g.Name, sets.List(KnownFeatureGates)))
		}
		seen.Insert(g.Name)
		switch g.Configuration {
		case v1beta1.ConfigurationEnabled, v1beta1.ConfigurationDisabled:
		default:
			errs = append(errs, field.NotSupported(p.Child("configuration"), g.Configuration,
				[]v1beta1.ConfigurationMode{v1beta1.ConfigurationEnabled, v1beta1.ConfigurationDisabled}))
		}
	}
	return errs
}

// KnownFeatureGates are the feature gates a KubeFedConfig may name.
var KnownFeatureGates = sets.New(v1beta1.PushReconciler, v1beta1.RawResourceStatusCollection, v1beta1.SchedulerPreferences)

// positiveDuration requires a duration and that it is > 0.
func positiveDuration(d *metav1.Duration, path *field.Path) field.ErrorList {
	if d == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	if d.Duration <= 0 {
		return field.ErrorList{field.Invalid(path, d.Duration.String(), positiveMessage)}
	}
	return nil
}

// positiveInt requires a count and that it is > 0.
func positiveInt(n *int64, path *field.Path) field.ErrorList {
	if n == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	if *n <= 0 {
		return field.ErrorList{field.Invalid(path, *n, positiveMessage)}
	}
	return nil
}
