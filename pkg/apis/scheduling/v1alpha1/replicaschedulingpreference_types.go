package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TargetKind is the kind of federated object a ReplicaSchedulingPreference
// drives.
// +kubebuilder:validation:Enum=FederatedDeployment;FederatedReplicaSet
type TargetKind string

const (
	// TargetKindFederatedDeployment drives a FederatedDeployment.
	TargetKindFederatedDeployment TargetKind = "FederatedDeployment"
	// TargetKindFederatedReplicaSet drives a FederatedReplicaSet.
	TargetKindFederatedReplicaSet TargetKind = "FederatedReplicaSet"
)

// AllClusters is the key of ReplicaSchedulingPreferenceSpec.Clusters whose
// preferences apply to every cluster without an entry of its own.
const AllClusters = "*"

// ReplicaSchedulingPreferenceSpec says how to spread the replicas of the
// federated object with the same namespace and name.
type ReplicaSchedulingPreferenceSpec struct {
	// TargetKind is the kind of the federated object.
	// +required
	TargetKind TargetKind `json:"targetKind"`

	// TotalReplicas is the number of replicas spread across clusters. The
	// template's spec.replicas is ignored.
	// +required
	// +kubebuilder:validation:Minimum=0
	TotalReplicas int32 `json:"totalReplicas"`

	// Rebalance allows replicas already running in a cluster to be moved to
	// another one.
	// +optional
	Rebalance bool `json:"rebalance,omitempty"`

	// IntersectWithClusterSelector restricts the candidate clusters to those
	// the federated object's placement.clusterSelector (and, for namespaced
	// types, its FederatedNamespace's selector) selects. If false, the
	// result overwrites placement.clusters.
	// +optional
	IntersectWithClusterSelector bool `json:"intersectWithClusterSelector,omitempty"`

	// Clusters maps a cluster name, or "*" for every cluster without an
	// entry of its own, to its preferences. A cluster with no entry and no
	// "*" gets no replicas. An empty map means {"*": {weight: 1}}.
	// +optional
	Clusters map[string]ClusterPreferences `json:"clusters,omitempty"`
}

// ClusterPreferences are the scheduling preferences for one cluster.
// +kubebuilder:validation:XValidation:rule="!has(self.maxReplicas) || self.maxReplicas >= (has(self.minReplicas) ? self.minReplicas : 0)",message="maxReplicas must be greater than or equal to minReplicas",fieldPath=".maxReplicas"
type ClusterPreferences struct {
	// MinReplicas is the number of replicas the cluster gets before any is
	// distributed by weight. Default 0.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinReplicas int64 `json:"minReplicas,omitempty"`

	// MaxReplicas caps the replicas of the cluster. Unset means no cap.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxReplicas *int64 `json:"maxReplicas,omitempty"`

	// Weight is the cluster's share of the replicas left after the
	// minimums, relative to the other clusters' weights. Default 0.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Weight int64 `json:"weight,omitempty"`
}

// ReplicaSchedulingPreference spreads the replicas of the
// FederatedDeployment or FederatedReplicaSet with the same namespace and
// name over the member clusters.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=replicaschedulingpreferences,scope=Namespaced,shortName=rsp
// +kubebuilder:printcolumn:name=target-kind,type=string,JSONPath=`.spec.targetKind`
// +kubebuilder:printcolumn:name=total-replicas,type=integer,JSONPath=`.spec.totalReplicas`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type ReplicaSchedulingPreference struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the preferences.
	// +required
	Spec ReplicaSchedulingPreferenceSpec `json:"spec"`
}

// ReplicaSchedulingPreferenceList is a list of ReplicaSchedulingPreferences.
//
// +kubebuilder:object:root=true
type ReplicaSchedulingPreferenceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ReplicaSchedulingPreferences.
	Items []ReplicaSchedulingPreference `json:"items"`
}
