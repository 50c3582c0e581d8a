package scheduling

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestReferenceCases runs the reference's e2e scheduling cases (§3.5) for
// both kinds on the two members.
func TestReferenceCases(t *testing.T) {
	cases := []struct {
		name string
		spec v1alpha1.ReplicaSchedulingPreferenceSpec
		want map[string]int64
	}{
		{"no preferences", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 4}, map[string]int64{"member1": 2, "member2": 2}},
		{"weights 2:1", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 6, Clusters: map[string]v1alpha1.ClusterPreferences{
			"member1": {Weight: 2}, "member2": {Weight: 1}}}, map[string]int64{"member1": 4, "member2": 2}},
		{"weights 2:1 with min 3/3", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 6, Clusters: map[string]v1alpha1.ClusterPreferences{
			"member1": {Weight: 2, MinReplicas: 3}, "member2": {Weight: 1, MinReplicas: 3}}}, map[string]int64{"member1": 3, "member2": 3}},
	}
	for _, k := range []kind{deployments, replicaSets} {
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%s/%s", k.federated, tc.name), func(t *testing.T) {
				ns := newNamespace(t)
				name := fmt.Sprintf("web-%d", i)
				create(t, workload(k, ns, name, clusters("member1", "member2"), nil))
				create(t, newRSP(k, ns, name, tc.spec))
				waitPlan(t, k, ns, name, tc.want)
				for cluster, n := range tc.want {
					waitMemberReplicas(t, k, cluster, ns, name, n)
				}
				testkit.Eventually(t, "the RSP status", func(ctx context.Context) (bool, error) {
					status, err := rspStatus(ctx, ns, name)
					if err != nil {
						return false, err
					}
					got := map[string]int64{}
					for _, c := range status.Clusters {
						got[c.Name] = c.Replicas
					}
					cond := meta(status.Conditions)
					ok := fmt.Sprint(got) == fmt.Sprint(tc.want) && cond != nil && cond.Status == metav1.ConditionTrue && cond.Reason == v1alpha1.ReasonAllPlaced
					return check(ok, "status %+v", status)
				})
			})
		}
	}
}

// TestIntersectWithClusterSelector: only member1 is labelled foo=bar, the
// object selects foo=bar, the namespace selects every cluster; the RSP
// (weights 2:1, min 3/3, total 6) gives member1 all 6.
func TestIntersectWithClusterSelector(t *testing.T) {
	label(t, "member1", "foo", "bar")
	t.Cleanup(func() { label(t, "member1", "foo", "") })
	for _, k := range []kind{deployments, replicaSets} {
		t.Run(string(k.federated), func(t *testing.T) {
			ns := newNamespace(t)
			create(t, workload(k, ns, "web", object{"clusterSelector": object{"matchLabels": object{"foo": "bar"}}}, nil))
			create(t, newRSP(k, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 6, IntersectWithClusterSelector: true,
				Clusters: map[string]v1alpha1.ClusterPreferences{"member1": {Weight: 2, MinReplicas: 3}, "member2": {Weight: 1, MinReplicas: 3}}}))
			waitPlan(t, k, ns, "web", map[string]int64{"member1": 6})
			waitMemberReplicas(t, k, "member1", ns, "web", 6)
		})
	}
}

// TestOtherOverridesSurvive: the scheduler owns only /spec/replicas (it
// replaces the user's 9 for member2); the user's other overrides stay, also
// on a cluster that gets no replicas.
func TestOtherOverridesSurvive(t *testing.T) {
	ns := newNamespace(t)
	overrides := []any{
		object{"clusterName": "member1", "clusterOverrides": []any{object{"op": "add", "path": "/spec/minReadySeconds", "value": int64(5)}}},
		object{"clusterName": "member2", "clusterOverrides": []any{
			object{"path": "/spec/replicas", "value": int64(9)},
			object{"path": "/metadata/annotations", "value": object{"note": "kept"}}}},
	}
	create(t, workload(deployments, ns, "web", clusters("member1", "member2"), overrides))
	waitMemberReplicas(t, deployments, "member2", ns, "web", 9)
	// member2 has no preference but runs the workload: it keeps its
	// placement with 0 replicas (reference §3.5 step 6).
	create(t, newRSP(deployments, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 5,
		Clusters: map[string]v1alpha1.ClusterPreferences{"member1": {Weight: 1}}}))
	waitPlan(t, deployments, ns, "web", map[string]int64{"member1": 5, "member2": 0})
	waitMemberReplicas(t, deployments, "member2", ns, "web", 0)
	_, others, err := planOf(context.Background(), deployments, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"member1": `/spec/minReadySeconds=5;`, "member2": `/metadata/annotations={"note":"kept"};`}
	if fmt.Sprint(others) != fmt.Sprint(want) {
		t.Errorf("other overrides = %v, want %v", others, want)
	}
	dyn := memberDynamic(t, "member1")
	testkit.Eventually(t, "member1's own override and planned replicas", func(ctx context.Context) (bool, error) {
		obj, err := dyn.Resource(deployments.member).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		replicas, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
		minReady, _, _ := unstructured.NestedInt64(obj.Object, "spec", "minReadySeconds")
		return check(minReady == 5 && replicas == 5, "minReadySeconds %d replicas %d", minReady, replicas)
	})
}

