package syncer

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// clusterReady polls until a KubeFedCluster's readiness is want.
func clusterReady(t *testing.T, name string, want bool) {
	t.Helper()
	testkit.Eventually(t, fmt.Sprintf("%s ready=%v", name, want), func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := hostClient.Get(ctx, types.NamespacedName{Namespace: kubefedNamespace, Name: name}, kfc); err != nil {
			return false, err
		}
		return kfc.Status.IsReady() == want, nil
	})
}

func TestMemberAPIServerStoppedMidPropagation(t *testing.T) {
	const objects = 40
	ctx := context.Background()
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	waitNamespace(t, memberClient(t, "member2"), ns)

	// Count deletions of managed objects in the member that stays up: an
	// outage elsewhere must not delete anything.
	watcher, err := m1.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()
	var deleted atomic.Int64
	go func() {
		for ev := range watcher.ResultChan() {
			if ev.Type == watch.Deleted {
				deleted.Add(1)
			}
		}
	}()

	member2 := shared.Cluster("member2")
	names := make([]string, objects)
	for i := range objects {
		names[i] = fmt.Sprintf("outage-%02d", i)
		if i == objects/2 {
			member2.StopAPIServer() // half the batch is created during the outage
			t.Cleanup(func() { _ = member2.StartAPIServer(context.Background()) })
		}
		create(t, federated(federatedConfigMapKind, ns, names[i], object{"template": object{"data": object{"n": names[i]}}, "placement": everywhere}))
	}
	clusterReady(t, "member2", false)
	for _, name := range names {
		memberConfigMap(t, "member1", ns, name, "propagated to the member that stayed up", hasData("n", name))
	}
	last := federated(federatedConfigMapKind, ns, names[objects-1], nil)
	waitClusterStatus(t, last, "member2", "ClusterNotReady", "not ready")
	propagationCondition(t, last, "False", "CheckClusters")

	if err := member2.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	clusterReady(t, "member2", true)
	for _, name := range names {
		memberConfigMap(t, "member2", ns, name, "propagated after the restart", hasData("n", name))
		propagationCondition(t, federated(federatedConfigMapKind, ns, name, nil), "True", "")
	}
	if n := deleted.Load(); n != 0 {
		t.Errorf("%d managed objects were deleted from member1 during member2's outage, want none", n)
	}
}
