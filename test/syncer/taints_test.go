package syncer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// setTaints replaces a member's taints, as kubectl fed cordon and uncordon
// do.
func setTaints(t *testing.T, cluster string, list []corev1beta1.Taint) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := hostClient.Get(context.Background(), client.ObjectKey{Namespace: kubefedNamespace, Name: cluster}, kfc); err != nil {
			return err
		}
		kfc.Spec.Taints = list
		return hostClient.Update(context.Background(), kfc)
	})
	if err != nil {
		t.Fatalf("setting the taints of %s: %v", cluster, err)
	}
}

// TestCordonKeepsWhatIsThereAndPlacesNothingNew cordons member1 (a
// NoSchedule taint): an object placed before stays and is still updated,
// a new one goes only to member2 (member1 Tainted in its status), a
// toleration places it, and uncordon places the rest.
func TestCordonKeepsWhatIsThereAndPlacesNothingNew(t *testing.T) {
	ns := federatedNamespace(t)
	before := federated(federatedConfigMapKind, ns, "before", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, before)
	memberConfigMap(t, "member1", ns, "before", "placed before the cordon", hasData("a", "b"))

	t.Cleanup(func() { setTaints(t, "member1", nil) })
	setTaints(t, "member1", []corev1beta1.Taint{{Key: corev1beta1.TaintUnschedulable, Effect: corev1beta1.TaintNoSchedule}})
	cordonInEffect(t, ns, "member1")
	after := federated(federatedConfigMapKind, ns, "after", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, after)
	memberConfigMap(t, "member2", ns, "after", "placed in the cluster that is not cordoned", hasData("a", "b"))
	waitClusterStatus(t, after, "member1", "Tainted", corev1beta1.TaintUnschedulable+":NoSchedule")
	memberConfigMap(t, "member1", ns, "after", "not placed in the cordoned cluster", absent)

	mutate(t, before, func(o *unstructured.Unstructured) {
		o.Object["spec"].(object)["template"] = object{"data": object{"a": "c"}}
	})
	memberConfigMap(t, "member1", ns, "before", "kept and updated in the cordoned cluster", hasData("a", "c"))

	tolerant := federated(federatedConfigMapKind, ns, "tolerant", object{"template": object{"data": object{"a": "b"}},
		"placement": object{"clusterSelector": object{}, "tolerations": []interface{}{object{"key": corev1beta1.TaintUnschedulable, "operator": "Exists"}}}})
	create(t, tolerant)
	memberConfigMap(t, "member1", ns, "tolerant", "placed with a toleration", hasData("a", "b"))

	setTaints(t, "member1", nil)
	memberConfigMap(t, "member1", ns, "after", "placed once uncordoned", hasData("a", "b"))
}

// cordonInEffect waits until the syncer acts on a cluster's NoSchedule
// taint: a probe object placed on the cluster alone reports it Tainted. A
// probe the syncer placed before it saw the taint is held there (the taint
// keeps what is placed), so each try uses a new one.
func cordonInEffect(t *testing.T, ns, cluster string) {
	t.Helper()
	try := 0
	testkit.Eventually(t, "the taint of "+cluster+" in effect", func(ctx context.Context) (bool, error) {
		try++
		probe := federated(federatedConfigMapKind, ns, fmt.Sprintf("probe-%d", try), object{"placement": onClusters(cluster)})
		if err := hostClient.Create(ctx, probe); err != nil {
			return false, err
		}
		err := testkit.Poll(ctx, 5*time.Second, func(ctx context.Context) (bool, error) {
			live := probe.DeepCopy()
			if err := hostClient.Get(ctx, client.ObjectKeyFromObject(probe), live); err != nil {
				return false, err
			}
			status, _, found := clusterStatus(live, cluster)
			return found && (status == "Tainted" || status == ""), nil
		})
		live := probe.DeepCopy()
		if err == nil && hostClient.Get(ctx, client.ObjectKeyFromObject(probe), live) == nil {
			if status, _, _ := clusterStatus(live, cluster); status == "Tainted" {
				return true, nil
			}
		}
		return false, hostClient.Delete(ctx, probe)
	})
}

// setTaintsConfig sets the KubeFedConfig's spec.taints.
func setTaintsConfig(t *testing.T, cfg *corev1beta1.TaintsConfig) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		kfc := &corev1beta1.KubeFedConfig{}
		if err := hostClient.Get(context.Background(), client.ObjectKey{Namespace: kubefedNamespace, Name: core.KubeFedConfigName}, kfc); err != nil {
			return err
		}
		kfc.Spec.Taints = cfg
		return hostClient.Update(context.Background(), kfc)
	})
	if err != nil {
		t.Fatalf("setting the KubeFedConfig's taints: %v", err)
	}
}

// clusterTaints returns a member's taints and when its Ready condition
// last changed.
func clusterTaints(ctx context.Context, name string) (string, time.Time, error) {
	kfc := &corev1beta1.KubeFedCluster{}
	if err := hostClient.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: name}, kfc); err != nil {
		return "", time.Time{}, err
	}
	var since time.Time
	if c := condition(kfc, corev1beta1.ClusterReady); c != nil && c.LastTransitionTime != nil {
		since = c.LastTransitionTime.Time
	}
	return taints.Join(kfc.Spec.Taints), since, nil
}

