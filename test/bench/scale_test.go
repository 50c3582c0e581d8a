package bench

import (
	"bufio"
	"context"
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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/defaults"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var federatedDeployments = schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federateddeployments"}

// ScaleSizes are the sizes of `make bench-scale`.
type ScaleSizes struct {
	// Members lists the member counts to run, one fleet each (e.g. 5,10,20,30).
	Members       []int `json:"members"`
	ConfigMaps    int   `json:"configMaps"`
	Deployments   int   `json:"deployments"`
	LatencyRounds int   `json:"latencyRounds"`
	IdleSeconds   int   `json:"idleSeconds"`
	// StallObjects is the batch converged with and without one member's
	// API server stopped (SIGSTOP); 0 skips the stall run.
	StallObjects int `json:"stallObjects"`
	// ProfileSeconds is how long the syncer's CPU is profiled from the
	// first create of the propagation; 0 takes no profiles.
	ProfileSeconds int `json:"profileSeconds"`
	// HealthCheck, when set, replaces `make local-up`'s health checks
	// (the KubeFedConfig's spec.clusterHealthCheck) from the syncer's
	// restart on, so that the stall is reported sooner: make test's short
	// run probes every second. Nil keeps the defaults (`make bench-scale`).
	// The webhook wants every field set.
	HealthCheck *corev1beta1.ClusterHealthCheckConfig `json:"healthCheck,omitempty"`
}

// healthBoundSeconds is the health thresholds' bound, period x
// failureThreshold + timeout: sz.HealthCheck's, or the defaults'.
func (sz ScaleSizes) healthBoundSeconds() float64 {
	period, failures, timeout := defaults.HealthCheckPeriod, int64(defaults.HealthCheckFailureThreshold), defaults.HealthCheckTimeout
	if hc := sz.HealthCheck; hc != nil {
		period, failures, timeout = hc.Period.Duration, *hc.FailureThreshold, hc.Timeout.Duration
	}
	return (period*time.Duration(failures) + timeout).Seconds()
}

// scaleSizesFromEnv returns `make bench-scale`'s sizes, each overridable:
// SCALE_MEMBERS (a comma-separated list), SCALE_CONFIGMAPS,
// SCALE_DEPLOYMENTS, SCALE_LATENCY_ROUNDS, SCALE_IDLE_SECONDS,
// SCALE_STALL_OBJECTS and SCALE_PROFILE_SECONDS.
func scaleSizesFromEnv() ScaleSizes {
	var members []int
	for _, field := range strings.Split(os.Getenv("SCALE_MEMBERS"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(field)); err == nil && n > 0 {
			members = append(members, n)
		}
	}
	if len(members) == 0 {
		members = []int{30}
	}
	return ScaleSizes{
		Members:        members,
		ConfigMaps:     envInt("SCALE_CONFIGMAPS", 1000),
		Deployments:    envInt("SCALE_DEPLOYMENTS", 100),
		LatencyRounds:  envInt("SCALE_LATENCY_ROUNDS", 50),
		IdleSeconds:    envInt("SCALE_IDLE_SECONDS", 60),
		StallObjects:   envInt("SCALE_STALL_OBJECTS", 100),
		ProfileSeconds: envInt("SCALE_PROFILE_SECONDS", 30),
	}
}

// ScaleResult is what one scale run measured.
type ScaleResult struct {
	Members         int     `json:"members"`
	MemberObjects   int     `json:"memberObjects"`
	FloorSeconds    float64 `json:"floorSeconds"`
	ConvergeSeconds float64 `json:"convergeSeconds"`
	Ratio           float64 `json:"ratio"`
	MemberWrites    int64   `json:"memberWrites"`
	// MemberWritesByCode splits MemberWrites by method and response code
	// ("POST 201"), every member together.
	MemberWritesByCode map[string]int64 `json:"memberWritesByCode,omitempty"`
	HostWrites         int64            `json:"hostWrites"`
	SyncerCPUSeconds   float64          `json:"syncerCPUSeconds"`
	SyncerPeakRSSMiB   float64          `json:"syncerPeakRSSMiB"`
	UpdateP50Ms        float64          `json:"updateP50Ms"`
	UpdateP99Ms        float64          `json:"updateP99Ms"`
	IdleWrites         int64            `json:"idleWrites"`
	// RestartSeconds is from the restart until the new syncer leads with
	// empty queues; RestartWrites its member writes until it settled.
	RestartSeconds    float64 `json:"restartSeconds"`
	RestartWrites     int64   `json:"restartMemberWrites"`
	RestartPeakRSSMiB float64 `json:"restartPeakRSSMiB"`
	FleetStartSeconds float64 `json:"fleetStartSeconds"`
	FleetResidentMiB  float64 `json:"fleetResidentMiB"`
	// Stall: a batch of StallObjects converged to the other members, and
	// their update p99, without and with the last member's API server
	// stopped; then how long the stalled member took to catch up.
	StallBaselineSeconds float64 `json:"stallBaselineSeconds,omitempty"`
	StallSeconds         float64 `json:"stallSeconds,omitempty"`
	StallBaselineP99Ms   float64 `json:"stallBaselineP99Ms,omitempty"`
	StallP99Ms           float64 `json:"stallP99Ms,omitempty"`
	StallCatchUpSeconds  float64 `json:"stallCatchUpSeconds,omitempty"`
	// StallReport is how the stall showed on the host, against the
	// default health thresholds.
	StallReport *StallReport `json:"stallReport,omitempty"`
	// CPUProfile and HeapProfile are the syncer's profiles taken while it
	// propagated (go tool pprof reads them).
	CPUProfile  string `json:"cpuProfile,omitempty"`
	HeapProfile string `json:"heapProfile,omitempty"`
}

