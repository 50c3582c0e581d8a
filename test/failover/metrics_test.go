package failover

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestMetricsExposePropagation scrapes /metrics of a running syncer after
// it propagated one FederatedConfigMap, failed to create another (its
// override makes the member reject it) and found a third already in the
// member: the work queue, the reconciles and the member writes are there,
// labelled by type and cluster, errors included.
func TestMetricsExposePropagation(t *testing.T) {
	ports, err := fleet.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	address := "127.0.0.1:" + strconv.Itoa(ports[0])
	startSyncer(t, "metrics", "--metrics-bind-address", address, "--metrics-secure=false")
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	memberCluster := shared.Members()[0]
	member := testkit.Clientset(t, memberCluster.RESTConfig())
	ns := federatedNamespace(t, dyn)
	testkit.Eventually(t, "the federated namespace in the member", func(ctx context.Context) (bool, error) {
		_, err := member.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil, nil
	})
	createInMember(t, member, ns, "existing", map[string]string{"name": "member"})
	rejected := federatedConfigMap(ns, "rejected")
	// ConfigMap data values are strings: the member refuses a number.
	if err := unstructured.SetNestedSlice(rejected.Object, []interface{}{map[string]interface{}{"clusterName": memberCluster.Name,
		"clusterOverrides": []interface{}{map[string]interface{}{"path": "/data/name", "value": int64(5)}}}}, "spec", "overrides"); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []*unstructured.Unstructured{federatedConfigMap(ns, "propagated"), federatedConfigMap(ns, "existing"), rejected} {
		if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, "propagation", memberHas(member, ns, "propagated"))
	testkit.Eventually(t, "adoption of the existing config map", memberHas(member, ns, "existing"))

	cluster := `cluster="` + memberCluster.Name + `"`
	want := []struct {
		what, name string
		labels     []string
	}{
		{"the queue depth", "workqueue_depth", []string{`name="propagation"`}},
		{"the queue latency", "workqueue_queue_duration_seconds_count", []string{`name="propagation"`}},
		{"the queue depth by type", "kubectl_fed_propagation_queue_depth", []string{`type="configmaps"`}},
		{"the queue wait by type", "kubectl_fed_propagation_queue_wait_seconds_count", []string{`type="configmaps"`}},
		{"the reconcile duration by type", "kubectl_fed_propagation_reconcile_duration_seconds_count", []string{`type="configmaps"`}},
		{"the reconcile errors by type", "kubectl_fed_propagation_reconcile_errors_total", []string{`type="configmaps"`}},
		{"the controller's reconciles", "controller_runtime_reconcile_total", []string{`controller="propagation"`}},
		{"the member creates", "kubectl_fed_member_write_duration_seconds_count", []string{cluster, `type="configmaps"`, `method="POST"`}},
		{"the member adoption update", "kubectl_fed_member_write_duration_seconds_count", []string{cluster, `type="configmaps"`, `method="PUT"`}},
		{"the create of an existing object", "kubectl_fed_member_write_errors_total", []string{cluster, `type="configmaps"`, `method="POST"`, `code="409"`}},
		{"the create the member rejected", "kubectl_fed_member_write_errors_total", []string{cluster, `type="configmaps"`, `method="POST"`, `code="400"|code="422"`}},
	}
	testkit.Eventually(t, "every metric on /metrics", func(ctx context.Context) (bool, error) {
		body := scrape(ctx, t, "http://"+address+"/metrics")
		for _, w := range want {
			if !hasSample(body, w.name, w.labels) {
				return false, fmt.Errorf("no %s yet: %s{%s}", w.what, w.name, strings.Join(w.labels, ","))
			}
		}
		return true, nil
	})
}

// scrape returns the body of a metrics endpoint, or "" while it does not answer.
func scrape(ctx context.Context, t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

// hasSample reports whether the body has a sample of name with every label
// ("a|b" for either of two), whose value is not 0 (a gauge may be 0: for it
// any value counts).
func hasSample(body, name string, labels []string) bool {
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, name+"{")
		if !ok {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && slices.ContainsFunc(strings.Split(l, "|"), func(alt string) bool { return strings.Contains(rest, alt) })
		}
		if !matches {
			continue
		}
		if strings.HasSuffix(name, "_depth") || !strings.HasSuffix(line, " 0") {
			return true
		}
	}
	return false
}

// sampleValue returns the value of the first sample of name with label, and
// whether there is one.
func sampleValue(body, name, label string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, name+"{")
		if !ok || !strings.Contains(rest, label) {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[len(fields)-1], 64); err == nil {
			return v, true
		}
	}
	return 0, false
}
