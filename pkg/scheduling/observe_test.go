package scheduling

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pod(phase corev1.PodPhase, conditions ...corev1.PodCondition) corev1.Pod {
	return corev1.Pod{Status: corev1.PodStatus{Phase: phase, Conditions: conditions}}
}

func ready(s corev1.ConditionStatus) corev1.PodCondition {
	return corev1.PodCondition{Type: corev1.PodReady, Status: s}
}

func unschedulableSince(t time.Time) corev1.PodCondition {
	return corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		LastTransitionTime: metav1.NewTime(t)}
}

func TestObserve(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	running := pod(corev1.PodRunning, ready(corev1.ConditionTrue))
	notReady := pod(corev1.PodRunning, ready(corev1.ConditionFalse))
	oldPending := pod(corev1.PodPending, unschedulableSince(now.Add(-61*time.Second)))
	newPending := pod(corev1.PodPending, unschedulableSince(now.Add(-20*time.Second)))
	cases := []struct {
		name     string
		w        Workload
		pods     []corev1.Pod
		current  int64
		capacity int64 // -1: unset
		recheck  time.Duration
		window   time.Duration // 0: DefaultUnschedulableWindow
	}{
		{"all ready: pods not needed", Workload{Replicas: 3, ReadyReplicas: 3}, nil, 3, -1, 0, 0},
		{"ready pods counted, Ready=False not", Workload{Replicas: 3, ReadyReplicas: 1}, []corev1.Pod{running, notReady, running}, 2, -1, 0, 0},
		{"unschedulable for more than 60 s lowers capacity", Workload{Replicas: 5, ReadyReplicas: 2}, []corev1.Pod{running, running, oldPending, oldPending, newPending}, 2, 3, 41 * time.Second, 0},
		{"unschedulable for less than 60 s: recheck", Workload{Replicas: 3, ReadyReplicas: 2}, []corev1.Pod{running, running, newPending}, 2, -1, 41 * time.Second, 0},
		{"a 10 s window: unschedulable for 20 s lowers capacity", Workload{Replicas: 3, ReadyReplicas: 2}, []corev1.Pod{running, running, newPending}, 2, 2, 0, 10 * time.Second},
		{"a 30 s window: unschedulable for 20 s, recheck in 11 s", Workload{Replicas: 3, ReadyReplicas: 2}, []corev1.Pod{running, running, newPending}, 2, -1, 11 * time.Second, 30 * time.Second},
		{"terminating pods ignored", Workload{Replicas: 1}, []corev1.Pod{func() corev1.Pod {
			p := oldPending
			p.DeletionTimestamp = &metav1.Time{Time: now}
			return p
		}()}, 0, -1, 0, 0},
	}
	if DefaultUnschedulableWindow != 60*time.Second {
		t.Fatalf("DefaultUnschedulableWindow is %s; KubeFed's window, and the documented default, is 60 s", DefaultUnschedulableWindow)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			window := tc.window
			if window == 0 {
				window = DefaultUnschedulableWindow
			}
			got := Observe(tc.w, tc.pods, now, window)
			capacity := int64(-1)
			if got.Capacity != nil {
				capacity = *got.Capacity
			}
			if got.Current != tc.current || capacity != tc.capacity || got.Recheck != tc.recheck {
				t.Errorf("got current %d capacity %d recheck %v, want %d %d %v", got.Current, capacity, got.Recheck, tc.current, tc.capacity, tc.recheck)
			}
		})
	}
}