// TestFailover stops member2's API server: its replicas move to member1
// within unavailableDelay plus a reconcile. When it comes back, rebalance
// false keeps the replicas in member1 (member2 placed with 0, or not at all
// if the syncer removed its stale workload first), rebalance true spreads
// them again. member2 still runs its 2 old pods when it comes back; with
// rebalance false, which cluster keeps what it runs first is the planner's
// hash order, so the object's name is chosen to put member1 first.
func TestFailover(t *testing.T) {
	for _, rebalance := range []bool{false, true} {
		t.Run(fmt.Sprintf("rebalance=%v", rebalance), func(t *testing.T) {
			ctx := context.Background()
			ns := newNamespace(t)
			runPods(t, "member1", ns, -1)
			runPods(t, "member2", ns, -1)
			name := orderedName(ns, "member1", "member2")
			create(t, workload(deployments, ns, name, clusters("member1", "member2"), nil))
			// Both members run the template's replica before the RSP plans:
			// with rebalance false, a first plan that saw only one of them
			// running would keep that asymmetry (member1 first: 3/1).
			waitSettled(t, deployments, "member1", ns, name, 1)
			waitSettled(t, deployments, "member2", ns, name, 1)
			rsp := newRSP(deployments, ns, name, v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 4, Rebalance: rebalance})
			create(t, rsp)
			waitPlan(t, deployments, ns, name, map[string]int64{"member1": 2, "member2": 2})
			waitReady(t, deployments, "member1", ns, name, 2)
			waitReady(t, deployments, "member2", ns, name, 2)

			member2 := shared.Cluster("member2")
			down := time.Now()
			member2.StopAPIServer()
			t.Cleanup(func() { _ = member2.StartAPIServer(context.Background()) })
			waitPlan(t, deployments, ns, name, map[string]int64{"member1": 4})
			planned := time.Since(down)
			waitReady(t, deployments, "member1", ns, name, 4)
			t.Logf("failover: member2 down -> plan moved its replicas in %s, 4 replicas ready in member1 after %s (unavailableDelay %s, health period 1 s x 2)",
				planned.Round(time.Millisecond), time.Since(down).Round(time.Millisecond), unavailableDelay)
			if limit := unavailableDelay + 15*time.Second; planned > limit {
				t.Errorf("replicas moved after %s, want within %s (2 failed probes + unavailableDelay + one reconcile)", planned, limit)
			}

			if err := member2.StartAPIServer(ctx); err != nil {
				t.Fatal(err)
			}
			if rebalance {
				want := map[string]int64{"member1": 2, "member2": 2}
				waitPlan(t, deployments, ns, name, want)
				for cluster, n := range want {
					waitMemberReplicas(t, deployments, cluster, ns, name, n)
				}
				return
			}
			waitClusterReady(t, "member2")
			reconciled(t, rsp, "absent")
			placed, _, err := planOf(ctx, deployments, ns, name)
			if err != nil {
				t.Fatal(err)
			}
			if n, ok := placed["member2"]; ok && n == 0 {
				delete(placed, "member2") // placed with 0, as good as not placed
			}
			if want := map[string]int64{"member1": 4}; !maps.Equal(placed, want) {
				t.Fatalf("planned after member2 came back: %v, want member1 4 and member2 0 or not placed", placed)
			}
			waitMemberReplicas(t, deployments, "member1", ns, name, 4)
		})
	}
}

