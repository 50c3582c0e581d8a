package failover

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// fullSizeEnv names the environment variable that, set to "1", runs
// TestUnchangedObjectsCostNoWritesAcrossARestart with the 60 s windows
// issue 12 asks for; `make test` runs it with 5 s windows to keep the
// suite's time. Every other size of these tests (500 objects, 5 rounds of
// 100 deletions, 8 restarts) is the full one in both.
const fullSizeEnv = "FED_FULL_SIZE"

// quietWindow is how long TestUnchangedObjectsCostNoWritesAcrossARestart
// watches for writes, before and after the restart (after it, at least
// until the restarted syncer has reconciled every object). The syncer's
// only periodic work there is probing the member, every second in that
// test (probeEverySecond): 5 s covers five probes.
func quietWindow() time.Duration {
	if os.Getenv(fullSizeEnv) == "1" {
		return 60 * time.Second
	}
	return 5 * time.Second
}

// probeEverySecond sets the KubeFedConfig's health checks to a probe every
// second, NotReady after two failed probes, for syncers the test starts
// next, and restores them when the test ends.
func probeEverySecond(t *testing.T, host client.Client) {
	t.Helper()
	var kept *corev1beta1.ClusterHealthCheckConfig
	changeConfig(t, host, "probing every second", func(spec *corev1beta1.KubeFedConfigSpec) {
		second, threshold := &metav1.Duration{Duration: time.Second}, int64(2)
		kept, spec.ClusterHealthCheck = spec.ClusterHealthCheck, &corev1beta1.ClusterHealthCheckConfig{Period: second, Timeout: second, FailureThreshold: &threshold}
	})
	t.Cleanup(func() {
		changeConfig(t, host, "the health checks restored", func(spec *corev1beta1.KubeFedConfigSpec) { spec.ClusterHealthCheck = kept })
	})
}

// writeCounter counts the writes (creations, updates, deletions) a watch
// sees from the moment it starts.
type writeCounter struct {
	writes atomic.Int64
	stop   func()
}

// countMemberWrites counts writes to the managed ConfigMaps of a member
// namespace.
func countMemberWrites(t *testing.T, member kubernetes.Interface, ns string) *writeCounter {
	t.Helper()
	selector := metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey}
	list, err := member.CoreV1().ConfigMaps(ns).List(context.Background(), selector)
	if err != nil {
		t.Fatal(err)
	}
	selector.ResourceVersion = list.ResourceVersion // from now on, without the existing objects
	w, err := member.CoreV1().ConfigMaps(ns).Watch(context.Background(), selector)
	if err != nil {
		t.Fatal(err)
	}
	return count(t, w, func(watch.Event) bool { return true })
}

// countShortStatuses counts status writes of the FederatedConfigMaps of a
// host namespace, and how many of them list fewer clusters than the one
// member every object is placed on. A write that carries no status yet
// (the finalizer added to a new object) is not a status write.
func countShortStatuses(t *testing.T, dyn dynamic.Interface, ns string) (all, short *writeCounter) {
	t.Helper()
	list, err := dyn.Resource(federatedConfigMaps).Namespace(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Watch(context.Background(), metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	if err != nil {
		t.Fatal(err)
	}
	short = &writeCounter{stop: func() {}}
	all = count(t, w, func(ev watch.Event) bool {
		obj, ok := ev.Object.(*unstructured.Unstructured)
		if !ok || ev.Type != watch.Modified || obj.GetDeletionTimestamp() != nil {
			return false
		}
		if status, _, _ := unstructured.NestedMap(obj.Object, "status"); len(status) == 0 {
			return false
		}
		if status, err := typesv1beta1.StatusOf(obj); err != nil || len(status.Clusters) < 1 {
			short.writes.Add(1)
		}
		return true
	})
	return all, short
}

func count(t *testing.T, w watch.Interface, counted func(watch.Event) bool) *writeCounter {
	c := &writeCounter{stop: w.Stop}
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type != watch.Bookmark && ev.Type != watch.Error && counted(ev) {
				c.writes.Add(1)
			}
		}
	}()
	t.Cleanup(w.Stop)
	return c
}

// createConfigMaps creates n FederatedConfigMaps cm-000... in ns, eight at
// a time, and waits for their member copies.
func createConfigMaps(t *testing.T, dyn dynamic.Interface, member kubernetes.Interface, ns string, n int) {
	t.Helper()
	const workers = 8
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		first atomic.Pointer[error]
	)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && first.Load() == nil; i = int(next.Add(1)) - 1 {
				if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, configMapName(i)), metav1.CreateOptions{}); err != nil {
					first.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	if err := first.Load(); err != nil {
		t.Fatal(*err)
	}
	testkit.Eventually(t, fmt.Sprintf("all %d member objects", n), managedInMember(member, ns, n))
}

