package v1beta1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// PropagationMode says whether a federated type is propagated to members.
// +kubebuilder:validation:Enum=Enabled;Disabled
type PropagationMode string

const (
	// PropagationEnabled runs the type's sync controller.
	PropagationEnabled PropagationMode = "Enabled"
	// PropagationDisabled stops the type's sync controller.
	PropagationDisabled PropagationMode = "Disabled"
)

// StatusCollectionMode says whether the status of member objects of a type
// is collected.
// +kubebuilder:validation:Enum=Enabled;Disabled
type StatusCollectionMode string

const (
	// StatusCollectionEnabled collects member status: into
	// status.clusters[].remoteStatus with the RawResourceStatusCollection
	// gate, otherwise through the legacy status type (FederatedService only).
	StatusCollectionEnabled StatusCollectionMode = "Enabled"
	// StatusCollectionDisabled collects no member status.
	StatusCollectionDisabled StatusCollectionMode = "Disabled"
)

// DependencyPropagationMode says whether the federated objects of a type
// propagate their dependencies by default (new in kubectl-fed).
// +kubebuilder:validation:Enum=Enabled;Disabled
type DependencyPropagationMode string

const (
	// DependencyPropagationEnabled propagates, with each federated object
	// of the type, the ConfigMaps, Secrets, ServiceAccount and
	// PersistentVolumeClaims its pod template references, unless the object
	// is annotated kubefed.io/propagate-dependencies: "false".
	DependencyPropagationEnabled DependencyPropagationMode = "Enabled"
	// DependencyPropagationDisabled propagates dependencies only for the
	// objects annotated kubefed.io/propagate-dependencies: "true".
	DependencyPropagationDisabled DependencyPropagationMode = "Disabled"
)

// ControllerStatus says whether a controller of a federated type runs.
// +kubebuilder:validation:Enum=Running;NotRunning
type ControllerStatus string

const (
	// ControllerStatusRunning means the controller is running.
	ControllerStatusRunning ControllerStatus = "Running"
	// ControllerStatusNotRunning means the controller is not running.
	ControllerStatusNotRunning ControllerStatus = "NotRunning"
)