// StallReport is how a stalled member showed on the host and how it caught
// up after SIGCONT.
type StallReport struct {
	// BoundSeconds is the health thresholds' bound (ScaleSizes.HealthCheck's,
	// or the defaults'): period x failureThreshold + timeout.
	BoundSeconds float64 `json:"boundSeconds"`
	// ClusterNotReadySeconds is from SIGSTOP until its KubeFedCluster was
	// not ready; EntriesSeconds until every FederatedConfigMap of the batch
	// created during the stall reported ClusterNotReady for it.
	ClusterNotReadySeconds float64 `json:"clusterNotReadySeconds"`
	EntriesSeconds         float64 `json:"entriesSeconds"`
	// AllEntriesSeconds is from SIGSTOP until every FederatedConfigMap of
	// the run (each is placed on every member) reported ClusterNotReady
	// for it; 0 when that took more than allEntriesGrace after the batch.
	AllEntriesSeconds float64 `json:"allEntriesSeconds,omitempty"`
	// Rewrite is what bringing every FederatedConfigMap's entry in line
	// took, from the KubeFedCluster seen not ready until every entry
	// reported it (nil when that did not happen within allEntriesGrace).
	Rewrite *StallRewrite `json:"rewrite,omitempty"`
	// After SIGCONT: Lost counts the objects of the stall namespace the
	// member lacks or holds with other data, Extra the managed objects it
	// holds beyond them, Creates the syncer's creates in it from SIGSTOP
	// until it caught up (one per object of the batch created during the
	// stall; more are retries), CreatesByCode split by response code.
	Lost          int              `json:"lost"`
	Extra         int              `json:"extra"`
	Creates       int64            `json:"creates"`
	CreatesByCode map[string]int64 `json:"createsByCode"`
}

// StallRewrite is what the host and the syncer spent in the rewrite of the
// statuses after a member turned not ready.
type StallRewrite struct {
	Seconds float64 `json:"seconds"`
	// Entries are the FederatedConfigMaps whose entry turned
	// ClusterNotReady in that time.
	Entries int64 `json:"entries"`
	// SyncerCPUSeconds and HostCPUSeconds are the CPU time of the syncer
	// and of the host's kube-apiserver; Passes the syncer's reconciles;
	// HostWrites the host's writes by resource and verb; Load the
	// machine's 1-minute load average at the start.
	SyncerCPUSeconds float64          `json:"syncerCPUSeconds"`
	HostCPUSeconds   float64          `json:"hostCPUSeconds"`
	Passes           float64          `json:"passes"`
	HostWrites       map[string]int64 `json:"hostWrites"`
	Load             string           `json:"load"`
	// Profile is the syncer's CPU profile of rewriteProfileSeconds (at
	// most ScaleSizes.ProfileSeconds, none when 0) from the start.
	Profile string `json:"profile,omitempty"`
}

// rewriteProfileSeconds is how long the syncer's CPU is profiled from the
// moment the stalled member's KubeFedCluster is seen not ready (at most
// ScaleSizes.ProfileSeconds: the short run's second).
const rewriteProfileSeconds = 10

// BenchmarkScale runs `make bench-scale`: for each member count, a fleet of
// light members (fleet.Options.LightMembers) with the control plane as
// `make local-up` runs it, ConfigMaps FederatedConfigMaps and Deployments
// FederatedDeployments placed on every member with an override per
// member, the floor (the same objects written straight into the members)
// measured in the same run, then update latency to all members, idle
// writes, a syncer restart and a stalled member. It prints a row per run
// and how each figure grows with member objects.
func BenchmarkScale(b *testing.B) {
	unlock, err := fleet.LockForTests()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	sz := scaleSizesFromEnv()
	for b.Loop() {
		var rows []ScaleResult
		for _, members := range sz.Members {
			rows = append(rows, runScale(b, sz, members))
			reportScale(b, sz, rows)
		}
	}
}