// memberUpdateRequests returns the ConfigMap update requests (PUT, PATCH,
// APPLY, whatever their answer, no-op updates included) that the member's
// API server received in namespace ns since a moment, from its audit log.
// Creates and deletes are left out (a create or delete of the test's
// objects shows as a member write), and so are other namespaces: the
// clean-up of an earlier test (an adopted object released with an update)
// may still be going on.
func memberUpdateRequests(t *testing.T, ns string, since time.Time) []testkit.AuditedRequest {
	t.Helper()
	requests, err := testkit.UpdateRequests(shared.Members()[0].AuditLogPath(), "configmaps", ns, since)
	if err != nil {
		t.Fatal(err)
	}
	return requests
}

func configMapName(i int) string { return fmt.Sprintf("cm-%03d", i) }

func managedInMember(member kubernetes.Interface, ns string, n int) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		list, err := member.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
		return err == nil && len(list.Items) == n, err
	}
}

// TestUnchangedObjectsCostNoWritesAcrossARestart propagates 500 objects,
// then watches the member and the host over a window while the syncer
// runs, and over another from then on across a kill and a restart: the
// restarted syncer reads what its predecessor recorded in the federated
// statuses, so no member object is written (the member's API server
// receives no ConfigMap update request in the test's namespace at all, not
// even one that changes nothing: its audit log shows them), no status is
// written, and none lists fewer clusters than the object is placed on. The member is probed every second; the windows are
// 60 s with FED_FULL_SIZE=1 (issue 12's size), 5 s in `make test`, and the
// second lasts at least until the restarted syncer has reconciled every
// object (its /metrics count them).
func TestUnchangedObjectsCostNoWritesAcrossARestart(t *testing.T) {
	const batch = 500
	window := quietWindow()
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	probeEverySecond(t, hostFederationClient(t))
	first := startSyncer(t, "steady")
	ns := federatedNamespace(t, dyn)
	createConfigMaps(t, dyn, member, ns, batch)
	testkit.Eventually(t, "every status to record its member version", func(ctx context.Context) (bool, error) {
		list, err := dyn.Resource(federatedConfigMaps).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, obj := range list.Items {
			status, err := typesv1beta1.StatusOf(&obj)
			if err != nil {
				return false, err
			}
			if len(status.Clusters) != 1 || status.Clusters[0].Version == "" {
				return false, nil
			}
		}
		return true, nil
	})

	memberWrites := countMemberWrites(t, member, ns)
	statusWrites, short := countShortStatuses(t, dyn, ns)
	steadyStart := time.Now()
	<-time.After(window) // a measurement window, not a wait for a condition
	// The second window starts where this one ends.
	restarted := time.Now()
	steadyMember, steadyStatus, steadyRequests := memberWrites.writes.Load(), statusWrites.writes.Load(), memberUpdateRequests(t, ns, steadyStart)

	crashOnlySyncer(t, first)
	ports, err := fleet.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	address := "127.0.0.1:" + strconv.Itoa(ports[0])
	startSyncer(t, "restarted", "--metrics-bind-address", address, "--metrics-secure=false")
	<-time.After(window) // a measurement window, not a wait for a condition
	// The window lasts until the restarted syncer's first pass over every
	// object is done, however long that takes.
	testkit.Eventually(t, fmt.Sprintf("the restarted syncer to reconcile all %d objects", batch), func(ctx context.Context) (bool, error) {
		body := scrape(ctx, t, "http://"+address+"/metrics")
		reconciles, _ := sampleValue(body, "kubectl_fed_propagation_reconcile_duration_seconds_count", `type="configmaps"`)
		queued, found := sampleValue(body, "kubectl_fed_propagation_queue_depth", `type="configmaps"`)
		if reconciles >= batch && (!found || queued == 0) {
			return true, nil
		}
		return false, fmt.Errorf("%v configmap reconciles, %v queued", reconciles, queued)
	})
	restartMember, restartStatus, restartRequests := memberWrites.writes.Load()-steadyMember, statusWrites.writes.Load()-steadyStatus, memberUpdateRequests(t, ns, restarted)
	restartWindow := time.Since(restarted).Round(100 * time.Millisecond)
	t.Logf("%d unchanged objects: %d member writes (%d update requests) and %d status writes in %s while running; %d member writes (%d update requests) and %d status writes in %s after a restart; %d statuses listed fewer clusters than placed",
		batch, steadyMember, len(steadyRequests), steadyStatus, window, restartMember, len(restartRequests), restartStatus, restartWindow, short.writes.Load())
	if steadyMember != 0 || restartMember != 0 {
		t.Errorf("member writes for unchanged objects: %d while running, %d after the restart; want 0", steadyMember, restartMember)
	}
	if len(steadyRequests) != 0 || len(restartRequests) != 0 {
		t.Errorf("ConfigMap update requests in %s served by the member (no-op updates included): %d while running %v, %d across the restart %v; want 0",
			ns, len(steadyRequests), steadyRequests, len(restartRequests), restartRequests)
	}
	if short.writes.Load() != 0 {
		t.Errorf("%d status writes listed fewer clusters than placed", short.writes.Load())
	}

	// The restarted syncer is at work: a change made in the member is
	// reverted, and the audit log shows both updates (the counts above are
	// not zero for want of logging).
	changed := time.Now()
	if _, err := member.CoreV1().ConfigMaps(ns).Patch(context.Background(), configMapName(0), types.MergePatchType,
		[]byte(`{"data":{"extra":"x"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the change in the member reverted", func(ctx context.Context) (bool, error) {
		cm, err := member.CoreV1().ConfigMaps(ns).Get(ctx, configMapName(0), metav1.GetOptions{})
		_, extra := cm.Data["extra"]
		return err == nil && !extra, err
	})
	testkit.Eventually(t, "the change and its revert in the member's audit log", func(context.Context) (bool, error) {
		if requests := memberUpdateRequests(t, ns, changed); len(requests) < 2 {
			return false, fmt.Errorf("%d update requests logged: %v", len(requests), requests)
		}
		return true, nil
	})
}

// TestDeletionsWhileTheSyncerIsDownLeaveNothingBehind deletes 100
// federated objects while the syncer is down; once it is back, every
// member object is deleted before its federated object goes. Five rounds
// (issue 12's size), as a leak depends on timing; each round's restarted
// syncer serves the next round.
func TestDeletionsWhileTheSyncerIsDownLeaveNothingBehind(t *testing.T) {
	const (
		batch  = 100
		rounds = 5
	)
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	syncer := startSyncer(t, "round-1")
	left, shorts := 0, int64(0)
	for round := 1; round <= rounds; round++ {
		ns := federatedNamespace(t, dyn)
		createConfigMaps(t, dyn, member, ns, batch)
		_, short := countShortStatuses(t, dyn, ns)
		crashOnlySyncer(t, syncer)
		if err := dyn.Resource(federatedConfigMaps).Namespace(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		syncer = startSyncer(t, fmt.Sprintf("round-%d-restarted", round))
		start := time.Now()
		testkit.Eventually(t, "every federated object deleted", func(ctx context.Context) (bool, error) {
			list, err := dyn.Resource(federatedConfigMaps).Namespace(ns).List(ctx, metav1.ListOptions{})
			return err == nil && len(list.Items) == 0, err
		})
		took := time.Since(start)
		list, err := member.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d federated objects deleted while the syncer was down were gone %s after the restart; %d member objects left behind; %d statuses listed fewer clusters than placed",
			round, batch, took.Round(time.Millisecond), len(list.Items), short.writes.Load())
		left += len(list.Items)
		shorts += short.writes.Load()
	}
	t.Logf("%d of %d member objects left behind over %d rounds; %d statuses listed fewer clusters than placed", left, rounds*batch, rounds, shorts)
	if left != 0 {
		t.Errorf("%d member objects left behind over %d rounds of %d deletions", left, rounds, batch)
	}
	if shorts != 0 {
		t.Errorf("%d status writes listed fewer clusters than placed", shorts)
	}
}

// TestRestartsNeverWriteStatusesListingFewerClusters kills and restarts the
// syncer 8 times (issue 12's size) over 100 propagated objects, with work
// waiting at each restart (an object created, one changed and one deleted
// while the syncer was down): each restarted syncer does that work and
// looks at every object again, and no status it writes lists fewer
// clusters than the object is placed on.
func TestRestartsNeverWriteStatusesListingFewerClusters(t *testing.T) {
	const (
		batch    = 100
		restarts = 8
	)
	ctx := context.Background()
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	fcms := func(ns string) dynamic.ResourceInterface { return dyn.Resource(federatedConfigMaps).Namespace(ns) }
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	syncer := startSyncer(t, "restart-0")
	ns := federatedNamespace(t, dyn)
	createConfigMaps(t, dyn, member, ns, batch)
	statuses, short := countShortStatuses(t, dyn, ns)
	for r := 1; r <= restarts; r++ {
		crashOnlySyncer(t, syncer)
		created, changed, deleted := fmt.Sprintf("new-%d", r), configMapName(r), configMapName(batch-r)
		if _, err := fcms(ns).Create(ctx, federatedConfigMap(ns, created), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := fcms(ns).Patch(ctx, changed, types.MergePatchType, []byte(`{"spec":{"template":{"data":{"name":"changed"}}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := fcms(ns).Delete(ctx, deleted, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		syncer = startSyncer(t, fmt.Sprintf("restart-%d", r))
		start := time.Now()
		testkit.Eventually(t, fmt.Sprintf("restart %d: the work left while the syncer was down done", r), func(ctx context.Context) (bool, error) {
			if ok, err := memberHas(member, ns, created)(ctx); !ok {
				return false, err
			}
			if cm, err := member.CoreV1().ConfigMaps(ns).Get(ctx, changed, metav1.GetOptions{}); err != nil || cm.Data["name"] != "changed" {
				return false, nil
			}
			if _, err := member.CoreV1().ConfigMaps(ns).Get(ctx, deleted, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return false, nil
			}
			_, err := fcms(ns).Get(ctx, deleted, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		t.Logf("restart %d: created, changed and deleted objects propagated %s after the syncer was ready", r, time.Since(start).Round(time.Millisecond))
	}
	t.Logf("%d restarts over %d objects: %d status writes, %d of them listed fewer clusters than placed", restarts, batch, statuses.writes.Load(), short.writes.Load())
	if short.writes.Load() != 0 {
		t.Errorf("%d status writes listed fewer clusters than placed across %d restarts", short.writes.Load(), restarts)
	}
}

// TestMemberDownAtStartIsReportedNotLeftOut kills the syncer, stops the
// member's API server and starts the syncer again over 50 propagated
// objects (probing every second, NotReady after two failed probes): every
// status it writes lists the member, which turns ClusterNotReady, none
// leaves it out; once the member is back, every object is OK again, and no
// member object was written, deleted or re-created.
func TestMemberDownAtStartIsReportedNotLeftOut(t *testing.T) {
	const batch = 50
	ctx := context.Background()
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	host := hostFederationClient(t)
	probeEverySecond(t, host)
	syncer := startSyncer(t, "before-outage")
	ns := federatedNamespace(t, dyn)
	createConfigMaps(t, dyn, member, ns, batch)
	statuses, short := countShortStatuses(t, dyn, ns)
	before := memberVersions(t, member, ns)
	crashOnlySyncer(t, syncer)
	c := shared.Members()[0]
	c.StopAPIServer()
	t.Cleanup(func() { _ = c.StartAPIServer(context.Background()) })
	startSyncer(t, "member-down")
	start := time.Now()
	everyStatus := func(what string, want func(entry typesv1beta1.ClusterStatus) bool) {
		t.Helper()
		testkit.Eventually(t, what, func(ctx context.Context) (bool, error) {
			list, err := dyn.Resource(federatedConfigMaps).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(list.Items) != batch {
				return false, err
			}
			for _, obj := range list.Items {
				status, err := typesv1beta1.StatusOf(&obj)
				if err != nil {
					return false, err
				}
				if len(status.Clusters) != 1 || !want(status.Clusters[0]) {
					return false, nil
				}
			}
			return true, nil
		})
	}
	everyStatus("every status to list the member as ClusterNotReady", func(entry typesv1beta1.ClusterStatus) bool {
		return entry.Name == c.Name && entry.Status == typesv1beta1.ClusterNotReady
	})
	reported := time.Since(start)
	if err := c.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	everyStatus("every status OK again", func(entry typesv1beta1.ClusterStatus) bool {
		return entry.Name == c.Name && entry.Status == typesv1beta1.ClusterPropagationOK
	})
	after := memberVersions(t, member, ns)
	t.Logf("member down at start: %d statuses listed it ClusterNotReady %s after the syncer was ready, OK again %s after it was back; %d status writes, %d listed fewer clusters than placed; member objects before %d, after %d",
		batch, reported.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), statuses.writes.Load(), short.writes.Load(), len(before), len(after))
	if short.writes.Load() != 0 {
		t.Errorf("%d status writes left the member out", short.writes.Load())
	}
	if !maps.Equal(before, after) {
		t.Errorf("member ConfigMaps were written, deleted or re-created: resourceVersions before %v, after %v", before, after)
	}
}
