// Package v1alpha1 contains the policy.kubefed.io/v1alpha1 API:
// FederationPolicy and ClusterFederationPolicy, which decide to which member
// clusters the federated objects they select may be propagated, which
// overrides they may carry and where they go by default.
//
// +kubebuilder:object:generate=true
// +groupName=policy.kubefed.io
package v1alpha1
