package validation

import (
	"strings"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// FTCNameMessage is the error for a FederatedTypeConfig that is not named
// after its target type.
const FTCNameMessage = "name must be 'TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)'"

// ValidateFederatedTypeConfig validates the name and spec of a
// FederatedTypeConfig.
func ValidateFederatedTypeConfig(ftc *v1beta1.FederatedTypeConfig) field.ErrorList {
	var errs field.ErrorList
	if ftc.Name != ftc.Spec.TargetType.QualifiedName() {
		errs = append(errs, field.Invalid(field.NewPath("name"), ftc.Name, FTCNameMessage))
	}
	return append(errs, ValidateFederatedTypeConfigSpec(&ftc.Spec, field.NewPath("spec"))...)
}

// ValidateFederatedTypeConfigSpec validates the API resources and modes of
// a FederatedTypeConfig.
func ValidateFederatedTypeConfigSpec(spec *v1beta1.FederatedTypeConfigSpec, path *field.Path) field.ErrorList {
	errs := validateAPIResource(&spec.TargetType, path.Child("targetType"))
	errs = append(errs, validateAPIResource(&spec.FederatedType, path.Child("federatedType"))...)
	errs = append(errs, validateDomainGroup(spec.FederatedType.Group, path.Child("federatedType", "group"))...)
	if spec.StatusType != nil {
		errs = append(errs, validateAPIResource(spec.StatusType, path.Child("statusType"))...)
		errs = append(errs, validateDomainGroup(spec.StatusType.Group, path.Child("statusType", "group"))...)
	}
	switch spec.Propagation {
	case "":
		errs = append(errs, field.Required(path.Child("propagation"), ""))
	case v1beta1.PropagationEnabled, v1beta1.PropagationDisabled:
	default:
		errs = append(errs, field.NotSupported(path.Child("propagation"), spec.Propagation,
			[]v1beta1.PropagationMode{v1beta1.PropagationEnabled, v1beta1.PropagationDisabled}))
	}
	if sc := spec.StatusCollection; sc != nil && *sc != v1beta1.StatusCollectionEnabled && *sc != v1beta1.StatusCollectionDisabled {
		errs = append(errs, field.NotSupported(path.Child("statusCollection"), *sc,
			[]v1beta1.StatusCollectionMode{v1beta1.StatusCollectionEnabled, v1beta1.StatusCollectionDisabled}))
	}
	return errs
}

// ValidateFederatedTypeConfigStatus validates what the FederatedTypeConfig
// controller reports.
func ValidateFederatedTypeConfigStatus(status *v1beta1.FederatedTypeConfigStatus, path *field.Path) field.ErrorList {
	errs := apimachineryvalidation.ValidateNonnegativeField(status.ObservedGeneration, path.Child("observedGeneration"))
	errs = append(errs, validateControllerStatus(status.PropagationController, path.Child("propagationController"))...)
	if status.StatusController != nil {
		errs = append(errs, validateControllerStatus(*status.StatusController, path.Child("statusController"))...)
	}
	return errs
}

// validateControllerStatus requires Running or NotRunning.
func validateControllerStatus(s v1beta1.ControllerStatus, path *field.Path) field.ErrorList {
	switch s {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case v1beta1.ControllerStatusRunning, v1beta1.ControllerStatusNotRunning:
		return nil
	}
	return field.ErrorList{field.NotSupported(path, s,
		[]v1beta1.ControllerStatus{v1beta1.ControllerStatusRunning, v1beta1.ControllerStatusNotRunning})}
}

// validateAPIResource checks the names and scope of an API resource.
func validateAPIResource(r *v1beta1.APIResource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.Group != "" {
		errs = append(errs, dns1123Subdomain(r.Group, path.Child("group"))...)
	}
	errs = append(errs, requiredDNS1035(r.Version, r.Version, path.Child("version"))...)
	errs = append(errs, requiredDNS1035(r.Kind, strings.ToLower(r.Kind), path.Child("kind"))...)
	errs = append(errs, requiredDNS1035(r.PluralName, r.PluralName, path.Child("pluralName"))...)
	switch r.Scope {
	case "":
		errs = append(errs, field.Required(path.Child("scope"), ""))
	case v1beta1.ClusterScoped, v1beta1.NamespaceScoped:
	default:
		errs = append(errs, field.NotSupported(path.Child("scope"), r.Scope,
			[]string{string(v1beta1.ClusterScoped), string(v1beta1.NamespaceScoped)}))
	}
	return errs
}

// requiredDNS1035 requires value and checks that checked (value or a
// normalised form of it) is a DNS-1035 label.
func requiredDNS1035(value, checked string, path *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	for _, e := range dns1035Label(checked, path) {
		e.BadValue = value
		errs = append(errs, e)
	}
	return errs
}

// validateDomainGroup requires a group with at least one dot, as the
// groups of federated and status types must be.
func validateDomainGroup(group string, path *field.Path) field.ErrorList {
	if group == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if !strings.Contains(group, ".") {
		return field.ErrorList{field.Invalid(path, group, "should be a domain with at least one dot")}
	}
	return nil
}
