package v1beta1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ClusterScoped is the scope of a cluster-wide control plane, and of
	// cluster-scoped resources. It is apiextensions' value, re-exported.
	ClusterScoped = apiextensionsv1.ClusterScoped
	// NamespaceScoped is the scope of a control plane restricted to the
	// KubeFed namespace, and of namespaced resources. It is apiextensions'
	// value, re-exported.
	NamespaceScoped = apiextensionsv1.NamespaceScoped
)

// ResourceLockType is the kind of object used for leader election.
// +kubebuilder:validation:Enum=configmaps;endpoints
type ResourceLockType string

const (
	// ConfigMapsResourceLock elects the leader with a ConfigMap lock.
	ConfigMapsResourceLock ResourceLockType = "configmaps"
	// EndpointsResourceLock elects the leader with an Endpoints lock.
	EndpointsResourceLock ResourceLockType = "endpoints"
)

// FeatureGateName is the name of a feature gate of the control plane.
// +kubebuilder:validation:Enum=PushReconciler;SchedulerPreferences;RawResourceStatusCollection
type FeatureGateName string

const (
	// PushReconciler runs the FederatedTypeConfig controller and therefore
	// every sync controller. On by default.
	PushReconciler FeatureGateName = "PushReconciler"
	// SchedulerPreferences runs the scheduling manager and the
	// ReplicaSchedulingPreference controller. On by default.
	SchedulerPreferences FeatureGateName = "SchedulerPreferences"
	// RawResourceStatusCollection fills status.clusters[].remoteStatus of
	// federated objects whose FederatedTypeConfig has statusCollection
	// Enabled. Off by default.
	RawResourceStatusCollection FeatureGateName = "RawResourceStatusCollection"
)

// ConfigurationMode says whether a feature gate is on.
// +kubebuilder:validation:Enum=Enabled;Disabled
type ConfigurationMode string

const (
	// ConfigurationEnabled turns a feature gate on.
	ConfigurationEnabled ConfigurationMode = "Enabled"
	// ConfigurationDisabled turns a feature gate off.
	ConfigurationDisabled ConfigurationMode = "Disabled"
)

// ResourceAdoption says whether the sync controller adopts member objects
// that exist before it creates them.
// +kubebuilder:validation:Enum=Enabled;Disabled
type ResourceAdoption string

const (
	// AdoptResourcesEnabled makes the sync controller take over (update and
	// label) pre-existing member objects.
	AdoptResourcesEnabled ResourceAdoption = "Enabled"
	// AdoptResourcesDisabled makes the sync controller leave pre-existing
	// member objects alone and report AlreadyExists.
	AdoptResourcesDisabled ResourceAdoption = "Disabled"
)

// KubeFedConfigSpec configures the control plane. Every field except Scope
// is optional in the API and filled in by the defaulting webhook; validation
// after defaulting requires all of them.
type KubeFedConfigSpec struct {
	// Scope is Cluster (all namespaces) or Namespaced (only the KubeFed
	// namespace, in the host and in every member). It cannot be changed.
	// +required
	// +kubebuilder:validation:Enum=Cluster;Namespaced
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="field is immutable"
	Scope apiextensionsv1.ResourceScope `json:"scope"`

	// ControllerDuration holds the controllers' delays and timeouts.
	// +optional
	ControllerDuration *DurationConfig `json:"controllerDuration,omitempty"`

	// LeaderElect configures leader election of the controller manager.
	// +optional
	LeaderElect *LeaderElectConfig `json:"leaderElect,omitempty"`

	// FeatureGates turns features on or off. Each name appears at most once.
	// +optional
	// +listType=map
	// +listMapKey=name
	FeatureGates []FeatureGatesConfig `json:"featureGates,omitempty"`

	// ClusterHealthCheck configures the probing of member clusters.
	// +optional
	ClusterHealthCheck *ClusterHealthCheckConfig `json:"clusterHealthCheck,omitempty"`

	// SyncController configures the sync controllers.
	// +optional
	SyncController *SyncControllerConfig `json:"syncController,omitempty"`

	// StatusController configures the status controllers.
	// +optional
	StatusController *StatusControllerConfig `json:"statusController,omitempty"`

	// AllowInsecureClusterConnections lets KubeFedClusters use http://
	// API endpoints and disabledTLSValidations. Off by default: with it, a
	// member's token travels in clear text or to a server whose identity is
	// not checked. Clusters that use it carry the condition
	// InsecureConnection=True. Not in KubeFed, which allowed both always.
	// +optional
	AllowInsecureClusterConnections bool `json:"allowInsecureClusterConnections,omitempty"`

	// Taints configures cluster taints: NoExecute evictions and the
	// automatic taints of clusters that are not ready. Not in KubeFed;
	// unset means the defaults (no automatic taints).
	// +optional
	Taints *TaintsConfig `json:"taints,omitempty"`

	// Inventory connects the federation to a SIG-Multicluster cluster
	// inventory (ClusterProfiles, group multicluster.x-k8s.io). Not in
	// KubeFed.
	// +optional
	Inventory *InventoryConfig `json:"inventory,omitempty"`
}

