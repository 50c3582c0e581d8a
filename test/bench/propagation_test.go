// Package bench measures propagation against a floor taken in the same run,
// on a local fleet of a host and two members with the syncer as a process.
// Run it with `make bench`; it prints a table and writes
// _output/bench/propagation.json.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// Sizes are the sizes of a run.
type Sizes struct {
	Members int `json:"members"`
	Objects int `json:"objects"`
	// LatencyRounds is how many template updates the latency is taken over.
	LatencyRounds int `json:"latencyRounds"`
	// IdleSeconds is the window in which writes are counted after settling.
	IdleSeconds int `json:"idleSeconds"`
	// WebhookCalls is how many calls each webhook's latency is taken over.
	WebhookCalls int `json:"webhookCalls"`
	// RSSObjects, when above Objects, propagates up to that many objects
	// after the rest and reports the syncer's peak RSS then.
	RSSObjects int `json:"rssObjects,omitempty"`
	// ProfileSeconds is how long the syncer's CPU is profiled from the
	// first create (0: no profile).
	ProfileSeconds int `json:"profileSeconds"`
}

// sizesFromEnv returns the sizes of `make bench`, each overridable with an
// environment variable: BENCH_MEMBERS, BENCH_OBJECTS, BENCH_LATENCY_ROUNDS,
// BENCH_IDLE_SECONDS, BENCH_WEBHOOK_CALLS, BENCH_RSS_OBJECTS and
// BENCH_SYNCER_PROFILE_SECONDS.
func sizesFromEnv() Sizes {
	return Sizes{
		Members:       envInt("BENCH_MEMBERS", 2),
		Objects:       envInt("BENCH_OBJECTS", 2000),
		LatencyRounds: envInt("BENCH_LATENCY_ROUNDS", 200),
		IdleSeconds:   envInt("BENCH_IDLE_SECONDS", 60),
		WebhookCalls:  envInt("BENCH_WEBHOOK_CALLS", 1000),
		RSSObjects:    envInt("BENCH_RSS_OBJECTS", 0),
		// About the propagation at this machine's rates.
		ProfileSeconds: envInt("BENCH_SYNCER_PROFILE_SECONDS", 10),
	}
}

const (
	clientWorkers = 16
	// settleQuiet is how long the syncer must not write before the idle
	// window starts, and settleTimeout bounds that wait.
	settleQuiet   = 5 * time.Second
	settleTimeout = 5 * time.Minute
)

var (
	federatedConfigMaps = schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedconfigmaps"}
	kubeFedClusters     = schema.GroupVersionResource{Group: "core.kubefed.io", Version: "v1beta1", Resource: "kubefedclusters"}
)

