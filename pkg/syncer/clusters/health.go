// Package clusters is the syncer's cluster health controller: it connects
// to every joined member (KubeFedCluster), probes its /healthz, publishes
// the conditions and version in the KubeFedCluster's status, keeps the
// automatic taints of clusters that are not ready (when the KubeFedConfig
// enables them), and records each member's connection, labels, readiness
// and taints in effect (the NoExecute ones through the cluster eviction
// rate limit) in the cluster registry, which tells its subscribers of
// changes.
// It does the same for the ClusterProfiles of the cluster inventory
// (ProfileReconciler).
package clusters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	corevalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/health"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// Topology labels copied into a KubeFedCluster's status.region and zones.
const (
	RegionLabel = "topology.kubernetes.io/region"
	ZoneLabel   = "topology.kubernetes.io/zone"
)

// probeWorkers is how many clusters are probed at once: a probe of a
// cluster that stopped answering takes the whole timeout, and must neither
// hold up the probes of the others nor wait behind them.
const probeWorkers = 16

// Settings are the health check settings of the KubeFedConfig.
type Settings struct {
	Period     time.Duration
	Timeout    time.Duration
	Thresholds health.Thresholds
}

// Reconciler checks the health of one KubeFedCluster per request, and
// requeues it so that its probes start every period (health.NextProbe);
// up to probeWorkers clusters are probed at once.
type Reconciler struct {
	Client client.Client
	// Registry is where the members are recorded.
	Registry *clusterclient.Registry
	Recorder record.EventRecorder
	Settings Settings
	// EvictionPeriod is the period the KubeFedConfig's
	// clusterEvictionsPerMinute counts evictions in; zero means
	// taints.EvictionPeriod (a minute).
	EvictionPeriod time.Duration

	memory memory
	mu     sync.Mutex
	// admitted is when each cluster with a NoExecute taint was let start
	// evicting; pending is since when the others wait (taints.Admit).
	admitted map[string]time.Time
	pending  map[string]time.Time
}

// memory is what the health checks keep per cluster between probes.
type memory struct {
	mu       sync.Mutex
	clusters map[string]health.Memory
}

// smooth decides what to publish for a cluster after a probe (see
// health.Smooth); published are the conditions the cluster's object
// carries, used on the first probe since the syncer started.
func (m *memory) smooth(cluster string, published []corev1beta1.ClusterCondition, probe health.Probe, t health.Thresholds) []corev1beta1.ClusterCondition {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clusters == nil {
		m.clusters = map[string]health.Memory{}
	}
	previous, known := m.clusters[cluster]
	if !known {
		previous = health.Memory{Published: published}
	}
	out, next := health.Smooth(&previous, health.Conditions(probe), t)
	m.clusters[cluster] = next
	return out
}

// forget drops what is kept of a cluster.
func (m *memory) forget(cluster string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.clusters, cluster)
}

// probeHealth asks a connected member's /healthz, bounded by timeout, and
// when healthy its /version.
func probeHealth(ctx context.Context, conn *clusterclient.Connection, probe health.Probe, timeout time.Duration) (health.Probe, string) {
	probe.Body, probe.Err = conn.Healthz(ctx, timeout)
	version := ""
	if probe.Err == nil {
		if v, err := conn.Discovery.ServerVersion(); err == nil {
			version = v.GitVersion
		}
	}
	return probe, version
}

// now is a probe time: stored times have second precision, and so do
// ours, so that equal statuses compare equal.
func now() metav1.Time { return metav1.NewTime(time.Now().Truncate(time.Second)) }

// SetupWithManager registers the reconciler for KubeFedClusters.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Registry == nil || r.Recorder == nil {
		return fmt.Errorf("cluster health controller: Client, Registry and Recorder are required")
	}
	r.admitted, r.pending = map[string]time.Time{}, map[string]time.Time{}
	return ctrl.NewControllerManagedBy(mgr).Named("cluster-health").For(&corev1beta1.KubeFedCluster{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: probeWorkers}).Complete(r)
}