// TaintsConfig configures cluster taints.
type TaintsConfig struct {
	// Automatic makes the syncer taint a cluster that is not ready for
	// longer than GracePeriod with kubefed.io/not-ready:NoExecute (or, when
	// its API server cannot be reached, kubefed.io/unreachable:NoExecute),
	// and remove the taint when the cluster is ready again. Off by default:
	// KubeFed keeps the objects of a cluster that is offline.
	// +optional
	Automatic bool `json:"automatic,omitempty"`

	// GracePeriod is how long a cluster may be not ready before an
	// automatic taint. Default 5m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	GracePeriod *metav1.Duration `json:"gracePeriod,omitempty"`

	// EvictionTimeout bounds how long a NoExecute eviction waits for the
	// moved replicas to be ready elsewhere before the member object is
	// deleted anyway (and the timeout reported). Default 5m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	EvictionTimeout *metav1.Duration `json:"evictionTimeout,omitempty"`

	// ClusterEvictionsPerMinute is how many clusters NoExecute taints may
	// start evicting objects from per minute; the taints of the others act
	// as NoSchedule until their turn. Default 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ClusterEvictionsPerMinute *int64 `json:"clusterEvictionsPerMinute,omitempty"`
}

// InventoryConfig configures the cluster inventory: which ClusterProfiles
// become member clusters, and where the ClusterProfiles of joined clusters
// and the PlacementDecisions are written. Every part is off when its field
// is empty.
type InventoryConfig struct {
	// Namespace is the inventory namespace: each ClusterProfile in it
	// (other than those kubectl-fed writes) is a member cluster, as if
	// joined. It is the one setting the syncer, the webhook and
	// kubectl fed join read; a change takes effect when the syncer restarts.
	// The syncer's --inventory-namespace flag, when given, is written here
	// at its start (as are --cluster-profile-namespace and
	// --placement-decisions into the fields below).
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// ProfileNamespace, when set, is where the syncer writes a
	// ClusterProfile for each joined KubeFedCluster, kept in step with its
	// health, version, labels and region/zone, and deleted on unjoin.
	// +optional
	ProfileNamespace string `json:"profileNamespace,omitempty"`

	// PlacementDecisions makes the syncer keep a PlacementDecision
	// (multicluster.x-k8s.io) beside each federated object, naming the
	// clusters it is placed on (for a scheduled workload, those that get
	// replicas), owned by the object.
	// +optional
	PlacementDecisions bool `json:"placementDecisions,omitempty"`
}

// DurationConfig holds the controllers' delays and timeouts.
type DurationConfig struct {
	// AvailableDelay is how long to wait before reconciling federated
	// objects after a cluster becomes available. Default 20s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	AvailableDelay *metav1.Duration `json:"availableDelay,omitempty"`

	// UnavailableDelay is how long to wait before reconciling federated
	// objects after a cluster becomes unavailable. Default 60s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	UnavailableDelay *metav1.Duration `json:"unavailableDelay,omitempty"`

	// CacheSyncTimeout is how long a sync controller waits for its caches
	// to sync. Default 5m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	CacheSyncTimeout *metav1.Duration `json:"cacheSyncTimeout,omitempty"`
}