// runScale measures one member count on its own fleet, stopped at the end.
func runScale(b testing.TB, sz ScaleSizes, members int) ScaleResult {
	ctx := context.Background()
	r := ScaleResult{Members: members, MemberObjects: members * (sz.ConfigMaps + sz.Deployments)}
	started := time.Now()
	f, err := fleet.Start(ctx, fleet.Options{Clusters: fleet.ClusterNames(members), LightMembers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Stop()
	r.FleetStartSeconds = time.Since(started).Seconds()
	r.FleetResidentMiB = float64(f.ResidentBytes()) / (1 << 20)
	cp := setUp(b, ctx, f, "scale", "stall")
	defer cp.Stop()
	metricsURL := "http://" + cp.SyncerMetrics + "/metrics"

	r.FloorSeconds = scaleFloor(b, ctx, f, sz)
	hostBefore, membersBefore, cpuBefore := hostWrites(b, ctx, f), memberWrites(b, f, metricsURL), cpuSeconds(b, cp.Syncer.Pid())
	byCodeBefore := memberWritesByCode(b, f, metricsURL)
	cpuProfile := func() string { return "" }
	if sz.ProfileSeconds > 0 {
		cpuProfile = takeProfile(b, fmt.Sprintf("profile?seconds=%d", sz.ProfileSeconds), fmt.Sprintf("scale-%d-syncer-cpu.pprof", members))
	}
	r.ConvergeSeconds = scalePropagate(b, ctx, f, f.Members(), "scale", "obj", sz.ConfigMaps, sz.Deployments)
	r.Ratio = r.ConvergeSeconds / r.FloorSeconds
	if sz.ProfileSeconds > 0 {
		r.HeapProfile = takeProfile(b, "heap", fmt.Sprintf("scale-%d-syncer-heap.pprof", members))()
	}
	settle(b, ctx, f, metricsURL)
	r.SyncerCPUSeconds = cpuSeconds(b, cp.Syncer.Pid()) - cpuBefore
	r.CPUProfile = cpuProfile()
	r.HostWrites = sum(delta(hostBefore, hostWrites(b, ctx, f)))
	r.MemberWrites = sum(delta(membersBefore, memberWrites(b, f, metricsURL)))
	r.MemberWritesByCode = delta(byCodeBefore, memberWritesByCode(b, f, metricsURL))
	r.UpdateP50Ms, r.UpdateP99Ms = latency(b, ctx, f, f.Members(), "scale", "obj-cm-00000", sz.LatencyRounds)
	r.IdleWrites, _, _ = idleWrites(b, ctx, f, metricsURL, time.Duration(sz.IdleSeconds)*time.Second)
	r.SyncerPeakRSSMiB = float64(fleet.PeakResidentBytes(cp.Syncer.Pid())) / (1 << 20)

	// Restart with every member object in place: until the new syncer
	// leads, its caches are synced and its queues are empty, then its
	// member writes once it has settled. The restarted syncer reads
	// sz.HealthCheck (a setting read at start).
	if sz.HealthCheck != nil {
		setHealthCheck(b, ctx, f, sz.HealthCheck)
	}
	started = time.Now()
	if err := cp.RestartSyncer(ctx); err != nil {
		b.Fatal(err)
	}
	syncerProcess = cp.Syncer
	waitIdleLeader(b, ctx, metricsURL, sz.ConfigMaps+sz.Deployments)
	r.RestartSeconds = time.Since(started).Seconds()
	settle(b, ctx, f, metricsURL)
	r.RestartWrites = sum(memberWrites(b, f, metricsURL))
	r.RestartPeakRSSMiB = float64(fleet.PeakResidentBytes(cp.Syncer.Pid())) / (1 << 20)

	if sz.StallObjects > 0 && members >= 2 {
		others, stalled := f.Members()[:members-1], f.Members()[members-1]
		r.StallBaselineSeconds = scalePropagate(b, ctx, f, others, "stall", "base", sz.StallObjects, 0)
		_, r.StallBaselineP99Ms = latency(b, ctx, f, others, "stall", "base-cm-00000", sz.LatencyRounds)
		createsBefore := createsByCode(b, metricsURL, stalled)
		if err := stalled.PauseAPIServer(); err != nil {
			b.Fatal(err)
		}
		defer stalled.ResumeAPIServer() //nolint:errcheck // a no-op once resumed; lets the fleet stop if the run fails while it is stopped
		reported := watchStallReport(b, ctx, f, cp, metricsURL, min(rewriteProfileSeconds, sz.ProfileSeconds), stalled, "stall", "stalled", sz.StallObjects)
		r.StallSeconds = scalePropagate(b, ctx, f, others, "stall", "stalled", sz.StallObjects, 0)
		_, r.StallP99Ms = latency(b, ctx, f, others, "stall", "stalled-cm-00000", sz.LatencyRounds)
		r.StallReport = reported()
		r.StallReport.BoundSeconds = sz.healthBoundSeconds()
		if err := stalled.ResumeAPIServer(); err != nil {
			b.Fatal(err)
		}
		resumed := time.Now()
		err := testkit.Poll(ctx, 10*time.Minute, func(ctx context.Context) (bool, error) {
			d := stallDiff(b, ctx, f, stalled, sz)
			return len(d.lost) == 0 && len(d.extra) == 0, nil
		})
		r.StallCatchUpSeconds = time.Since(resumed).Seconds()
		d := stallDiff(b, ctx, f, stalled, sz)
		r.StallReport.Lost, r.StallReport.Extra = len(d.lost), len(d.extra)
		r.StallReport.CreatesByCode = delta(createsBefore, createsByCode(b, metricsURL, stalled))
		r.StallReport.Creates = sum(r.StallReport.CreatesByCode)
		if err != nil {
			b.Errorf("%s did not catch up after SIGCONT: %v; lost or stale %v, extra %v", stalled.Name, err, d.lost, d.extra)
		}
	}
	return r
}

// setHealthCheck sets the KubeFedConfig's spec.clusterHealthCheck.
func setHealthCheck(b testing.TB, ctx context.Context, f *fleet.Fleet, hc *corev1beta1.ClusterHealthCheckConfig) {
	c := testkit.Client(b, f.Host().RESTConfig())
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg := &corev1beta1.KubeFedConfig{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: core.DefaultKubeFedSystemNamespace, Name: core.KubeFedConfigName}, cfg); err != nil {
			return err
		}
		cfg.Spec.ClusterHealthCheck = hc
		return c.Update(ctx, cfg)
	})
	if err != nil {
		b.Fatalf("setting the KubeFedConfig's spec.clusterHealthCheck: %v", err)
	}
}

