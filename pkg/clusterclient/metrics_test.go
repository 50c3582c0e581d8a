package clusterclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

func TestResourceType(t *testing.T) {
	cases := map[string]string{
		"/api/v1/namespaces/ns/configmaps":                   "configmaps",
		"/api/v1/namespaces/ns/configmaps/x":                 "configmaps",
		"/api/v1/namespaces":                                 "namespaces",
		"/api/v1/namespaces/ns":                              "namespaces",
		"/apis/apps/v1/namespaces/ns/deployments/web":        "deployments.apps",
		"/apis/apps/v1/namespaces/ns/deployments/web/status": "deployments.apps",
		"/apis/rbac.authorization.k8s.io/v1/clusterroles/r":  "clusterroles.rbac.authorization.k8s.io",
		"/healthz":   "",
		"/apis/apps": "",
	}
	for path, want := range cases {
		if got := resourceType(path); got != want {
			t.Errorf("resourceType(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestMemberWritesAreMeasured sends writes through a registry connection
// to a member that refuses some, and reads the metrics from
// controller-runtime's registry: reads are not measured, writes are, by
// cluster, type and method, and refusals count as errors with their code.
func TestMemberWritesAreMeasured(t *testing.T) {
	member := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"AlreadyExists","code":409}`))
			return
		}
		_, _ = w.Write([]byte(`{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","namespace":"ns"}}`))
	}))
	defer member.Close()
	conn, err := NewRegistry("").Connect("metrics-test", &rest.Config{Host: member.URL}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	cm := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"name": "x", "namespace": "ns"}}}
	client := conn.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("ns")
	ctx := context.Background()
	if _, err := client.Get(ctx, "x", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Create(ctx, cm, metav1.CreateOptions{}); err == nil {
		t.Fatal("the create succeeded; the member refuses it")
	}
	if _, err := client.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for method, want := range map[string]uint64{http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 1} {
		if got := writes(t, "metrics-test", "configmaps", method); got != want {
			t.Errorf("%s requests measured = %d, want %d", method, got, want)
		}
	}
	if got := testutil.ToFloat64(memberWriteErrors.WithLabelValues("metrics-test", "configmaps", http.MethodPost, "409")); got != 1 {
		t.Errorf("POST errors with code 409 = %v, want 1", got)
	}
	if got := testutil.ToFloat64(memberWriteErrors.WithLabelValues("metrics-test", "configmaps", http.MethodPut, "409")); got != 0 {
		t.Errorf("PUT errors = %v, want 0: the update succeeded", got)
	}
}

// writes returns the number of writes the duration histogram counted.
func writes(t *testing.T, cluster, typ, method string) uint64 {
	t.Helper()
	m := &dto.Metric{}
	if err := memberWriteDuration.WithLabelValues(cluster, typ, method).(prometheus.Metric).Write(m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}