// Result is what the benchmark measured.
type Result struct {
	Sizes
	FloorSeconds       float64 `json:"floorSeconds"`
	PropagationSeconds float64 `json:"propagationSeconds"`
	Ratio              float64 `json:"ratio"`
	// Admission: host creates of FederatedConfigMaps per second with the
	// webhook registered and without it (the syncer stopped for both).
	CreatesPerSecondWebhook   float64 `json:"createsPerSecondWebhook"`
	CreatesPerSecondNoWebhook float64 `json:"createsPerSecondNoWebhook"`
	AdmissionCostRatio        float64 `json:"admissionCostRatio"`
	// CPU milliseconds per create in those runs: the host's kube-apiserver
	// with and without the webhook, and the webhook itself.
	APIServerCPUMsWebhook   float64 `json:"apiServerCPUMsWebhook"`
	APIServerCPUMsNoWebhook float64 `json:"apiServerCPUMsNoWebhook"`
	WebhookCPUMs            float64 `json:"webhookCPUMs"`
	// HostWritesPerObject is the host API server's writes (all clients but
	// leader election) per federated object while propagating, from its
	// apiserver_request_total; HostWritesBy splits them.
	HostWritesPerObject float64          `json:"hostWritesPerObject"`
	HostWritesBy        map[string]int64 `json:"hostWritesBy,omitempty"`
	// MemberWritesBy is the syncer's writes per "<cluster> <method>" while propagating.
	MemberWritesBy map[string]int64 `json:"memberWritesBy,omitempty"`
	LatencyP50Ms   float64          `json:"latencyP50Ms"`
	LatencyP99Ms   float64          `json:"latencyP99Ms"`
	IdleWrites     int64            `json:"idleWrites"`
	// IdleWritesBy splits IdleWrites by "<cluster> <method>".
	IdleWritesBy map[string]int64 `json:"idleWritesBy,omitempty"`
	// SettleSeconds is how long the syncer kept writing after the latency
	// rounds, before the idle window started.
	SettleSeconds float64 `json:"settleSeconds"`
	// SyncerCPUSeconds is the syncer's user+system CPU time from the
	// first create until it settled; SyncerPeakRSSMiB its peak resident memory.
	SyncerCPUSeconds float64 `json:"syncerCPUSeconds"`
	// PassesPerObject is the syncer's propagation passes (reconciles) per
	// federated object from the first create until it settled.
	PassesPerObject  float64 `json:"passesPerObject"`
	SyncerPeakRSSMiB float64 `json:"syncerPeakRSSMiB"`
	// Webhook: per-call latency of each Federated<Kind> webhook for a
	// FederatedConfigMap placed on 50 clusters with 5 overrides each.
	WebhookP50Ms map[string]float64 `json:"webhookP50Ms"`
	WebhookP99Ms map[string]float64 `json:"webhookP99Ms"`
	// RSSPeakMiB is the syncer's peak RSS at RSSObjects, reached in RSSConvergeSeconds.
	RSSPeakMiB         float64 `json:"rssPeakMiB,omitempty"`
	RSSConvergeSeconds float64 `json:"rssConvergeSeconds,omitempty"`
	// FloorBudget and PropagationBudget are where the machine's CPU went
	// in those phases; LowerBound what the propagation's CPU allows.
	FloorBudget       Budget     `json:"floorBudget"`
	PropagationBudget Budget     `json:"propagationBudget"`
	LowerBound        LowerBound `json:"lowerBound"`
	// SyncerProfile is the syncer's CPU profile from the first create
	// (ProfileSeconds long); SyncerTopFlat and SyncerTopCumulative its
	// top functions (own samples; this project's, with what they call).
	SyncerProfile       string   `json:"syncerProfile,omitempty"`
	SyncerTopFlat       []string `json:"syncerTopFlat,omitempty"`
	SyncerTopCumulative []string `json:"syncerTopCumulative,omitempty"`
}

// BenchmarkPropagation runs the control plane exactly as `make local-up`
// does (testkit.StartLocalControlPlane: the webhook registered, the syncer
// at the deployed manifest's flags; only its metrics are plain HTTP so that
// the benchmark can read them) and measures, in one run: the admission
// cost of the webhook, the floor, propagation, host writes per object,
// update latency, idle writes, the syncer's CPU and memory, and the
// webhook's per-call latency.
func BenchmarkPropagation(b *testing.B) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	for b.Loop() {
		r := run(b, sizesFromEnv())
		report(b, r, "propagation.json")
		b.ReportMetric(r.Ratio, "ratio")
		b.ReportMetric(r.LatencyP99Ms, "p99-ms")
	}
}

