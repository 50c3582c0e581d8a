package testkit

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// WaitMovedAfterWindow polls moved (the test's check that replicas left a
// full member) until it is true or timeout passes, and proves the move
// waited for the syncer's unschedulable window: every poll also reads the
// pods of namespace matching selector in that member (through member) and
// keeps the earliest lastTransitionTime of a PodScheduled=False, reason
// Unschedulable condition. It returns an error when the wait times out, when
// no unschedulable pod was seen before the move, or when the move was seen
// before that pod had been unschedulable for window. On success it returns
// how long after the pod turned unschedulable the move was seen.
func WaitMovedAfterWindow(ctx context.Context, member kubernetes.Interface, namespace, selector string, window, timeout time.Duration,
	moved func(ctx context.Context) (bool, error)) (time.Duration, error) {
	var since time.Time
	var seen time.Time
	err := Poll(ctx, timeout, func(ctx context.Context) (bool, error) {
		pods, err := member.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, err
		}
		for _, pod := range pods.Items {
			for _, c := range pod.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable &&
					(since.IsZero() || c.LastTransitionTime.Before(&metav1.Time{Time: since})) {
					since = c.LastTransitionTime.Time
				}
			}
		}
		done, err := moved(ctx)
		if done && err == nil {
			seen = time.Now()
		}
		return done, err
	})
	if err != nil {
		return 0, err
	}
	if since.IsZero() {
		return 0, fmt.Errorf("the replicas moved before any pod of %s (%s) was seen unschedulable", namespace, selector)
	}
	// The syncer moves once a pod is unschedulable for longer than the
	// window, by the same (second-truncated) lastTransitionTime read here.
	if after := seen.Sub(since); after < window {
		return after, fmt.Errorf("the replicas moved %s after a pod of %s turned unschedulable, before the %s unschedulable window", after.Round(time.Millisecond), namespace, window)
	}
	return seen.Sub(since), nil
}
