package nodesim

import (
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KubeletVersion is the version simulated nodes report in status.nodeInfo.
const KubeletVersion = "v1.37.2-nodesim"

// NodeLabel marks every node the simulator registers; its value is "true".
const NodeLabel = "nodesim.kubectl-fed.io/simulated"

// LeaseDuration is the duration written into each node's Lease; the node
// lifecycle controller of kube-controller-manager reads the renew time.
const LeaseDuration = 40 * time.Second

// Capacity is what one simulated node offers; its allocatable equals its
// capacity (no system reservations).
type Capacity struct {
	// CPU is the number of cores, e.g. resource.MustParse("4").
	CPU resource.Quantity
	// Memory is the node's memory, e.g. resource.MustParse("8Gi").
	Memory resource.Quantity
	// Pods is how many pods the node accepts.
	Pods int64
}

// DefaultCapacity is 4 CPU, 8Gi of memory and 20 pods.
func DefaultCapacity() Capacity {
	return Capacity{CPU: resource.MustParse("4"), Memory: resource.MustParse("8Gi"), Pods: 20}
}

// WithDefaults returns c with each zero field taken from DefaultCapacity.
func (c Capacity) WithDefaults() Capacity {
	d := DefaultCapacity()
	if c.CPU.IsZero() {
		c.CPU = d.CPU
	}
	if c.Memory.IsZero() {
		c.Memory = d.Memory
	}
	if c.Pods == 0 {
		c.Pods = d.Pods
	}
	return c
}

// String prints the capacity as "cpu=4 memory=8Gi pods=20".
func (c Capacity) String() string {
	return fmt.Sprintf("cpu=%s memory=%s pods=%d", c.CPU.String(), c.Memory.String(), c.Pods)
}

// resources returns the capacity as a resource list.
func (c Capacity) resources() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    c.CPU.DeepCopy(),
		corev1.ResourceMemory: c.Memory.DeepCopy(),
		corev1.ResourcePods:   *resource.NewQuantity(c.Pods, resource.DecimalSI),
	}
}

// NodeName is the name of the i-th node (from 1) with the given prefix.
func NodeName(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }

// NodeIP is the InternalIP of the i-th node (from 1): 10.64.x.y.
func NodeIP(i int) string { return ipFrom(10<<24|64<<16, uint32(i)) }

// PodIP is the IP of the n-th pod (from 0) the simulator starts: addresses
// from 10.128.0.1 on, wrapping after 8 million pods.
func PodIP(n uint32) string { return ipFrom(10<<24|128<<16, 1+n%(1<<23-2)) }

func ipFrom(base, offset uint32) string {
	ip := base + offset
	return fmt.Sprintf("%d.%d.%d.%d", ip>>24, ip>>16&0xff, ip>>8&0xff, ip&0xff)
}

// NewNode returns the Node object a simulated kubelet registers: labelled
// like a Linux node and with NodeLabel, untainted, with the status of
// NodeStatus.
func NewNode(name, ip string, c Capacity, since, now time.Time) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:   name,
				corev1.LabelOSStable:   "linux",
				corev1.LabelArchStable: "amd64",
				NodeLabel:              "true",
			},
		},
		Status: NodeStatus(name, ip, c, since, now),
	}
}

// NodeStatus is a healthy node's status: Ready since `since`, no pressure,
// heartbeat at now, capacity and allocatable both c.
func NodeStatus(name, ip string, c Capacity, since, now time.Time) corev1.NodeStatus {
	condition := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, message string) corev1.NodeCondition {
		return corev1.NodeCondition{
			Type: t, Status: s, Reason: reason, Message: message,
			LastHeartbeatTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(since),
		}
	}
	return corev1.NodeStatus{
		Capacity:    c.resources(),
		Allocatable: c.resources(),
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			condition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			condition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			condition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			condition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status (simulated)"),
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: ip},
			{Type: corev1.NodeHostName, Address: name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
			ContainerRuntimeVersion: "nodesim://" + KubeletVersion,
			OSImage:                 "simulated",
		},
	}
}

// NewLease returns the node's heartbeat Lease in kube-node-lease, renewed at now.
func NewLease(node string, now time.Time) *coordinationv1.Lease {
	seconds := int32(LeaseDuration / time.Second)
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       &node,
			LeaseDurationSeconds: &seconds,
			RenewTime:            &metav1.MicroTime{Time: now},
		},
	}
}
