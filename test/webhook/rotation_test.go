package webhook

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestCertRotation runs a second webhook with --cert-rotation for a
// namespaced control plane in its own namespace. Its configurations are
// registered by URL without a caBundle, so the API server cannot call it
// until the webhook has generated its CA, stored it in a Secret, written
// the serving files and patched the caBundle; then writes in that
// namespace are admitted through it.
func TestCertRotation(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "rotation", nil)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	v, m := webhook.Configurations(webhook.ConfigOptions{URL: fmt.Sprintf("https://127.0.0.1:%d", port), Namespace: ns})
	// Only namespaced kinds: cluster-scoped ones ignore namespaceSelector.
	v.Webhooks = slices.DeleteFunc(v.Webhooks, func(w admissionregistrationv1.ValidatingWebhook) bool {
		return w.Name == "clusterfederationpolicies.policy.kubefed.io"
	})
	for _, obj := range []client.Object{v, m} {
		if err := e.client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.client.Delete(context.Background(), obj) })
	}
	cluster := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "member"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://member.example.com", SecretRef: corev1beta1.LocalSecretReference{Name: "member"}}}
	testkit.Eventually(t, "the API server to refuse writes while the webhook has no trusted certificate", func(ctx context.Context) (bool, error) {
		return rejectedWith(e.client.Create(ctx, cluster.DeepCopy()), "failed calling webhook")
	})

	certDir := filepath.Join(t.TempDir(), "certs")
	opts := webhook.DefaultOptions()
	opts.Host, opts.SecurePort, opts.CertDir, opts.KubeFedNamespace = "127.0.0.1", port, certDir, ns
	opts.Namespaced, opts.CertRotation, opts.CertHosts = true, true, []string{"127.0.0.1"}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- webhook.Run(runCtx, shared.Host().RESTConfig(), opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("webhook: %v", err)
		}
	})

	testkit.Eventually(t, "the rotated CA to be patched in and trusted", func(ctx context.Context) (bool, error) {
		if err := e.client.Create(ctx, cluster.DeepCopy()); err != nil {
			return false, err
		}
		return true, nil
	})
	secret := &corev1.Secret{}
	if err := e.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: opts.CertSecretName}, secret); err != nil {
		t.Fatal(err)
	}
	got := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := e.client.Get(ctx, client.ObjectKeyFromObject(v), got); err != nil {
		t.Fatal(err)
	}
	for _, w := range got.Webhooks {
		if !bytes.Equal(w.ClientConfig.CABundle, secret.Data[webhook.CAFile]) {
			t.Errorf("webhook %s: caBundle is not the CA in Secret %s", w.Name, opts.CertSecretName)
		}
	}
	onDisk, err := os.ReadFile(filepath.Join(certDir, webhook.CertFile))
	if err != nil || !bytes.Equal(onDisk, secret.Data[webhook.CertFile]) {
		t.Fatalf("%s in the cert dir is not the one in the Secret: %v", webhook.CertFile, err)
	}
	bad := cluster.DeepCopy()
	bad.Name = "bad"
	bad.Spec.APIEndpoint = "tcp://member.example.com"
	expectDeniedByWebhook(t, e.client.Create(ctx, bad), `spec.apiEndpoint: Unsupported value: "tcp"`)
}