// orderedName returns a name whose key namespace/name puts cluster first
// before second in the planner's tie order (FNV-1 of cluster name + key).
func orderedName(namespace, first, second string) string {
	order := func(cluster, key string) uint32 {
		h := fnv.New32()
		_, _ = h.Write([]byte(cluster + key))
		return h.Sum32()
	}
	for i := 0; ; i++ {
		name := fmt.Sprintf("web-%d", i)
		if key := namespace + "/" + name; order(first, key) < order(second, key) {
			return name
		}
	}
}

// waitClusterReady waits until a KubeFedCluster is Ready.
func waitClusterReady(t *testing.T, cluster string) {
	t.Helper()
	testkit.Eventually(t, cluster+" Ready", func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := hostClient.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: cluster}, kfc); err != nil {
			return false, err
		}
		return check(kfc.Status.IsReady(), "conditions %+v", kfc.Status.Conditions)
	})
}

// TestCapacity: member1 has room for 2 pods. Of its 3 planned replicas one
// stays unschedulable; only after the unschedulable window (this suite's
// unschedulableWindow) its capacity is 2 and the replica moves to member2
// (rebalance false). The move then must hold while
// it is under way: member1 runs its 2 and its unschedulable pod is gone, so
// nothing shows its capacity any more, and member2 runs only 3 of its 4.
// The test holds member2's new pod pending to keep that window open, makes
// the controller plan in it, and checks the plan stays 2/4 (it flapped back
// to 3/3 when the estimate was forgotten with the pod). Once member2 runs
// its 4, the estimate is dropped and the plan still holds, by what runs.
func TestCapacity(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	runPods(t, "member1", ns, 2)
	// member2 runs 3 pods; a 4th stays Pending until released.
	member2 := runPods(t, "member2", ns, -1)
	member2.holdBeyond(3)
	create(t, workload(deployments, ns, "web", clusters("member1", "member2"), nil))
	rsp := newRSP(deployments, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 6})
	create(t, rsp)
	waitPlan(t, deployments, ns, "web", map[string]int64{"member1": 3, "member2": 3})
	waitReady(t, deployments, "member1", ns, "web", 2)

	moved := map[string]int64{"member1": 2, "member2": 4}
	after, err := testkit.WaitMovedAfterWindow(ctx, testkit.Clientset(t, shared.Cluster("member1").RESTConfig()), ns, "app=web", unschedulableWindow, moveWait,
		func(ctx context.Context) (bool, error) {
			placed, _, err := planOf(ctx, deployments, ns, "web")
			if err != nil {
				return false, err
			}
			return check(maps.Equal(placed, moved), "placed %v", placed)
		})
	if err != nil {
		t.Fatalf("waiting for the unschedulable replica to move to member2: %v", err)
	}
	t.Logf("the unschedulable replica moved %s after its pod turned unschedulable (window %s)", after.Round(time.Second), unschedulableWindow)
	wantCapacity(t, ns, "web", "member1", 2)

	// member1 at 2 of 2 with its pending pod gone, member2 at 3 of 4.
	waitSettled(t, deployments, "member1", ns, "web", 2)
	waitMemberReplicas(t, deployments, "member2", ns, "web", 4)
	reconciled(t, rsp, "absent-1")
	if placed, _, err := planOf(ctx, deployments, ns, "web"); err != nil || !maps.Equal(placed, moved) {
		t.Fatalf("planned while the move was under way: placed %v (%v), want %v", placed, err, moved)
	}
	wantCapacity(t, ns, "web", "member1", 2)

	member2.release()
	waitSettled(t, deployments, "member2", ns, "web", 4)
	reconciled(t, rsp, "absent-2")
	if placed, _, err := planOf(ctx, deployments, ns, "web"); err != nil || !maps.Equal(placed, moved) {
		t.Fatalf("planned once the move was done: placed %v (%v), want %v", placed, err, moved)
	}
	wantCapacity(t, ns, "web", "member1", -1)
}

// moveWait bounds the wait for a replica to leave a full
// cluster: the window plus a generous margin for resyncs.
const moveWait = unschedulableWindow + time.Minute

// reconciled changes the RSP without changing its plan (a preference for a
// cluster that does not exist) and waits until the controller has planned
// that generation.
func reconciled(t *testing.T, rsp *v1alpha1.ReplicaSchedulingPreference, absent string) {
	t.Helper()
	generation := touch(t, rsp, absent)
	testkit.Eventually(t, "the RSP planned after a change", func(ctx context.Context) (bool, error) {
		status, err := rspStatus(ctx, rsp.Namespace, rsp.Name)
		if err != nil {
			return false, err
		}
		return check(status.ObservedGeneration >= generation, "observedGeneration %d, want %d", status.ObservedGeneration, generation)
	})
}

