package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Kinds of the override policies, as they appear in messages.
const (
	// OverridePolicyKind is the kind of a namespaced override policy.
	OverridePolicyKind = "OverridePolicy"
	// ClusterOverridePolicyKind is the kind of a cluster-wide override
	// policy.
	ClusterOverridePolicyKind = "ClusterOverridePolicy"
)

// OverridePolicySpec says which federated objects, in which clusters, get
// which overriders. The syncer applies a policy's overriders to the member
// objects of the objects it selects, in the clusters it targets, before the
// objects' own spec.overrides (which therefore win).
type OverridePolicySpec struct {
	// ResourceSelector selects the federated objects by kind, name and
	// labels. Missing or empty selects every federated object in scope.
	// +optional
	ResourceSelector *OverrideResourceSelector `json:"resourceSelector,omitempty"`

	// TargetClusters are the clusters whose member objects are changed, by
	// name and/or KubeFedCluster labels. Missing means every cluster.
	// +optional
	TargetClusters *ClusterSet `json:"targetClusters,omitempty"`

	// ClusterOverrides are JSON-patch operations, applied first, with the
	// semantics of a federated object's spec.overrides[].clusterOverrides.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	ClusterOverrides []typesv1beta1.ClusterOverride `json:"clusterOverrides,omitempty"`

	// TypedOverriders apply after ClusterOverrides, as in a federated
	// object's override entries.
	typesv1beta1.TypedOverriders `json:",inline"`
}

// OverrideResourceSelector selects federated objects by kind, name and
// labels; every part given must match.
type OverrideResourceSelector struct {
	ResourceSelector `json:",inline"`

	// Names are names of federated objects. Empty matches every name.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=253
	Names []string `json:"names,omitempty"`
}

// OverridePolicyStatus reports what an override policy currently selects.
type OverridePolicyStatus struct {
	// ObservedGeneration is the policy generation the count was computed
	// for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Selected is the number of federated objects the policy selects.
	// +optional
	Selected int32 `json:"selected"`
}

// OverridePolicy overrides fields of the member objects of the federated
// objects of its own namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=overridepolicies,scope=Namespaced,shortName=ovpol,categories=kubefed
// +kubebuilder:printcolumn:name=selected,type=integer,JSONPath=`.status.selected`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type OverridePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the policy overrides, and where.
	// +required
	Spec OverridePolicySpec `json:"spec"`

	// Status counts the selected objects.
	// +optional
	Status OverridePolicyStatus `json:"status,omitzero"`
}

// OverridePolicyList is a list of OverridePolicies.
//
// +kubebuilder:object:root=true
type OverridePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the OverridePolicies.
	Items []OverridePolicy `json:"items"`
}

// ClusterOverridePolicySpec is an OverridePolicySpec that applies in every
// namespace, or in the namespaces its selector matches.
type ClusterOverridePolicySpec struct {
	// NamespaceSelector matches the labels of the namespaces whose federated
	// objects the policy applies to. Missing matches every namespace and
	// cluster-scoped federated objects; when set, cluster-scoped objects are
	// not selected.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	OverridePolicySpec `json:",inline"`
}

// ClusterOverridePolicy overrides fields of the member objects of federated
// objects in every namespace its namespaceSelector matches.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=clusteroverridepolicies,scope=Cluster,shortName=covpol,categories=kubefed
// +kubebuilder:printcolumn:name=selected,type=integer,JSONPath=`.status.selected`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterOverridePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the policy overrides, and where.
	// +required
	Spec ClusterOverridePolicySpec `json:"spec"`

	// Status counts the selected objects.
	// +optional
	Status OverridePolicyStatus `json:"status,omitzero"`
}

// ClusterOverridePolicyList is a list of ClusterOverridePolicies.
//
// +kubebuilder:object:root=true
type ClusterOverridePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ClusterOverridePolicies.
	Items []ClusterOverridePolicy `json:"items"`
}