// run starts a fleet and the local control plane and measures.
func run(t testing.TB, sz Sizes) Result {
	f := fleet.ForTest(t, fleet.Options{Clusters: fleet.ClusterNames(sz.Members)})
	ctx := context.Background()
	cp := setUp(t, ctx, f, "bench", "admission-webhook", "admission-none")
	t.Cleanup(cp.Stop)
	metricsURL := "http://" + cp.SyncerMetrics + "/metrics"
	r := Result{Sizes: sz}
	a := admissionCost(t, ctx, f, cp, sz.Objects, webhookPprof)
	r.CreatesPerSecondWebhook, r.CreatesPerSecondNoWebhook = a.withWebhook.createsPerSecond, a.without.createsPerSecond
	r.AdmissionCostRatio = r.CreatesPerSecondNoWebhook / r.CreatesPerSecondWebhook
	r.APIServerCPUMsWebhook, r.APIServerCPUMsNoWebhook = a.withWebhook.apiServerCPUMs, a.without.apiServerCPUMs
	r.WebhookCPUMs = a.withWebhook.webhookCPUMs
	floorMeter := meterBudget(t, f, cp, nil)
	r.FloorSeconds = floor(t, ctx, f, sz.Objects)
	r.FloorBudget = floorMeter.stop()
	hostBefore, membersBefore, cpuBefore := hostWrites(t, ctx, f), memberWrites(t, f, metricsURL), cpuSeconds(t, cp.Syncer.Pid())
	passesBefore := passes(t, metricsURL)
	var meter *budgetMeter
	syncerProfile := func() string { return "" }
	r.PropagationSeconds = propagate(t, ctx, f, "bench", 0, sz.Objects, func(progress func() []int64) {
		if sz.ProfileSeconds > 0 {
			syncerProfile = takeProfile(t, fmt.Sprintf("profile?seconds=%d", sz.ProfileSeconds), "propagation-syncer-cpu.pprof")
		}
		meter = meterBudget(t, f, cp, progress)
	})
	r.PropagationBudget = meter.stop()
	r.Ratio = r.PropagationSeconds / r.FloorSeconds
	r.LowerBound = lowerBound(r.PropagationBudget, r.FloorBudget, sz.Objects)
	settle(t, ctx, f, metricsURL)
	r.SyncerCPUSeconds = cpuSeconds(t, cp.Syncer.Pid()) - cpuBefore
	r.PassesPerObject = (passes(t, metricsURL) - passesBefore) / float64(sz.Objects)
	if r.SyncerProfile = syncerProfile(); r.SyncerProfile != "" {
		var err error
		if r.SyncerTopFlat, r.SyncerTopCumulative, _, err = topFunctions(r.SyncerProfile, 15); err != nil {
			t.Fatal(err)
		}
	}
	r.HostWritesBy = delta(hostBefore, hostWrites(t, ctx, f))
	r.MemberWritesBy = delta(membersBefore, memberWrites(t, f, metricsURL))
	r.HostWritesPerObject = float64(sum(r.HostWritesBy)) / float64(sz.Objects)
	r.LatencyP50Ms, r.LatencyP99Ms = latency(t, ctx, f, f.Members()[:1], "bench", name(sz.Objects-1), sz.LatencyRounds)
	r.IdleWrites, r.IdleWritesBy, r.SettleSeconds = idleWrites(t, ctx, f, metricsURL, time.Duration(sz.IdleSeconds)*time.Second)
	r.SyncerPeakRSSMiB = float64(fleet.PeakResidentBytes(cp.Syncer.Pid())) / (1 << 20)
	r.WebhookP50Ms, r.WebhookP99Ms = webhookLatency(t, ctx, cp.Webhook, sz.WebhookCalls)
	if more := sz.RSSObjects - sz.Objects; more > 0 {
		started := time.Now()
		propagate(t, ctx, f, "bench", sz.Objects, more, nil)
		r.RSSConvergeSeconds = time.Since(started).Seconds()
		r.RSSPeakMiB = float64(fleet.PeakResidentBytes(cp.Syncer.Pid())) / (1 << 20)
	}
	return r
}

