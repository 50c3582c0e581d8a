// Package validation checks FederationPolicies and ClusterFederationPolicies
// (selectors parse, cluster names and JSON pointers are valid, minClusters
// is at most maxClusters and the enforcement is known) and OverridePolicies
// and ClusterOverridePolicies (selectors, names, and overriders checked as
// a federated object's override entries are). It is pure.
package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	apivalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
)

// ValidateFederationPolicy validates a namespaced policy.
func ValidateFederationPolicy(p *v1alpha1.FederationPolicy) field.ErrorList {
	return ValidateFederationPolicySpec(&p.Spec, field.NewPath("spec"))
}

// ValidateClusterFederationPolicy validates a cluster-wide policy.
func ValidateClusterFederationPolicy(p *v1alpha1.ClusterFederationPolicy) field.ErrorList {
	path := field.NewPath("spec")
	errs := validateSelector(p.Spec.NamespaceSelector, path.Child("namespaceSelector"))
	return append(errs, ValidateFederationPolicySpec(&p.Spec.FederationPolicySpec, path)...)
}

// ValidateFederationPolicySpec validates the rules shared by both kinds.
func ValidateFederationPolicySpec(spec *v1alpha1.FederationPolicySpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if rs := spec.ResourceSelector; rs != nil {
		p := path.Child("resourceSelector")
		errs = append(errs, validateKinds(rs.Kinds, p.Child("kinds"))...)
		errs = append(errs, validateSelector(rs.LabelSelector, p.Child("labelSelector"))...)
	}
	errs = append(errs, validateClusterSet(spec.AllowedClusters, path.Child("allowedClusters"))...)
	errs = append(errs, validateClusterSet(spec.DeniedClusters, path.Child("deniedClusters"))...)
	if spec.MinClusters != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(*spec.MinClusters), path.Child("minClusters"))...)
	}
	if spec.MaxClusters != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(*spec.MaxClusters), path.Child("maxClusters"))...)
		if spec.MinClusters != nil && *spec.MinClusters > *spec.MaxClusters {
			errs = append(errs, field.Invalid(path.Child("minClusters"), *spec.MinClusters, "must be less than or equal to maxClusters"))
		}
	}
	for i, prefix := range spec.DeniedOverridePaths {
		if msg := typesvalidation.JSONPointerError(prefix); msg != "" {
			errs = append(errs, field.Invalid(path.Child("deniedOverridePaths").Index(i), prefix, msg))
		}
	}
	if spec.DefaultPlacement != nil {
		errs = append(errs, typesvalidation.ValidatePlacement(spec.DefaultPlacement, path.Child("defaultPlacement"))...)
	}
	switch spec.Enforcement {
	case "", v1alpha1.EnforcementDeny, v1alpha1.EnforcementWarn, v1alpha1.EnforcementAudit:
	default:
		errs = append(errs, field.NotSupported(path.Child("enforcement"), spec.Enforcement,
			[]v1alpha1.Enforcement{v1alpha1.EnforcementDeny, v1alpha1.EnforcementWarn, v1alpha1.EnforcementAudit}))
	}
	return errs
}

// ValidateOverridePolicy validates a namespaced override policy.
func ValidateOverridePolicy(p *v1alpha1.OverridePolicy) field.ErrorList {
	return ValidateOverridePolicySpec(&p.Spec, field.NewPath("spec"))
}

// ValidateClusterOverridePolicy validates a cluster-wide override policy.
func ValidateClusterOverridePolicy(p *v1alpha1.ClusterOverridePolicy) field.ErrorList {
	path := field.NewPath("spec")
	errs := validateSelector(p.Spec.NamespaceSelector, path.Child("namespaceSelector"))
	return append(errs, ValidateOverridePolicySpec(&p.Spec.OverridePolicySpec, path)...)
}

// ValidateOverridePolicySpec validates the rules shared by both kinds of
// override policy: the resource selector's kinds, names and labels, the
// target clusters, and the overriders with the rules of a federated
// object's override entries.
func ValidateOverridePolicySpec(spec *v1alpha1.OverridePolicySpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if rs := spec.ResourceSelector; rs != nil {
		p := path.Child("resourceSelector")
		errs = append(errs, validateKinds(rs.Kinds, p.Child("kinds"))...)
		errs = append(errs, validateNames(rs.Names, p.Child("names"))...)
		errs = append(errs, validateSelector(rs.LabelSelector, p.Child("labelSelector"))...)
	}
	errs = append(errs, validateClusterSet(spec.TargetClusters, path.Child("targetClusters"))...)
	errs = append(errs, typesvalidation.ValidatePatches(spec.ClusterOverrides, path.Child("clusterOverrides"))...)
	return append(errs, typesvalidation.ValidateTypedOverriders(&spec.TypedOverriders, path)...)
}

// validateClusterSet checks the names and the selector of a cluster set.
func validateClusterSet(set *v1alpha1.ClusterSet, path *field.Path) field.ErrorList {
	if set == nil {
		return nil
	}
	errs := validateNames(set.Names, path.Child("names"))
	return append(errs, validateSelector(set.ClusterSelector, path.Child("clusterSelector"))...)
}

// validateKinds checks that no kind of a resource selector is empty.
func validateKinds(kinds []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, kind := range kinds {
		if kind == "" {
			errs = append(errs, field.Required(path.Index(i), ""))
		}
	}
	return errs
}

// validateNames checks that every name is a DNS-1123 subdomain.
func validateNames(names []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, name := range names {
		for _, msg := range apivalidation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(path.Index(i), name, msg))
		}
	}
	return errs
}

// validateSelector checks that a label selector, if set, parses.
func validateSelector(sel *metav1.LabelSelector, path *field.Path) field.ErrorList {
	if sel == nil {
		return nil
	}
	return metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path)
}
