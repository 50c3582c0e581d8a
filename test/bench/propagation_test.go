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

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// Sizes, overridable with BENCH_OBJECTS and BENCH_RSS_OBJECTS.
var (
	objects    = envInt("BENCH_OBJECTS", 2000)
	rssObjects = envInt("BENCH_RSS_OBJECTS", 10000)
)

const (
	clientWorkers = 16
	latencyRounds = 200
	idleWindow    = 60 * time.Second
	// settleQuiet is how long the syncer must not write before the idle
	// window starts, and settleTimeout bounds that wait.
	settleQuiet   = 5 * time.Second
	settleTimeout = 5 * time.Minute
)

var federatedConfigMaps = schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedconfigmaps"}

// Result is what the benchmark measured.
type Result struct {
	Objects            int     `json:"objects"`
	FloorSeconds       float64 `json:"floorSeconds"`
	PropagationSeconds float64 `json:"propagationSeconds"`
	Ratio              float64 `json:"ratio"`
	LatencyP50Ms       float64 `json:"latencyP50Ms"`
	LatencyP99Ms       float64 `json:"latencyP99Ms"`
	IdleWrites         int64   `json:"idleWrites"`
	// IdleWritesBy splits IdleWrites by "<cluster> <method>".
	IdleWritesBy      map[string]int64 `json:"idleWritesBy,omitempty"`
	IdleWindowSeconds float64          `json:"idleWindowSeconds"`
	// SettleSeconds is how long the syncer kept writing (mostly the event
	// backlog) after the latency rounds, before the idle window started.
	SettleSeconds      float64 `json:"settleSeconds"`
	RSSObjects         int     `json:"rssObjects"`
	SyncerPeakRSSMiB   float64 `json:"syncerPeakRSSMiB"`
	RSSConvergeSeconds float64 `json:"rssConvergeSeconds"`
}

func BenchmarkPropagation(b *testing.B) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	f := fleet.ForTest(b, fleet.Options{Clusters: fleet.ClusterNames(2)})
	ctx := context.Background()
	syncerPID, metricsURL := setUp(b, ctx, f)
	for b.Loop() {
		r := Result{Objects: objects, RSSObjects: rssObjects, IdleWindowSeconds: idleWindow.Seconds()}
		r.FloorSeconds = floor(b, ctx, f)
		r.PropagationSeconds = propagate(b, ctx, f, "bench", 0, objects)
		r.Ratio = r.PropagationSeconds / r.FloorSeconds
		r.LatencyP50Ms, r.LatencyP99Ms = latency(b, ctx, f)
		r.IdleWrites, r.IdleWritesBy, r.SettleSeconds = idleWrites(b, f, metricsURL)
		more := max(rssObjects-objects, 0)
		started := time.Now()
		propagate(b, ctx, f, "bench", objects, more)
		r.RSSConvergeSeconds = time.Since(started).Seconds()
		r.SyncerPeakRSSMiB = float64(fleet.PeakResidentBytes(syncerPID)) / (1 << 20)
		report(b, r)
	}
}

