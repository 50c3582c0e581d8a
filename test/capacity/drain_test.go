package capacity

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// setTaints replaces a member's taints (what kubectl fed drain and uncordon
// write).
func setTaints(t *testing.T, cluster string, list []corev1beta1.Taint) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := host.Get(context.Background(), client.ObjectKey{Namespace: core.DefaultKubeFedSystemNamespace, Name: cluster}, kfc); err != nil {
			return err
		}
		kfc.Spec.Taints = list
		return host.Update(context.Background(), kfc)
	})
	if err != nil {
		t.Fatalf("setting the taints of %s: %v", cluster, err)
	}
}

// TestDrainMovesReplicasBeforeDeleting drains a member that runs one of an
// RSP's two replicas (the NoExecute taint kubectl fed drain sets): the
// replica moves to the other member and is ready there before the drained
// member's Deployment is deleted, so no replica is unavailable meanwhile;
// the namespace, evicted by the same taint, leaves the member only after
// the Deployment (deleting it first deleted the replica with it).
// It prints the seconds from the taint to the member holding nothing and
// the fewest replicas ready during it.
func TestDrainMovesReplicasBeforeDeleting(t *testing.T) {
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "drain-")
	labels := object{"app": "web"}
	for _, obj := range []client.Object{
		federatedObject("FederatedNamespace", ns, ns, object{"placement": object{"clusterSelector": object{}}}),
		federatedObject("FederatedDeployment", ns, "web", object{
			"template": object{"spec": object{"replicas": int64(1), "selector": object{"matchLabels": labels},
				"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{object{"name": "web", "image": "web:1"}}}}}},
			"placement": object{"clusterSelector": object{}},
		}),
		&schedulingv1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: schedulingv1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: schedulingv1alpha1.TargetKindFederatedDeployment, TotalReplicas: 2}},
	} {
		testkit.Eventually(t, "creating "+obj.GetObjectKind().GroupVersionKind().Kind, func(ctx context.Context) (bool, error) {
			return host.Create(ctx, obj) == nil, nil
		})
	}
	members := map[string]*kubernetes.Clientset{}
	for _, name := range []string{"member1", "member2"} {
		members[name] = testkit.Clientset(t, shared.Cluster(name).RESTConfig())
	}
	// ready returns the ready replicas of web in a member, and whether the
	// Deployment exists.
	ready := func(ctx context.Context, cluster string) (int32, bool, error) {
		d, err := members[cluster].AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return 0, false, client.IgnoreNotFound(err)
		}
		return d.Status.ReadyReplicas, true, nil
	}
	testkit.Eventually(t, "one ready replica in each member", func(ctx context.Context) (bool, error) {
		for name := range members {
			if n, _, err := ready(ctx, name); err != nil || n != 1 {
				return false, err
			}
		}
		return true, nil
	})

	// Sample the ready replicas across the members while the drain runs.
	// The two reads are not one instant, so member1 (whose replica goes) is
	// read before member2 (whose ready replicas only rise): read the other
	// way round, member2's count from before its second replica was ready
	// plus member1's from after its Deployment was deleted would show a dip
	// that never happened. A real dip (member1's replica gone while member2
	// has one ready) still shows.
	// Every sample that differs from the one before is kept, to show how
	// a dip came about if there is one.
	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	fewest := int32(2)
	var samples []string
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		last := ""
		for ctx.Err() == nil {
			var sum int32
			failed := false
			sample := ""
			for _, name := range []string{"member1", "member2"} {
				n, exists, err := ready(ctx, name)
				failed = failed || err != nil
				sum += n
				sample += fmt.Sprintf(" %s %d ready (exists %v, err %v);", name, n, exists, err)
			}
			mu.Lock()
			if !failed && sum < fewest {
				fewest = sum
			}
			if sample != last {
				samples, last = append(samples, fmt.Sprintf("%.2fs:%s", time.Since(start).Seconds(), sample)), sample
			}
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	})
	t.Cleanup(func() { setTaints(t, "member1", nil) })
	setTaints(t, "member1", []corev1beta1.Taint{{Key: corev1beta1.TaintDrain, Effect: corev1beta1.TaintNoExecute}})

	testkit.Eventually(t, "member1 holds no web and member2 runs both replicas ready", func(ctx context.Context) (bool, error) {
		_, exists, err := ready(ctx, "member1")
		if err != nil || exists {
			return false, err
		}
		n, _, err := ready(ctx, "member2")
		return n == 2, err
	})
	drained := time.Since(start)
	stop()
	wg.Wait()
	t.Logf("drain figure: member1 empty %.1f s after the taint; fewest replicas ready during it: %d of 2 (unavailable: %d, goal 0)",
		drained.Seconds(), fewest, 2-fewest)
	if fewest < 2 {
		t.Errorf("only %d of 2 replicas were ready at some point during the drain: the member's replica was removed before the moved one was ready; samples from the taint on:\n%s",
			fewest, strings.Join(samples, "\n"))
	}
	// The namespace left member1 too, after what it held there (deleting it
	// first would have deleted the replica with it).
	testkit.Eventually(t, "the namespace removed from member1", func(ctx context.Context) (bool, error) {
		got, err := members["member1"].CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return err == nil && got.DeletionTimestamp != nil, client.IgnoreNotFound(err)
	})
	testkit.Eventually(t, "the federated status says member1 is Tainted", func(ctx context.Context) (bool, error) {
		fed := &unstructured.Unstructured{}
		fed.SetAPIVersion("types.kubefed.io/v1beta1")
		fed.SetKind("FederatedDeployment")
		if err := host.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, fed); err != nil {
			return false, err
		}
		status, err := typesv1beta1.StatusOf(fed)
		if err != nil {
			return false, err
		}
		entry := status.Cluster("member1")
		return entry != nil && entry.Status == typesv1beta1.Tainted, nil
	})
}

// federatedObject is a federated object of kind in namespace ns.
func federatedObject(kind, ns, name string, spec object) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: object{"spec": spec}}
	obj.SetAPIVersion("types.kubefed.io/v1beta1")
	obj.SetKind(kind)
	obj.SetNamespace(ns)
	obj.SetName(name)
	return obj
}
