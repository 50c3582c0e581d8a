package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TLSValidation names a TLS verification step that can be skipped when
// connecting to a member cluster.
// +kubebuilder:validation:Enum="*";SubjectName;ValidityPeriod
type TLSValidation string

const (
	// TLSAll skips all TLS verification. It must be the only entry of
	// disabledTLSValidations.
	TLSAll TLSValidation = "*"
	// TLSSubjectName skips the check of the server certificate's host name.
	TLSSubjectName TLSValidation = "SubjectName"
	// TLSValidityPeriod verifies the certificate chain as of the
	// certificate's NotBefore time (plus one second) instead of now.
	TLSValidityPeriod TLSValidation = "ValidityPeriod"
)

// ClusterConditionType is the type of a KubeFedCluster condition.
// +kubebuilder:validation:Enum=Ready;Offline;ConfigMalformed;InsecureConnection
type ClusterConditionType string

const (
	// ClusterReady means the member's /healthz answered "ok". A cluster is
	// ready if and only if it has this condition with status True.
	ClusterReady ClusterConditionType = "Ready"
	// ClusterOffline means the member's /healthz could not be reached.
	ClusterOffline ClusterConditionType = "Offline"
	// ClusterConfigMalformed means no client could be built from the
	// KubeFedCluster and its secret.
	ClusterConfigMalformed ClusterConditionType = "ConfigMalformed"
	// ClusterInsecureConnection warns that the member is reached over
	// http:// or with TLS validations disabled, as the KubeFedConfig's
	// allowInsecureClusterConnections permits. Not in KubeFed.
	ClusterInsecureConnection ClusterConditionType = "InsecureConnection"
)

// KubeFedClusterSpec describes how to reach a member cluster.
type KubeFedClusterSpec struct {
	// APIEndpoint is the address of the member's API server: a host name,
	// host:port, IP, IP:port or URL. It is used as the client's Host.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	APIEndpoint string `json:"apiEndpoint"`

	// CABundle is the PEM-encoded CA data the client trusts when it
	// connects to APIEndpoint.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`

	// SecretRef names the Secret, in the KubeFed namespace, that holds the
	// bearer token (key "token") used to reach the member.
	// +required
	SecretRef LocalSecretReference `json:"secretRef"`

	// DisabledTLSValidations lists the TLS checks to skip when connecting to
	// the member. "*" skips all of them and must be the only entry.
	// +optional
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:XValidation:rule="!('*' in self) || size(self) == 1",message="when * is specified, it is expected to be the only option in list"
	DisabledTLSValidations []TLSValidation `json:"disabledTLSValidations,omitempty"`

	// ProxyURL is the URL of the proxy used to reach the member. Its scheme
	// must be http, https or socks5.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="size(self) == 0 || self.matches('^(?i)(http|https|socks5):')",message="proxy URL scheme must be one of: [http, https, socks5]"
	ProxyURL string `json:"proxyURL,omitempty"`

	// Taints keep federated objects that do not tolerate them away from
	// the cluster: NoSchedule stops new placements, NoExecute also removes
	// the objects already there, gracefully. Not in KubeFed (an additive
	// field); `kubectl fed cordon|taint|drain` set them.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:XValidation:rule="self.all(t, self.exists_one(u, u.key == t.key && u.effect == t.effect))",message="taints must be unique by key and effect"
	Taints []Taint `json:"taints,omitempty"`
}

// LocalSecretReference names a Secret in the KubeFed namespace.
type LocalSecretReference struct {
	// Name of the Secret.
	// +required
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// KubeFedClusterStatus is the observed health of a member cluster.
type KubeFedClusterStatus struct {
	// Conditions is the result of the last health probe. The whole list is
	// replaced on every probe.
	// +required
	Conditions []ClusterCondition `json:"conditions"`

	// Zones is declared for compatibility; KubeFed v0.8-v0.10 never set it.
	// +optional
	Zones []string `json:"zones,omitempty"`

	// Region is declared for compatibility; KubeFed v0.8-v0.10 never set it.
	// +optional
	Region *string `json:"region,omitempty"`

	// KubernetesVersion is the gitVersion the member's /version reports.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
}

// IsReady reports whether the status has a Ready condition with status True.
func (s *KubeFedClusterStatus) IsReady() bool {
	if s == nil {
		return false
	}
	for _, c := range s.Conditions {
		if c.Type == ClusterReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// ClusterCondition describes one aspect of a member cluster's health.
type ClusterCondition struct {
	// Type of the condition.
	// +required
	Type ClusterConditionType `json:"type"`

	// Status of the condition: True, False or Unknown.
	// +required
	// +kubebuilder:validation:Enum=True;False;Unknown
	Status corev1.ConditionStatus `json:"status"`

	// LastProbeTime is when the cluster was last probed.
	// +required
	LastProbeTime metav1.Time `json:"lastProbeTime"`

	// LastTransitionTime is when the condition last changed its status.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`

	// Reason is a CamelCase reason for the condition's last transition.
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message is a human-readable explanation of the condition.
	// +optional
	Message string `json:"message,omitempty"`
}

// KubeFedCluster registers a member cluster with the control plane. It lives
// in the KubeFed namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=kubefedclusters,scope=Namespaced,shortName=kfc
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name=ready,type=string,JSONPath=`.status.conditions[?(@.type=='Ready')].status`
// +kubebuilder:printcolumn:name=kubernetes-version,type=string,JSONPath=`.status.kubernetesVersion`
type KubeFedCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes how to reach the member cluster.
	// +required
	Spec KubeFedClusterSpec `json:"spec"`

	// Status is the observed health of the member cluster.
	// +optional
	Status KubeFedClusterStatus `json:"status,omitzero"`
}

// KubeFedClusterList is a list of KubeFedClusters.
//
// +kubebuilder:object:root=true
type KubeFedClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the KubeFedClusters.
	Items []KubeFedCluster `json:"items"`
}
