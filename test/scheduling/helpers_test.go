package scheduling

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

type object = map[string]any

// kind is a federated workload kind and its member resource.
type kind struct {
	federated v1alpha1.TargetKind
	member    schema.GroupVersionResource
}

var (
	deployments = kind{v1alpha1.TargetKindFederatedDeployment, schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}}
	replicaSets = kind{v1alpha1.TargetKindFederatedReplicaSet, schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}}
)

// newNamespace creates a host namespace federated to every member.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "sched-")
	create(t, federated("FederatedNamespace", ns, ns, object{"placement": object{"clusterSelector": object{}}}))
	return ns
}

func federated(kind, namespace, name string, spec object) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: object{"spec": spec}}
	obj.SetAPIVersion("types.kubefed.io/v1beta1")
	obj.SetKind(kind)
	obj.SetNamespace(namespace)
	obj.SetName(name)
	return obj
}

// workload returns a federated Deployment or ReplicaSet of one replica
// with the given placement and overrides.
func workload(k kind, namespace, name string, placement object, overrides []any) *unstructured.Unstructured {
	labels := object{"app": name}
	template := object{
		"spec": object{
			"replicas": int64(1),
			"selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels},
				"spec": object{"containers": []any{object{"name": "app", "image": "registry.example/app:1"}}}},
		},
	}
	spec := object{"template": template, "placement": placement}
	if overrides != nil {
		spec["overrides"] = overrides
	}
	return federated(string(k.federated), namespace, name, spec)
}

func clusters(names ...string) object {
	list := []any{}
	for _, n := range names {
		list = append(list, object{"name": n})
	}
	return object{"clusters": list}
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := hostClient.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %s/%s: %v", obj.GetNamespace(), obj.GetName(), err)
	}
}

func newRSP(k kind, namespace, name string, spec v1alpha1.ReplicaSchedulingPreferenceSpec) *v1alpha1.ReplicaSchedulingPreference {
	spec.TargetKind = k.federated
	return &v1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Spec: spec}
}

// planOf reads the placement clusters and /spec/replicas overrides of a
// federated object, and its other overrides as JSON per cluster.
func planOf(ctx context.Context, k kind, namespace, name string) (placed map[string]int64, others map[string]string, err error) {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("types.kubefed.io/v1beta1")
	obj.SetKind(string(k.federated))
	if err := hostClient.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj); err != nil {
		return nil, nil, err
	}
	raw, _ := json.Marshal(obj.Object["spec"])
	spec := &typesv1beta1.FederatedSpec{}
	if err := json.Unmarshal(raw, spec); err != nil {
		return nil, nil, err
	}
	placed, others = map[string]int64{}, map[string]string{}
	if spec.Placement != nil {
		for _, c := range spec.Placement.Clusters {
			placed[c.Name] = -1 // placed without a replicas override
		}
	}
	for _, o := range spec.Overrides {
		for _, op := range o.ClusterOverrides {
			if op.Path != "/spec/replicas" {
				others[o.ClusterName] += fmt.Sprintf("%s=%s;", op.Path, op.Value.Raw)
				continue
			}
			var n int64
			if err := json.Unmarshal(op.Value.Raw, &n); err != nil {
				return nil, nil, err
			}
			if _, ok := placed[o.ClusterName]; !ok {
				return nil, nil, fmt.Errorf("cluster %s has a replicas override but no placement", o.ClusterName)
			}
			placed[o.ClusterName] = n
		}
	}
	return placed, others, nil
}

// waitPlan waits until the federated object is placed in exactly the
// clusters of want, each with its /spec/replicas override.
func waitPlan(t *testing.T, k kind, namespace, name string, want map[string]int64) {
	t.Helper()
	var last map[string]int64
	testkit.Eventually(t, fmt.Sprintf("%s %s/%s planned %v", k.federated, namespace, name, want), func(ctx context.Context) (bool, error) {
		placed, _, err := planOf(ctx, k, namespace, name)
		if err != nil {
			return false, err
		}
		last = placed
		if !maps.Equal(placed, want) {
			return false, fmt.Errorf("placed %v", last)
		}
		return true, nil
	})
}

// waitMemberReplicas waits until a member's workload asks for n replicas.
func waitMemberReplicas(t *testing.T, k kind, cluster, namespace, name string, n int64) {
	t.Helper()
	dyn := memberDynamic(t, cluster)
	testkit.Eventually(t, fmt.Sprintf("%s %s/%s with %d replicas in %s", k.member.Resource, namespace, name, n, cluster), func(ctx context.Context) (bool, error) {
		obj, err := dyn.Resource(k.member).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
		return check(got == n, "spec.replicas %d", got)
	})
}