// setUp starts the local control plane on the fleet, with the programs
// built from this checkout, and federates the namespaces; it returns the
// control plane, which the caller stops.
func setUp(b testing.TB, ctx context.Context, f *fleet.Fleet, namespaces ...string) *testkit.LocalControlPlane {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "_output", "bench", "run")
	_ = os.RemoveAll(dir)
	crlog.SetLogger(zap.New(zap.WriteTo(io.Discard))) // the webhook's registration uses a controller-runtime client
	ports, err := fleet.FreePorts(2)
	if err != nil {
		b.Fatal(err)
	}
	syncerPprof = "127.0.0.1:" + strconv.Itoa(ports[0])
	webhookPprof = "127.0.0.1:" + strconv.Itoa(ports[1])
	// Plain HTTP on 127.0.0.1: the benchmark reads the write counters
	// without a token, and takes the syncer's and the webhook's profiles
	// (syncerPprof, webhookPprof).
	flags := testkit.LocalFlags{
		Syncer:  []string{"--metrics-secure=false", "--pprof-bind-address", syncerPprof},
		Webhook: []string{"--pprof-bind-address", webhookPprof},
	}
	cp, err := testkit.StartLocalControlPlane(ctx, dir, programs, f, flags, nil)
	if err != nil {
		b.Fatal(err)
	}
	syncerProcess = cp.Syncer
	fmt.Printf("logs of the control plane: %s\n", filepath.Join(dir, "logs"))
	hc := testkit.Client(b, f.Host().RESTConfig())
	testkit.Eventually(b, "members ready and configmaps and deployments served", func(ctx context.Context) (bool, error) {
		for _, m := range f.Members() {
			kfc := &corev1beta1.KubeFedCluster{}
			if err := hc.Get(ctx, types.NamespacedName{Namespace: core.DefaultKubeFedSystemNamespace, Name: m.Name}, kfc); err != nil || !kfc.Status.IsReady() {
				return false, err
			}
		}
		for _, name := range []string{"configmaps", "deployments.apps"} {
			ftc := &corev1beta1.FederatedTypeConfig{}
			err := hc.Get(ctx, types.NamespacedName{Namespace: core.DefaultKubeFedSystemNamespace, Name: name}, ftc)
			if err != nil || ftc.Status.PropagationController != corev1beta1.ControllerStatusRunning {
				return false, err
			}
		}
		return true, nil
	})
	host := unlimited(f.Host().RESTConfig())
	for _, ns := range namespaces {
		if _, err := kubernetes.NewForConfigOrDie(host).CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	// Federated, as users' namespaces are: the webhook warns about objects in others.
	for _, ns := range namespaces {
		fns := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedNamespace",
			"metadata": map[string]interface{}{"name": ns, "namespace": ns},
			"spec":     map[string]interface{}{"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}},
		}}
		gvr := schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatednamespaces"}
		if _, err := dynamic.NewForConfigOrDie(host).Resource(gvr).Namespace(ns).Create(ctx, fns, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		for _, m := range f.Members() {
			mc := kubernetes.NewForConfigOrDie(m.RESTConfig())
			testkit.Eventually(b, "namespace "+ns+" in "+m.Name, func(ctx context.Context) (bool, error) {
				_, err := mc.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
				return err == nil, nil
			})
		}
	}
	return cp
}

// unlimited returns a copy of cfg without client-side rate limiting (nor
// printed warnings), for the load generator.
func unlimited(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg
}

