// Package syncer tests propagation end to end: a host and two members of a
// real local fleet, the members joined, and the syncer running in process.
package syncer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	shared *fleet.Fleet
	// hostClient reads and writes federation objects on the host.
	hostClient client.Client
	// federation joins members and enables types.
	federation *testkit.Federation
)

const kubefedNamespace = core.DefaultKubeFedSystemNamespace

// Types the tests federate.
var (
	namespaceTarget  = typesv1beta1.TargetType{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: apiextensionsv1.ClusterScoped, ShortNames: []string{"ns"}}
	configMapTarget  = typesv1beta1.TargetType{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps", Scope: apiextensionsv1.NamespaceScoped, ShortNames: []string{"cm"}}
	serviceTarget    = typesv1beta1.TargetType{Version: "v1", Kind: "Service", PluralName: "services", Scope: apiextensionsv1.NamespaceScoped, ShortNames: []string{"svc"}}
	deploymentTarget = typesv1beta1.TargetType{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: apiextensionsv1.NamespaceScoped,
		ShortNames: []string{"deploy"}, Scalable: true}
	// federatedTargets are enabled on the host for every test.
	federatedTargets = []typesv1beta1.TargetType{namespaceTarget, configMapTarget, serviceTarget, deploymentTarget}
)

func TestMain(m *testing.M) {
	os.Exit(fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(2)}, &shared))
}

// setUp prepares the host once per test binary and starts the syncer; the
// syncer stops when the test binary's context ends.
var setUpOnce = func() func(t *testing.T) {
	var err error
	done := false
	return func(t *testing.T) {
		t.Helper()
		if !done {
			done = true
			err = prepare(context.Background())
		}
		if err != nil {
			t.Fatalf("setting up the federation: %v", err)
		}
	}
}()

func prepare(ctx context.Context) error {
	fed, err := testkit.NewFederation(ctx, shared, filepath.Join("..", "..", "manifests", "crds"))
	if err != nil {
		return err
	}
	hostClient, federation = fed.Host, fed
	// Probe members every second so that tests of an outage see a cluster
	// turn NotReady within seconds (two failed probes) instead of 30 s.
	period := &metav1.Duration{Duration: time.Second}
	if err := fed.Host.Create(ctx, &corev1beta1.KubeFedConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: core.KubeFedConfigName},
		Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped, ClusterHealthCheck: &corev1beta1.ClusterHealthCheckConfig{
			Period: period, Timeout: period, FailureThreshold: ptr(int64(2))}},
	}); err != nil {
		return err
	}
	for _, m := range shared.Members() {
		if err := fed.Join(ctx, m, map[string]string{"name": m.Name, "topology.kubernetes.io/region": "region-" + m.Name}); err != nil {
			return err
		}
	}
	for _, target := range federatedTargets {
		if err := fed.Enable(ctx, target); err != nil {
			return err
		}
	}
	if err := collectStatus(ctx, deploymentTarget); err != nil {
		return err
	}
	testkit.RunSyncer(context.Background(), shared.KubeconfigPath(), true)
	return nil
}

// collectStatus turns on member status collection for an enabled type, as
// `kubectl fed enable` does for workload types.
// The syncer writes the FederatedTypeConfig too (finalizer, status), so a
// conflict is retried with the newer version.
func collectStatus(ctx context.Context, target typesv1beta1.TargetType) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ftc := &corev1beta1.FederatedTypeConfig{}
		if err := hostClient.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: target.APIResource().QualifiedName()}, ftc); err != nil {
			return err
		}
		enabled := corev1beta1.StatusCollectionEnabled
		ftc.Spec.StatusCollection = &enabled
		return hostClient.Update(ctx, ftc)
	})
}

// memberClient returns a typed client for a member.
func memberClient(t *testing.T, name string) *kubernetes.Clientset {
	t.Helper()
	return testkit.Clientset(t, shared.Cluster(name).RESTConfig())
}

// since returns the time since start, for figures printed by tests.
func since(start time.Time) string { return time.Since(start).Round(time.Millisecond).String() }
