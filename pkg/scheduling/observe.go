package scheduling

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// DefaultUnschedulableWindow is how long, unless the syncer's
// --unschedulable-window says otherwise, a pod must have been unschedulable
// before it lowers its cluster's estimated capacity (reference §3.5 step 4).
const DefaultUnschedulableWindow = 60 * time.Second

// Workload is what the scheduler reads of a member Deployment or ReplicaSet.
type Workload struct {
	// Replicas is spec.replicas (1 when unset).
	Replicas int64
	// ReadyReplicas is status.readyReplicas.
	ReadyReplicas int64
}

// Observation is one cluster's state as the planner sees it.
type Observation struct {
	// Current is the replicas the cluster runs ready.
	Current int64
	// Reported is the ready replicas the workload's own status reports
	// (status.readyReplicas, what kubectl get shows). It lags Current
	// while the member's controller catches up with its pods.
	Reported int64
	// Capacity, when set, is the most replicas the cluster has room for.
	Capacity *int64
	// Recheck, when positive, is when pods now unschedulable will have been
	// so for the whole window, and the cluster must be looked at again.
	Recheck time.Duration
}

// NeedsPods reports whether the workload's pods must be read: only when
// not every replica is ready.
func (w Workload) NeedsPods() bool { return w.Replicas != w.ReadyReplicas }

// Observe derives a cluster's current replicas and capacity from its
// workload and, when NeedsPods, its pods (reference §3.5 step 4): a pod
// unschedulable for longer than window lowers the capacity. Unlike
// KubeFed, which counted any pod with a Ready condition, a pod counts as
// running only with Ready=True.
func Observe(w Workload, pods []corev1.Pod, now time.Time, window time.Duration) Observation {
	if !w.NeedsPods() {
		return Observation{Current: w.ReadyReplicas, Reported: w.ReadyReplicas}
	}
	obs := Observation{Reported: w.ReadyReplicas}
	var unschedulable int64
	for i := range pods {
		pod := &pods[i]
		if pod.DeletionTimestamp != nil {
			continue
		}
		if pod.Status.Phase == corev1.PodRunning && condition(pod, corev1.PodReady, corev1.ConditionTrue) != nil {
			obs.Current++
		}
		c := condition(pod, corev1.PodScheduled, corev1.ConditionFalse)
		if c == nil || c.Reason != corev1.PodReasonUnschedulable {
			continue
		}
		if age := now.Sub(c.LastTransitionTime.Time); age > window {
			unschedulable++
		} else if wait := window - age + time.Second; obs.Recheck == 0 || wait < obs.Recheck {
			obs.Recheck = wait
		}
	}
	if unschedulable > 0 {
		capacity := max(w.Replicas-unschedulable, 0)
		obs.Capacity = &capacity
	}
	return obs
}

func condition(pod *corev1.Pod, t corev1.PodConditionType, status corev1.ConditionStatus) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if c := &pod.Status.Conditions[i]; c.Type == t && c.Status == status {
			return c
		}
	}
	return nil
}
