// Package core holds the unversioned, well-known names of the
// core.kubefed.io API group: labels, annotations, finalizers, default object
// names and secret keys. The values are those of KubeFed v0.10 so that objects
// written by KubeFed and by kubectl-fed are interchangeable.
package core

// GroupName is the API group of KubeFedCluster, KubeFedConfig,
// FederatedTypeConfig and the propagated-version kinds.
const GroupName = "core.kubefed.io"

// Labels.
const (
	// ManagedByKubeFedLabelKey is the label the sync controller puts on every
	// member-cluster object it manages. Member informers only watch objects
	// that carry it with value ManagedByKubeFedLabelValue.
	ManagedByKubeFedLabelKey = "kubefed.io/managed"

	// ManagedByKubeFedLabelValue is the value of ManagedByKubeFedLabelKey on
	// managed member objects.
	ManagedByKubeFedLabelValue = "true"

	// UnmanagedByKubeFedLabelValue is the value of ManagedByKubeFedLabelKey
	// that marks a member object as explicitly unmanaged: the sync controller
	// refuses to adopt it and reports ManagedLabelFalse.
	UnmanagedByKubeFedLabelValue = "false"
)

// Annotations.
const (
	// OrphanManagedResourcesAnnotation, set to OrphanManagedResourcesValue on a
	// federated object, makes its deletion leave the member objects in place
	// (only their managed label is removed).
	OrphanManagedResourcesAnnotation = "kubefed.io/orphan"

	// OrphanManagedResourcesValue is the value of
	// OrphanManagedResourcesAnnotation that enables orphaning.
	OrphanManagedResourcesValue = "true"

	// DeleteOptionAnnotation holds a JSON-encoded metav1.DeleteOptions on a
	// federated object. Its gracePeriodSeconds, propagationPolicy and
	// preconditions are applied to the deletes of the member objects.
	DeleteOptionAnnotation = "kubefed.io/deleteoption"

	// AdoptedAnnotation, set to AdoptedValue on a member object, records
	// that the object existed before the syncer created it and was adopted.
	// Removing it from the federation (deleting its federated object, or
	// its cluster leaving the placement) leaves it in place without the
	// managed label, as orphaning does, unless the federated object carries
	// DeleteAdoptedAnnotation. Not in KubeFed, which deleted adopted objects.
	AdoptedAnnotation = "kubefed.io/adopted"

	// AdoptedValue is the value of AdoptedAnnotation.
	AdoptedValue = "true"

	// DeleteAdoptedAnnotation, set to "true" on a federated object, makes
	// the syncer delete its adopted member objects too, as KubeFed did.
	DeleteAdoptedAnnotation = "kubefed.io/delete-adopted"

	// JoinedAtAnnotation is set by `kubectl fed join` on the KubeFedClusters
	// it writes, to the time of the join. The connection fields of a
	// KubeFedCluster (apiEndpoint, secretRef, caBundle, proxyURL,
	// disabledTLSValidations) may change only in an update that also changes
	// this annotation: a re-join.
	JoinedAtAnnotation = "kubefed.io/joined-at"

	// PropagateDependenciesAnnotation, set to "true" on a federated object
	// whose template has a pod template, propagates the ConfigMaps, Secrets,
	// ServiceAccount and PersistentVolumeClaims it references to the
	// clusters the object lands in; "false" turns off the type's default
	// (the FederatedTypeConfig's dependencyPropagation). Not in KubeFed.
	PropagateDependenciesAnnotation = "kubefed.io/propagate-dependencies"

	// DependencyOfAnnotation is kept on the member objects the syncer
	// propagates as dependencies: it lists, comma separated and sorted, the
	// federated objects (Kind/name, in the same namespace) that pull the
	// object into that cluster. It marks the object as the syncer's
	// dependency copy, which the syncer deletes from a cluster once no
	// workload there needs it.
	DependencyOfAnnotation = "kubefed.io/dependency-of"
)

// Finalizers.
const (
	// SyncControllerFinalizer is put on federated objects by the sync
	// controller; it is removed once the member objects are gone (or orphaned).
	SyncControllerFinalizer = "kubefed.io/sync-controller"

	// FederatedTypeConfigFinalizer is put on FederatedTypeConfigs by the
	// FederatedTypeConfig controller; it is removed once the type's
	// controllers have stopped.
	FederatedTypeConfigFinalizer = "core.kubefed.io/federated-type-config"
)

// Default names.
const (
	// DefaultKubeFedSystemNamespace is the default namespace of the control
	// plane (the "KubeFed namespace").
	DefaultKubeFedSystemNamespace = "kube-federation-system"

	// KubeFedConfigName is the name of the single KubeFedConfig object in the
	// KubeFed namespace.
	KubeFedConfigName = "kubefed"

	// NamespacesTypeConfigName is the name of the FederatedTypeConfig for
	// core/v1 Namespaces. Namespaced federated types depend on it.
	NamespacesTypeConfigName = "namespaces"
)

// Keys of the Secret a KubeFedCluster refers to.
const (
	// ClusterSecretTokenKey is the key of the bearer token used to reach the
	// member cluster. It must be present and non-empty.
	ClusterSecretTokenKey = "token"

	// ClusterSecretCAKey is the key of the member cluster's CA certificate in
	// service-account token secrets.
	ClusterSecretCAKey = "ca.crt"
)

// PropagatedAnnotationsAnnotation is kept on member objects: it lists, comma
// separated, the annotation keys the syncer propagated from the template, so
// that a key removed from the template is removed from the member while
// annotations that members' own controllers set are left alone.
const PropagatedAnnotationsAnnotation = "kubefed.io/propagated-annotations"

// LastAppliedConfigAnnotation is kubectl's client-side apply record. It
// describes the federated object, not the member object, so it is never
// propagated.
const LastAppliedConfigAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// Names of control-plane objects that the syncer, the webhook and the
// plugin (kubectl fed doctor) share.
const (
	// SyncerLeaseName names the Lease, in the KubeFed namespace, that the
	// syncer replicas elect a leader with.
	SyncerLeaseName = "kubectl-fed-syncer"
	// ValidatingWebhookConfigurationName names the
	// ValidatingWebhookConfiguration (KubeFed's name); a namespaced control
	// plane appends "-<namespace>".
	ValidatingWebhookConfigurationName = "validations.core.kubefed.io"
	// MutatingWebhookConfigurationName names the
	// MutatingWebhookConfiguration, likewise.
	MutatingWebhookConfigurationName = "mutation.core.kubefed.io"
)