// wantCapacity checks the capacity an RSP's status gives a cluster (-1:
// none) and, with one, that capacity decided its replicas.
func wantCapacity(t *testing.T, namespace, name, cluster string, want int64) {
	t.Helper()
	status, err := rspStatus(context.Background(), namespace, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range status.Clusters {
		if c.Name != cluster {
			continue
		}
		got := int64(-1)
		if c.Capacity != nil {
			got = *c.Capacity
		}
		if got != want || (want >= 0 && c.Reason != string(scheduling.ReasonCapacity)) {
			t.Errorf("status of %s: capacity %d reason %q, want capacity %d", cluster, got, c.Reason, want)
		}
		return
	}
	t.Errorf("status %+v has no entry for %s", status.Clusters, cluster)
}

// TestNoWriteWhenUnchanged: once planned, the federated object's spec is
// not written again while the plan stays the same (its generation stays
// across reconciles of the RSP).
func TestNoWriteWhenUnchanged(t *testing.T) {
	ns := newNamespace(t)
	create(t, workload(deployments, ns, "web", clusters("member1", "member2"), nil))
	rsp := newRSP(deployments, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 4})
	create(t, rsp)
	waitPlan(t, deployments, ns, "web", map[string]int64{"member1": 2, "member2": 2})
	generation := func() int64 {
		obj := &unstructured.Unstructured{}
		obj.SetAPIVersion("types.kubefed.io/v1beta1")
		obj.SetKind(string(deployments.federated))
		if err := hostClient.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, obj); err != nil {
			t.Fatal(err)
		}
		return obj.GetGeneration()
	}
	before := generation()
	for i := range 3 {
		// A preference for a cluster that does not exist changes the RSP
		// but not the plan.
		updated := touch(t, rsp, fmt.Sprintf("absent-%d", i))
		testkit.Eventually(t, "the RSP reconciled after a change", func(ctx context.Context) (bool, error) {
			status, err := rspStatus(ctx, ns, "web")
			if err != nil {
				return false, err
			}
			return status.ObservedGeneration >= updated, nil
		})
	}
	if after := generation(); after != before {
		t.Errorf("the FederatedDeployment's spec was written (generation %d -> %d) although its plan did not change", before, after)
	}
}

// touch adds a preference for a cluster and returns the RSP's new generation.
func touch(t *testing.T, rsp *v1alpha1.ReplicaSchedulingPreference, cluster string) int64 {
	t.Helper()
	var generation int64
	testkit.Eventually(t, "updating the RSP", func(ctx context.Context) (bool, error) {
		live := &v1alpha1.ReplicaSchedulingPreference{}
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(rsp), live); err != nil {
			return false, err
		}
		if live.Spec.Clusters == nil {
			live.Spec.Clusters = map[string]v1alpha1.ClusterPreferences{"*": {Weight: 1}}
		}
		live.Spec.Clusters[cluster] = v1alpha1.ClusterPreferences{Weight: 1}
		if err := hostClient.Update(ctx, live); err != nil {
			return false, err
		}
		generation = live.Generation
		return true, nil
	})
	return generation
}

// label sets (or, with value "", removes) a label on a KubeFedCluster.
func label(t *testing.T, cluster, key, value string) {
	t.Helper()
	testkit.Eventually(t, "labelling "+cluster, func(ctx context.Context) (bool, error) {
		kfc := &unstructured.Unstructured{}
		kfc.SetAPIVersion("core.kubefed.io/v1beta1")
		kfc.SetKind("KubeFedCluster")
		if err := hostClient.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: cluster}, kfc); err != nil {
			return false, err
		}
		labels := kfc.GetLabels()
		if value == "" {
			delete(labels, key)
		} else {
			if labels == nil {
				labels = map[string]string{}
			}
			labels[key] = value
		}
		kfc.SetLabels(labels)
		return true, hostClient.Update(ctx, kfc)
	})
}

func meta(conditions []metav1.Condition) *metav1.Condition {
	for i := range conditions {
		if conditions[i].Type == v1alpha1.ScheduledCondition {
			return &conditions[i]
		}
	}
	return nil
}
