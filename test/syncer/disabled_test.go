package syncer

import (
	"context"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestNamespaceOfADisabledTypesObjectsCanBeDeleted enables secrets,
// propagates a FederatedSecret, disables the type as `kubectl fed disable
// secrets` does (propagation Disabled, then the FederatedTypeConfig
// deleted: the syncer releases the type's federated objects) and deletes
// the host namespace holding the FederatedSecret: the deletion completes
// instead of waiting forever on the finalizer of a type nobody serves.
func TestNamespaceOfADisabledTypesObjectsCanBeDeleted(t *testing.T) {
	ctx := context.Background()
	secrets := typesv1beta1.TargetType{Version: "v1", Kind: "Secret", PluralName: "secrets", Scope: apiextensionsv1.NamespaceScoped}
	if err := federation.Enable(ctx, secrets); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	ns := federatedNamespace(t)
	fs := federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedSecret"}, ns, "token", object{
		"template": object{"stringData": object{"k": "v"}}, "placement": onClusters("member1")})
	testkit.Eventually(t, "creating the FederatedSecret once its CRD is served", func(ctx context.Context) (bool, error) {
		return hostClient.Create(ctx, fs.DeepCopy()) == nil, nil
	})
	m1 := memberClient(t, "member1")
	testkit.Eventually(t, "the secret in member1", func(ctx context.Context) (bool, error) {
		_, err := m1.CoreV1().Secrets(ns).Get(ctx, "token", metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
	setTypePropagation(t, "secrets", corev1beta1.PropagationDisabled, corev1beta1.ControllerStatusNotRunning)
	ftc := &corev1beta1.FederatedTypeConfig{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: "secrets"}}
	if err := hostClient.Delete(ctx, ftc); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the FederatedTypeConfig gone", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(ftc), &corev1beta1.FederatedTypeConfig{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	host := testkit.Clientset(t, shared.Host().RESTConfig())
	if err := host.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, "the namespace holding a FederatedSecret of the disabled type deleted", func(ctx context.Context) (bool, error) {
		_, err := host.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	t.Logf("the namespace holding a FederatedSecret of a disabled type was deleted in %s", time.Since(start).Round(time.Millisecond))
}