// takeProfile starts taking the syncer's profile at /debug/pprof/<query>
// into _output/bench/<file>; the returned func waits for it and returns
// its path.
func takeProfile(b testing.TB, query, file string) func() string {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(root, "_output", "bench", file)
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + syncerPprof + "/debug/pprof/" + query)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /debug/pprof/%s: %s: %s", query, resp.Status, data)
		}
		if err == nil {
			err = os.WriteFile(path, data, 0o644)
		}
		done <- err
	}()
	return func() string {
		if err := <-done; err != nil {
			b.Fatalf("taking the syncer's profile %s: %v", query, err)
		}
		return path
	}
}

// watchStallReport follows, from SIGSTOP of stalled, when its
// KubeFedCluster stops being ready, when every one of the n
// FederatedConfigMaps named prefix-cm-* in ns reports ClusterNotReady for
// it, and when every FederatedConfigMap of the host does, with what the
// host and the syncer spent between the first and the last (StallRewrite);
// the returned func waits for the first two (at most 5 minutes) and for the
// third at most allEntriesGrace more, and returns the seconds each took.
// One cache of the FederatedConfigMaps serves every count, so that the
// benchmark decodes each status write once. The syncer's CPU is profiled
// for profileSeconds from the flip (none when 0).
func watchStallReport(b testing.TB, ctx context.Context, f *fleet.Fleet, cp *testkit.LocalControlPlane, metricsURL string, profileSeconds int, stalled *fleet.Cluster, ns, prefix string, n int) func() *StallReport {
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	host := dynamic.NewForConfigOrDie(f.Host().RESTConfig())
	var mu sync.Mutex
	reporting := map[string]bool{} // FederatedConfigMap (ns/name) -> reports ClusterNotReady for stalled
	informer := dynamicinformer.NewDynamicSharedInformerFactory(host, 0).ForResource(federatedConfigMaps).Informer()
	record := func(obj interface{}) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			status, found := clusterStatus(u, stalled.Name)
			mu.Lock()
			reporting[u.GetNamespace()+"/"+u.GetName()] = found && status == string(typesv1beta1.ClusterNotReady)
			mu.Unlock()
		}
	}
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: record, UpdateFunc: func(_, obj interface{}) { record(obj) }})
	go informer.RunWithContext(ctx)
	// counts returns how many of the batch and of all report the stall,
	// and how many there are in all.
	counts := func() (batch, reported, all int64) {
		mu.Lock()
		defer mu.Unlock()
		for name, ok := range reporting {
			if !ok {
				continue
			}
			reported++
			if strings.HasPrefix(name, ns+"/"+prefix+"-") {
				batch++
			}
		}
		return batch, reported, int64(len(reporting))
	}
	syncer, apiServer := cp.Syncer.Pid(), f.Host().APIServerPid()
	type sample struct {
		syncerCPU, hostCPU, passes float64
		hostWrites                 map[string]int64
		reported                   int64
	}
	take := func() sample {
		_, reported, _ := counts()
		return sample{cpuSeconds(b, syncer), cpuSeconds(b, apiServer), passes(b, metricsURL), hostWrites(b, ctx, f), reported}
	}
	var flip sample
	var flipAt time.Time
	var load string
	profile := func() string { return "" }
	report := &StallReport{}
	done := make(chan error, 1)
	go func() {
		defer cancel()
		done <- testkit.Poll(ctx, 5*time.Minute, func(ctx context.Context) (bool, error) {
			if report.ClusterNotReadySeconds == 0 {
				kfc, err := host.Resource(kubeFedClusters).Namespace(core.DefaultKubeFedSystemNamespace).Get(ctx, stalled.Name, metav1.GetOptions{})
				if err != nil {
					return false, err
				}
				if !conditionTrue(kfc, "Ready") {
					report.ClusterNotReadySeconds = time.Since(started).Seconds()
					flipAt, flip = time.Now(), take()
					if data, err := os.ReadFile("/proc/loadavg"); err == nil {
						load, _, _ = strings.Cut(string(data), " ")
					}
					if profileSeconds > 0 {
						profile = takeProfile(b, fmt.Sprintf("profile?seconds=%d", profileSeconds), fmt.Sprintf("scale-%d-syncer-rewrite-cpu.pprof", len(f.Members())))
					}
				}
			}
			batch, reported, all := counts()
			if report.EntriesSeconds == 0 && batch >= int64(n) {
				report.EntriesSeconds = time.Since(started).Seconds()
			}
			if report.AllEntriesSeconds == 0 && report.EntriesSeconds > 0 && report.ClusterNotReadySeconds > 0 && reported >= all {
				report.AllEntriesSeconds = time.Since(started).Seconds()
				end := take()
				report.Rewrite = &StallRewrite{Seconds: time.Since(flipAt).Seconds(), Entries: end.reported - flip.reported,
					SyncerCPUSeconds: end.syncerCPU - flip.syncerCPU, HostCPUSeconds: end.hostCPU - flip.hostCPU,
					Passes: end.passes - flip.passes, HostWrites: delta(flip.hostWrites, end.hostWrites), Load: load}
			}
			batchReported := report.ClusterNotReadySeconds > 0 && report.EntriesSeconds > 0
			return batchReported && (report.AllEntriesSeconds > 0 || time.Since(started).Seconds() > report.EntriesSeconds+allEntriesGrace.Seconds()), nil
		})
	}()
	return func() *StallReport {
		if err := <-done; err != nil {
			batch, _, _ := counts()
			b.Fatalf("the stall of %s was not reported: %v (KubeFedCluster not ready after %.1fs, %d of %d entries ClusterNotReady)",
				stalled.Name, err, report.ClusterNotReadySeconds, batch, n)
		}
		if report.Rewrite != nil {
			report.Rewrite.Profile = profile()
		}
		return report
	}
}

