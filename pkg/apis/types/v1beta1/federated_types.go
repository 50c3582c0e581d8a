package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// FederatedSpec is the spec shared by every Federated<Kind>. It can be
// decoded from an unstructured federated object with
// runtime.DefaultUnstructuredConverter.
type FederatedSpec struct {
	// Template is the target object without name and namespace.
	// +optional
	Template *apiextensionsv1.JSON `json:"template,omitempty"`

	// RetainReplicas keeps the member object's spec.replicas on update (for
	// HPA). Only scalable types have the field.
	// +optional
	RetainReplicas bool `json:"retainReplicas,omitempty"`

	// Placement selects the member clusters that get the object.
	// +optional
	Placement *Placement `json:"placement,omitempty"`

	// Overrides are per-cluster JSON patches applied to the template.
	// +optional
	Overrides []Override `json:"overrides,omitempty"`
}

// Placement selects member clusters. Clusters, when present (even empty),
// is used as is; otherwise ClusterSelector is matched against the labels of
// the KubeFedClusters: a missing selector selects no cluster, an empty one
// selects all.
type Placement struct {
	// Clusters names the selected clusters. An empty list selects no
	// cluster and differs from a missing one, so only nil is omitted.
	// +optional
	Clusters []ClusterReference `json:"clusters,omitzero"`

	// ClusterSelector selects clusters by their KubeFedCluster labels. It is
	// ignored when Clusters is present.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// Tolerations let the object go to, or stay in, clusters whose taints
	// they match (KubeFedCluster spec.taints). Not in KubeFed (an additive
	// field).
	// +optional
	Tolerations []corev1beta1.Toleration `json:"tolerations,omitempty"`
}

// ClusterReference names a member cluster.
type ClusterReference struct {
	// Name of the KubeFedCluster.
	// +required
	Name string `json:"name"`
}

// Override holds the patches for one cluster, or for every cluster a
// selector matches. Exactly one of ClusterName and ClusterSelector is set.
type Override struct {
	// ClusterName is the name of the KubeFedCluster the patches apply to.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`

	// ClusterSelector selects the KubeFedClusters the patches apply to by
	// their labels, instead of ClusterName; an empty selector matches every
	// cluster. For one cluster, every entry that names or matches it
	// applies, in list order. It is not in KubeFed's API (an additive field).
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// ClusterOverrides are the JSON-patch operations, applied in order.
	// +optional
	ClusterOverrides []ClusterOverride `json:"clusterOverrides,omitempty"`

	// TypedOverriders change well-known fields by name, after
	// ClusterOverrides. They are not in KubeFed's API (additive fields).
	TypedOverriders `json:",inline"`
}

// TypedOverriders change well-known fields of the rendered object without
// JSON pointers. They apply in this order: image, command, args, env,
// labels, annotations; each list in its order. Image, command, args and env
// apply to the containers of the object's pod template (Pod, Deployment,
// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
// and any kind with spec.template.spec.containers); labels and annotations
// to the object's metadata, for every kind.
type TypedOverriders struct {
	// Image changes parts of container images.
	// +optional
	Image []ImageOverrider `json:"image,omitempty"`

	// Command appends to or removes from container commands.
	// +optional
	Command []ArgsOverrider `json:"command,omitempty"`

	// Args appends to or removes from container args.
	// +optional
	Args []ArgsOverrider `json:"args,omitempty"`

	// Env sets or removes container environment variables.
	// +optional
	Env []EnvOverrider `json:"env,omitempty"`

	// Labels adds, replaces or removes labels of the object.
	// +optional
	Labels []MapOverrider `json:"labels,omitempty"`

	// Annotations adds, replaces or removes annotations of the object.
	// +optional
	Annotations []MapOverrider `json:"annotations,omitempty"`
}

// OverriderOperation is what a typed overrider does.
type OverriderOperation string

// The operations of typed overriders.
const (
	// OverriderReplace sets the value, whether it is there or not (the
	// default of image, labels and annotations).
	OverriderReplace OverriderOperation = "replace"
	// OverriderAdd sets the value only where there is none.
	OverriderAdd OverriderOperation = "add"
	// OverriderRemove removes the value where it is there.
	OverriderRemove OverriderOperation = "remove"
	// OverriderAppend appends values (the default of command and args).
	OverriderAppend OverriderOperation = "append"
	// OverriderSet sets an environment variable (the default of env).
	OverriderSet OverriderOperation = "set"
)

