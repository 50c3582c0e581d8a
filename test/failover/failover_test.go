// Package failover tests the syncer as real processes: leader election
// between two replicas, and a leader killed with SIGKILL in the middle of a
// batch, against a local fleet of a host and one member.
package failover

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	shared *fleet.Fleet
	// federation joins clusters and enables types.
	federation *testkit.Federation
)

const kubefedNamespace = core.DefaultKubeFedSystemNamespace

var configMapTarget = fixtures.ConfigMaps

// TestMain builds the syncer, installs the CRDs and a KubeFedConfig with
// short leader election timings (as KubeFed's own e2e test does), joins
// the member and enables namespaces, configmaps and deployments (for the
// inventory cluster's replica scheduling), and installs the
// cluster inventory's CRDs; each test starts the syncer processes it needs.
func TestMain(m *testing.M) {
	duration := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	os.Exit(testkit.Main(m, testkit.Suite{
		Commands: []string{"syncer", credPlugin},
		// The member's API server logs ConfigMap updates, which
		// TestUnchangedObjectsCostNoWritesAcrossARestart counts in its own
		// namespace (memberUpdateRequests).
		Fleet: fleet.Options{Clusters: fleet.ClusterNames(1), AuditPolicy: testkit.UpdatesAuditPolicy("configmaps")},
		ControlPlane: &testkit.ControlPlaneOptions{
			Config: func(spec *corev1beta1.KubeFedConfigSpec) {
				spec.LeaderElect = &corev1beta1.LeaderElectConfig{
					LeaseDuration: duration(1500 * time.Millisecond), RenewDeadline: duration(time.Second), RetryPeriod: duration(500 * time.Millisecond)}
			},
			Types: []typesv1beta1.TargetType{fixtures.Namespaces, configMapTarget, fixtures.Deployments},
		},
		SetUp: func(ctx context.Context, env *testkit.Env) error {
			shared, federation = env.Fleet, env.ControlPlane.Federation
			return installInventoryCRDs(ctx)
		},
	}))
}

var (
	federatedConfigMaps = schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedconfigmaps"}
)

// startSyncer runs a syncer process against the host, writing KubeFed's
// PropagatedVersions (test/syncer checks the default, which writes none),
// with extra flags after the others, and waits until it is ready; it is
// stopped when the test ends (SIGTERM, unless the test killed it as a
// crash: it gives up its Lease, so that the next test's syncer leads at
// once instead of waiting for the Lease to expire), and its log is shown
// if the test failed.
func startSyncer(t *testing.T, name string, extra ...string) *fleet.Process {
	t.Helper()
	p, err := testkit.StartSyncer(context.Background(), shared, name, testkit.Command(t, "syncer"), filepath.Join(t.TempDir(), name+".log"),
		append([]string{"--workers", "8", "--write-propagated-versions"}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			out, _ := os.ReadFile(p.LogPath())
			t.Logf("%s log:\n%s", name, tail(string(out), 4000))
		}
	})
	return p
}

