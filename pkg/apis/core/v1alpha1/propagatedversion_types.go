package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PropagatedVersionSpec is empty; everything is in the status.
type PropagatedVersionSpec struct{}

// PropagatedVersionStatus records what the sync controller last propagated
// for one federated object.
type PropagatedVersionStatus struct {
	// TemplateVersion is the md5 hex digest of the JSON encoding of the
	// federated object's spec.template; empty if it has none.
	// +optional
	TemplateVersion string `json:"templateVersion,omitempty"`

	// OverridesVersion is the md5 hex digest of the JSON encoding of
	// {"overrides": spec.overrides}; empty if the object has no spec.
	// +optional
	OverridesVersion string `json:"overridesVersion,omitempty"`

	// ClusterVersions are the versions of the member objects as returned by
	// the last create or update, sorted by cluster name.
	// +optional
	ClusterVersions []ClusterObjectVersion `json:"clusterVersions,omitempty"`
}

// ClusterObjectVersion is the version of a member object in one cluster.
type ClusterObjectVersion struct {
	// ClusterName is the name of the KubeFedCluster.
	// +required
	ClusterName string `json:"clusterName"`

	// Version is "gen:<metadata.generation>" when the member object has a
	// non-zero generation, "rv:<resourceVersion>" otherwise.
	// +required
	Version string `json:"version"`
}

// PropagatedVersion records the propagated versions of a namespaced
// federated object. It lives in the object's namespace, is named
// "<lowercase target kind>-<federated object name>" and is owned by the
// federated object.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=propagatedversions,scope=Namespaced
type PropagatedVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is empty.
	// +optional
	Spec PropagatedVersionSpec `json:"spec,omitempty"`

	// Status holds the recorded versions.
	// +optional
	Status PropagatedVersionStatus `json:"status,omitzero"`
}

// PropagatedVersionList is a list of PropagatedVersions.
//
// +kubebuilder:object:root=true
type PropagatedVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the PropagatedVersions.
	Items []PropagatedVersion `json:"items"`
}

// ClusterPropagatedVersion records the propagated versions of a
// cluster-scoped federated object. It is named
// "<lowercase target kind>-<federated object name>" and is owned by the
// federated object.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=clusterpropagatedversions,scope=Cluster
type ClusterPropagatedVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is empty.
	// +optional
	Spec PropagatedVersionSpec `json:"spec,omitempty"`

	// Status holds the recorded versions.
	// +optional
	Status PropagatedVersionStatus `json:"status,omitzero"`
}

// ClusterPropagatedVersionList is a list of ClusterPropagatedVersions.
//
// +kubebuilder:object:root=true
type ClusterPropagatedVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ClusterPropagatedVersions.
	Items []ClusterPropagatedVersion `json:"items"`
}