// ImageComponent is a part of a container image reference
// [registry/]repository[:tag][@digest].
type ImageComponent string

// The parts of an image reference.
const (
	// ImageRegistry is the host (and port) before the first "/", e.g.
	// eu.example.com; an image without one (nginx) has none.
	ImageRegistry ImageComponent = "Registry"
	// ImageRepository is the path after the registry, e.g. library/nginx.
	ImageRepository ImageComponent = "Repository"
	// ImageTag is the tag after ":", e.g. 1.27.
	ImageTag ImageComponent = "Tag"
	// ImageDigest is the digest after "@", e.g. sha256:...
	ImageDigest ImageComponent = "Digest"
)

// ImageOverrider changes one part of the images of containers.
type ImageOverrider struct {
	// ContainerNames are the containers (or init containers) changed; empty
	// means every container and init container.
	// +optional
	ContainerNames []string `json:"containerNames,omitempty"`

	// Component is the part changed: Registry, Repository, Tag or Digest.
	// +required
	Component ImageComponent `json:"component"`

	// Operation is replace (the default), add (only where the image has no
	// such part) or remove (not for Repository).
	// +optional
	Operation OverriderOperation `json:"operation,omitempty"`

	// Value is the new part, e.g. eu.example.com or 1.27; none for remove.
	// +optional
	Value string `json:"value,omitempty"`
}

// ArgsOverrider appends to or removes from the command or args of
// containers.
type ArgsOverrider struct {
	// ContainerNames are the containers (or init containers) changed; empty
	// means every container and init container.
	// +optional
	ContainerNames []string `json:"containerNames,omitempty"`

	// Operation is append (the default) or remove (every occurrence of each
	// value).
	// +optional
	Operation OverriderOperation `json:"operation,omitempty"`

	// Values are appended or removed, in order.
	// +required
	Values []string `json:"values"`
}

// EnvOverrider sets or removes one environment variable of containers.
type EnvOverrider struct {
	// ContainerNames are the containers (or init containers) changed; empty
	// means every container and init container.
	// +optional
	ContainerNames []string `json:"containerNames,omitempty"`

	// Operation is set (the default: replaces the variable of that name,
	// or appends it) or remove.
	// +optional
	Operation OverriderOperation `json:"operation,omitempty"`

	// Name of the variable.
	// +required
	Name string `json:"name"`

	// Value of the variable, for set.
	// +optional
	Value string `json:"value,omitempty"`
}

// MapOverrider changes one label or annotation of the object.
type MapOverrider struct {
	// Operation is replace (the default), add (only when the key is not
	// there) or remove.
	// +optional
	Operation OverriderOperation `json:"operation,omitempty"`

	// Key of the label or annotation.
	// +required
	Key string `json:"key"`

	// Value for add and replace.
	// +optional
	Value string `json:"value,omitempty"`
}

// OverrideOp is the JSON-patch operation of a ClusterOverride.
type OverrideOp string

const (
	// OverrideOpDefault is the empty operation, which means replace.
	OverrideOpDefault OverrideOp = ""
	// OverrideOpAdd adds a value (RFC 6902 "add").
	OverrideOpAdd OverrideOp = "add"
	// OverrideOpRemove removes a value (RFC 6902 "remove").
	OverrideOpRemove OverrideOp = "remove"
	// OverrideOpReplace replaces a value (RFC 6902 "replace").
	OverrideOpReplace OverrideOp = "replace"
)

// ClusterOverride is one RFC 6902 JSON-patch operation.
type ClusterOverride struct {
	// Op is add, remove or replace; empty means replace.
	// +optional
	Op OverrideOp `json:"op,omitempty"`

	// Path is the JSON pointer of the patched value, e.g. /spec/replicas.
	// +required
	Path string `json:"path"`

	// Value is the value to add or replace; any JSON value.
	// +optional
	Value *apiextensionsv1.JSON `json:"value,omitempty"`
}

