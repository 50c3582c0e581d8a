package v1beta1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TaintEffect is what a cluster taint does to the federated objects that do
// not tolerate it.
// +kubebuilder:validation:Enum=NoSchedule;NoExecute
type TaintEffect string

const (
	// TaintNoSchedule: the cluster receives no new placements; the objects
	// it holds stay.
	TaintNoSchedule TaintEffect = "NoSchedule"
	// TaintNoExecute: the objects that do not tolerate the taint are
	// removed from the cluster, gracefully (their replicas move first).
	TaintNoExecute TaintEffect = "NoExecute"
)

// Keys of the taints the control plane itself sets.
const (
	// TaintUnschedulable is the key of the NoSchedule taint `kubectl fed
	// cordon` sets.
	TaintUnschedulable = "kubefed.io/unschedulable"
	// TaintNotReady is the key of the NoExecute taint the syncer sets on a
	// cluster not ready for longer than the grace period, when automatic
	// taints are enabled.
	TaintNotReady = "kubefed.io/not-ready"
	// TaintUnreachable is the key of the NoExecute taint the syncer sets on
	// a cluster whose API server cannot be reached for longer than the
	// grace period, when automatic taints are enabled.
	TaintUnreachable = "kubefed.io/unreachable"
	// TaintDrain is the key of the NoExecute taint `kubectl fed drain` sets.
	TaintDrain = "kubefed.io/drain"
)

// Taint keeps federated objects that do not tolerate it away from a member
// cluster. Not in KubeFed (an additive field).
type Taint struct {
	// Key is the taint's key, a qualified name (prefix/name).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=316
	Key string `json:"key"`

	// Value is the taint's value.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Value string `json:"value,omitempty"`

	// Effect is NoSchedule or NoExecute.
	// +required
	Effect TaintEffect `json:"effect"`

	// TimeAdded is when the taint was added; NoExecute evictions measure
	// their timeout from it.
	// +optional
	TimeAdded *metav1.Time `json:"timeAdded,omitempty"`
}

// TolerationOperator says how a toleration matches a taint's value.
// +kubebuilder:validation:Enum=Exists;Equal
type TolerationOperator string

const (
	// TolerationOpExists matches any value (the toleration's value must be
	// empty).
	TolerationOpExists TolerationOperator = "Exists"
	// TolerationOpEqual matches the toleration's value exactly. It is the
	// default.
	TolerationOpEqual TolerationOperator = "Equal"
)

// Toleration lets a federated object (or a ReplicaSchedulingPreference's
// replicas) go to, or stay in, clusters with a matching taint. The
// semantics are those of a pod's toleration of a node taint. Not in
// KubeFed (an additive field).
type Toleration struct {
	// Key is the taint key it matches; empty with operator Exists matches
	// every taint.
	// +optional
	// +kubebuilder:validation:MaxLength=316
	Key string `json:"key,omitempty"`

	// Operator is Exists or Equal (the default).
	// +optional
	Operator TolerationOperator `json:"operator,omitempty"`

	// Value is the taint value it matches with operator Equal.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Value string `json:"value,omitempty"`

	// Effect is the taint effect it matches; empty matches both.
	// +optional
	// +kubebuilder:validation:Enum="";NoSchedule;NoExecute
	Effect TaintEffect `json:"effect,omitempty"`
}

// Defaults of TaintsConfig.
const (
	DefaultTaintGracePeriod          = 5 * time.Minute
	DefaultEvictionTimeout           = 5 * time.Minute
	DefaultClusterEvictionsPerMinute = 1
)

// GetGracePeriod is GracePeriod, or its default.
func (c *TaintsConfig) GetGracePeriod() time.Duration {
	if c == nil || c.GracePeriod == nil {
		return DefaultTaintGracePeriod
	}
	return c.GracePeriod.Duration
}

// GetEvictionTimeout is EvictionTimeout, or its default.
func (c *TaintsConfig) GetEvictionTimeout() time.Duration {
	if c == nil || c.EvictionTimeout == nil {
		return DefaultEvictionTimeout
	}
	return c.EvictionTimeout.Duration
}

// GetClusterEvictionsPerMinute is ClusterEvictionsPerMinute, or its default.
func (c *TaintsConfig) GetClusterEvictionsPerMinute() int {
	if c == nil || c.ClusterEvictionsPerMinute == nil {
		return DefaultClusterEvictionsPerMinute
	}
	return int(*c.ClusterEvictionsPerMinute)
}

// GetAutomatic is Automatic (false when unset).
func (c *TaintsConfig) GetAutomatic() bool { return c != nil && c.Automatic }