// crashOnlySyncer kills the test's only syncer with SIGKILL, as a crash
// would, and deletes the Lease it held, so that the syncer the test starts
// next leads at once instead of waiting for the dead one's Lease to expire
// (1.5 s here, at every restart). What the tests that call it check
// happens after the restart, not during the takeover: taking over an
// expired Lease is TestStandbyTakesOverWhenTheLeaderDies's and
// TestPausedLeaderWritesNothing's.
func crashOnlySyncer(t *testing.T, p *fleet.Process) {
	t.Helper()
	p.Kill()
	leases := testkit.Clientset(t, shared.Host().RESTConfig()).CoordinationV1().Leases(kubefedNamespace)
	if err := leases.Delete(context.Background(), syncer.LeaderElectionID, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("deleting the killed syncer's Lease: %v", err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// leaseHolder returns who holds the syncer's Lease ("" if nobody).
func leaseHolder(ctx context.Context, kube kubernetes.Interface) string {
	lease, err := kube.CoordinationV1().Leases(kubefedNamespace).Get(ctx, syncer.LeaderElectionID, metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

// federatedConfigMap is a FederatedConfigMap placed on every cluster.
func federatedConfigMap(namespace, name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": map[string]interface{}{"name": name, "namespace": namespace},
		"spec": map[string]interface{}{"template": map[string]interface{}{"data": map[string]interface{}{"name": name}},
			"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}},
	}}
}

// waitMemberNamespace waits until the federated namespace ns exists in
// the member.
func waitMemberNamespace(t *testing.T, member kubernetes.Interface, ns string) {
	t.Helper()
	testkit.Eventually(t, "the namespace in the member", func(ctx context.Context) (bool, error) {
		_, err := member.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil, nil
	})
}

// createInMember creates a ConfigMap of the member's own in the member
// namespace ns, as its users would, and deletes it when the test ends,
// before ns: a federated namespace is not deleted while the member's holds
// objects the federation does not manage, and would be left in deletion
// for the tests after. (Deleting it once the federation adopted it is
// harmless: the namespace goes next.)
func createInMember(t *testing.T, member kubernetes.Interface, ns, name string, data map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm, err := member.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = member.CoreV1().ConfigMaps(ns).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return cm
}

// federatedNamespace creates a host namespace federated to every cluster.
func federatedNamespace(t *testing.T, dyn dynamic.Interface) string {
	t.Helper()
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "failover-")
	fns := federatedConfigMap(ns, ns)
	fns.SetKind("FederatedNamespace")
	unstructured.RemoveNestedField(fns.Object, "spec", "template")
	gvr := schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatednamespaces"}
	if _, err := dyn.Resource(gvr).Namespace(ns).Create(context.Background(), fns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestStandbyTakesOverWhenTheLeaderDies(t *testing.T) {
	host := testkit.Clientset(t, shared.Host().RESTConfig())
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	leader := startSyncer(t, "first")
	var first string
	testkit.Eventually(t, "the first syncer to lead", func(ctx context.Context) (bool, error) {
		first = leaseHolder(ctx, host)
		return first != "", nil
	})
	startSyncer(t, "second")
	ns := federatedNamespace(t, dyn)
	if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, "before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "propagation by the leader", memberHas(member, ns, "before"))
	leader.Kill()
	killed := time.Now()
	testkit.Eventually(t, "the standby to take the lease", func(ctx context.Context) (bool, error) {
		holder := leaseHolder(ctx, host)
		return holder != "" && holder != first, nil
	})
	t.Logf("the standby took over %s after the leader was killed (lease duration 1.5s)", time.Since(killed).Round(time.Millisecond))
	if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, "after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "propagation by the new leader", memberHas(member, ns, "after"))
}

func memberHas(member kubernetes.Interface, ns, name string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		cm, err := member.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil && cm.Data["name"] == name, nil
	}
}

// TestKilledSyncerConvergesWithoutDuplicatesOrDeletes kills the only syncer
// with SIGKILL while it propagates a batch, restarts it, and checks that
// every object reaches the member exactly once: created once, never deleted.
func TestKilledSyncerConvergesWithoutDuplicatesOrDeletes(t *testing.T) {
	const batch = 500
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	leader := startSyncer(t, "victim")
	ns := federatedNamespace(t, dyn)
	waitMemberNamespace(t, member, ns)

	watcher, err := member.CoreV1().ConfigMaps(ns).Watch(context.Background(), metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()
	var added, deleted atomic.Int64
	go func() {
		for ev := range watcher.ResultChan() {
			switch ev.Type {
			case watch.Added:
				added.Add(1)
			case watch.Deleted:
				deleted.Add(1)
			}
		}
	}()

	for i := range batch {
		if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, fmt.Sprintf("cm-%03d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, "the first member objects", func(context.Context) (bool, error) { return added.Load() >= batch/5, nil })
	crashOnlySyncer(t, leader)
	atKill := added.Load()
	startSyncer(t, "restarted")
	testkit.Eventually(t, fmt.Sprintf("all %d member objects", batch), func(ctx context.Context) (bool, error) {
		list, err := member.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
		return err == nil && len(list.Items) == batch, err
	})
	t.Logf("%d of %d member objects existed when the syncer was killed", atKill, batch)
	testkit.Eventually(t, "the watch to catch up", func(context.Context) (bool, error) { return added.Load() >= batch, nil })
	if added.Load() != batch || deleted.Load() != 0 {
		t.Errorf("member saw %d creations and %d deletions, want exactly %d creations and none", added.Load(), deleted.Load(), batch)
	}
}
