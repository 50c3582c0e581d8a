package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// admissionObjects bounds the creates of each admission run: enough for a
// rate, short enough that the stopped syncer keeps its lease.
const admissionObjects = 1000

// federatedConfigMap is FederatedConfigMap i (name(i)) of namespace ns,
// placed on every member.
func federatedConfigMap(ns string, i int) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": map[string]interface{}{"name": name(i), "namespace": ns},
		"spec": map[string]interface{}{"template": map[string]interface{}{"data": map[string]interface{}{"i": strconv.Itoa(i)}},
			"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}},
	}}
}

// createFederated creates FederatedConfigMaps from .. from+n-1 of
// namespace ns through host with clientWorkers clients, counting them in
// created (if not nil).
func createFederated(b testing.TB, ctx context.Context, host dynamic.NamespaceableResourceInterface, ns string, from, n int, created *atomic.Int64) {
	parallel(b, from, n, func(i int) error {
		_, err := host.Namespace(ns).Create(ctx, federatedConfigMap(ns, i), metav1.CreateOptions{})
		if err == nil && created != nil {
			created.Add(1)
		}
		return err
	})
}

// admission is what admissionCost measured: the host's create rates with
// and without the webhook, and the CPU the host's API server and the
// webhook spent per create in each run.
type admission struct {
	withWebhook, without admissionRun
}

// admissionRun is one admission run's rate and CPU per create.
type admissionRun struct {
	createsPerSecond float64
	// apiServerCPUMs and webhookCPUMs are CPU milliseconds per create.
	apiServerCPUMs, webhookCPUMs float64
}

// admissionCost measures the host's create rate of FederatedConfigMaps
// with the webhook registered and with its configurations removed, with
// the syncer stopped (SIGSTOP) so that only admission and storage count;
// then it registers the webhook again, deletes what it created and lets
// the syncer go on. With BENCH_PROFILE_DIR set it also writes a CPU
// profile of the webhook (at webhookPprof, its --pprof-bind-address)
// taken during each run.
func admissionCost(b testing.TB, ctx context.Context, f *fleet.Fleet, cp *testkit.LocalControlPlane, objects int, webhookPprof string) admission {
	n := min(objects, admissionObjects)
	hostCfg := unlimited(f.Host().RESTConfig())
	host := dynamic.NewForConfigOrDie(hostCfg).Resource(federatedConfigMaps)
	apiServer, webhookPid := f.Host().APIServerPid(), cp.Webhook.Process.Pid()
	measure := func(ns string) admissionRun {
		stop := profile(b, webhookPprof, ns)
		apiBefore, webhookBefore := cpuSeconds(b, apiServer), cpuSeconds(b, webhookPid)
		started := time.Now()
		createFederated(b, ctx, host, ns, 0, n, nil)
		r := admissionRun{createsPerSecond: float64(n) / time.Since(started).Seconds(),
			apiServerCPUMs: (cpuSeconds(b, apiServer) - apiBefore) * 1000 / float64(n),
			webhookCPUMs:   (cpuSeconds(b, webhookPid) - webhookBefore) * 1000 / float64(n)}
		stop()
		return r
	}
	pid := cp.Syncer.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		b.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	defer resume()
	var a admission
	a.withWebhook = measure("admission-webhook")
	unregister(b, ctx, f, cp.Webhook)
	a.without = measure("admission-none")
	if err := cp.Webhook.Register(ctx, f.Host().RESTConfig()); err != nil {
		b.Fatal(err)
	}
	for _, ns := range []string{"admission-webhook", "admission-none"} {
		if err := host.Namespace(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	resume()
	for _, ns := range []string{"admission-webhook", "admission-none"} {
		testkit.Eventually(b, "the admission run's objects in "+ns+" deleted", func(ctx context.Context) (bool, error) {
			list, err := host.Namespace(ns).List(ctx, metav1.ListOptions{Limit: 1})
			return err == nil && len(list.Items) == 0, err
		})
	}
	return a
}

// profileSeconds is the length of the CPU profiles BENCH_PROFILE_DIR asks
// for: about one admission run at this machine's rates.
const profileSeconds = 2

// profile starts a CPU profile of the webhook at webhookPprof (its
// --pprof-bind-address), written to BENCH_PROFILE_DIR/<name>-webhook.pprof;
// the returned function waits for it. Without BENCH_PROFILE_DIR it does
// nothing. (The fleet's API servers run with --profiling=false: their side
// is measured as CPU per create.)
func profile(b testing.TB, webhookPprof, name string) (wait func()) {
	dir := os.Getenv("BENCH_PROFILE_DIR")
	if dir == "" || webhookPprof == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", webhookPprof, profileSeconds))
		if err != nil {
			b.Errorf("profiling the webhook: %v", err)
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name+"-webhook.pprof"), data, 0o644)
		}
		if err != nil {
			b.Errorf("profiling the webhook: %v", err)
		}
	}()
	return func() { <-done }
}