// allEntriesGrace is how long, after the batch's entries reported the
// stall, watchStallReport waits for every FederatedConfigMap's.
const allEntriesGrace = time.Minute

// memberWritesByCode reads the syncer's writes (POST, PUT, PATCH, DELETE)
// to any member so far from its metrics, by method and response code.
func memberWritesByCode(b testing.TB, f *fleet.Fleet, metricsURL string) map[string]int64 {
	resp, err := http.Get(metricsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	members := map[string]bool{}
	for _, c := range f.Members() {
		members[strings.TrimPrefix(c.Server, "https://")] = true
	}
	counts := map[string]int64{}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		method := label(line, "method")
		if !strings.HasPrefix(line, "rest_client_requests_total{") || !members[label(line, "host")] || !slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE"}, method) {
			continue
		}
		fields := strings.Fields(line)
		v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
		counts[method+" "+label(line, "code")] += int64(v)
	}
	return counts
}

// conditionTrue reports whether obj's status has condition kind True.
func conditionTrue(obj *unstructured.Unstructured, kind string) bool {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		if c, ok := c.(map[string]interface{}); ok && c["type"] == kind && c["status"] == "True" {
			return true
		}
	}
	return false
}

// clusterStatus returns the status of cluster's entry in a federated
// object's status.clusters, and whether it has one.
func clusterStatus(obj *unstructured.Unstructured, cluster string) (string, bool) {
	entry, err := typesv1beta1.ClusterOf(obj, cluster)
	if err != nil || entry == nil {
		return "", false
	}
	return string(entry.Status), true
}

// stallDifference lists the objects of the stall namespace a member lacks
// or holds with data other than its federated object's (lost), and the
// managed ones it holds beyond them (extra).
type stallDifference struct{ lost, extra []string }

