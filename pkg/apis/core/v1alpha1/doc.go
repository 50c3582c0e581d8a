// Package v1alpha1 contains the core.kubefed.io/v1alpha1 API:
// PropagatedVersion and ClusterPropagatedVersion, which record the versions
// of member objects the sync controller last wrote.
//
// +kubebuilder:object:generate=true
// +groupName=core.kubefed.io
package v1alpha1
