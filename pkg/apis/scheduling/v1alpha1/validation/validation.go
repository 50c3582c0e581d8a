// Package validation checks ReplicaSchedulingPreferences. It is pure and
// returns every problem at once as field errors.
package validation

import (
	"slices"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	apivalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// ValidateReplicaSchedulingPreference validates the spec of an RSP.
func ValidateReplicaSchedulingPreference(rsp *v1alpha1.ReplicaSchedulingPreference) field.ErrorList {
	spec := &rsp.Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	switch spec.TargetKind {
	case "":
		errs = append(errs, field.Required(path.Child("targetKind"), ""))
	case v1alpha1.TargetKindFederatedDeployment, v1alpha1.TargetKindFederatedReplicaSet:
	default:
		errs = append(errs, field.NotSupported(path.Child("targetKind"), spec.TargetKind,
			[]v1alpha1.TargetKind{v1alpha1.TargetKindFederatedDeployment, v1alpha1.TargetKindFederatedReplicaSet}))
	}
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(spec.TotalReplicas), path.Child("totalReplicas"))...)

	// Map keys are visited in order so that messages are stable.
	keys := make([]string, 0, len(spec.Clusters))
	for k := range spec.Clusters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, name := range keys {
		pref := spec.Clusters[name]
		p := path.Child("clusters").Key(name)
		if name != v1alpha1.AllClusters {
			for _, msg := range apivalidation.IsDNS1123Subdomain(name) {
				errs = append(errs, field.Invalid(p, name, "must be a cluster name or \"*\": "+msg))
			}
		}
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(pref.MinReplicas, p.Child("minReplicas"))...)
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(pref.Weight, p.Child("weight"))...)
		if pref.MaxReplicas != nil {
			errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*pref.MaxReplicas, p.Child("maxReplicas"))...)
			if *pref.MaxReplicas < pref.MinReplicas {
				errs = append(errs, field.Invalid(p.Child("maxReplicas"), *pref.MaxReplicas,
					"must be greater than or equal to minReplicas"))
			}
		}
	}
	return errs
}