// LeaderElectConfig configures leader election of the controller manager.
// +kubebuilder:validation:XValidation:rule="!has(self.leaseDuration) || !has(self.renewDeadline) || duration(self.leaseDuration) > duration(self.renewDeadline)",message="leaseDuration must be greater than renewDeadline",fieldPath=".leaseDuration"
// +kubebuilder:validation:XValidation:rule="!has(self.renewDeadline) || !has(self.retryPeriod) || double(int(duration(self.renewDeadline))) > 1.2 * double(int(duration(self.retryPeriod)))",message="renewDeadline must be greater than retryPeriod*JitterFactor (1.2)",fieldPath=".renewDeadline"
type LeaderElectConfig struct {
	// LeaseDuration is how long non-leaders wait before trying to take
	// over leadership. Default 15s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	LeaseDuration *metav1.Duration `json:"leaseDuration,omitempty"`

	// RenewDeadline is how long the leader keeps trying to renew before it
	// gives up. Default 10s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	RenewDeadline *metav1.Duration `json:"renewDeadline,omitempty"`

	// RetryPeriod is how long clients wait between attempts. Default 5s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	RetryPeriod *metav1.Duration `json:"retryPeriod,omitempty"`

	// ResourceLock is the kind of lock object. Default configmaps.
	// +optional
	ResourceLock *ResourceLockType `json:"resourceLock,omitempty"`
}

// FeatureGatesConfig sets one feature gate.
type FeatureGatesConfig struct {
	// Name of the feature gate.
	// +required
	Name FeatureGateName `json:"name"`

	// Configuration turns the gate on (Enabled) or off (Disabled).
	// +required
	Configuration ConfigurationMode `json:"configuration"`
}

// GateEnabled reports whether the feature gate name is listed as Enabled.
// Defaulting lists every known gate, so call it on a defaulted spec.
func (s *KubeFedConfigSpec) GateEnabled(name FeatureGateName) bool {
	for _, g := range s.FeatureGates {
		if g.Name == name {
			return g.Configuration == ConfigurationEnabled
		}
	}
	return false
}

// ClusterHealthCheckConfig configures the probing of member clusters.
type ClusterHealthCheckConfig struct {
	// Period between two probes of every cluster. Default 10s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	Period *metav1.Duration `json:"period,omitempty"`

	// FailureThreshold is the number of consecutive failed probes after
	// which a ready cluster is considered not ready. Default 3.
	// +optional
	// +kubebuilder:validation:Minimum=1
	FailureThreshold *int64 `json:"failureThreshold,omitempty"`

	// SuccessThreshold is the number of consecutive successful probes after
	// which a not-ready cluster is considered ready. Default 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	SuccessThreshold *int64 `json:"successThreshold,omitempty"`

	// Timeout of one probe (and of the cluster clients). Default 3s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="must be greater than 0"
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// SyncControllerConfig configures the sync controllers.
type SyncControllerConfig struct {
	// MaxConcurrentReconciles is the number of workers of each sync
	// controller. Default 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxConcurrentReconciles *int64 `json:"maxConcurrentReconciles,omitempty"`

	// AdoptResources says whether pre-existing member objects are adopted.
	// Default Enabled.
	// +optional
	AdoptResources *ResourceAdoption `json:"adoptResources,omitempty"`
}

// StatusControllerConfig configures the status controllers.
type StatusControllerConfig struct {
	// MaxConcurrentReconciles is the number of workers of each status
	// controller. Default 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxConcurrentReconciles *int64 `json:"maxConcurrentReconciles,omitempty"`
}

// KubeFedConfig configures the control plane. There is a single instance,
// named "kubefed", in the KubeFed namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=kubefedconfigs,scope=Namespaced
// +kubebuilder:printcolumn:name=scope,type=string,JSONPath=`.spec.scope`
// +kubebuilder:printcolumn:name=age,type=date,JSONPath=`.metadata.creationTimestamp`
type KubeFedConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the configuration.
	// +required
	Spec KubeFedConfigSpec `json:"spec"`
}

// KubeFedConfigList is a list of KubeFedConfigs.
//
// +kubebuilder:object:root=true
type KubeFedConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the KubeFedConfigs.
	Items []KubeFedConfig `json:"items"`
}
