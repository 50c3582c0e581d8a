package failover

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestHostNamespaceIsNeverDeleted joins the host as a member of itself:
// a FederatedNamespace placed on the host adopts the host's own namespace,
// and deleting the FederatedNamespace only unlabels it.
func TestHostNamespaceIsNeverDeleted(t *testing.T) {
	ctx := context.Background()
	host := shared.Host()
	if err := federation.Join(ctx, host, map[string]string{"self": "true"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = federation.Host.Delete(context.Background(), &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: host.Name}})
	})
	startSyncer(t, "self-join")
	testkit.Eventually(t, "the host joined to itself is ready", func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		err := federation.Host.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: host.Name}, kfc)
		return err == nil && kfc.Status.IsReady(), err
	})

	kube := testkit.Clientset(t, host.RESTConfig())
	ns := testkit.CreateNamespace(t, kube, "self-")
	dyn, _ := dynamic.NewForConfig(host.RESTConfig())
	federatedNamespaces := dyn.Resource(schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatednamespaces"}).Namespace(ns)
	fns := federatedConfigMap(ns, ns)
	fns.SetKind("FederatedNamespace")
	fns.Object["spec"] = map[string]interface{}{"placement": map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": host.Name}}}}
	if _, err := federatedNamespaces.Create(ctx, fns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the host namespace adopted", func(ctx context.Context) (bool, error) {
		n, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil && n.Labels[core.ManagedByKubeFedLabelKey] == "true", err
	})

	if err := federatedNamespaces.Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the FederatedNamespace deleted", func(ctx context.Context) (bool, error) {
		_, err := federatedNamespaces.Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	n, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the host's own namespace is gone: %v", err)
	}
	if n.DeletionTimestamp != nil {
		t.Fatalf("the host's own namespace is being deleted with its FederatedNamespace (deletionTimestamp %v)", n.DeletionTimestamp)
	}
	if _, labeled := n.Labels[core.ManagedByKubeFedLabelKey]; labeled {
		t.Errorf("the host namespace is still labeled %s after its FederatedNamespace was deleted", core.ManagedByKubeFedLabelKey)
	}
}