// stallDiff compares the stalled member's ConfigMaps in namespace stall
// with what the stall run federated: the base and stalled batches, each
// with the member's override, and the probes at the last latency round.
// An object whose FederatedConfigMap does not report the member up to
// date counts as lost too.
func stallDiff(b testing.TB, ctx context.Context, f *fleet.Fleet, stalled *fleet.Cluster, sz ScaleSizes) stallDifference {
	want := map[string]map[string]interface{}{}
	for _, prefix := range []string{"base", "stalled"} {
		for i := range sz.StallObjects {
			want[scaleName(prefix, "cm", i)] = scaleConfigMapData(i, stalled.Name)
		}
		if sz.LatencyRounds > 0 {
			want[scaleName(prefix, "cm", 0)]["i"] = "round-" + strconv.Itoa(sz.LatencyRounds-1)
		}
	}
	var d stallDifference
	held, err := dynamic.NewForConfigOrDie(stalled.RESTConfig()).Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace("stall").
		List(ctx, metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
	if err != nil {
		b.Fatal(err)
	}
	matches := map[string]bool{}
	for _, u := range held.Items {
		data, _, _ := unstructured.NestedMap(u.Object, "data")
		if _, wanted := want[u.GetName()]; !wanted {
			d.extra = append(d.extra, u.GetName())
		} else if fmt.Sprint(data) == fmt.Sprint(want[u.GetName()]) {
			matches[u.GetName()] = true
		}
	}
	federated, err := dynamic.NewForConfigOrDie(f.Host().RESTConfig()).Resource(federatedConfigMaps).Namespace("stall").List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range federated.Items {
		if status, found := clusterStatus(&u, stalled.Name); !found || status != string(typesv1beta1.ClusterPropagationOK) {
			delete(matches, u.GetName())
		}
	}
	for _, n := range slices.Sorted(maps.Keys(want)) {
		if !matches[n] {
			d.lost = append(d.lost, n)
		}
	}
	return d
}

// waitIdleLeader waits until the syncer whose metrics are at metricsURL
// leads (leader_election_master_status 1), its work queues have taken at
// least objects keys (workqueue_adds_total: every federated object is
// queued once its caches have synced) and all are empty (workqueue_depth 0).
func waitIdleLeader(b testing.TB, ctx context.Context, metricsURL string, objects int) {
	err := testkit.Poll(ctx, 30*time.Minute, func(context.Context) (bool, error) {
		if syncerProcess.Exited() {
			return false, fmt.Errorf("the syncer exited; see %s", syncerProcess.LogPath())
		}
		leads, _ := metricSum(b, metricsURL, "leader_election_master_status")
		adds, _ := metricSum(b, metricsURL, "workqueue_adds_total")
		depth, found := metricSum(b, metricsURL, "workqueue_depth")
		return leads >= 1 && adds >= float64(objects) && found && depth == 0, nil
	})
	if err != nil {
		b.Fatalf("the restarted syncer did not lead with empty queues: %v", err)
	}
}

// createsByCode reads the syncer's creates (POST requests) in member so
// far from its metrics, by response code.
func createsByCode(b testing.TB, metricsURL string, member *fleet.Cluster) map[string]int64 {
	resp, err := http.Get(metricsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	counts := map[string]int64{}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if strings.HasPrefix(line, "rest_client_requests_total{") && label(line, "method") == "POST" && label(line, "host") == strings.TrimPrefix(member.Server, "https://") {
			fields := strings.Fields(line)
			v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
			counts[label(line, "code")] += int64(v)
		}
	}
	return counts
}

// metricSum returns the sum of a metric's samples in the syncer's metrics
// (those whose labels match where: name, value, name, value...), and
// whether it has any.
func metricSum(b testing.TB, metricsURL, metric string, where ...string) (float64, bool) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var total float64
	found := false
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if (strings.HasPrefix(line, metric+"{") || strings.HasPrefix(line, metric+" ")) && labelsMatch(line, where) {
			fields := strings.Fields(line)
			v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
			total, found = total+v, true
		}
	}
	return total, found
}

// labelsMatch reports whether a Prometheus text-format line has the
// labels of where (name, value, name, value...).
func labelsMatch(line string, where []string) bool {
	for i := 0; i+1 < len(where); i += 2 {
		if label(line, where[i]) != where[i+1] {
			return false
		}
	}
	return true
}

// scaleName names object i of a kind ("cm" or "deploy") with a prefix.
func scaleName(prefix, kind string, i int) string { return fmt.Sprintf("%s-%s-%05d", prefix, kind, i) }

// scaleConfigMapData is ConfigMap i's data in a member: the template's,
// with the member's override applied.
func scaleConfigMapData(i int, member string) map[string]interface{} {
	return map[string]interface{}{"i": strconv.Itoa(i), "cluster": member}
}

// scaleReplicas is the replicas Deployment i gets in the member with index c.
func scaleReplicas(c int) int64 { return int64(c%3 + 1) }

// scaleDeploymentSpec is the spec of Deployment i with replicas.
func scaleDeploymentSpec(name string, replicas int64) map[string]interface{} {
	labels := map[string]interface{}{"app": name}
	return map[string]interface{}{
		"replicas": replicas,
		"selector": map[string]interface{}{"matchLabels": labels},
		"template": map[string]interface{}{
			"metadata": map[string]interface{}{"labels": labels},
			"spec":     map[string]interface{}{"containers": []interface{}{map[string]interface{}{"name": "app", "image": "registry.k8s.io/pause:3.10"}}},
		},
	}
}

// scaleFloor writes every member object straight into the members
// (namespace floor) and returns how long that took.
func scaleFloor(b testing.TB, ctx context.Context, f *fleet.Fleet, sz ScaleSizes) float64 {
	var clients []dynamic.Interface
	for _, m := range f.Members() {
		cfg := unlimited(m.RESTConfig())
		if _, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "floor"}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		clients = append(clients, dynamic.NewForConfigOrDie(cfg))
	}
	perMember := sz.ConfigMaps + sz.Deployments
	started := time.Now()
	parallel(b, 0, perMember*len(clients), func(n int) error {
		c, i := n%len(clients), n/len(clients)
		member := f.Members()[c].Name
		var obj *unstructured.Unstructured
		gvr := corev1.SchemeGroupVersion.WithResource("configmaps")
		if i < sz.ConfigMaps {
			obj = &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]interface{}{"name": scaleName("obj", "cm", i)}, "data": scaleConfigMapData(i, member)}}
		} else {
			i -= sz.ConfigMaps
			gvr = appsv1.SchemeGroupVersion.WithResource("deployments")
			obj = &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "apps/v1", "kind": "Deployment",
				"metadata": map[string]interface{}{"name": scaleName("obj", "deploy", i)}, "spec": scaleDeploymentSpec(scaleName("obj", "deploy", i), scaleReplicas(c))}}
		}
		_, err := clients[c].Resource(gvr).Namespace("floor").Create(ctx, obj, metav1.CreateOptions{})
		return err
	})
	return time.Since(started).Seconds()
}

