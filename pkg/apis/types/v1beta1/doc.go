// Package v1beta1 holds the parts shared by every generated Federated<Kind>
// type of the types.kubefed.io/v1beta1 API (placement, overrides, status
// and their well-known values) and FederatedCRD, which builds the
// CustomResourceDefinition of a Federated<Kind> for a target type.
//
// The package has no root kinds: Federated<Kind> CRDs are created at run
// time (by "kubectl fed enable"), so no CRD manifest is generated from it.
//
// +kubebuilder:object:generate=true
package v1beta1