// APIResource identifies a resource type of the Kubernetes API.
type APIResource struct {
	// Group is the API group; empty for the core group.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$`
	Group string `json:"group,omitempty"`

	// Version is the API version, e.g. v1.
	// +required
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Version string `json:"version"`

	// Kind is the camel-cased kind, e.g. Deployment.
	// +required
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`
	Kind string `json:"kind"`

	// PluralName is the lowercase plural resource name, e.g. deployments.
	// +required
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	PluralName string `json:"pluralName"`

	// Scope is Namespaced or Cluster.
	// +required
	// +kubebuilder:validation:Enum=Cluster;Namespaced
	Scope apiextensionsv1.ResourceScope `json:"scope"`
}

// QualifiedName returns the group-qualified plural name of the resource:
// "<pluralName>" for the core group, "<pluralName>.<group>" otherwise. A
// FederatedTypeConfig must be named after the QualifiedName of its target
// type.
func (a APIResource) QualifiedName() string {
	return GroupQualifiedName(a.PluralName, a.Group)
}

// GroupQualifiedName returns "<plural>" when group is empty (the core
// group) and "<plural>.<group>" otherwise.
func GroupQualifiedName(plural, group string) string {
	if group == "" {
		return plural
	}
	return plural + "." + group
}

// GroupVersion returns the resource's group and version.
func (a APIResource) GroupVersion() schema.GroupVersion {
	return schema.GroupVersion{Group: a.Group, Version: a.Version}
}

// GroupVersionKind returns the resource's group, version and kind.
func (a APIResource) GroupVersionKind() schema.GroupVersionKind {
	return a.GroupVersion().WithKind(a.Kind)
}

// GroupVersionResource returns the resource's group, version and plural
// name.
func (a APIResource) GroupVersionResource() schema.GroupVersionResource {
	return a.GroupVersion().WithResource(a.PluralName)
}

// Namespaced reports whether the resource is namespace-scoped.
func (a APIResource) Namespaced() bool {
	return a.Scope == NamespaceScoped
}

// FederatedTypeConfigSpec links a target type to its federated type.
type FederatedTypeConfigSpec struct {
	// TargetType is the type propagated to member clusters.
	// +required
	TargetType APIResource `json:"targetType"`

	// Propagation turns the type's sync controller on or off.
	// +required
	Propagation PropagationMode `json:"propagation"`

	// FederatedType is the type, in the host cluster, that holds the
	// template, placement and overrides of the target type.
	// +required
	// +kubebuilder:validation:XValidation:rule="has(self.group) && self.group.contains('.')",message="should be a domain with at least one dot",fieldPath=".group"
	FederatedType APIResource `json:"federatedType"`

	// StatusType is the type of the legacy status objects
	// (FederatedServiceStatus). Only used for services.
	// +optional
	// +kubebuilder:validation:XValidation:rule="has(self.group) && self.group.contains('.')",message="should be a domain with at least one dot",fieldPath=".group"
	StatusType *APIResource `json:"statusType,omitempty"`

	// StatusCollection turns the collection of member status on or off.
	// +optional
	StatusCollection *StatusCollectionMode `json:"statusCollection,omitempty"`

	// DependencyPropagation is the type's default for dependency following
	// (new in kubectl-fed; absent means Disabled): with Enabled, the
	// ConfigMaps, Secrets, ServiceAccount and PersistentVolumeClaims the
	// pod template of a federated object references are propagated to the
	// clusters it lands in. The annotation kubefed.io/propagate-dependencies
	// ("true" or "false") on a federated object overrides it.
	// +optional
	DependencyPropagation *DependencyPropagationMode `json:"dependencyPropagation,omitempty"`
}

// FederatedTypeConfigStatus is written by the FederatedTypeConfig controller.
type FederatedTypeConfigStatus struct {
	// ObservedGeneration is the generation the controller last acted on.
	// +required
	// +kubebuilder:validation:Minimum=0
	ObservedGeneration int64 `json:"observedGeneration"`

	// PropagationController says whether the sync controller runs.
	// +required
	PropagationController ControllerStatus `json:"propagationController"`

	// StatusController says whether the legacy status controller runs.
	// +optional
	StatusController *ControllerStatus `json:"statusController,omitempty"`

	// Conditions explain what keeps the type from being served fully (new
	// in kubectl-fed; KubeFed had none): TargetTypeServed is False while the
	// host or a member does not serve the target type (its CRD is missing),
	// FederatedTypeServed while the host does not serve the federated type,
	// and FederatedSchemaCurrent while the federated CRD's schema lacks
	// fields the syncer writes (a CRD created by KubeFed: run `kubectl fed
	// enable` again to upgrade it).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Conditions of a FederatedTypeConfig.
const (
	// TargetTypeServed is False while a cluster does not serve the target type.
	TargetTypeServed = "TargetTypeServed"
	// FederatedTypeServed is False while the host does not serve the federated type.
	FederatedTypeServed = "FederatedTypeServed"
	// FederatedSchemaCurrent is False while the federated CRD's schema lacks
	// fields the syncer writes.
	FederatedSchemaCurrent = "FederatedSchemaCurrent"
)

// FederatedTypeConfig enables the federation of one type. It lives in the
// KubeFed namespace and is named after its target type:
// "<plural>" for the core group, "<plural>.<group>" otherwise.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=federatedtypeconfigs,scope=Namespaced,shortName=ftc
// +kubebuilder:printcolumn:name=propagation,type=string,JSONPath=`.spec.propagation`
// +kubebuilder:printcolumn:name=controller,type=string,JSONPath=`.status.propagationController`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == (has(self.spec.targetType.group) && size(self.spec.targetType.group) > 0 ? self.spec.targetType.pluralName + '.' + self.spec.targetType.group : self.spec.targetType.pluralName)",message="name must be 'TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)'"
type FederatedTypeConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec links the target type to its federated type.
	// +required
	Spec FederatedTypeConfigSpec `json:"spec"`

	// Status reports which controllers of the type run.
	// +optional
	Status FederatedTypeConfigStatus `json:"status,omitzero"`
}

// GetTargetType returns the type propagated to member clusters.
func (f *FederatedTypeConfig) GetTargetType() APIResource {
	return f.Spec.TargetType
}

// GetFederatedType returns the federated type.
func (f *FederatedTypeConfig) GetFederatedType() APIResource {
	return f.Spec.FederatedType
}

// GetStatusType returns the legacy status type, or nil.
func (f *FederatedTypeConfig) GetStatusType() *APIResource {
	return f.Spec.StatusType
}

// GetNamespaced reports whether the target type is namespace-scoped.
func (f *FederatedTypeConfig) GetNamespaced() bool {
	return f.Spec.TargetType.Namespaced()
}

// GetPropagationEnabled reports whether propagation is Enabled.
func (f *FederatedTypeConfig) GetPropagationEnabled() bool {
	return f.Spec.Propagation == PropagationEnabled
}

// GetStatusEnabled reports whether status collection is Enabled.
func (f *FederatedTypeConfig) GetStatusEnabled() bool {
	return f.Spec.StatusCollection != nil && *f.Spec.StatusCollection == StatusCollectionEnabled
}

// GetDependenciesEnabled reports whether dependency propagation is the
// type's default.
func (f *FederatedTypeConfig) GetDependenciesEnabled() bool {
	return f.Spec.DependencyPropagation != nil && *f.Spec.DependencyPropagation == DependencyPropagationEnabled
}

// IsNamespace reports whether this is the FederatedTypeConfig of core/v1
// Namespaces (named "namespaces"), on which namespaced types depend.
func (f *FederatedTypeConfig) IsNamespace() bool {
	return f.Name == core.NamespacesTypeConfigName
}

// FederatedTypeConfigList is a list of FederatedTypeConfigs.
//
// +kubebuilder:object:root=true
type FederatedTypeConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the FederatedTypeConfigs.
	Items []FederatedTypeConfig `json:"items"`
}