// Reconcile probes the cluster and publishes the result.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cluster := &corev1beta1.KubeFedCluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, cluster); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if cluster.DeletionTimestamp != nil {
		r.forget(req.Name)
		return ctrl.Result{}, nil
	}
	cfg, err := r.config(ctx, cluster.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	allowInsecure := cfg.AllowInsecureClusterConnections
	insecure := corevalidation.InsecureConnection(&cluster.Spec)
	started := time.Now()
	probe, version := r.probe(ctx, cluster, insecure != "" && !allowInsecure)
	published := r.memory.smooth(cluster.Name, cluster.Status.Conditions, probe, r.Settings.Thresholds)

	status := cluster.Status.DeepCopy()
	// The warning is for a connection in use: allowed, hence connected.
	warning := ""
	if allowInsecure {
		warning = insecure
	}
	status.Conditions = health.WithInsecureWarning(published, warning, probe.Time)
	if version != "" {
		status.KubernetesVersion = version
	}
	status.Region, status.Zones = topology(cluster.Labels)
	publish := func() {
		r.Registry.Update(cluster.Name, clusterclient.State{Labels: cluster.Labels, Ready: status.IsReady(), NotReadySince: health.NotReadySince(status.Conditions),
			Taints: r.inEffect(cluster, cfg.Taints.GetClusterEvictionsPerMinute())})
	}
	// The registry learns the probe's verdict before the host is written
	// to: propagation starts reporting a cluster that turned not ready at
	// once, not a status write later (on a loaded host, seconds).
	publish()
	if !sameStatus(&cluster.Status, status) {
		cluster.Status = *status
		if err := r.Client.Status().Update(ctx, cluster); err != nil && !apierrors.IsConflict(err) {
			return ctrl.Result{}, err
		}
	}
	if err := r.automaticTaints(ctx, cluster, cfg.Taints); err != nil {
		return ctrl.Result{}, err
	}
	publish() // with the automatic taints as written
	return ctrl.Result{RequeueAfter: health.NextProbe(r.Settings.Period, started, time.Now())}, nil
}

// config reads the KubeFedConfig's spec (empty without a KubeFedConfig).
func (r *Reconciler) config(ctx context.Context, namespace string) (corev1beta1.KubeFedConfigSpec, error) {
	cfg := &corev1beta1.KubeFedConfig{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: core.KubeFedConfigName}, cfg)
	if apierrors.IsNotFound(err) {
		return corev1beta1.KubeFedConfigSpec{}, nil
	}
	return cfg.Spec, err
}