// parallel runs do(i) for i in [from, from+n) on clientWorkers goroutines.
func parallel(b testing.TB, from, n int, do func(i int) error) {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	errs := make(chan error, clientWorkers)
	for range clientWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= from+n {
					return
				}
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// floor creates the objects directly in both members: the least any
// propagation can cost.
func floor(b testing.TB, ctx context.Context, f *fleet.Fleet, objects int) float64 {
	var clients []kubernetes.Interface
	for _, m := range f.Members() {
		mc := kubernetes.NewForConfigOrDie(unlimited(m.RESTConfig()))
		if _, err := mc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "floor"}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		clients = append(clients, mc)
	}
	started := time.Now()
	parallel(b, 0, objects, func(i int) error {
		for _, mc := range clients {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name(i)}, Data: map[string]string{"i": strconv.Itoa(i)}}
			if _, err := mc.CoreV1().ConfigMaps("floor").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	return time.Since(started).Seconds()
}

func name(i int) string { return fmt.Sprintf("cm-%05d", i) }

// syncerProcess is the syncer under measurement; waits fail fast when it
// has exited. syncerPprof is the host:port of its /debug/pprof profiles.
var (
	syncerProcess *fleet.Process
	syncerPprof   string
	// webhookPprof is the host:port of the webhook's /debug/pprof profiles.
	webhookPprof string
)

// propagate creates n FederatedConfigMaps (numbered from) on the host and
// returns the time until every member holds them and every one reports
// Propagation=True. onStart (if not nil) is called just before the first
// create with the progress so far (see Sample.Progress).
func propagate(b testing.TB, ctx context.Context, f *fleet.Fleet, ns string, from, n int, onStart func(progress func() []int64)) float64 {
	if n == 0 {
		return 0
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	configMaps := corev1.SchemeGroupVersion.WithResource("configmaps")
	var counters []*atomic.Int64
	for _, m := range f.Members() {
		counters = append(counters, countWhere(ctx, dynamic.NewForConfigOrDie(m.RESTConfig()), configMaps, ns, core.ManagedByKubeFedLabelKey,
			func(obj *unstructured.Unstructured) bool {
				i, _, _ := unstructured.NestedString(obj.Object, "data", "i")
				return obj.GetName() >= name(from) && i != ""
			}))
	}
	ready := countWhere(ctx, dynamic.NewForConfigOrDie(f.Host().RESTConfig()), federatedConfigMaps, ns, "", func(obj *unstructured.Unstructured) bool {
		return obj.GetName() >= name(from) && propagated(obj)
	})
	host := dynamic.NewForConfigOrDie(unlimited(f.Host().RESTConfig())).Resource(federatedConfigMaps)
	var created atomic.Int64
	if onStart != nil {
		onStart(progressOf(&created, counters, ready))
	}
	started := time.Now()
	createFederated(b, ctx, host, ns, from, n, &created)
	err := testkit.Poll(ctx, 30*time.Minute, func(context.Context) (bool, error) {
		if syncerProcess.Exited() {
			return false, fmt.Errorf("the syncer exited; see %s", syncerProcess.LogPath())
		}
		for _, c := range counters {
			if c.Load() < int64(n) {
				return false, nil
			}
		}
		return ready.Load() >= int64(n), nil
	})
	if err != nil {
		b.Fatalf("propagating %d objects: %v (members %v, propagated %d)", n, err, loads(counters), ready.Load())
	}
	return time.Since(started).Seconds()
}

func loads(counters []*atomic.Int64) []int64 {
	out := make([]int64, len(counters))
	for i, c := range counters {
		out[i] = c.Load()
	}
	return out
}

func propagated(obj *unstructured.Unstructured) bool {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		if c, ok := c.(map[string]interface{}); ok && c["type"] == "Propagation" && c["status"] == "True" {
			return true
		}
	}
	return false
}

// countWhere counts the distinct objects of a resource in namespace
// (filtered by labelSelector) that match, through an informer, which
// re-lists and re-watches by itself, until ctx ends.
func countWhere(ctx context.Context, client dynamic.Interface, gvr schema.GroupVersionResource, ns, labelSelector string,
	match func(*unstructured.Unstructured) bool) *atomic.Int64 {
	informer := dynamicinformer.NewFilteredDynamicInformer(client, gvr, ns, 0, cache.Indexers{},
		func(o *metav1.ListOptions) { o.LabelSelector = labelSelector }).Informer()
	var count atomic.Int64
	var seen sync.Map
	handle := func(obj interface{}) {
		if u, ok := obj.(*unstructured.Unstructured); ok && match(u) {
			if _, counted := seen.LoadOrStore(u.GetName(), true); !counted {
				count.Add(1)
			}
		}
	}
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: handle, UpdateFunc: func(_, obj interface{}) { handle(obj) }})
	go informer.RunWithContext(ctx)
	return &count
}