// FederatedStatus is the status the sync controller writes on every
// Federated<Kind>.
type FederatedStatus struct {
	// ObservedGeneration is the metadata.generation of the federated object
	// the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the Propagation condition.
	// +optional
	Conditions []Condition `json:"conditions,omitempty"`

	// Clusters holds the propagation status per selected cluster. The order
	// is not significant.
	// +optional
	Clusters []ClusterStatus `json:"clusters,omitempty"`

	// Aggregated summarises the collected member statuses (for
	// FederatedTypeConfigs with statusCollection Enabled). It is not in
	// KubeFed's API (an additive field).
	// +optional
	Aggregated *AggregatedStatus `json:"aggregated,omitempty"`
}

// AggregatedStatus summarises the statuses of the member objects of a
// federated object. The counters are sums over the placed clusters; only
// those that apply to the target kind are set.
type AggregatedStatus struct {
	// ClustersReady is the number of placed clusters whose member object is
	// ready (see the Ready condition).
	ClustersReady int32 `json:"clustersReady"`

	// ClustersTotal is the number of placed clusters.
	ClustersTotal int32 `json:"clustersTotal"`

	// Replicas is the sum of status.replicas (Deployment, ReplicaSet,
	// StatefulSet).
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// ReadyReplicas is the sum of status.readyReplicas (Deployment,
	// ReplicaSet, StatefulSet).
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`

	// AvailableReplicas is the sum of status.availableReplicas (Deployment,
	// ReplicaSet, StatefulSet).
	// +optional
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`

	// UpdatedReplicas is the sum of status.updatedReplicas (Deployment,
	// ReplicaSet, StatefulSet).
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`

	// DesiredNumberScheduled is the sum of status.desiredNumberScheduled
	// (DaemonSet).
	// +optional
	DesiredNumberScheduled int32 `json:"desiredNumberScheduled,omitempty"`

	// NumberReady is the sum of status.numberReady (DaemonSet).
	// +optional
	NumberReady int32 `json:"numberReady,omitempty"`

	// Active is the sum of status.active (Job).
	// +optional
	Active int32 `json:"active,omitempty"`

	// Succeeded is the sum of status.succeeded (Job).
	// +optional
	Succeeded int32 `json:"succeeded,omitempty"`

	// Failed is the sum of status.failed (Job).
	// +optional
	Failed int32 `json:"failed,omitempty"`

	// LoadBalancer lists the load-balancer ingress points per cluster
	// (Service), sorted by cluster name; clusters without ingress are left
	// out.
	// +optional
	LoadBalancer []ClusterLoadBalancer `json:"loadBalancer,omitempty"`
}

// ClusterLoadBalancer is the load-balancer ingress of a Service in one
// member cluster.
type ClusterLoadBalancer struct {
	// Cluster is the name of the KubeFedCluster.
	// +required
	Cluster string `json:"cluster"`

	// Ingress is the member Service's status.loadBalancer.ingress.
	// +optional
	Ingress []corev1.LoadBalancerIngress `json:"ingress,omitempty"`
}

// ConditionType is the type of a condition of a federated object.
type ConditionType string

const (
	// PropagationConditionType is the type of the condition that reports
	// whether the object was propagated to every selected cluster.
	PropagationConditionType ConditionType = "Propagation"

	// ReadyConditionType is the type of the condition that reports whether
	// the workload is ready in every placed cluster, judged from the
	// collected member statuses. It is not in KubeFed's API.
	ReadyConditionType ConditionType = "Ready"
)

// Condition is a condition of a federated object.
type Condition struct {
	// Type of the condition.
	// +required
	Type ConditionType `json:"type"`

	// Status is True exactly when Reason is empty.
	// +required
	Status corev1.ConditionStatus `json:"status"`

	// Reason is the aggregate reason; empty when propagation succeeded.
	// +optional
	Reason AggregateReason `json:"reason,omitempty"`

	// Message says, for people, why the condition has its status, e.g. the
	// clusters that are not ready. It is not in KubeFed's API (an additive
	// field).
	// +optional
	Message string `json:"message,omitempty"`

	// LastUpdateTime is when the condition changed or changes were last
	// propagated.
	// +optional
	LastUpdateTime *metav1.Time `json:"lastUpdateTime,omitempty"`

	// LastTransitionTime is when the condition's status or reason last
	// changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// AggregateReason is the reason of the Propagation condition.
type AggregateReason string

const (
	// AggregateSuccess is the empty reason: every selected cluster is OK.
	AggregateSuccess AggregateReason = ""
	// ClusterRetrievalFailed means the KubeFedClusters could not be listed.
	ClusterRetrievalFailed AggregateReason = "ClusterRetrievalFailed"
	// ComputePlacementFailed means the placement could not be computed.
	ComputePlacementFailed AggregateReason = "ComputePlacementFailed"
	// NamespaceNotFederated means the object's namespace has no
	// FederatedNamespace (cluster-scoped control plane, namespaced type), so
	// the object is placed nowhere.
	NamespaceNotFederated AggregateReason = "NamespaceNotFederated"
	// CheckClusters means at least one cluster has a non-empty status (or,
	// with raw status collection, no remote status yet).
	CheckClusters AggregateReason = "CheckClusters"
	// UnknownCluster means spec.placement.clusters names clusters that are
	// not joined; the condition's message names them. It is not in KubeFed,
	// which dropped such names silently.
	UnknownCluster AggregateReason = "UnknownCluster"
	// NoClusters means the placement selects clusters (a non-empty list or
	// a selector) but none remains: no cluster matches, none is joined, or
	// the namespace's placement excludes them all. It is not in KubeFed.
	NoClusters AggregateReason = "NoClusters"
	// DependencyNotFound means the object propagates its dependencies and
	// one its pod template needs (not marked optional) is missing on the
	// host, or is a PersistentVolumeClaim whose StorageClass a cluster the
	// object lands in lacks; the condition's message names it (and the
	// class and cluster). It is not in KubeFed.
	DependencyNotFound AggregateReason = "DependencyNotFound"
	// DependencyTypeNotEnabled means the object propagates its
	// dependencies and the type of one (e.g. secrets) is not enabled for
	// propagation (`kubectl fed enable secrets`); the condition's message
	// names it. It is not in KubeFed.
	DependencyTypeNotEnabled AggregateReason = "DependencyTypeNotEnabled"
	// DependencyDenied means the object propagates its dependencies and a
	// Deny policy written for the kind of one (e.g. a FederationPolicy
	// selecting FederatedSecrets) keeps its copy out of a cluster the
	// object lands in; the condition's message names the object, the
	// cluster and the policy. It is not in KubeFed.
	DependencyDenied AggregateReason = "DependencyDenied"
	// DependencyPropagationFailed means the object propagates its
	// dependencies and the copy of one could not be written to a cluster
	// the object lands in (e.g. an unmanaged object of the name exists and
	// adoptResources is Disabled, or the member rejected it); the
	// condition's message names the object, the cluster and the failure.
	// It is not in KubeFed.
	DependencyPropagationFailed AggregateReason = "DependencyPropagationFailed"
)

// ClusterStatus is the propagation status in one cluster.
type ClusterStatus struct {
	// Name of the KubeFedCluster.
	// +required
	Name string `json:"name"`

	// Status is empty when the member object is up to date.
	// +optional
	Status PropagationStatus `json:"status,omitempty"`

	// Message says why the status is not OK, e.g. the member API server's
	// error. It is not in KubeFed's API (an additive field).
	// +optional
	Message string `json:"message,omitempty"`

	// RemoteStatus is the member object's .status, collected with the
	// RawResourceStatusCollection gate and statusCollection Enabled.
	// +optional
	RemoteStatus *apiextensionsv1.JSON `json:"remoteStatus,omitempty"`

	// Version records what the syncer last wrote to (or last found up to
	// date in) the member: the member object's version as the API server
	// returned it (gen:<generation> or rv:<resourceVersion>) and a hash of
	// the object rendered for the cluster, separated by a space. A member
	// object whose version differs was changed by someone else and is
	// reverted; an equal one costs no write, also after a restart. It is
	// not in KubeFed's API (an additive field); opaque to users.
	// +optional
	Version string `json:"version,omitempty"`
}

// PropagationStatus is the propagation status of a federated object in one
// member cluster.
type PropagationStatus string

// Propagation statuses that are terminal or resolved by a later event.
const (
	// ClusterPropagationOK is the empty status: the member object is up to
	// date.
	ClusterPropagationOK PropagationStatus = ""
	// WaitingForRemoval means the member object is being deleted.
	WaitingForRemoval PropagationStatus = "WaitingForRemoval"
	// ClusterNotReady means the selected cluster is not ready.
	ClusterNotReady PropagationStatus = "ClusterNotReady"
	// CachedRetrievalFailed means the member object could not be read from
	// the cache.
	CachedRetrievalFailed PropagationStatus = "CachedRetrievalFailed"
	// ComputeResourceFailed means the desired member object could not be
	// computed.
	ComputeResourceFailed PropagationStatus = "ComputeResourceFailed"
	// ApplyOverridesFailed means the cluster's overrides could not be
	// applied.
	ApplyOverridesFailed PropagationStatus = "ApplyOverridesFailed"
	// AlreadyExists means adoption is disabled and the member object
	// already exists.
	AlreadyExists PropagationStatus = "AlreadyExists"
	// FieldRetentionFailed means fields of the member object could not be
	// retained.
	FieldRetentionFailed PropagationStatus = "FieldRetentionFailed"
	// VersionRetrievalFailed means the version of the member object could
	// not be determined.
	VersionRetrievalFailed PropagationStatus = "VersionRetrievalFailed"
	// ManagedLabelFalse means the member object is labelled
	// kubefed.io/managed=false and is left alone.
	ManagedLabelFalse PropagationStatus = "ManagedLabelFalse"
	// PolicyDenied means a federation policy with enforcement Deny forbids
	// the cluster; the syncer leaves the member as it is (not in KubeFed).
	PolicyDenied PropagationStatus = "PolicyDenied"
	// Tainted means the selected cluster has a NoSchedule or NoExecute
	// taint the object does not tolerate, and the object is not there: it
	// is not placed there (not in KubeFed; the message names the taint).
	Tainted PropagationStatus = "Tainted"
	// Evicting means the cluster has a NoExecute taint the object does not
	// tolerate: the member object is removed once its replicas run ready
	// elsewhere, or after the eviction timeout (not in KubeFed; the message
	// names the taint and what the eviction waits for).
	Evicting PropagationStatus = "Evicting"
)

// Propagation statuses after which the reconcile fails and is retried with
// backoff.
const (
	// CreationFailed means creating the member object failed.
	CreationFailed PropagationStatus = "CreationFailed"
	// UpdateFailed means updating the member object failed.
	UpdateFailed PropagationStatus = "UpdateFailed"
	// DeletionFailed means deleting the member object failed.
	DeletionFailed PropagationStatus = "DeletionFailed"
	// LabelRemovalFailed means removing the managed label failed.
	LabelRemovalFailed PropagationStatus = "LabelRemovalFailed"
	// RetrievalFailed means reading the member object failed.
	RetrievalFailed PropagationStatus = "RetrievalFailed"
	// ClientRetrievalFailed means no client for the cluster was available.
	ClientRetrievalFailed PropagationStatus = "ClientRetrievalFailed"
	// CreationTimedOut means creating the member object timed out.
	CreationTimedOut PropagationStatus = "CreationTimedOut"
	// UpdateTimedOut means updating the member object timed out.
	UpdateTimedOut PropagationStatus = "UpdateTimedOut"
	// DeletionTimedOut means deleting the member object timed out.
	DeletionTimedOut PropagationStatus = "DeletionTimedOut"
	// LabelRemovalTimedOut means removing the managed label timed out.
	LabelRemovalTimedOut PropagationStatus = "LabelRemovalTimedOut"
)

// IsRecoverable reports whether the status makes the reconcile fail so that
// it is retried with backoff.
func (s PropagationStatus) IsRecoverable() bool {
	switch s {
	case CreationFailed, UpdateFailed, DeletionFailed, LabelRemovalFailed,
		RetrievalFailed, ClientRetrievalFailed,
		CreationTimedOut, UpdateTimedOut, DeletionTimedOut, LabelRemovalTimedOut:
		return true
	}
	return false
}