func memberDynamic(t *testing.T, cluster string) dynamic.Interface {
	t.Helper()
	dyn, err := dynamic.NewForConfig(shared.Cluster(cluster).RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return dyn
}

// rspStatus reads an RSP's status.
func rspStatus(ctx context.Context, namespace, name string) (*v1alpha1.ReplicaSchedulingPreferenceStatus, error) {
	rsp := &v1alpha1.ReplicaSchedulingPreference{}
	if err := hostClient.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, rsp); err != nil {
		return nil, err
	}
	return &rsp.Status, nil
}

// podRunner plays scheduler and kubelet in a member for one namespace.
type podRunner struct {
	// room is how many pods the member runs (-1: unlimited).
	room atomic.Int64
	// hold leaves the pods beyond room Pending as they are, not yet looked
	// at by a scheduler, instead of marking them unschedulable.
	hold atomic.Bool
}

// holdBeyond runs at most n pods and leaves the others Pending, not yet
// scheduled.
func (r *podRunner) holdBeyond(n int64) {
	r.hold.Store(true)
	r.room.Store(n)
}

// release runs every pod.
func (r *podRunner) release() {
	r.room.Store(-1)
	r.hold.Store(false)
}

// runPods plays scheduler and kubelet in a member for one namespace, as a
// node with room for `room` pods (-1: unlimited): until the test ends, pods
// there are marked Running and Ready while there is room, and the others
// Pending with PodScheduled=False, reason Unschedulable, as kube-scheduler
// leaves pods that fit nowhere. The fleet has no nodes of its own.
func runPods(t *testing.T, cluster, namespace string, room int64) *podRunner {
	t.Helper()
	cs := testkit.Clientset(t, shared.Cluster(cluster).RESTConfig())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	r := &podRunner{}
	r.room.Store(room)
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{}); err == nil {
				place(ctx, cs.CoreV1().Pods(namespace), pods.Items, r.room.Load(), r.hold.Load())
			}
			select {
			case <-ctx.Done():
			case <-time.After(testkit.PollInterval):
			}
		}
	}()
	return r
}

// place runs pods while there is room and marks the rest unschedulable,
// or with hold leaves them as they are. A failed write (conflict, pod gone)
// is retried by the next poll.
func place(ctx context.Context, pods podStatusWriter, list []corev1.Pod, room int64, hold bool) {
	var running int64
	for _, pod := range list {
		if pod.Status.Phase == corev1.PodRunning && pod.DeletionTimestamp == nil {
			running++
		}
	}
	now := metav1.Now()
	for i := range list {
		pod := &list[i]
		if pod.Status.Phase == corev1.PodRunning || pod.DeletionTimestamp != nil {
			continue
		}
		if room >= 0 && running >= room {
			if hold || unschedulable(pod) {
				continue
			}
			pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonUnschedulable, Message: "0/1 nodes are available: 1 Too many pods.", LastTransitionTime: now}}
			_, _ = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
			continue
		}
		running++
		pod.Status.Phase = corev1.PodRunning
		pod.Status.StartTime = &now
		pod.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		_, _ = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	}
}

func unschedulable(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

type podStatusWriter interface {
	UpdateStatus(ctx context.Context, pod *corev1.Pod, opts metav1.UpdateOptions) (*corev1.Pod, error)
}

// waitReady waits until a member workload reports n ready replicas.
func waitReady(t *testing.T, k kind, cluster, namespace, name string, n int64) {
	t.Helper()
	dyn := memberDynamic(t, cluster)
	testkit.Eventually(t, fmt.Sprintf("%d ready replicas of %s/%s in %s", n, namespace, name, cluster), func(ctx context.Context) (bool, error) {
		obj, err := dyn.Resource(k.member).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got, _, _ := unstructured.NestedInt64(obj.Object, "status", "readyReplicas")
		return check(got == n, "readyReplicas %d", got)
	})
}

// waitSettled waits until a member workload asks for n replicas and
// reports n ready for its latest spec.
func waitSettled(t *testing.T, k kind, cluster, namespace, name string, n int64) {
	t.Helper()
	dyn := memberDynamic(t, cluster)
	testkit.Eventually(t, fmt.Sprintf("%s/%s in %s settled at %d ready replicas", namespace, name, cluster, n), func(ctx context.Context) (bool, error) {
		obj, err := dyn.Resource(k.member).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		replicas, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
		ready, _, _ := unstructured.NestedInt64(obj.Object, "status", "readyReplicas")
		observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
		return check(replicas == n && ready == n && observed >= obj.GetGeneration(),
			"spec.replicas %d, readyReplicas %d, observedGeneration %d of %d", replicas, ready, observed, obj.GetGeneration())
	})
}

func sortedKeys(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }

// check is a poll result: done when ok, otherwise the error says what was seen.
func check(ok bool, format string, args ...any) (bool, error) {
	if ok {
		return true, nil
	}
	return false, fmt.Errorf(format, args...)
}
