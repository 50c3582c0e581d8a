package syncer

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestFinalizerOverrideDoesNotBlockDeletion puts a finalizer on member1's
// copy through an override (KubeFed allowed it): deleting the federated
// object removes that finalizer, so the member copy and the federated
// object both go.
func TestFinalizerOverrideDoesNotBlockDeletion(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "held", object{
		"template":  object{"data": object{"a": "1"}},
		"placement": onClusters("member1"),
		"overrides": []interface{}{object{"clusterName": "member1", "clusterOverrides": []interface{}{
			object{"op": "add", "path": "/metadata/finalizers", "value": []interface{}{"example.com/hold"}}}}},
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "held", "the copy with the override's finalizer", func(cm *corev1.ConfigMap) bool {
		return cm != nil && slices.Contains(cm.Finalizers, "example.com/hold")
	})
	if err := hostClient.Delete(context.Background(), fcm); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, "the FederatedConfigMap deleted", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(fcm), fcm.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	memberConfigMap(t, "member1", ns, "held", "the copy deleted", absent)
	t.Logf("a FederatedConfigMap whose override adds a finalizer in member1 was deleted in %s", time.Since(start).Round(time.Millisecond))
}
