package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
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

	// Tolerations let the replicas go to, or stay in, clusters whose
	// taints they match, as the federated object's placement tolerations
	// do (either tolerating is enough). Not in KubeFed (an additive field).
	// +optional
	Tolerations []corev1beta1.Toleration `json:"tolerations,omitempty"`

	// Spread asks that the replicas span topology groups of clusters. Not
	// in KubeFed (an additive field).
	// +optional
	Spread *TopologySpread `json:"spread,omitempty"`
}

// TopologySpread divides replicas across groups of clusters that share the
// value of a label (a region, a zone), then across the clusters of each
// group by the per-cluster preferences.
type TopologySpread struct {
	// TopologyKey is the KubeFedCluster label whose value names a
	// cluster's group, e.g. topology.kubernetes.io/region. Clusters without
	// the label are in no group and get no replicas.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=316
	TopologyKey string `json:"topologyKey"`

	// MinGroups is how many groups must get replicas. When fewer groups
	// have a ready candidate cluster, the replicas go to those there are
	// and the Spread condition is False. Default 1.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinGroups int32 `json:"minGroups,omitempty"`

	// Weights maps a group (a label value) to its share of the replicas.
	// Groups without an entry weigh 0 when any entry is set; empty means
	// every group weighs the same.
	// +optional
	Weights map[string]int64 `json:"weights,omitempty"`
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

// SpreadCondition is the type of the condition that says whether the
// replicas span spec.spread.minGroups topology groups (only with
// spec.spread).
const SpreadCondition = "Spread"

// Reasons of the Spread condition.
const (
	// ReasonSpreadMet: the replicas span at least minGroups groups.
	ReasonSpreadMet = "SpreadMet"
	// ReasonSpreadUnmet: fewer than minGroups groups have a ready
	// candidate cluster (or got replicas).
	ReasonSpreadUnmet = "SpreadUnmet"
)

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
	// current, no preference, not ready, tainted or evicting.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Group is the cluster's topology group (spec.spread).
	// +optional
	Group string `json:"group,omitempty"`
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