// automaticTaints adds or removes the cluster's automatic taints
// (taints.Automatic) and writes its spec when they change.
func (r *Reconciler) automaticTaints(ctx context.Context, cluster *corev1beta1.KubeFedCluster, cfg *corev1beta1.TaintsConfig) error {
	state := taints.ClusterState{Ready: cluster.Status.IsReady()}
	for _, c := range cluster.Status.Conditions {
		if c.Type == corev1beta1.ClusterOffline && c.Status == corev1.ConditionTrue {
			state.Unreachable = true
		}
		if c.Type == corev1beta1.ClusterReady && c.Status != corev1.ConditionTrue && c.LastTransitionTime != nil {
			state.NotReadySince = c.LastTransitionTime.Time
		}
		if c.Type == corev1beta1.ClusterOffline && c.Status == corev1.ConditionTrue && c.LastTransitionTime != nil {
			state.NotReadySince = c.LastTransitionTime.Time
		}
	}
	list, changed := taints.Automatic(cluster.Spec.Taints, state, cfg.GetAutomatic(), cfg.GetGracePeriod(), time.Now())
	if !changed {
		return nil
	}
	cluster.Spec.Taints = list
	if err := r.Client.Update(ctx, cluster); err != nil && !apierrors.IsConflict(err) {
		return fmt.Errorf("writing the automatic taints of KubeFedCluster %s: %w", cluster.Name, err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("automatic taints changed", "cluster", cluster.Name, "taints", taints.Join(list))
	return nil
}

// inEffect returns the cluster's taints in effect: its NoExecute taints
// act once the cluster eviction rate limit admits the cluster
// (taints.Admit, taints.InEffect).
func (r *Reconciler) inEffect(cluster *corev1beta1.KubeFedCluster, perMinute int) []corev1beta1.Taint {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	since, tainted := taints.NoExecuteSince(cluster.Spec.Taints, now)
	if !tainted {
		delete(r.admitted, cluster.Name)
		delete(r.pending, cluster.Name)
		return cluster.Spec.Taints
	}
	if _, ok := r.admitted[cluster.Name]; !ok {
		r.pending[cluster.Name] = since
		pending := make([]taints.Pending, 0, len(r.pending))
		for name, at := range r.pending {
			pending = append(pending, taints.Pending{Cluster: name, Since: at})
		}
		period := r.EvictionPeriod
		if period <= 0 {
			period = taints.EvictionPeriod
		}
		for _, name := range taints.Admit(pending, r.admitted, perMinute, period, now) {
			if name == cluster.Name {
				r.admitted[name] = now
				delete(r.pending, name)
			}
		}
	}
	return taints.InEffect(cluster.Spec.Taints, r.admitted[cluster.Name])
}

// probe connects to the cluster (reusing the connection while its inputs
// are unchanged) and asks /healthz and, when healthy, /version. A cluster
// no connection can be built for is left without one in the registry; so
// is a cluster whose connection is insecure while the KubeFedConfig does
// not allow it (refuseInsecure): its token is not sent.
func (r *Reconciler) probe(ctx context.Context, cluster *corev1beta1.KubeFedCluster, refuseInsecure bool) (health.Probe, string) {
	probe := health.Probe{Time: now()}
	if err := r.Registry.Claim(cluster.Name, clusterclient.SourceJoined, "KubeFedCluster "+cluster.Namespace+"/"+cluster.Name); err != nil {
		r.Registry.Disconnect(cluster.Name)
		probe.ConfigError = err
		return probe, ""
	}
	if refuseInsecure {
		r.Registry.Disconnect(cluster.Name)
		probe.ConfigError = fmt.Errorf("%s, and the KubeFedConfig does not set spec.allowInsecureClusterConnections: fix the KubeFedCluster (kubectl fed join %s --error-on-existing=false) or set the switch", corevalidation.InsecureConnection(&cluster.Spec), cluster.Name)
		return probe, ""
	}
	secret := &corev1.Secret{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: cluster.Namespace, Name: cluster.Spec.SecretRef.Name}, secret)
	if apierrors.IsNotFound(err) {
		secret, err = nil, nil
	}
	if err != nil {
		probe.ConfigError = err
		r.Registry.Disconnect(cluster.Name)
		return probe, ""
	}
	cfg, err := clusterclient.RESTConfig(cluster, secret)
	if err == nil {
		var conn *clusterclient.Connection
		conn, err = r.Registry.Connect(cluster.Name, cfg, fingerprint(cluster, secret))
		if err == nil {
			return probeHealth(ctx, conn, probe, r.Settings.Timeout)
		}
	}
	probe.ConfigError = err
	r.Registry.Disconnect(cluster.Name)
	r.Recorder.Eventf(cluster, corev1.EventTypeWarning, "MalformedClusterConfig", "Cannot build a client for the cluster: %v", err)
	return probe, ""
}

func (r *Reconciler) forget(name string) {
	r.memory.forget(name)
	r.mu.Lock()
	delete(r.admitted, name)
	delete(r.pending, name)
	r.mu.Unlock()
	r.Registry.Release(name, clusterclient.SourceJoined)
}

// fingerprint identifies what a connection is built from.
func fingerprint(cluster *corev1beta1.KubeFedCluster, secret *corev1.Secret) string {
	data, _ := json.Marshal(struct {
		Spec   corev1beta1.KubeFedClusterSpec
		Secret string
	}{cluster.Spec, secret.ResourceVersion})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func topology(labels map[string]string) (*string, []string) {
	var region *string
	if r, ok := labels[RegionLabel]; ok && r != "" {
		region = &r
	}
	var zones []string
	if z, ok := labels[ZoneLabel]; ok && z != "" {
		zones = []string{z}
	}
	return region, zones
}

// sameStatus compares statuses ignoring probe times, so that a healthy,
// unchanged cluster costs no host writes.
func sameStatus(a, b *corev1beta1.KubeFedClusterStatus) bool {
	strip := func(s *corev1beta1.KubeFedClusterStatus) *corev1beta1.KubeFedClusterStatus {
		c := s.DeepCopy()
		for i := range c.Conditions {
			c.Conditions[i].LastProbeTime = metav1.Time{}
		}
		return c
	}
	return equality.Semantic.DeepEqual(strip(a), strip(b))
}

// Members returns a lister of the member clusters: the names of the
// KubeFedClusters in namespace and, when inventoryNamespace is set, of the
// ClusterProfiles there that kubectl-fed did not write, other than those
// being deleted, read through reader.
func Members(reader client.Reader, namespace, inventoryNamespace string) func(ctx context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		list := &corev1beta1.KubeFedClusterList{}
		if err := reader.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return nil, fmt.Errorf("listing the KubeFedClusters in %s: %w", namespace, err)
		}
		var names []string
		for _, c := range list.Items {
			if c.DeletionTimestamp == nil {
				names = append(names, c.Name)
			}
		}
		if inventoryNamespace == "" {
			return names, nil
		}
		profiles := &inventoryv1alpha1.ClusterProfileList{}
		if err := reader.List(ctx, profiles, client.InNamespace(inventoryNamespace)); err != nil {
			return nil, fmt.Errorf("listing the ClusterProfiles in %s: %w", inventoryNamespace, err)
		}
		for _, p := range profiles.Items {
			if p.DeletionTimestamp == nil && !inventory.Ours(&p) {
				names = append(names, p.Name)
			}
		}
		return names, nil
	}
}
