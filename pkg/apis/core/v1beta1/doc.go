// Package v1beta1 contains the core.kubefed.io/v1beta1 API: KubeFedCluster,
// KubeFedConfig and FederatedTypeConfig. The JSON field names are those of
// KubeFed v0.10, so KubeFed manifests work unchanged.
//
// +kubebuilder:object:generate=true
// +groupName=core.kubefed.io
package v1beta1