// setUp federates the fleet and starts the syncer process; it returns the
// syncer's PID and the URL of its metrics.
func setUp(b *testing.B, ctx context.Context, f *fleet.Fleet) (int, string) {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		b.Fatal(err)
	}
	fed, err := testkit.NewFederation(ctx, f, filepath.Join(root, "manifests", "crds"))
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range f.Members() {
		if err := fed.Join(ctx, m, nil); err != nil {
			b.Fatal(err)
		}
	}
	for _, target := range []typesv1beta1.TargetType{fixtures.Namespaces, fixtures.ConfigMaps} {
		if err := fed.Enable(ctx, target); err != nil {
			b.Fatal(err)
		}
	}
	ports, err := fleet.FreePorts(1)
	if err != nil {
		b.Fatal(err)
	}
	metrics := "127.0.0.1:" + strconv.Itoa(ports[0])
	// Plain HTTP on 127.0.0.1: the benchmark reads the write counters without a token.
	p, err := testkit.StartSyncer(ctx, f, "syncer", testkit.Command(b, "syncer"), filepath.Join(b.TempDir(), "syncer.log"),
		"--leader-elect=false", "--metrics-bind-address", metrics, "--metrics-secure=false", "--workers", "32",
		"--kube-api-qps", "2000", "--kube-api-burst", "4000", "--member-qps", "2000", "--member-burst", "4000")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Stop)
	syncerProcess = p
	testkit.Eventually(b, "members ready and configmaps served", func(ctx context.Context) (bool, error) {
		for _, m := range f.Members() {
			kfc := &corev1beta1.KubeFedCluster{}
			if err := fed.Host.Get(ctx, types.NamespacedName{Namespace: fed.Namespace, Name: m.Name}, kfc); err != nil || !kfc.Status.IsReady() {
				return false, err
			}
		}
		ftc := &corev1beta1.FederatedTypeConfig{}
		err := fed.Host.Get(ctx, types.NamespacedName{Namespace: fed.Namespace, Name: "configmaps"}, ftc)
		return err == nil && ftc.Status.PropagationController == corev1beta1.ControllerStatusRunning, err
	})
	host := unlimited(f.Host().RESTConfig())
	if _, err := kubernetes.NewForConfigOrDie(host).CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	fns := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedNamespace",
		"metadata": map[string]interface{}{"name": "bench", "namespace": "bench"},
		"spec":     map[string]interface{}{"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}},
	}}
	gvr := schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatednamespaces"}
	if _, err := dynamic.NewForConfigOrDie(host).Resource(gvr).Namespace("bench").Create(ctx, fns, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	for _, m := range f.Members() {
		mc := kubernetes.NewForConfigOrDie(m.RESTConfig())
		testkit.Eventually(b, "namespace bench in "+m.Name, func(ctx context.Context) (bool, error) {
			_, err := mc.CoreV1().Namespaces().Get(ctx, "bench", metav1.GetOptions{})
			return err == nil, nil
		})
	}
	return p.Pid(), "http://" + metrics + "/metrics"
}

// unlimited returns a copy of cfg without client-side rate limiting, for
// the load generator.
func unlimited(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

// parallel runs do(i) for i in [from, from+n) on clientWorkers goroutines.
func parallel(b *testing.B, from, n int, do func(i int) error) {
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
func floor(b *testing.B, ctx context.Context, f *fleet.Fleet) float64 {
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
// has exited.
var syncerProcess *fleet.Process

// propagate creates n FederatedConfigMaps (numbered from) on the host and
// returns the time until every member holds them and every one reports
// Propagation=True.
func propagate(b *testing.B, ctx context.Context, f *fleet.Fleet, ns string, from, n int) float64 {
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
	host := dynamic.NewForConfigOrDie(unlimited(f.Host().RESTConfig())).Resource(federatedConfigMaps).Namespace(ns)
	started := time.Now()
	parallel(b, from, n, func(i int) error {
		_, err := host.Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
			"metadata": map[string]interface{}{"name": name(i), "namespace": ns},
			"spec": map[string]interface{}{"template": map[string]interface{}{"data": map[string]interface{}{"i": strconv.Itoa(i)}},
				"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}},
		}}, metav1.CreateOptions{})
		return err
	})
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

// latency updates one federated object's template latencyRounds times, one
// after the other, and measures each host write until member1 shows it.
func latency(b *testing.B, ctx context.Context, f *fleet.Fleet) (p50, p99 float64) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	host := dynamic.NewForConfigOrDie(f.Host().RESTConfig()).Resource(federatedConfigMaps).Namespace("bench")
	probe := name(objects - 1)
	seen := make(chan string, latencyRounds)
	informer := dynamicinformer.NewFilteredDynamicInformer(dynamic.NewForConfigOrDie(f.Members()[0].RESTConfig()),
		corev1.SchemeGroupVersion.WithResource("configmaps"), "bench", 0, cache.Indexers{},
		func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + probe }).Informer()
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{UpdateFunc: func(_, obj interface{}) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			i, _, _ := unstructured.NestedString(u.Object, "data", "i")
			seen <- i
		}
	}})
	go informer.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		b.Fatal("the member cache did not sync")
	}
	var durations []time.Duration
	for round := range latencyRounds {
		want := "round-" + strconv.Itoa(round)
		patch := fmt.Sprintf(`{"spec":{"template":{"data":{"i":%q}}}}`, want)
		started := time.Now()
		if _, err := host.Patch(ctx, probe, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		timeout := time.After(30 * time.Second)
	wait:
		for {
			select {
			case got := <-seen:
				if got == want {
					break wait
				}
			case <-timeout:
				b.Fatalf("round %d did not reach the member within 30s", round)
			}
		}
		durations = append(durations, time.Since(started))
	}
	slices.Sort(durations)
	ms := func(q float64) float64 {
		return float64(durations[int(q*float64(len(durations)-1))].Microseconds()) / 1000
	}
	return ms(0.50), ms(0.99)
}

