package clusterclient

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The metrics of the writes to members (POST, PUT, PATCH, DELETE), by
// cluster, type (resource.group, as FederatedTypeConfigs are named, e.g.
// "deployments.apps" or "configmaps") and method, on controller-runtime's
// registry and so on the syncer's /metrics.
var (
	memberWriteDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubectl_fed_member_write_duration_seconds",
		Help:    "Duration of a write request to a member cluster, by cluster, type and method.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	}, []string{"cluster", "type", "method"})
	memberWriteErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubectl_fed_member_write_errors_total",
		Help: "Write requests to a member cluster that failed (no response, or a status of 400 or more, conflicts included), by cluster, type, method and code (\"\" without a response).",
	}, []string{"cluster", "type", "method", "code"})
)

func init() {
	metrics.Registry.MustRegister(memberWriteDuration, memberWriteErrors)
}

// instrumented is a member transport that records the metrics of writes.
type instrumented struct {
	cluster string
	next    http.RoundTripper
}

// instrument wraps a member cluster's transport with the write metrics.
func instrument(cluster string) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper { return &instrumented{cluster: cluster, next: next} }
}

// RoundTrip sends the request and, for a write, records its duration and
// whether it failed.
func (t *instrumented) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	typ := resourceType(req.URL.Path)
	memberWriteDuration.WithLabelValues(t.cluster, typ, req.Method).Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		memberWriteErrors.WithLabelValues(t.cluster, typ, req.Method, "").Inc()
	case resp.StatusCode >= http.StatusBadRequest:
		memberWriteErrors.WithLabelValues(t.cluster, typ, req.Method, strconv.Itoa(resp.StatusCode)).Inc()
	}
	return resp, err
}

// resourceType returns the type an API path addresses, as resource.group
// ("deployments.apps"; "configmaps" for the core group), or "" for a path
// outside /api and /apis.
func resourceType(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return ""
	}
	resource := parts[0]
	if resource == "namespaces" && len(parts) >= 3 {
		resource = parts[2]
	}
	if group == "" {
		return resource
	}
	return resource + "." + group
}