// latency updates FederatedConfigMap probe of namespace ns rounds times,
// one after the other, and measures each host write until every one of
// members shows it; it returns the p50 and p99 in milliseconds.
func latency(b testing.TB, ctx context.Context, f *fleet.Fleet, members []*fleet.Cluster, ns, probe string, rounds int) (p50, p99 float64) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	host := dynamic.NewForConfigOrDie(f.Host().RESTConfig()).Resource(federatedConfigMaps).Namespace(ns)
	type sighting struct{ member, value string }
	seen := make(chan sighting, rounds*len(members))
	for _, m := range members {
		informer := dynamicinformer.NewFilteredDynamicInformer(dynamic.NewForConfigOrDie(m.RESTConfig()),
			corev1.SchemeGroupVersion.WithResource("configmaps"), ns, 0, cache.Indexers{},
			func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + probe }).Informer()
		_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{UpdateFunc: func(_, obj interface{}) {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				i, _, _ := unstructured.NestedString(u.Object, "data", "i")
				seen <- sighting{m.Name, i}
			}
		}})
		go informer.RunWithContext(ctx)
		if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
			b.Fatalf("the cache of %s did not sync", m.Name)
		}
	}
	var durations []time.Duration
	for round := range rounds {
		want := "round-" + strconv.Itoa(round)
		patch := fmt.Sprintf(`{"spec":{"template":{"data":{"i":%q}}}}`, want)
		started := time.Now()
		if _, err := host.Patch(ctx, probe, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		timeout := time.After(60 * time.Second)
		reached := map[string]bool{}
		for len(reached) < len(members) {
			select {
			case got := <-seen:
				if got.value == want {
					reached[got.member] = true
				}
			case <-timeout:
				b.Fatalf("round %d reached %d of %d members within 60s", round, len(reached), len(members))
			}
		}
		durations = append(durations, time.Since(started))
	}
	slices.Sort(durations)
	return quantileMs(durations, 0.50), quantileMs(durations, 0.99)
}

// settle waits until the syncer has not written for settleQuiet (e.g. the
// status and event backlog of the phase before has drained) and returns
// how long that took.
func settle(b testing.TB, ctx context.Context, f *fleet.Fleet, metricsURL string) float64 {
	started := time.Now()
	last, quietSince := writes(b, ctx, f, metricsURL), time.Now()
	err := testkit.Poll(context.Background(), settleTimeout, func(context.Context) (bool, error) {
		now := writes(b, ctx, f, metricsURL)
		if !maps.Equal(now, last) {
			last, quietSince = now, time.Now()
		}
		return time.Since(quietSince) >= settleQuiet, nil
	})
	if err != nil {
		b.Fatalf("the writes did not stop for %s within %s: %v; writes in the last poll: %v", settleQuiet, settleTimeout, err, delta(last, writes(b, ctx, f, metricsURL)))
	}
	return time.Since(started).Seconds()
}

// idleWrites waits until the syncer has settled, then counts its writes
// (POST, PUT, PATCH, DELETE to the host or a member) over idleWindow, in
// all and per cluster and method. It returns how long settling took too.
func idleWrites(b testing.TB, ctx context.Context, f *fleet.Fleet, metricsURL string, idleWindow time.Duration) (int64, map[string]int64, float64) {
	settled := settle(b, ctx, f, metricsURL)
	before := writes(b, ctx, f, metricsURL)
	time.Sleep(idleWindow) // the measurement window itself, not a wait for a condition
	by := delta(before, writes(b, ctx, f, metricsURL))
	return sum(by), by, settled
}

// delta returns the counters that grew from before to after, by how much.
func delta(before, after map[string]int64) map[string]int64 {
	by := map[string]int64{}
	for key, n := range after {
		if d := n - before[key]; d > 0 {
			by[key] = d
		}
	}
	return by
}

func sum(counts map[string]int64) int64 {
	var total int64
	for _, n := range counts {
		total += n
	}
	return total
}

