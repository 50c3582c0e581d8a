package testkit

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// ClusterReady is the Ready condition the syncer's health check writes for
// a cluster whose /healthz answers ok, probed now.
func ClusterReady() corev1beta1.ClusterCondition {
	now := metav1.Now()
	return corev1beta1.ClusterCondition{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue,
		Reason: "ClusterReady", Message: "/healthz responded with ok", LastProbeTime: now, LastTransitionTime: &now}
}

// SetClusterStatus writes the status of KubeFedCluster namespace/name by
// hand, as the syncer's health check would, for tests that run no syncer:
// set changes the latest status, and the write is retried (on conflicts)
// until it goes through.
func SetClusterStatus(t testing.TB, c client.Client, namespace, name string, set func(*corev1beta1.KubeFedClusterStatus)) {
	t.Helper()
	Eventually(t, "the status of KubeFedCluster "+namespace+"/"+name+" written", func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, kfc); err != nil {
			return false, err
		}
		set(&kfc.Status)
		return c.Status().Update(ctx, kfc) == nil, nil
	})
}

// MarkClusterReady writes KubeFedCluster namespace/name Ready by hand
// (SetClusterStatus with ClusterReady as its only condition).
func MarkClusterReady(t testing.TB, c client.Client, namespace, name string) {
	t.Helper()
	SetClusterStatus(t, c, namespace, name, func(s *corev1beta1.KubeFedClusterStatus) {
		s.Conditions = []corev1beta1.ClusterCondition{ClusterReady()}
	})
}
