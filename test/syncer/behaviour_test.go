package syncer

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	federatedServiceKind    = metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedService"}
	federatedDeploymentKind = metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment"}
)

// clusterStatus returns a cluster's entry in a federated object's status
// (none when the status does not decode).
func clusterStatus(obj *unstructured.Unstructured, cluster string) (status, message string, found bool) {
	decoded, err := typesv1beta1.StatusOf(obj)
	if err != nil {
		return "", "", false
	}
	if entry := decoded.Cluster(cluster); entry != nil {
		return string(entry.Status), entry.Message, true
	}
	return "", "", false
}

// waitClusterStatus polls until a cluster's entry has the status wanted and
// its message contains messagePart, and returns the message.
func waitClusterStatus(t *testing.T, obj *unstructured.Unstructured, cluster, want, messagePart string) (message string) {
	t.Helper()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	testkit.Eventually(t, cluster+" status "+want+" ("+messagePart+") on "+obj.GetName(), func(ctx context.Context) (bool, error) {
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
			return false, err
		}
		status, msg, found := clusterStatus(live, cluster)
		message = msg
		return found && status == want && strings.Contains(msg, messagePart), nil
	})
	return message
}

func TestUpdateRejectedByTheMemberIsReportedWithItsMessage(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "frozen", object{
		"template":  object{"immutable": true, "data": object{"v": "1"}},
		"placement": onClusters("member1"),
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "frozen", "created", hasData("v", "1"))
	mutate(t, fcm, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, "2", "spec", "template", "data", "v")
	})
	waitClusterStatus(t, fcm, "member1", "UpdateFailed", "immutable") // the member API server's reason
	propagationCondition(t, fcm, "False", "CheckClusters")
}

func TestServiceKeepsWhatTheMemberAllocated(t *testing.T) {
	ns := federatedNamespace(t)
	fsvc := federated(federatedServiceKind, ns, "web", object{
		"template": object{"spec": object{"type": "NodePort", "selector": object{"app": "web"},
			"ports": []interface{}{object{"name": "http", "port": int64(80)}}}},
		"placement": onClusters("member1"),
	})
	create(t, fsvc)
	m1 := memberClient(t, "member1")
	var first *corev1.Service
	testkit.Eventually(t, "the member service", func(ctx context.Context) (bool, error) {
		svc, err := m1.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
		first = svc
		return err == nil && svc.Spec.ClusterIP != "" && svc.Spec.Ports[0].NodePort != 0, client.IgnoreNotFound(err)
	})
	mutate(t, fsvc, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, object{"tier": "front"}, "spec", "template", "metadata", "labels")
	})
	testkit.Eventually(t, "the member service updated", func(ctx context.Context) (bool, error) {
		svc, err := m1.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil || svc.Labels["tier"] != "front" {
			return false, err
		}
		if svc.Spec.ClusterIP != first.Spec.ClusterIP || svc.Spec.Ports[0].NodePort != first.Spec.Ports[0].NodePort {
			t.Fatalf("the update changed the allocated clusterIP %s→%s or nodePort %d→%d", first.Spec.ClusterIP, svc.Spec.ClusterIP,
				first.Spec.Ports[0].NodePort, svc.Spec.Ports[0].NodePort)
		}
		return true, nil
	})
}

func TestRetainReplicasKeepsTheMembersScale(t *testing.T) {
	ns := federatedNamespace(t)
	labels := object{"app": "api"}
	fdeploy := federated(federatedDeploymentKind, ns, "api", object{
		"retainReplicas": true,
		"template": object{"spec": object{"replicas": int64(1), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{object{"name": "api", "image": "api:1"}}}}}},
		"placement": onClusters("member1"),
	})
	create(t, fdeploy)
	m1 := memberClient(t, "member1")
	scaled := func(image string) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			d, err := m1.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
			if err != nil {
				return false, client.IgnoreNotFound(err)
			}
			return d.Spec.Template.Spec.Containers[0].Image == image, nil
		}
	}
	testkit.Eventually(t, "the member deployment", scaled("api:1"))
	// An autoscaler in the member scales it; the next template change keeps that.
	testkit.Eventually(t, "scaling the member deployment", func(ctx context.Context) (bool, error) {
		d, err := m1.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		d.Spec.Replicas = ptr(int32(3))
		_, err = m1.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
		return err == nil, client.IgnoreNotFound(ignoreConflict(err))
	})
	mutate(t, fdeploy, func(o *unstructured.Unstructured) {
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "template", "spec", "containers")
		containers[0].(object)["image"] = "api:2"
		_ = unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "template", "spec", "containers")
	})
	testkit.Eventually(t, "the new image", scaled("api:2"))
	d, err := m1.AppsV1().Deployments(ns).Get(context.Background(), "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 3 {
		t.Errorf("replicas %d after a template change, want the member's 3 (retainReplicas)", *d.Spec.Replicas)
	}
}

func TestUnreadyClusterBlocksDeletionUntilUnjoined(t *testing.T) {
	ctx := context.Background()
	ghost := &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: "ghost"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://127.0.0.1:1",
			SecretRef: corev1beta1.LocalSecretReference{Name: "ghost-token"}},
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: "ghost-token"},
		Data: map[string][]byte{core.ClusterSecretTokenKey: []byte("nobody")}}
	for _, obj := range []client.Object{secret, ghost} {
		if err := hostClient.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = hostClient.Delete(context.Background(), obj) })
	}
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "stuck", object{"template": object{"data": object{"k": "v"}}, "placement": onClusters("member1", "ghost")})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "stuck", "created", hasData("k", "v"))
	waitClusterStatus(t, fcm, "ghost", "ClusterNotReady", "")

	if err := hostClient.Delete(ctx, fcm); err != nil {
		t.Fatal(err)
	}
	memberConfigMap(t, "member1", ns, "stuck", "deleted from the ready cluster", absent)
	waitClusterStatus(t, fcm, "ghost", "ClusterNotReady", "unjoin") // says how to unblock
	if err := hostClient.Delete(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "deletion to finish once ghost is unjoined", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(fcm), fcm.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}

func ptr[T any](v T) *T { return &v }

func ignoreConflict(err error) error {
	if apierrors.IsConflict(err) {
		return nil
	}
	return err
}
