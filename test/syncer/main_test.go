// Package syncer tests propagation end to end: a host and two members of a
// real local fleet, the members joined, and the syncer running in process.
package syncer

import (
	"context"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
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

// evictionPeriod is the period the suite's syncer counts the KubeFedConfig's
// clusterEvictionsPerMinute in (a minute in a deployed syncer; pkg/taints
// tests the minute): TestEvictionRateLimitOneClusterAPeriod waits it out.
const evictionPeriod = 20 * time.Second

// Types the tests federate.
var (
	namespaceTarget  = fixtures.Namespaces
	configMapTarget  = fixtures.ConfigMaps
	serviceTarget    = fixtures.Services
	deploymentTarget = fixtures.Deployments
)

// TestMain joins both members (with labels name and
// topology.kubernetes.io/region), enables the four types, turns on status
// collection of Deployments and runs the syncer in process. Members are
// probed every second, so that tests of an outage see a cluster turn
// NotReady within seconds (two failed probes) instead of 30 s; cluster
// evictions are counted per evictionPeriod instead of per minute.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Fleet: fleet.Options{Clusters: fleet.ClusterNames(2)},
		ControlPlane: &testkit.ControlPlaneOptions{
			FastHealth: true,
			Labels: func(m *fleet.Cluster) map[string]string {
				return map[string]string{"name": m.Name, "topology.kubernetes.io/region": "region-" + m.Name}
			},
			Types:                 []typesv1beta1.TargetType{namespaceTarget, configMapTarget, serviceTarget, deploymentTarget},
			Syncer:                testkit.InProcess,
			ClusterEvictionPeriod: evictionPeriod,
		},
		SetUp: func(ctx context.Context, env *testkit.Env) error {
			shared, hostClient, federation = env.Fleet, env.ControlPlane.Host, env.ControlPlane.Federation
			return collectStatus(ctx, deploymentTarget)
		},
	}))
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
