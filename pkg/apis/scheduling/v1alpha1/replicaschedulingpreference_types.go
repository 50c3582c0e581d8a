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
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=replicaschedulingpreferences,scope=Namespaced,shortName=rsp
// +kubebuilder:printcolumn:name=target-kind,type=string,JSONPath=`.spec.targetKind`
// +kubebuilder:printcolumn:name=total-replicas,type=integer,JSONPath=`.spec.totalReplicas`
// +kubebuilder:printcolumn:name=scheduled,type=string,JSONPath=`.status.conditions[?(@.type=="Scheduled")].status`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type ReplicaSchedulingPreference struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the preferences.
	// +required
	Spec ReplicaSchedulingPreferenceSpec `json:"spec"`

	// Status is the plan the syncer wrote into the federated object (KubeFed
	// left it empty).
	// +optional
	Status ReplicaSchedulingPreferenceStatus `json:"status,omitzero"`
}

// ScheduledCondition is the type of the condition that says whether every
// one of totalReplicas could be placed in a cluster.
const ScheduledCondition = "Scheduled"

// Reasons of the Scheduled condition.
const (
	// ReasonAllPlaced: every replica is placed.
	ReasonAllPlaced = "AllReplicasPlaced"
	// ReasonUnplaced: some replicas fit in no candidate cluster (maximums or
	// capacity too low).
	ReasonUnplaced = "ReplicasUnplaced"
	// ReasonNoCandidates: no ready cluster is a candidate.
	ReasonNoCandidates = "NoCandidateClusters"
	// ReasonTargetNotFound: the federated object of the same namespace and
	// name does not exist, or its kind is not enabled.
	ReasonTargetNotFound = "TargetNotFound"
)

// ReplicaSchedulingPreferenceStatus is the result of the last scheduling.
type ReplicaSchedulingPreferenceStatus struct {
	// ObservedGeneration is the generation of the spec the status is for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Clusters is the plan per cluster, sorted by name: every cluster that
	// got a placement, with zero-replica ones.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterSchedulingStatus `json:"clusters,omitempty"`
	// Conditions holds the Scheduled condition.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ClusterSchedulingStatus is one cluster's part of the plan.
type ClusterSchedulingStatus struct {
	// Name is the cluster's name.
	Name string `json:"name"`
	// Replicas is what the plan gives the cluster, overflow included.
	Replicas int64 `json:"replicas"`
	// CurrentReplicas is what the cluster ran ready when planned; unset when
	// the cluster had no object.
	// +optional
	CurrentReplicas *int64 `json:"currentReplicas,omitempty"`
	// Capacity is how many replicas the cluster was estimated to have room
	// for (its pods were unschedulable); unset when unbounded.
	// +optional
	Capacity *int64 `json:"capacity,omitempty"`
	// Overflow is the part of Replicas that did not fit the capacity and
	// waits for another cluster to take it.
	// +optional
	Overflow int64 `json:"overflow,omitempty"`
	// Reason says what decided the number: min, weight, max, capacity,
	// current, no preference or not ready.
	// +optional
	Reason string `json:"reason,omitempty"`
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
