// Package scheduling tests replica scheduling end to end: a host and two
// members of a real local fleet, the syncer running in process with its
// ReplicaSchedulingPreference controller, and `kubectl fed plan` run by
// the real kubectl dispatching to the real kubectl-fed binary.
package scheduling

import (
	"context"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

const kubefedNamespace = core.DefaultKubeFedSystemNamespace

// unavailableDelay is the KubeFedConfig's controllerDuration.unavailableDelay
// in this suite: how long a member may be NotReady before its replicas move.
const unavailableDelay = 3 * time.Second

// unschedulableWindow is the syncer's --unschedulable-window in this suite
// (default 60 s): TestCapacity waits it out.
const unschedulableWindow = 10 * time.Second

// replanEvery is how often this suite's syncer plans each RSP again
// without any event (10 s by default): sooner, plans see the replicas that
// became ready (TestPlanLive's CURRENT column, a move's replicas ready).
const replanEvery = 2 * time.Second

var (
	shared     *fleet.Fleet
	hostClient client.Client
)

var (
	namespaceTarget  = fixtures.Namespaces
	deploymentTarget = fixtures.Deployments
	replicaSetTarget = fixtures.ReplicaSets
	// configMapTarget is enabled for the dependencies of workloads (no
	// test here federates ConfigMaps).
	configMapTarget = fixtures.ConfigMaps
)

// TestMain builds kubectl-fed, joins the members (labelled with their
// names), enables the types (ConfigMaps for workloads' dependencies) and
// runs the syncer in process, writing PlacementDecisions (the inventory
// CRDs are installed). Members are probed every second; two failures make
// one NotReady. RSPs are planned again every replanEvery.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Commands: []string{"kubectl-fed"},
		Fleet:    fleet.Options{Clusters: fleet.ClusterNames(2)},
		ControlPlane: &testkit.ControlPlaneOptions{
			FastHealth: true,
			Config: func(spec *corev1beta1.KubeFedConfigSpec) {
				spec.ControllerDuration = &corev1beta1.DurationConfig{UnavailableDelay: &metav1.Duration{Duration: unavailableDelay}}
				spec.Inventory = &corev1beta1.InventoryConfig{PlacementDecisions: true}
			},
			Labels:                  func(m *fleet.Cluster) map[string]string { return map[string]string{"name": m.Name} },
			Types:                   []typesv1beta1.TargetType{namespaceTarget, deploymentTarget, replicaSetTarget, configMapTarget},
			Syncer:                  testkit.InProcess,
			UnschedulableWindow:     unschedulableWindow,
			ReplicaSchedulingResync: replanEvery,
		},
		SetUp: func(ctx context.Context, env *testkit.Env) error {
			shared, hostClient = env.Fleet, env.ControlPlane.Host
			return installInventoryCRDs(ctx)
		},
	}))
}