// scalePropagate creates configMaps FederatedConfigMaps and deployments
// FederatedDeployments named with prefix in namespace ns, placed on every
// member with one override per member, and returns the time until every
// one of members holds them all.
func scalePropagate(b testing.TB, ctx context.Context, f *fleet.Fleet, members []*fleet.Cluster, ns, prefix string, configMaps, deployments int) float64 {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var counters []*atomic.Int64
	for _, m := range members {
		client := dynamic.NewForConfigOrDie(m.RESTConfig())
		has := func(u *unstructured.Unstructured) bool { return strings.HasPrefix(u.GetName(), prefix+"-") }
		counters = append(counters,
			countWhere(ctx, client, corev1.SchemeGroupVersion.WithResource("configmaps"), ns, core.ManagedByKubeFedLabelKey, has),
			countWhere(ctx, client, appsv1.SchemeGroupVersion.WithResource("deployments"), ns, core.ManagedByKubeFedLabelKey, has))
	}
	all := f.Members()
	host := dynamic.NewForConfigOrDie(unlimited(f.Host().RESTConfig()))
	started := time.Now()
	parallel(b, 0, configMaps+deployments, func(i int) error {
		var overrides []interface{}
		if i < configMaps {
			for _, m := range all {
				overrides = append(overrides, map[string]interface{}{"clusterName": m.Name,
					"clusterOverrides": []interface{}{map[string]interface{}{"path": "/data/cluster", "value": m.Name}}})
			}
			_, err := host.Resource(federatedConfigMaps).Namespace(ns).Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
				"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
				"metadata": map[string]interface{}{"name": scaleName(prefix, "cm", i), "namespace": ns},
				"spec": map[string]interface{}{"template": map[string]interface{}{"data": scaleConfigMapData(i, "none")},
					"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}, "overrides": overrides},
			}}, metav1.CreateOptions{})
			return err
		}
		i -= configMaps
		for c, m := range all {
			overrides = append(overrides, map[string]interface{}{"clusterName": m.Name,
				"clusterOverrides": []interface{}{map[string]interface{}{"path": "/spec/replicas", "value": scaleReplicas(c)}}})
		}
		name := scaleName(prefix, "deploy", i)
		_, err := host.Resource(federatedDeployments).Namespace(ns).Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
			"metadata": map[string]interface{}{"name": name, "namespace": ns},
			"spec": map[string]interface{}{"template": map[string]interface{}{"spec": scaleDeploymentSpec(name, 1)},
				"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}, "overrides": overrides},
		}}, metav1.CreateOptions{})
		return err
	})
	err := testkit.Poll(ctx, 60*time.Minute, func(context.Context) (bool, error) {
		if syncerProcess.Exited() {
			return false, fmt.Errorf("the syncer exited; see %s", syncerProcess.LogPath())
		}
		for i, c := range counters {
			if want := []int{configMaps, deployments}[i%2]; c.Load() < int64(want) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		b.Fatalf("propagating %d FederatedConfigMaps and %d FederatedDeployments (%s): %v (members hold %v)", configMaps, deployments, prefix, err, loads(counters))
	}
	return time.Since(started).Seconds()
}

// reportScale prints the rows so far, how each figure grows with member
// objects (a least-squares line through the rows) and its projection to
// 100 and 1,000 members at the same objects, and writes
// _output/bench/scale.json.
func reportScale(b testing.TB, sz ScaleSizes, rows []ScaleResult) {
	fmt.Printf("\nscale benchmark: %d FederatedConfigMaps + %d FederatedDeployments, an override per member, on every (light) member; control plane as `make local-up` runs it\n", sz.ConfigMaps, sz.Deployments)
	if hc := sz.HealthCheck; hc != nil {
		fmt.Printf("  NOT make local-up's health checks from the restart on: probes every %s, timeout %s, not ready after %d failures (health bound %.0fs; the defaults' is %.0fs)\n",
			hc.Period.Duration, hc.Timeout.Duration, *hc.FailureThreshold, sz.healthBoundSeconds(), ScaleSizes{}.healthBoundSeconds())
	}
	fmt.Printf("  %7s %8s %8s %9s %6s %9s %8s %7s %8s %9s %6s %9s %8s %9s %9s %8s\n", "members", "objects", "floor s", "converge", "ratio", "mem.wr", "host wr", "cpu s", "rss MiB", "upd p99", "idle", "restart s", "rst wr", "fleet s", "fleet MiB", "")
	for _, r := range rows {
		fmt.Printf("  %7d %8d %8.1f %9.1f %6.2f %9d %8d %7.1f %8.0f %9.0f %6d %9.1f %8d %9.1f %9.0f\n", r.Members, r.MemberObjects, r.FloorSeconds, r.ConvergeSeconds, r.Ratio,
			r.MemberWrites, r.HostWrites, r.SyncerCPUSeconds, r.SyncerPeakRSSMiB, r.UpdateP99Ms, r.IdleWrites, r.RestartSeconds, r.RestartWrites, r.FleetStartSeconds, r.FleetResidentMiB)
		fmt.Printf("          restart: syncer peak RSS %.0f MiB\n", r.RestartPeakRSSMiB)
		fmt.Printf("          member writes while converging, by method and code: %v\n", r.MemberWritesByCode)
		if r.StallSeconds > 0 {
			fmt.Printf("          stall of member%d: %d objects to the others in %.1fs (%.1fs without; %.2fx), update p99 %.0f ms (%.0f ms without; %.2fx); caught up %.1fs after SIGCONT\n",
				r.Members, sz.StallObjects, r.StallSeconds, r.StallBaselineSeconds, r.StallSeconds/r.StallBaselineSeconds, r.StallP99Ms, r.StallBaselineP99Ms, r.StallP99Ms/r.StallBaselineP99Ms, r.StallCatchUpSeconds)
		}
		if s := r.StallReport; s != nil {
			fmt.Printf("          stall reported: KubeFedCluster not ready after %.1fs, every entry of the batch ClusterNotReady after %.1fs, of every FederatedConfigMap after %.1fs (0: not within %s after the batch; health bound %.0fs); after SIGCONT: %d lost or stale, %d extra, %d creates %v for the %d objects created during the stall\n",
				s.ClusterNotReadySeconds, s.EntriesSeconds, s.AllEntriesSeconds, allEntriesGrace, s.BoundSeconds, s.Lost, s.Extra, s.Creates, s.CreatesByCode, sz.StallObjects)
			if w := s.Rewrite; w != nil {
				fmt.Printf("          rewrite after not ready: %d entries in %.1fs (load %s); syncer %.2f CPU s, %.0f passes; host kube-apiserver %.2f CPU s, writes %v; syncer profile: go tool pprof -top %s\n",
					w.Entries, w.Seconds, w.Load, w.SyncerCPUSeconds, w.Passes, w.HostCPUSeconds, w.HostWrites, w.Profile)
			}
		}
		if r.CPUProfile != "" {
			fmt.Printf("          syncer profiles: go tool pprof -top %s; go tool pprof -top -sample_index=inuse_space %s\n", r.CPUProfile, r.HeapProfile)
		}
	}
	fmt.Printf("  goals at 30 members: ratio ≤ 2.0, update p99 ≤ 500 ms, syncer peak RSS ≤ 1 GiB, 0 idle writes, 0 member writes on restart, stall ≤ 1.2x, stall reported within the health bound, nothing lost or extra\n")
	if len(rows) >= 2 {
		perMember := float64(sz.ConfigMaps + sz.Deployments)
		figures := []struct {
			name string
			of   func(ScaleResult) float64
		}{
			{"converge s", func(r ScaleResult) float64 { return r.ConvergeSeconds }},
			{"syncer CPU s", func(r ScaleResult) float64 { return r.SyncerCPUSeconds }},
			{"syncer peak RSS MiB", func(r ScaleResult) float64 { return r.SyncerPeakRSSMiB }},
			{"member writes", func(r ScaleResult) float64 { return float64(r.MemberWrites) }},
			{"host writes", func(r ScaleResult) float64 { return float64(r.HostWrites) }},
			{"update p99 ms", func(r ScaleResult) float64 { return r.UpdateP99Ms }},
		}
		fmt.Printf("  fit against member objects x (a + b·x), projected at %d objects per member:\n", int(perMember))
		for _, fig := range figures {
			var xs, ys []float64
			for _, r := range rows {
				xs, ys = append(xs, float64(r.MemberObjects)), append(ys, fig.of(r))
			}
			a, slope := fitLine(xs, ys)
			fmt.Printf("    %-20s a=%10.3f b=%12.6f   100 members: %12.1f   1000 members: %12.1f\n", fig.name, a, slope, a+slope*100*perMember, a+slope*1000*perMember)
		}
	}
	root, err := fleet.RepositoryRoot()
	if err != nil {
		b.Fatal(err)
	}
	data, _ := jsonIndent(map[string]interface{}{"sizes": sz, "runs": rows})
	dir := filepath.Join(root, "_output", "bench")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(dir, "scale.json"), data, 0o644)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// fitLine returns the least-squares line y = a + b·x through the points.
func fitLine(xs, ys []float64) (a, b float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	if d := n*sxx - sx*sx; d != 0 {
		b = (n*sxy - sx*sy) / d
	}
	return (sy - b*sx) / n, b
}
