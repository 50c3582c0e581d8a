// Package v1alpha1 contains the scheduling.kubefed.io/v1alpha1 API:
// ReplicaSchedulingPreference, which spreads the replicas of a
// FederatedDeployment or FederatedReplicaSet over member clusters.
//
// +kubebuilder:object:generate=true
// +groupName=scheduling.kubefed.io
package v1alpha1
