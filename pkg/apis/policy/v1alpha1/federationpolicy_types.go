package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Kinds of this group, as they appear in rejection messages.
const (
	// FederationPolicyKind is the kind of a namespaced policy.
	FederationPolicyKind = "FederationPolicy"
	// ClusterFederationPolicyKind is the kind of a cluster-wide policy.
	ClusterFederationPolicyKind = "ClusterFederationPolicy"
)

// Enforcement says what happens to an object that violates a policy.
// +kubebuilder:validation:Enum=Deny;Warn;Audit
type Enforcement string

const (
	// EnforcementDeny rejects the object at admission, and the syncer does
	// not propagate it to a cluster the policy forbids.
	EnforcementDeny Enforcement = "Deny"
	// EnforcementWarn admits the object with an admission warning.
	EnforcementWarn Enforcement = "Warn"
	// EnforcementAudit admits the object; the violation is only counted in
	// the policy's status.
	EnforcementAudit Enforcement = "Audit"
)

// FederationPolicySpec is what a policy requires of the federated objects it
// selects. An object must satisfy every policy that selects it.
type FederationPolicySpec struct {
	// ResourceSelector selects the federated objects the policy applies to.
	// Missing or empty selects every federated object in scope.
	// +optional
	ResourceSelector *ResourceSelector `json:"resourceSelector,omitempty"`

	// AllowedClusters, when set, is the only set of clusters a selected
	// object may be placed in.
	// +optional
	AllowedClusters *ClusterSet `json:"allowedClusters,omitempty"`

	// DeniedClusters are clusters a selected object may not be placed in.
	// +optional
	DeniedClusters *ClusterSet `json:"deniedClusters,omitempty"`

	// MinClusters is the least number of clusters a selected object must be
	// placed in.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinClusters *int32 `json:"minClusters,omitempty"`

	// MaxClusters is the largest number of clusters a selected object may be
	// placed in.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxClusters *int32 `json:"maxClusters,omitempty"`

	// DeniedOverridePaths are JSON-pointer prefixes that overrides of a
	// selected object may not touch: "/spec/template/spec/hostNetwork", or
	// "/metadata/annotations" for everything below it.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=1024
	DeniedOverridePaths []string `json:"deniedOverridePaths,omitempty"`

	// DeniedTolerationKeys are cluster taint keys that a selected object
	// may not tolerate (spec.placement.tolerations): a toleration of one
	// of them, or of every taint (operator Exists without key), is a
	// violation. It keeps a team from tolerating a taint reserved for
	// another team. Not in KubeFed.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=316
	DeniedTolerationKeys []string `json:"deniedTolerationKeys,omitempty"`

	// DefaultPlacement is injected at admission into a selected object that
	// has no spec.placement.
	// +optional
	DefaultPlacement *typesv1beta1.Placement `json:"defaultPlacement,omitempty"`

	// Enforcement says what happens to a violating object: Deny (the
	// default) rejects it, Warn admits it with a warning, Audit admits it
	// and counts it in the status.
	// +optional
	// +kubebuilder:default=Deny
	Enforcement Enforcement `json:"enforcement,omitempty"`
}

// ResourceSelector selects federated objects by kind and labels. Both parts
// must match; a missing part matches everything.
type ResourceSelector struct {
	// Kinds are federated kinds, e.g. FederatedDeployment. Empty matches
	// every kind.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	Kinds []string `json:"kinds,omitempty"`

	// LabelSelector matches the labels of the federated object.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
}

// ClusterSet names member clusters by name and/or by a selector on the
// labels of their KubeFedClusters. A cluster is in the set if it is named
// or matched.
type ClusterSet struct {
	// Names are KubeFedCluster names.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1024
	// +kubebuilder:validation:items:MaxLength=253
	Names []string `json:"names,omitempty"`

	// ClusterSelector matches KubeFedCluster labels.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
}

// FederationPolicyStatus reports what the policy currently selects.
type FederationPolicyStatus struct {
	// ObservedGeneration is the policy generation the counts were computed
	// for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Selected is the number of federated objects the policy selects.
	// +optional
	Selected int32 `json:"selected"`

	// Violations is the number of selected objects that violate the policy.
	// +optional
	Violations int32 `json:"violations"`

	// ViolatingObjects names some of the violating objects
	// (kind namespace/name), at most 20.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	ViolatingObjects []string `json:"violatingObjects,omitempty"`
}

// FederationPolicy constrains the federated objects of its own namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=federationpolicies,scope=Namespaced,shortName=fedpol,categories=kubefed
// +kubebuilder:printcolumn:name=enforcement,type=string,JSONPath=`.spec.enforcement`
// +kubebuilder:printcolumn:name=selected,type=integer,JSONPath=`.status.selected`
// +kubebuilder:printcolumn:name=violations,type=integer,JSONPath=`.status.violations`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type FederationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the policy requires.
	// +required
	Spec FederationPolicySpec `json:"spec"`

	// Status counts the selected and violating objects.
	// +optional
	Status FederationPolicyStatus `json:"status,omitzero"`
}

// FederationPolicyList is a list of FederationPolicies.
//
// +kubebuilder:object:root=true
type FederationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the FederationPolicies.
	Items []FederationPolicy `json:"items"`
}

// ClusterFederationPolicySpec is a FederationPolicySpec that applies in
// every namespace, or in the namespaces its selector matches.
type ClusterFederationPolicySpec struct {
	// NamespaceSelector matches the labels of the namespaces whose federated
	// objects the policy applies to. Missing matches every namespace and
	// cluster-scoped federated objects; when set, cluster-scoped objects are
	// not selected.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	FederationPolicySpec `json:",inline"`
}

// ClusterFederationPolicy constrains federated objects in every namespace
// its namespaceSelector matches.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=clusterfederationpolicies,scope=Cluster,shortName=cfedpol,categories=kubefed
// +kubebuilder:printcolumn:name=enforcement,type=string,JSONPath=`.spec.enforcement`
// +kubebuilder:printcolumn:name=selected,type=integer,JSONPath=`.status.selected`
// +kubebuilder:printcolumn:name=violations,type=integer,JSONPath=`.status.violations`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterFederationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the policy requires, and where.
	// +required
	Spec ClusterFederationPolicySpec `json:"spec"`

	// Status counts the selected and violating objects.
	// +optional
	Status FederationPolicyStatus `json:"status,omitzero"`
}

// ClusterFederationPolicyList is a list of ClusterFederationPolicies.
//
// +kubebuilder:object:root=true
type ClusterFederationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ClusterFederationPolicies.
	Items []ClusterFederationPolicy `json:"items"`
}