// writes reads the writes so far, keyed by "<member> <method>" for the
// syncer's writes to members (from its rest_client_requests_total) and
// "host <resource> <verb>" for the host API server's (hostWrites: all
// clients, leases left out, since the syncer's leader election renews one
// every few seconds whatever it does).
func writes(b testing.TB, ctx context.Context, f *fleet.Fleet, metricsURL string) map[string]int64 {
	counts := memberWrites(b, f, metricsURL)
	for key, n := range hostWrites(b, ctx, f) {
		counts[fleet.HostName+" "+key] = n
	}
	return counts
}

// memberWrites reads the syncer's write requests to members so far from
// its metrics, keyed by "<member> <method>".
func memberWrites(b testing.TB, f *fleet.Fleet, metricsURL string) map[string]int64 {
	resp, err := http.Get(metricsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	clusterOf := map[string]string{}
	for _, c := range f.Members() {
		clusterOf[`host="`+strings.TrimPrefix(c.Server, "https://")+`"`] = c.Name
	}
	counts := map[string]int64{}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, "rest_client_requests_total{") {
			continue
		}
		method := label(line, "method")
		cluster, member := clusterOf[`host="`+label(line, "host")+`"`]
		if !member || !slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE"}, method) {
			continue
		}
		fields := strings.Fields(line)
		v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
		counts[cluster+" "+method] += int64(v)
	}
	return counts
}

