package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/nodesim"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// heartbeat is how often TestLiveFleet's simulated nodes renew their
// Leases and Ready conditions (nodesim.DefaultHeartbeat, 10 s, elsewhere):
// shorter, so that the window below, which waits out the grace period,
// costs less of make test.
const heartbeat = 5 * time.Second

// nodeMonitorGrace is kube-controller-manager's node monitor grace period
// in TestLiveFleet's fleet (fleet.DefaultNodeMonitorGracePeriod, 50 s,
// elsewhere): after it, a node without heartbeats is marked NotReady. Three
// heartbeats of the simulator: a heartbeat missed while the host's API
// server restarts still leaves one to spare.
const nodeMonitorGrace = 3 * heartbeat

// nodeMonitorWindow is how long simulated nodes are watched for staying
// Ready: longer than the node monitor grace period, plus a heartbeat.
const nodeMonitorWindow = nodeMonitorGrace + heartbeat

// TestLiveFleet runs one real fleet through the checks that need real
// processes: a host with two default simulated nodes and a member with one
// node that has room for only 2 pods. At the end it stops the fleet and
// checks that no process is left.
func TestLiveFleet(t *testing.T) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()
	f, err := fleet.Start(ctx, fleet.Options{
		Clusters:     fleet.ClusterNames(1),
		Nodes:        2,
		ClusterNodes: map[string]fleet.NodePool{"member1": {Count: 1, Capacity: nodesim.Capacity{Pods: 2}}},
		// The window below waits out the grace period: shorter than the
		// default, it costs less of make test.
		NodeMonitorGracePeriod: nodeMonitorGrace,
		NodeHeartbeat:          heartbeat,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	t.Logf("host + 1 member with simulated nodes ready in %.1fs, %d MiB resident", time.Since(started).Seconds(), f.ResidentBytes()>>20)
	host := testkit.Clientset(t, f.Host().RESTConfig())
	member := testkit.Clientset(t, f.Cluster("member1").RESTConfig())

	t.Run("NodesAreRegisteredWithTheirCapacity", func(t *testing.T) {
		assertNodes(ctx, t, host, f.Host().NodeNames(), []string{"host-node1", "host-node2"}, 20)
		assertNodes(ctx, t, member, f.Cluster("member1").NodeNames(), []string{"member1-node1"}, 2)
	})

	var web *appsv1.Deployment
	ns := testkit.CreateNamespace(t, host, "nodes-") // outlives the subtest: the restart scales web up
	t.Run("DeploymentReachesReadyReplicas", func(t *testing.T) {
		web = createDeployment(ctx, t, host, ns, "web", 3, nil)
		waitReadyReplicas(t, host, web, 3)
		pods := listPods(ctx, t, host, ns)
		for _, p := range pods {
			if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" || p.Status.HostIP == "" ||
				len(p.Status.ContainerStatuses) != 1 || !p.Status.ContainerStatuses[0].Ready ||
				!slices.Contains(f.Host().NodeNames(), p.Spec.NodeName) {
				t.Errorf("pod %s: phase %s, node %q, podIP %q, hostIP %q, containers %+v",
					p.Name, p.Status.Phase, p.Spec.NodeName, p.Status.PodIP, p.Status.HostIP, p.Status.ContainerStatuses)
			}
		}

		// A deleted pod has no kubelet to stop it: the simulator finishes
		// its deletion long before the 30 s grace period.
		if len(pods) == 0 {
			t.Fatal("the Deployment is ready but has no pods")
		}
		victim := pods[0]
		deleted := time.Now()
		if err := host.CoreV1().Pods(ns).Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "the deleted pod to disappear", func(ctx context.Context) (bool, error) {
			_, err := host.CoreV1().Pods(ns).Get(ctx, victim.Name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if took := time.Since(deleted); took > 15*time.Second {
			t.Errorf("the deleted pod took %s to disappear; its 30 s grace period ran out instead of the simulator finishing it", took)
		}
		waitReadyReplicas(t, host, web, 3)
	})

	t.Run("PodThatDoesNotFitIsUnschedulable", func(t *testing.T) {
		ns := testkit.CreateNamespace(t, member, "nodes-")
		d := createDeployment(ctx, t, member, ns, "crowded", 3, nil)
		waitReadyReplicas(t, member, d, 2)
		big := createDeployment(ctx, t, member, ns, "big", 1, corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("64")})
		for _, name := range []string{d.Name, big.Name} {
			testkit.Eventually(t, "a pod of "+name+" to be unschedulable", func(ctx context.Context) (bool, error) {
				for _, p := range listPods(ctx, t, member, ns) {
					if strings.HasPrefix(p.Name, name+"-") && p.Status.Phase == corev1.PodPending && unschedulable(&p) {
						return true, nil
					}
				}
				return false, nil
			})
		}
		got, err := member.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.ReadyReplicas != 2 {
			t.Errorf("%s has %d ready replicas on a node with room for 2 pods", d.Name, got.Status.ReadyReplicas)
		}
	})

	t.Run("APIServerStopsAndRestartsWithItsState", func(t *testing.T) {
		testAPIServerRestart(ctx, t, f.Host())
		// The restarted controllers and the simulator, which reconnects,
		// run a scale-up.
		if web == nil {
			t.Fatal("needs the Deployment of DeploymentReachesReadyReplicas, which failed")
		}
		scaled, err := host.AppsV1().Deployments(web.Namespace).Get(ctx, web.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		scaled.Spec.Replicas = new(int32(4))
		if _, err := host.AppsV1().Deployments(web.Namespace).Update(ctx, scaled, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitReadyReplicas(t, host, web, 4)
	})

	t.Run("NodesStayReadyOverTheNodeMonitorWindow", func(t *testing.T) {
		clients := map[*fleet.Cluster]kubernetes.Interface{f.Host(): host, f.Cluster("member1"): member}
		deadline := started.Add(nodeMonitorWindow)
		for {
			for c, client := range clients {
				if err := nodesHealthy(ctx, client, c.NodeNames()); err != nil {
					t.Fatalf("cluster %s, %.0fs after start: %v", c.Name, time.Since(started).Seconds(), err)
				}
			}
			if time.Now().After(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			case <-time.After(2 * time.Second):
			}
		}
		for c, client := range clients {
			events, err := client.CoreV1().Events(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events.Items {
				if e.InvolvedObject.Kind == "Node" && e.Reason != "RegisteredNode" {
					t.Errorf("cluster %s: event %s on node %s: %s", c.Name, e.Reason, e.InvolvedObject.Name, e.Message)
				}
			}
		}
	})

	pids := f.PIDs()
	f.Stop()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still runs after Fleet.Stop", pid)
		}
	}
}

// BenchmarkPodsReadyOnSimulatedNodes measures how long a Deployment of 50
// replicas takes from creation to readyReplicas=50 on one cluster with 3
// simulated nodes: kube-controller-manager creates the pods,
// kube-scheduler binds them and the simulator reports them Running and
// Ready.
func BenchmarkPodsReadyOnSimulatedNodes(b *testing.B) {
	const replicas = 50
	unlock, err := fleet.LockForTests()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	ctx := context.Background()
	f := fleet.ForTest(b, fleet.Options{Clusters: fleet.ClusterNames(0), Nodes: 3})
	client := testkit.Clientset(b, f.Host().RESTConfig())
	var total time.Duration
	for b.Loop() {
		ns := testkit.CreateNamespace(b, client, "bench-")
		started := time.Now()
		waitReadyReplicas(b, client, createDeployment(ctx, b, client, ns, "web", replicas, nil), replicas)
		total += time.Since(started)
		// Free the nodes for the next round: the simulator finishes the
		// deletions, so the namespace goes away quickly.
		if err := client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			b.Fatal(err)
		}
		testkit.Eventually(b, "namespace "+ns+" to be deleted", func(ctx context.Context) (bool, error) {
			_, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/50-pods-ready")
	b.ReportMetric(float64(replicas*b.N)/total.Seconds(), "pods-ready/s")
}

func testAPIServerRestart(ctx context.Context, t *testing.T, c *fleet.Cluster) {
	client := testkit.Clientset(t, c.RESTConfig())
	before, err := client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "survives-restart"},
		Data:       map[string]string{"k": "v"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	server := c.Server
	if err := c.StartAPIServer(ctx); err == nil || !strings.Contains(err.Error(), "StopAPIServer first") {
		t.Errorf("StartAPIServer on a running API server: want an error naming StopAPIServer, got %v", err)
	}

	stopping := time.Now()
	c.StopAPIServer()
	t.Logf("API server stopped in %.1fs", time.Since(stopping).Seconds())
	_, err = client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Get(ctx, before.Name, metav1.GetOptions{})
	if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("a request to a stopped API server: want connection refused, got %v", err)
	}
	c.StopAPIServer() // a second stop does nothing

	starting := time.Now()
	if err := c.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("API server ready again %.1fs after StartAPIServer", time.Since(starting).Seconds())
	if c.Server != server {
		t.Errorf("Server changed from %s to %s", server, c.Server)
	}
	// A client made before the stop keeps working: same URL, same CA.
	after, err := client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Get(ctx, before.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.UID != before.UID || after.ResourceVersion != before.ResourceVersion || after.Data["k"] != "v" {
		t.Errorf("after the restart the ConfigMap is %s rv %s data %v, want %s rv %s data k=v",
			after.UID, after.ResourceVersion, after.Data, before.UID, before.ResourceVersion)
	}
}

// assertNodes checks the cluster's simulated nodes: their names, allocatable
// pods, readiness and leases.
func assertNodes(ctx context.Context, t *testing.T, client kubernetes.Interface, names, want []string, pods int64) {
	t.Helper()
	if !slices.Equal(names, want) {
		t.Errorf("NodeNames() = %v, want %v", names, want)
	}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: nodesim.NodeLabel + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != len(want) {
		t.Errorf("the cluster has %d simulated nodes, want %d", len(nodes.Items), len(want))
	}
	for _, n := range nodes.Items {
		if got := n.Status.Allocatable[corev1.ResourcePods]; got.Value() != pods {
			t.Errorf("node %s: allocatable pods %s, want %d", n.Name, got.String(), pods)
		}
	}
	if err := nodesHealthy(ctx, client, names); err != nil {
		t.Error(err)
	}
}

// nodesHealthy returns an error unless every named node is Ready, untainted
// and has a Lease renewed within the node monitor grace period (15 s; it
// was two default heartbeats, 20 s).
func nodesHealthy(ctx context.Context, client kubernetes.Interface, names []string) error {
	for _, name := range names {
		n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		ready := false
		for _, c := range n.Status.Conditions {
			ready = ready || c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
		}
		if !ready || len(n.Spec.Taints) > 0 {
			return fmt.Errorf("node %s: Ready=%v, taints %v", name, ready, n.Spec.Taints)
		}
		lease, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if age := time.Since(lease.Spec.RenewTime.Time); age > nodeMonitorGrace {
			return fmt.Errorf("node %s: lease last renewed %s ago", name, age.Round(time.Second))
		}
	}
	return nil
}

func createDeployment(ctx context.Context, t testing.TB, client kubernetes.Interface, ns, name string, replicas int32, requests corev1.ResourceList) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d, err := client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "nginx", Resources: corev1.ResourceRequirements{Requests: requests},
				}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func waitReadyReplicas(t testing.TB, client kubernetes.Interface, d *appsv1.Deployment, want int32) {
	t.Helper()
	testkit.Eventually(t, fmt.Sprintf("deployment %s/%s to have %d ready replicas", d.Namespace, d.Name, want), func(ctx context.Context) (bool, error) {
		current, err := client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if got := current.Status.ReadyReplicas; got != want {
			return false, fmt.Errorf("%d ready", got)
		}
		return true, nil
	})
}

func listPods(ctx context.Context, t testing.TB, client kubernetes.Interface, ns string) []corev1.Pod {
	t.Helper()
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// unschedulable reports whether kube-scheduler marked the pod
// PodScheduled=False, reason Unschedulable.
func unschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
		}
	}
	return false
}