// unregister deletes the webhook's configurations and waits until the API
// server no longer calls it: until a KubeFedCluster only the webhook
// rejects is admitted (and then deleted).
func unregister(b testing.TB, ctx context.Context, f *fleet.Fleet, w *testkit.Webhook) {
	validating, mutating := webhook.Configurations(webhook.ConfigOptions{URL: w.URL, CABundle: w.CA})
	c := kubernetes.NewForConfigOrDie(f.Host().RESTConfig())
	if err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, validating.Name, metav1.DeleteOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, mutating.Name, metav1.DeleteOptions{}); err != nil {
		b.Fatal(err)
	}
	clusters := dynamic.NewForConfigOrDie(f.Host().RESTConfig()).Resource(kubeFedClusters).Namespace("kube-federation-system")
	probe := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "core.kubefed.io/v1beta1", "kind": "KubeFedCluster",
		"metadata": map[string]interface{}{"name": "webhook-probe"},
		"spec":     map[string]interface{}{"apiEndpoint": "tcp://example.com", "secretRef": map[string]interface{}{"name": "s"}},
	}}
	testkit.Eventually(b, "the API server to stop calling the webhook", func(ctx context.Context) (bool, error) {
		if _, err := clusters.Create(ctx, probe.DeepCopy(), metav1.CreateOptions{}); err != nil {
			return false, nil
		}
		return true, clusters.Delete(ctx, "webhook-probe", metav1.DeleteOptions{})
	})
}

// hostWrites reads the host API server's write requests so far (all
// clients) from its apiserver_request_total, keyed by "<resource>
// <verb>"; leader election's leases and access reviews (no storage) are
// left out.
func hostWrites(b testing.TB, ctx context.Context, f *fleet.Fleet) map[string]int64 {
	raw, err := kubernetes.NewForConfigOrDie(f.Host().RESTConfig()).Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		b.Fatal(err)
	}
	counts := map[string]int64{}
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		verb, resource, sub := label(line, "verb"), label(line, "resource"), label(line, "subresource")
		if !slices.Contains([]string{"POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"}, verb) ||
			resource == "leases" || strings.HasSuffix(resource, "reviews") {
			continue
		}
		if sub != "" {
			resource += "/" + sub
		}
		fields := strings.Fields(line)
		v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
		counts[resource+" "+verb] += int64(v)
	}
	return counts
}

// label returns the value of a Prometheus label in a text-format line.
func label(line, key string) string {
	_, rest, ok := strings.Cut(line, key+`="`)
	if !ok {
		return ""
	}
	value, _, _ := strings.Cut(rest, `"`)
	return value
}

// cpuSeconds returns the user and system CPU time of a process so far.
func cpuSeconds(b testing.TB, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	_, after, _ := strings.Cut(string(data), ") ")
	fields := strings.Fields(after) // fields[0] is the state, the 3rd field of stat
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

// webhookLatency calls each Federated<Kind> webhook webhookCalls times in
// a row with the create of a FederatedConfigMap placed on 50 clusters with
// 5 overrides each, as the API server would, and returns each path's p50
// and p99 in milliseconds.
func webhookLatency(b testing.TB, ctx context.Context, w *testkit.Webhook, webhookCalls int) (p50, p99 map[string]float64) {
	const clusters, overrides = 50, 5
	data := map[string]interface{}{}
	for j := range overrides {
		data["k"+strconv.Itoa(j)] = "v"
	}
	var names, clusterOverrides []interface{}
	for c := range clusters {
		cluster := "member" + strconv.Itoa(c+1)
		names = append(names, map[string]interface{}{"name": cluster})
		var list []interface{}
		for j := range overrides {
			list = append(list, map[string]interface{}{"path": "/data/k" + strconv.Itoa(j), "value": cluster})
		}
		clusterOverrides = append(clusterOverrides, map[string]interface{}{"clusterName": cluster, "clusterOverrides": list})
	}
	obj := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": map[string]interface{}{"name": "webhook-latency", "namespace": "bench"},
		"spec": map[string]interface{}{"template": map[string]interface{}{"data": data},
			"placement": map[string]interface{}{"clusters": names}, "overrides": clusterOverrides},
	}}
	raw, err := obj.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(w.CA)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}, Timeout: 10 * time.Second}
	p50, p99 = map[string]float64{}, map[string]float64{}
	for _, path := range []string{webhook.FederatedDefaultPath, webhook.FederatedPath} {
		var durations []time.Duration
		for call := range webhookCalls {
			review := admissionv1.AdmissionReview{
				TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
				Request: &admissionv1.AdmissionRequest{
					UID:      types.UID("call-" + strconv.Itoa(call)),
					Kind:     metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedConfigMap"},
					Resource: metav1.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedconfigmaps"},
					Name:     "webhook-latency", Namespace: "bench", Operation: admissionv1.Create,
					UserInfo: authenticationv1.UserInfo{Username: "bench"},
					Object:   runtime.RawExtension{Raw: raw},
				},
			}
			body, _ := json.Marshal(review)
			started := time.Now()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+path, bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var answer admissionv1.AdmissionReview
			err = json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			durations = append(durations, time.Since(started))
			if err != nil || answer.Response == nil || !answer.Response.Allowed {
				b.Fatalf("webhook %s: the FederatedConfigMap on %d clusters was not admitted: %v %+v", path, clusters, err, answer.Response)
			}
		}
		slices.Sort(durations)
		p50[path], p99[path] = quantileMs(durations, 0.50), quantileMs(durations, 0.99)
	}
	return p50, p99
}

// quantileMs returns quantile q of sorted durations in milliseconds.
func quantileMs(sorted []time.Duration, q float64) float64 {
	return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds()) / 1000
}
