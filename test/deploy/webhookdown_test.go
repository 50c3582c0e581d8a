package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestDeletionCompletesWithTheWebhookDown stops the webhook while its
// configurations stay registered: a user's create is refused (failurePolicy
// Fail), but deleting a propagated federated object completes, since the
// configurations' matchConditions leave the syncer's own requests (removing
// its finalizer, writing status) out, and the member copies are deleted.
func TestDeletionCompletesWithTheWebhookDown(t *testing.T) {
	const ns = "webhook-down"
	control.CheckSyncerPropagates(t, ns)
	obj := HostObject(t, control.fleet, "-n", ns, "federatedconfigmap", "settings")
	if !slices.Contains(obj.GetFinalizers(), core.SyncControllerFinalizer) {
		t.Fatalf("FederatedConfigMap %s/settings has no sync finalizer: %v", ns, obj.GetFinalizers())
	}

	control.StopWebhook()
	t.Cleanup(func() {
		if err := control.StartWebhook(context.Background()); err != nil {
			t.Errorf("restarting the webhook: %v", err)
		}
	})
	refused := writeTemp(t, fmt.Sprintf(`apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: refused, namespace: %s}
spec:
  template: {data: {a: b}}
  placement: {clusters: [{name: %s}]}
`, ns, control.fleet.Members()[0].Name))
	testkit.Eventually(t, "a user's create to be refused with the webhook down", func(context.Context) (bool, error) {
		r := testkit.Kubectl(t, control.fleet.KubeconfigPath(), nil, "apply", "-f", refused)
		if r.Err == nil {
			return false, fmt.Errorf("admitted with the webhook down:\n%s", r.Stdout)
		}
		return Holds(strings.Contains(r.Stderr, "failed calling webhook"), "refused, but not by the webhook call: %s", r.Stderr)
	})

	testkit.MustKubectl(t, control.fleet.KubeconfigPath(), "-n", ns, "delete", "federatedconfigmap", "settings", "--wait=false")
	testkit.Eventually(t, "the syncer to finish the deletion", func(context.Context) (bool, error) {
		r := testkit.Kubectl(t, control.fleet.KubeconfigPath(), nil, "-n", ns, "get", "federatedconfigmap", "settings", "--ignore-not-found", "-o", "name")
		if r.Err != nil {
			return false, fmt.Errorf("%v: %s", r.Err, r.Stderr)
		}
		return Holds(strings.TrimSpace(r.Stdout) == "", "still there: %s", r.Stdout)
	})
	for _, m := range control.fleet.Members() {
		member := testkit.Clientset(t, m.RESTConfig())
		testkit.Eventually(t, "ConfigMap settings to be deleted from "+m.Name, func(ctx context.Context) (bool, error) {
			_, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, fmt.Errorf("ConfigMap %s/settings in %s: %v", ns, m.Name, err)
		})
	}
	NoDenials(t, control.SyncerLog)
}
