package nodesim

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Action is what the simulator does with one pod.
type Action int

const (
	// Ignore: the pod is not on a simulated node, already runs, or has ended.
	Ignore Action = iota
	// MarkRunning: write a Running, Ready status (RunningStatus).
	MarkRunning
	// Finalize: the pod is being deleted; delete it with grace period 0, as
	// a kubelet does once its containers have stopped.
	Finalize
)

// String names the action.
func (a Action) String() string {
	switch a {
	case MarkRunning:
		return "MarkRunning"
	case Finalize:
		return "Finalize"
	default:
		return "Ignore"
	}
}

// Decide returns what to do with pod, given the names of the simulated nodes.
func Decide(pod *corev1.Pod, nodes map[string]bool) Action {
	switch {
	case pod.Spec.NodeName == "" || !nodes[pod.Spec.NodeName]:
		return Ignore
	case pod.DeletionTimestamp != nil:
		return Finalize
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return Ignore
	case isRunningAndReady(pod):
		return Ignore
	default:
		return MarkRunning
	}
}

// isRunningAndReady reports whether the pod already has the status
// RunningStatus would write (ignoring timestamps).
func isRunningAndReady(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "" ||
		len(pod.Status.ContainerStatuses) != len(pod.Spec.Containers) {
		return false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if !cs.Ready {
			return false
		}
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// RunningStatus returns the status a kubelet reports for a pod whose init
// containers have completed and whose containers all run and are ready:
// phase Running, the conditions PodScheduled, Initialized,
// PodReadyToStartContainers, ContainersReady and Ready all True, the host
// and pod IPs (an IP the pod already has is kept), and one status per
// container. Other status fields (qosClass, ...) are kept.
func RunningStatus(pod *corev1.Pod, hostIP, podIP string, now time.Time) corev1.PodStatus {
	status := *pod.Status.DeepCopy()
	if status.PodIP != "" {
		podIP = status.PodIP
	}
	at := metav1.NewTime(now)
	if status.StartTime == nil {
		status.StartTime = &at
	}
	status.Phase = corev1.PodRunning
	status.Reason, status.Message = "", ""
	status.HostIP, status.HostIPs = hostIP, []corev1.HostIP{{IP: hostIP}}
	status.PodIP, status.PodIPs = podIP, []corev1.PodIP{{IP: podIP}}
	for _, t := range []corev1.PodConditionType{
		corev1.PodScheduled, corev1.PodInitialized, corev1.PodReadyToStartContainers, corev1.ContainersReady, corev1.PodReady,
	} {
		status.Conditions = setCondition(status.Conditions, t, at)
	}
	status.InitContainerStatuses = make([]corev1.ContainerStatus, 0, len(pod.Spec.InitContainers))
	for _, c := range pod.Spec.InitContainers {
		cs := containerStatus(pod, c)
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: "Completed", StartedAt: *status.StartTime, FinishedAt: *status.StartTime,
			ContainerID: cs.ContainerID,
		}}
		status.InitContainerStatuses = append(status.InitContainerStatuses, cs)
	}
	status.ContainerStatuses = make([]corev1.ContainerStatus, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		cs := containerStatus(pod, c)
		cs.Started = &cs.Ready
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: *status.StartTime}}
		status.ContainerStatuses = append(status.ContainerStatuses, cs)
	}
	return status
}

// containerStatus is a ready container's status, without its state.
func containerStatus(pod *corev1.Pod, c corev1.Container) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:        c.Name,
		Image:       c.Image,
		ImageID:     "nodesim://" + c.Image,
		ContainerID: "nodesim://" + string(pod.UID) + "/" + c.Name,
		Ready:       true,
	}
}

// setCondition sets condition t to True, keeping its transition time if it
// already was True.
func setCondition(conditions []corev1.PodCondition, t corev1.PodConditionType, now metav1.Time) []corev1.PodCondition {
	for i := range conditions {
		if conditions[i].Type != t {
			continue
		}
		if conditions[i].Status != corev1.ConditionTrue {
			conditions[i].LastTransitionTime = now
		}
		conditions[i].Status, conditions[i].Reason, conditions[i].Message = corev1.ConditionTrue, "", ""
		return conditions
	}
	return append(conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
}