// idleWrites waits until the syncer has settled (no write for settleQuiet,
// e.g. the event backlog of the phases before has drained), then counts the
// syncer's writes (POST, PUT, PATCH, DELETE to the host or a member) over
// idleWindow, in all and per cluster and method. It returns how long
// settling took too.
func idleWrites(b *testing.B, f *fleet.Fleet, metricsURL string) (int64, map[string]int64, float64) {
	started := time.Now()
	last, quietSince := writes(b, f, metricsURL), time.Now()
	err := testkit.Poll(context.Background(), settleTimeout, func(context.Context) (bool, error) {
		now := writes(b, f, metricsURL)
		if !maps.Equal(now, last) {
			last, quietSince = now, time.Now()
		}
		return time.Since(quietSince) >= settleQuiet, nil
	})
	if err != nil {
		b.Fatalf("the syncer did not stop writing for %s within %s: %v", settleQuiet, settleTimeout, err)
	}
	settled := time.Since(started).Seconds()
	before := writes(b, f, metricsURL)
	time.Sleep(idleWindow) // the measurement window itself, not a wait for a condition
	var total int64
	by := map[string]int64{}
	for key, n := range writes(b, f, metricsURL) {
		if d := n - before[key]; d > 0 {
			by[key], total = d, total+d
		}
	}
	return total, by, settled
}

// writes reads the syncer's write requests so far from its metrics, keyed
// by "<cluster> <method>".
func writes(b *testing.B, f *fleet.Fleet, metricsURL string) map[string]int64 {
	resp, err := http.Get(metricsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	clusterOf := map[string]string{}
	for _, c := range f.Clusters {
		clusterOf[strings.TrimPrefix(c.Server, "https://")] = c.Name
	}
	counts := map[string]int64{}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, "rest_client_requests_total{") {
			continue
		}
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if !strings.Contains(line, `method="`+method+`"`) {
				continue
			}
			cluster := "other"
			for addr, name := range clusterOf {
				if strings.Contains(line, `host="`+addr+`"`) {
					cluster = name
				}
			}
			fields := strings.Fields(line)
			v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
			counts[cluster+" "+method] += int64(v)
		}
	}
	return counts
}

func report(b *testing.B, r Result) {
	fmt.Printf("\npropagation benchmark (host + 2 members, one syncer process)\n")
	fmt.Printf("  %-52s %10.2f s\n", fmt.Sprintf("floor: %d ConfigMaps into both members directly", r.Objects), r.FloorSeconds)
	fmt.Printf("  %-52s %10.2f s\n", fmt.Sprintf("propagation: %d FederatedConfigMaps to both members", r.Objects), r.PropagationSeconds)
	fmt.Printf("  %-52s %10.2f   (goal ≤ 1.5)\n", "ratio propagation/floor", r.Ratio)
	fmt.Printf("  %-52s %10.1f ms / %.1f ms  (goal p99 ≤ 100 ms)\n", fmt.Sprintf("update latency p50 / p99 (%d rounds)", latencyRounds), r.LatencyP50Ms, r.LatencyP99Ms)
	fmt.Printf("  %-52s %10d   (goal 0) %v; settled %.1fs after the last change\n", fmt.Sprintf("syncer writes while idle for %.0fs", r.IdleWindowSeconds), r.IdleWrites, r.IdleWritesBy, r.SettleSeconds)
	fmt.Printf("  %-52s %10.0f MiB (goal ≤ 400; converged in %.0fs)\n", fmt.Sprintf("syncer peak RSS at %d objects x 2 members", r.RSSObjects), r.SyncerPeakRSSMiB, r.RSSConvergeSeconds)
	b.ReportMetric(r.Ratio, "ratio")
	b.ReportMetric(r.LatencyP99Ms, "p99-ms")
	root, err := fleet.RepositoryRoot()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "_output", "bench")
	data, _ := json.MarshalIndent(r, "", "  ")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(dir, "propagation.json"), append(data, '\n'), 0o644)
	}
	if err != nil {
		b.Fatal(err)
	}
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}
