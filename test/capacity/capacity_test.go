// Package capacity tests replica scheduling against real scheduling: a
// fleet whose members have simulated nodes and a real kube-scheduler, one
// member with room for only two pods, and the syncer in process. Replicas
// that kube-scheduler cannot place stay Pending (PodScheduled=False,
// Unschedulable), and after the unschedulable window the syncer moves them
// to the member with room.
package capacity

import (
	"context"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/nodesim"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	shared *fleet.Fleet
	// host reads and writes the host's objects, federation kinds included.
	host client.Client
)

// unschedulableWindow is the syncer's --unschedulable-window in this suite
// (default 60 s).
const unschedulableWindow = 10 * time.Second

// replanEvery is how often this suite's syncer plans each RSP again
// without any event (10 s by default): sooner, the plan sees the replicas
// that became ready.
const replanEvery = 2 * time.Second

// moveTimeout bounds the wait for an unschedulable replica to run in the
// other member: the unschedulable window, the syncer's re-planning
// period, and time for the pods to start.
const moveTimeout = unschedulableWindow + 2*time.Minute

// TestMain joins both members, enables namespaces and deployments and runs
// the syncer in process with a short unschedulable window and re-planning
// period.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Fleet: fleet.Options{
			Clusters: fleet.ClusterNames(2),
			Nodes:    1,
			ClusterNodes: map[string]fleet.NodePool{
				fleet.HostName: {Count: 0},
				"member1":      {Count: 1, Capacity: nodesim.Capacity{Pods: 2}},
			},
		},
		ControlPlane: &testkit.ControlPlaneOptions{
			Types:                   []typesv1beta1.TargetType{fixtures.Namespaces, fixtures.Deployments},
			Syncer:                  testkit.InProcess,
			UnschedulableWindow:     unschedulableWindow,
			ReplicaSchedulingResync: replanEvery,
		},
		SetUp: func(_ context.Context, env *testkit.Env) error {
			shared, host = env.Fleet, env.ControlPlane.Host
			return nil
		},
	}))
}

type object = map[string]interface{}

func TestUnschedulableReplicasMoveToTheMemberWithRoom(t *testing.T) {
	ctx := context.Background()
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "capacity-")
	federated := func(kind string, spec object) *unstructured.Unstructured {
		obj := &unstructured.Unstructured{Object: object{"spec": spec}}
		obj.SetAPIVersion("types.kubefed.io/v1beta1")
		obj.SetKind(kind)
		obj.SetNamespace(ns)
		obj.SetName(map[string]string{"FederatedNamespace": ns, "FederatedDeployment": "web"}[kind])
		return obj
	}
	labels := object{"app": "web"}
	for _, obj := range []client.Object{
		federated("FederatedNamespace", object{"placement": object{"clusterSelector": object{}}}),
		federated("FederatedDeployment", object{
			"template": object{"spec": object{"replicas": int64(1), "selector": object{"matchLabels": labels},
				"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{object{"name": "web", "image": "web:1"}}}}}},
			"placement": object{"clusterSelector": object{}},
		}),
		&schedulingv1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: schedulingv1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: schedulingv1alpha1.TargetKindFederatedDeployment, TotalReplicas: 6}},
	} {
		testkit.Eventually(t, "creating "+obj.GetObjectKind().GroupVersionKind().Kind, func(ctx context.Context) (bool, error) {
			return host.Create(ctx, obj) == nil, nil
		})
	}

	// Equal weights give each member 3; member1's single node takes 2 pods,
	// so kube-scheduler leaves the third Pending. Only after the
	// unschedulable window the replica moves: 2 run in member1, 4 in member2,
	// all ready.
	readyIn := func(cluster string, want int32) func(ctx context.Context) (bool, error) {
		c := testkit.Clientset(t, shared.Cluster(cluster).RESTConfig())
		return func(ctx context.Context) (bool, error) {
			d, err := c.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, client.IgnoreNotFound(err)
			}
			return *d.Spec.Replicas == want && d.Status.ReadyReplicas == want && d.Status.Replicas == want, nil
		}
	}
	member1 := testkit.Clientset(t, shared.Cluster("member1").RESTConfig())
	after, err := testkit.WaitMovedAfterWindow(ctx, member1, ns, "app=web", unschedulableWindow, moveTimeout, readyIn("member2", 4))
	if err != nil {
		t.Fatalf("waiting for 4 ready replicas in member2: %v", err)
	}
	testkit.Eventually(t, "2 ready replicas in member1", readyIn("member1", 2))
	t.Logf("the unschedulable replica ran in member2 %s after kube-scheduler left it Pending (window %s)", after.Round(time.Second), unschedulableWindow)

	testkit.Eventually(t, "the RSP status plans 2 for member1", func(ctx context.Context) (bool, error) {
		rsp := &schedulingv1alpha1.ReplicaSchedulingPreference{}
		if err := host.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, rsp); err != nil {
			return false, err
		}
		for _, c := range rsp.Status.Clusters {
			if c.Name == "member1" {
				return c.Replicas == 2, nil
			}
		}
		return false, nil
	})
}
