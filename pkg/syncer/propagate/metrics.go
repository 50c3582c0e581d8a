package propagate

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The engine's metrics, by federated type (the FederatedTypeConfig's name),
// on controller-runtime's registry and so on the syncer's /metrics. The
// controller's own metrics cover the whole queue: workqueue_* with
// name="propagation" and controller_runtime_reconcile_* with
// controller="propagation".
var (
	queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubectl_fed_propagation_queue_depth",
		Help: "Federated objects queued for propagation because they or their member objects changed, not yet being reconciled, by type.",
	}, []string{"type"})
	queueWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubectl_fed_propagation_queue_wait_seconds",
		Help:    "How long a changed federated object waited in the propagation queue before its reconcile started, by type.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	}, []string{"type"})
	reconcileDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubectl_fed_propagation_reconcile_duration_seconds",
		Help:    "Duration of one propagation reconcile of a federated object (all its member writes and its status write), by type.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	}, []string{"type"})
	reconcileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubectl_fed_propagation_reconcile_errors_total",
		Help: "Propagation reconciles that failed (and are retried with backoff), by type.",
	}, []string{"type"})
	echoes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubectl_fed_propagation_echoes_total",
		Help: "Watch events that were only the echo of the syncer's own write (a member object it created or updated, on=member; a status it wrote, on=host) and so queued no pass, by type.",
	}, []string{"type", "on"})
)

func init() {
	metrics.Registry.MustRegister(queueDepth, queueWait, reconcileDuration, reconcileErrors, echoes)
}

// waiting tracks the keys queued by a change and not yet being reconciled,
// with the time each was first queued, for the per-type queue depth and
// wait. Retries with backoff and rechecks after a delay are not counted:
// they wait on purpose.
type waiting struct {
	mu    sync.Mutex
	since map[Key]time.Time
}

func newWaiting() *waiting { return &waiting{since: map[Key]time.Time{}} }

// add records that key was queued, unless it waits already.
func (w *waiting) add(key Key) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.since[key]; !ok {
		w.since[key] = time.Now()
		queueDepth.WithLabelValues(key.Type).Inc()
	}
}

// started records that key's reconcile started.
func (w *waiting) started(key Key) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if since, ok := w.since[key]; ok {
		delete(w.since, key)
		queueDepth.WithLabelValues(key.Type).Dec()
		queueWait.WithLabelValues(key.Type).Observe(time.Since(since).Seconds())
	}
}
