// Package webhook tests the admission webhook end to end: a real host
// kube-apiserver calls the real webhook server over TLS on 127.0.0.1, with
// the configurations the webhook package renders, registered by URL.
package webhook

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// shared is the fleet (a host only) every test of this package uses.
var shared *fleet.Fleet

// kubeFedNS is the control plane namespace of the tests.
const kubeFedNS = core.DefaultKubeFedSystemNamespace

// env is the host with CRDs, FederatedTypeConfigs and a running webhook.
type env struct {
	client client.Client
	// url is the webhook's base URL.
	url string
}

// hostEnv is the env every test uses.
var hostEnv *env

var (
	deployments = fixtures.Deployments
	namespaces  = fixtures.Namespaces
)

// TestMain installs the CRDs and enables deployments.apps and namespaces
// (FederatedTypeConfigs and federated CRDs), starts the webhook in this
// process with a generated serving certificate, registers its
// configurations by URL and waits until the API server calls it.
func TestMain(m *testing.M) {
	ctrl.SetLogger(textlogger.NewLogger(textlogger.NewConfig()))
	os.Exit(testkit.Main(m, testkit.Suite{
		Commands: []string{"webhook"},
		Fleet:    fleet.Options{Clusters: fleet.ClusterNames(0)},
		ControlPlane: &testkit.ControlPlaneOptions{
			Types:   []typesv1beta1.TargetType{deployments, namespaces},
			Webhook: testkit.InProcess,
		},
		SetUp: func(_ context.Context, e *testkit.Env) error {
			shared = e.Fleet
			runtimeScheme, err := scheme.New()
			if err != nil {
				return err
			}
			c, err := client.New(shared.Host().RESTConfig(), client.Options{Scheme: runtimeScheme})
			hostEnv = &env{client: c, url: e.ControlPlane.Webhook.URL}
			return err
		},
	}))
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

// runSyncer runs the syncer in this process until the test ends: policy
// status is the syncer's work. Only the tests that need it start it, since
// it adds its finalizer to every federated object while it runs (and the
// webhook adds it at admission while a type's status says a syncer runs
// it). When the syncer stops, the types' statuses say so again, so later
// tests' objects get no finalizer that nothing would remove.
func runSyncer(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := testkit.RunSyncer(ctx, shared.KubeconfigPath(), false)
	t.Cleanup(func() {
		cancel()
		<-done
		for _, target := range []typesv1beta1.TargetType{deployments, namespaces} {
			setPropagationController(t, target.APIResource().QualifiedName(), corev1beta1.ControllerStatusNotRunning)
		}
	})
}

// setPropagationController writes status.propagationController of a
// FederatedTypeConfig as a syncer would.
func setPropagationController(t *testing.T, name string, status corev1beta1.ControllerStatus) {
	t.Helper()
	ctx := context.Background()
	ftc := &corev1beta1.FederatedTypeConfig{}
	if err := hostEnv.client.Get(ctx, client.ObjectKey{Namespace: kubeFedNS, Name: name}, ftc); err != nil {
		t.Fatal(err)
	}
	ftc.Status.ObservedGeneration = ftc.Generation
	ftc.Status.PropagationController = status
	if err := hostEnv.client.Status().Update(ctx, ftc); err != nil {
		t.Fatalf("setting the propagation controller status of FederatedTypeConfig %s: %v", name, err)
	}
}