func report(b testing.TB, r Result, file string) {
	line := func(what, figure, goal string) { fmt.Printf("  %-76s %-20s %s\n", what, figure, goal) }
	fmt.Printf("\npropagation benchmark: host + %d members, the control plane as `make local-up` runs it (webhook on, syncer at its deployed defaults)\n", r.Members)
	line(fmt.Sprintf("floor: %d ConfigMaps into each member directly", r.Objects), fmt.Sprintf("%.2f s", r.FloorSeconds), "")
	line(fmt.Sprintf("first create to last member holding all %d objects", r.Objects), fmt.Sprintf("%.2f s", r.PropagationSeconds), "")
	line("ratio propagation/floor", fmt.Sprintf("%.2f", r.Ratio), "(goal ≤ 2.0)")
	line("host creates/s of FederatedConfigMaps with the webhook", fmt.Sprintf("%.0f /s", r.CreatesPerSecondWebhook), "")
	line("host creates/s of FederatedConfigMaps without a webhook", fmt.Sprintf("%.0f /s", r.CreatesPerSecondNoWebhook), "")
	line("admission cost: time per create with / without the webhook", fmt.Sprintf("%.2f x", r.AdmissionCostRatio), "(goal ≤ 1.3)")
	line("host kube-apiserver CPU per create with / without the webhook; webhook CPU", fmt.Sprintf("%.2f / %.2f; %.2f ms", r.APIServerCPUMsWebhook, r.APIServerCPUMsNoWebhook, r.WebhookCPUMs), "")
	line("host writes per federated object (all clients, no leases)", fmt.Sprintf("%.2f", r.HostWritesPerObject), fmt.Sprintf("%v", r.HostWritesBy))
	line("syncer writes while propagating, by cluster", fmt.Sprintf("%d", sum(r.MemberWritesBy)), fmt.Sprintf("%v", r.MemberWritesBy))
	line(fmt.Sprintf("update latency to member1 p50 / p99 (%d rounds)", r.LatencyRounds), fmt.Sprintf("%.1f / %.1f ms", r.LatencyP50Ms, r.LatencyP99Ms), "(goal p99 ≤ 500 ms)")
	line(fmt.Sprintf("writes while idle for %ds (syncer to members, host's)", r.IdleSeconds), fmt.Sprintf("%d", r.IdleWrites), fmt.Sprintf("(goal 0) %v; settled %.1fs after the last change", r.IdleWritesBy, r.SettleSeconds))
	line("syncer CPU while propagating (until settled)", fmt.Sprintf("%.1f s", r.SyncerCPUSeconds), fmt.Sprintf("%.2f ms per member object", r.SyncerCPUSeconds*1000/float64(r.Objects*r.Members)))
	line("syncer passes (reconciles) per federated object while propagating", fmt.Sprintf("%.2f", r.PassesPerObject), "")
	line("syncer peak RSS", fmt.Sprintf("%.0f MiB", r.SyncerPeakRSSMiB), "(goal ≤ 1 GiB at 33,000 member objects)")
	for _, path := range slices.Sorted(maps.Keys(r.WebhookP99Ms)) {
		line(fmt.Sprintf("webhook %s per call p50 / p99 (50 clusters x 5 overrides)", path), fmt.Sprintf("%.2f / %.2f ms", r.WebhookP50Ms[path], r.WebhookP99Ms[path]), "(goal p99 ≤ 5 ms)")
	}
	lb := r.LowerBound
	line(fmt.Sprintf("CPU: the floor's %d member creates / the propagation (without the rest of the machine)", r.Members*r.Objects), fmt.Sprintf("%.2f / %.2f core-s", lb.FloorCoreSeconds, lb.CoreSeconds), "")
	line("ratio on a quiet machine at these costs: propagation core-s / floor core-s", fmt.Sprintf("%.2f", lb.Ratio), fmt.Sprintf("(measured %.2f with the rest of the machine's load)", r.Ratio))
	line("lower bound with a free syncer and benchmark: (floor + host's API server, etcd, webhook) / floor", fmt.Sprintf("%.2f", lb.HostRatio), "(the goal 2.0 needs the host's share below the floor's)")
	line("CPU per federated object while propagating, by process (ms)", "", perObject(lb.PerObjectMs))
	creates := r.APIServerCPUMsWebhook * float64(r.Objects) / 1000
	line("host kube-apiserver while propagating: creates through admission / the rest", fmt.Sprintf("%.2f / %.2f core-s", creates, r.PropagationBudget.CoreSeconds[groupHost]-creates),
		fmt.Sprintf("the creates at the admission run's %.2f ms each; the rest is the status writes and serving watches, %.2f ms per object",
			r.APIServerCPUMsWebhook, lb.PerObjectMs[groupHost]-r.APIServerCPUMsWebhook))
	printBudget("the floor", r.FloorBudget)
	printBudget("the propagation", r.PropagationBudget)
	if r.SyncerProfile != "" {
		fmt.Printf("  syncer CPU profile of the first %d s (go tool pprof -top %s); top functions, own samples:\n", r.ProfileSeconds, r.SyncerProfile)
		for _, l := range r.SyncerTopFlat {
			fmt.Printf("    %s\n", l)
		}
		fmt.Printf("  this project's functions, with what they call:\n")
		for _, l := range r.SyncerTopCumulative {
			fmt.Printf("    %s\n", l)
		}
	}
	if r.RSSObjects > 0 {
		line(fmt.Sprintf("syncer peak RSS at %d objects x %d members", r.RSSObjects, r.Members), fmt.Sprintf("%.0f MiB", r.RSSPeakMiB), fmt.Sprintf("(converged in %.0fs)", r.RSSConvergeSeconds))
	}
	root, err := fleet.RepositoryRoot()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "_output", "bench")
	data, _ := jsonIndent(r)
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(dir, file), data, 0o644)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// passes reads the propagation controller's reconciles so far from the
// syncer's metrics.
func passes(b testing.TB, metricsURL string) float64 {
	n, _ := metricSum(b, metricsURL, "controller_runtime_reconcile_total", "controller", "propagation")
	return n
}

// perObject renders CPU milliseconds per object by group, in budget order.
func perObject(ms map[string]float64) string {
	var parts []string
	for _, group := range budgetGroups {
		if v, ok := ms[group]; ok {
			parts = append(parts, fmt.Sprintf("%s %.2f", group, v))
		}
	}
	return strings.Join(parts, ", ")
}

// jsonIndent marshals v indented, with a final newline.
func jsonIndent(v interface{}) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	return append(data, '\n'), err
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}
