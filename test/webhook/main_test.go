// Package webhook tests the admission webhook end to end: a real host
// kube-apiserver calls the real webhook server over TLS on 127.0.0.1, with
// the configurations the webhook package renders, registered by URL.
package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// shared is the fleet (a host only) every test of this package uses.
var shared *fleet.Fleet

func TestMain(m *testing.M) {
	os.Exit(fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(0)}, &shared))
}

// kubeFedNS is the control plane namespace of the tests.
const kubeFedNS = core.DefaultKubeFedSystemNamespace

// env is the host with CRDs, FederatedTypeConfigs and a running webhook.
type env struct {
	client client.Client
	// url is the webhook's base URL.
	url string
}

var (
	setupOnce sync.Once
	shEnv     *env
	setupErr  error
)

// setup installs the CRDs (core, scheduling, policy, FederatedDeployment,
// FederatedNamespace) and the FederatedTypeConfigs of deployments.apps and
// namespaces, starts the webhook in this process with a generated serving
// certificate, registers its configurations by URL and waits until the
// API server calls it.
func setup(t *testing.T) *env {
	t.Helper()
	setupOnce.Do(func() { shEnv, setupErr = start() })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return shEnv
}

var deployments = typesv1beta1.TargetType{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: corev1beta1.NamespaceScoped, ShortNames: []string{"deploy"}, Scalable: true}

var namespaces = typesv1beta1.TargetType{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: corev1beta1.ClusterScoped, ShortNames: []string{"ns"}}

func start() (*env, error) {
	ctrl.SetLogger(textlogger.NewLogger(textlogger.NewConfig()))
	ctx := context.Background()
	cfg := shared.Host().RESTConfig()
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return nil, err
	}
	crds, err := testkit.LoadCRDs(filepath.Join(root, "manifests", "crds"))
	if err != nil {
		return nil, err
	}
	crds = append(crds, typesv1beta1.FederatedCRD(deployments, typesv1beta1.DefaultFederatedGroup, typesv1beta1.DefaultFederatedVersion),
		typesv1beta1.FederatedCRD(namespaces, typesv1beta1.DefaultFederatedGroup, typesv1beta1.DefaultFederatedVersion))
	if err := testkit.InstallCRDs(ctx, cfg, crds...); err != nil {
		return nil, err
	}
	scheme, err := webhook.NewScheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: kubeFedNS}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	for _, target := range []typesv1beta1.TargetType{deployments, namespaces} {
		ftc := &corev1beta1.FederatedTypeConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: target.APIResource().QualifiedName()},
			Spec: corev1beta1.FederatedTypeConfigSpec{
				TargetType:    target.APIResource(),
				FederatedType: typesv1beta1.FederatedAPIResource(target, typesv1beta1.DefaultFederatedGroup, typesv1beta1.DefaultFederatedVersion),
				Propagation:   corev1beta1.PropagationEnabled,
			},
		}
		if err := c.Create(ctx, ftc); err != nil {
			return nil, fmt.Errorf("creating FederatedTypeConfig %s: %w", ftc.Name, err)
		}
	}

	dir, err := os.MkdirTemp("", "webhook-certs-")
	if err != nil {
		return nil, err
	}
	ca, err := webhook.GenerateServingCert(dir, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	opts := webhook.DefaultOptions()
	opts.Host, opts.SecurePort, opts.CertDir = "127.0.0.1", port, dir
	opts.PolicyStatusInterval = time.Second
	go func() {
		if err := webhook.Run(ctx, cfg, opts); err != nil {
			fmt.Fprintln(os.Stderr, "webhook:", err)
		}
	}()
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := waitReady(ctx, url, ca); err != nil {
		return nil, err
	}
	v, m := webhook.Configurations(webhook.ConfigOptions{URL: url, CABundle: ca})
	if err := c.Create(ctx, v); err != nil {
		return nil, err
	}
	if err := c.Create(ctx, m); err != nil {
		return nil, err
	}
	// The API server picks configurations up asynchronously: wait until an
	// object only the webhook rejects is rejected.
	probe := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "probe"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "tcp://example.com", SecretRef: corev1beta1.LocalSecretReference{Name: "s"}}}
	err = testkit.Poll(ctx, testkit.WaitTimeout, func(ctx context.Context) (bool, error) {
		err := c.Create(ctx, probe.DeepCopy())
		if err == nil {
			return false, c.Delete(ctx, probe.DeepCopy())
		}
		return rejectedWith(err, "denied the request")
	})
	if err != nil {
		return nil, fmt.Errorf("waiting for the API server to call the webhook: %w", err)
	}
	return &env{client: c, url: url}, nil
}

// waitReady polls the webhook's /readyz over TLS.
func waitReady(ctx context.Context, url string, ca []byte) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	return testkit.Poll(ctx, testkit.WaitTimeout, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		if err != nil {
			return false, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("/readyz: %s", resp.Status)
		}
		return true, nil
	})
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// rejectedWith is a poll condition: done when err contains fragment,
// otherwise not done with err as the reason.
func rejectedWith(err error, fragment string) (bool, error) {
	if err != nil && strings.Contains(err.Error(), fragment) {
		return true, nil
	}
	return false, err
}

// expectRejected fails unless err is an admission rejection (403
// Forbidden) whose message contains every fragment.
func expectRejected(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("admitted, want a rejection containing %q", fragments)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) {
		t.Fatalf("want 403 Forbidden (or 422 from the schema), got %v", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("rejection %q does not contain %q", err.Error(), f)
		}
	}
}

// expectDeniedByWebhook is expectRejected for rules only the webhook
// enforces: the rejection must come from it.
func expectDeniedByWebhook(t *testing.T, err error, fragments ...string) {
	t.Helper()
	expectRejected(t, err, append([]string{"denied the request"}, fragments...)...)
	if !apierrors.IsForbidden(err) {
		t.Fatalf("want 403 Forbidden, got %v", err)
	}
}

// labeledNamespace creates a namespace for one test (deleted at its end)
// and gives it labels.
func labeledNamespace(t *testing.T, c client.Client, prefix string, labels map[string]string) string {
	t.Helper()
	name := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), prefix+"-")
	if len(labels) > 0 {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		patch := client.MergeFrom(ns.DeepCopy())
		ns.Labels = labels
		if err := c.Patch(context.Background(), ns, patch); err != nil {
			t.Fatal(err)
		}
	}
	return name
}