// TestAutomaticTaintsOnAStoppedMember stops member2's API server: with the
// KubeFedConfig's taints.automatic off (the default) it gets no taint,
// however long it is down; switched on, it gets
// kubefed.io/unreachable:NoExecute after the grace period, which goes when
// the member is back.
func TestAutomaticTaintsOnAStoppedMember(t *testing.T) {
	const grace = time.Second
	setTaintsConfig(t, &corev1beta1.TaintsConfig{GracePeriod: &metav1.Duration{Duration: grace}})
	t.Cleanup(func() { setTaintsConfig(t, nil) })
	member2 := shared.Cluster("member2")
	member2.StopAPIServer()
	t.Cleanup(func() { _ = member2.StartAPIServer(context.Background()) })
	clusterReady(t, "member2", false)

	testkit.Eventually(t, "member2 down for three grace periods without a taint (switch off)", func(ctx context.Context) (bool, error) {
		list, since, err := clusterTaints(ctx, "member2")
		if err != nil {
			return false, err
		}
		if list != "" {
			t.Fatalf("member2 got the taints %s with automatic taints off", list)
		}
		return !since.IsZero() && time.Since(since) > 3*grace, nil
	})

	setTaintsConfig(t, &corev1beta1.TaintsConfig{Automatic: true, GracePeriod: &metav1.Duration{Duration: grace}})
	on := time.Now()
	testkit.Eventually(t, "member2 tainted kubefed.io/unreachable:NoExecute (switch on)", func(ctx context.Context) (bool, error) {
		list, _, err := clusterTaints(ctx, "member2")
		return list == corev1beta1.TaintUnreachable+":NoExecute", err
	})
	t.Logf("automatic taint %s after the switch was turned on", time.Since(on).Round(100*time.Millisecond))

	if err := member2.StartAPIServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	clusterReady(t, "member2", true)
	testkit.Eventually(t, "the automatic taint removed once member2 is ready", func(ctx context.Context) (bool, error) {
		list, _, err := clusterTaints(ctx, "member2")
		return list == "", err
	})
}

// TestEvictionRateLimitOneClusterAPeriod taints both members NoExecute at
// once with the KubeFedConfig's clusterEvictionsPerMinute at 1 (counted per
// evictionPeriod in this suite, per minute in a deployed syncer): an object
// placed on both leaves one of them at once; the other waits for its turn
// (its taint acting as NoSchedule), neither Evicting nor removed, holding
// the object until a period after the first started, so the object is
// never removed from all of its clusters at once.
func TestEvictionRateLimitOneClusterAPeriod(t *testing.T) {
	one := int64(1)
	setTaintsConfig(t, &corev1beta1.TaintsConfig{ClusterEvictionsPerMinute: &one})
	t.Cleanup(func() { setTaintsConfig(t, nil) })
	ns := federatedNamespace(t)
	obj := federated(federatedConfigMapKind, ns, "evicted", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, obj)
	members := map[string]*kubernetes.Clientset{}
	for _, name := range []string{"member1", "member2"} {
		memberConfigMap(t, name, ns, "evicted", "placed before the taints", hasData("a", "b"))
		members[name] = memberClient(t, name)
	}
	holds := func(ctx context.Context, cluster string) (bool, error) {
		_, err := members[cluster].CoreV1().ConfigMaps(ns).Get(ctx, "evicted", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}

	t.Cleanup(func() {
		for name := range members {
			setTaints(t, name, nil)
		}
	})
	evict := []corev1beta1.Taint{{Key: "test.kubefed.io/evict", Effect: corev1beta1.TaintNoExecute}}
	tainted := time.Now()
	for name := range members {
		setTaints(t, name, evict)
	}

	var first, second string
	testkit.Eventually(t, "the object removed from one member at once", func(ctx context.Context) (bool, error) {
		var gone []string
		for name := range members {
			held, err := holds(ctx, name)
			if err != nil {
				return false, err
			}
			if !held {
				gone = append(gone, name)
			}
		}
		if len(gone) == len(members) {
			t.Fatalf("the object was removed from both members at once, %s after the taints", time.Since(tainted).Round(100*time.Millisecond))
		}
		if len(gone) == 1 {
			first = gone[0]
		}
		return first != "", nil
	})
	firstAfter := time.Since(tainted)
	for name := range members {
		if name != first {
			second = name
		}
	}
	waitClusterStatus(t, obj, first, string(typesv1beta1.Tainted), "test.kubefed.io/evict:NoExecute")

	// The first cluster started evicting after the taints were set, so the
	// second may not start before a period has passed since then.
	live := obj.DeepCopy()
	heldStatuses := sets.New[string]()
	var secondAfter time.Duration
	err := testkit.Poll(context.Background(), evictionPeriod+testkit.WaitTimeout, func(ctx context.Context) (bool, error) {
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
			return false, err
		}
		status, message, _ := clusterStatus(live, second)
		held, err := holds(ctx, second)
		if err != nil {
			return false, err
		}
		started := !held || status == string(typesv1beta1.Evicting) || status == string(typesv1beta1.WaitingForRemoval)
		if since := time.Since(tainted); since < evictionPeriod {
			if started {
				t.Fatalf("%s started evicting %s after the taints, before its turn (%s after %s's): status %q (%s), member object held: %v",
					second, since.Round(100*time.Millisecond), evictionPeriod, first, status, message, held)
			}
			heldStatuses.Insert(fmt.Sprintf("%q", status))
			return false, nil
		}
		if started && secondAfter == 0 {
			secondAfter = time.Since(tainted)
		}
		return !held, nil
	})
	if err != nil {
		t.Fatalf("waiting for the object to leave %s after the %s period: %v", second, evictionPeriod, err)
	}
	t.Logf("the object left %s %s after the taints; %s held it (status %s) and started evicting %s after them, its member object gone %s after them",
		first, firstAfter.Round(100*time.Millisecond), second, strings.Join(sets.List(heldStatuses), ", "),
		secondAfter.Round(100*time.Millisecond), time.Since(tainted).Round(100*time.Millisecond))
}
