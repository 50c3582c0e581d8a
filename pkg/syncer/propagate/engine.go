// Package propagate is the syncer's propagation engine: one controller
// (controller-runtime's, with a typed request naming the type and the
// object) serves every enabled federated type with one work queue and one
// pool of workers. Each type adds a cache of its federated objects on the
// host and, per member, a cache of the managed objects of its target type;
// nothing else is per type.
package propagate

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/served"
)

// Settings are the control-plane settings propagation follows.
type Settings struct {
	// KubeFedNamespace is the control plane's namespace.
	KubeFedNamespace string
	// ClusterScoped is set for a control plane that serves every namespace
	// (KubeFedConfig scope Cluster); otherwise only KubeFedNamespace is served.
	ClusterScoped bool
	// AdoptResources lets the syncer take over member objects that exist
	// before it creates them.
	AdoptResources bool
	// Workers is the number of objects reconciled at once.
	Workers int
	// MemberInFlight bounds the writes in flight to one member cluster
	// (0: DefaultMemberInFlight).
	MemberInFlight int
	// CollectStatus allows member statuses to be collected for types whose
	// FederatedTypeConfig has statusCollection Enabled (the
	// RawResourceStatusCollection feature gate).
	CollectStatus bool
	// WritePropagatedVersions makes the syncer write a PropagatedVersion or
	// ClusterPropagatedVersion per federated object, as KubeFed did, for
	// tools that read them. Off by default: nothing needs them.
	WritePropagatedVersions bool
	// EvictionTimeout bounds how long a NoExecute eviction waits for the
	// object to run ready elsewhere (the KubeFedConfig's
	// taints.evictionTimeout).
	EvictionTimeout time.Duration
}

// WatchNamespace is the namespace the caches of federated and member
// objects watch ("" for all).
func (s Settings) WatchNamespace() string {
	if s.ClusterScoped {
		return ""
	}
	return s.KubeFedNamespace
}

// Key names one federated object of one enabled type.
type Key struct {
	// Type is the FederatedTypeConfig's name, e.g. "deployments.apps".
	Type      string
	Namespace string
	Name      string
}

// federatedType is one enabled type and its host cache.
type federatedType struct {
	name       string
	generation int64
	federated  schema.GroupVersionResource
	target     schema.GroupVersionResource
	targetKind schema.GroupVersionKind
	// namespaced is set when the federated objects live in namespaces.
	namespaced bool
	// targetNamespaced is set when the member objects live in namespaces.
	targetNamespaced bool
	// federatedKind is the kind of the federated objects, e.g.
	// FederatedConfigMap.
	federatedKind string
	// collectStatus is set when member statuses are copied into the
	// federated status.
	collectStatus bool
	// versionsPruned is set once the federated CRD turned out to drop
	// status.clusters[].version (a CRD KubeFed created): records are then
	// kept in memory only.
	versionsPruned atomic.Bool
	informer       cache.SharedIndexInformer
	cancel         context.CancelFunc
	// followsDefault is the FederatedTypeConfig's dependencyPropagation:
	// whether its objects follow their dependencies without the
	// annotation.
	followsDefault bool
	// dependency is set when the target objects can be dependencies of
	// workloads (ConfigMaps, Secrets, ServiceAccounts,
	// PersistentVolumeClaims); hostObjects is then the host cache of the
	// target objects, which dependencies are rendered from.
	dependency  dependencies.Kind
	hostObjects cache.SharedIndexInformer
	// hostMu guards runCtx, the context the type runs on, and hostRunning,
	// set once hostObjects was started (on first use: hostCache).
	hostMu      sync.Mutex
	runCtx      context.Context
	hostRunning bool
}

// PolicySource lists the federation policies and override policies in
// force, and the labels of host namespaces for policies that select
// namespaces.
type PolicySource interface {
	Policies(ctx context.Context) ([]policy.Policy, error)
	OverridePolicies(ctx context.Context) ([]overrides.Policy, error)
	NamespaceLabels(ctx context.Context, namespace string) (map[string]string, error)
}

// Engine propagates federated objects of every enabled type to members.
type Engine struct {
	settings Settings
	host     dynamic.Interface
	members  *clusterclient.Registry
	joined   JoinedClusters
	// membersKnown is set once every joined cluster was probed.
	membersKnown atomic.Bool
	policies     PolicySource
	recorder     record.EventRecorder
	// waiting tracks the queued keys for the per-type queue metrics.
	waiting *waiting
	// lanes bounds the work in flight per member cluster.
	lanes *lanes
	// statusWrites spaces the status writes of each object.
	statusWrites *writeClock
	// versions remembers the PropagatedVersions written.
	versions *versionMemory
	// records keeps the last write to each member object.
	records *records
	// adopt is settings.AdoptResources as changed by SetAdoptResources.
	adopt atomic.Bool
	// served remembers which members serve which target types.
	served *served.Cache
	// pulls remembers which dependencies each workload's last pass queued.
	pulls *pulls
	// copyFailures remembers where each dependency's last pass could not
	// write its copy, for the status of the workloads that need it.
	copyFailures *copyFailures

	mu    sync.RWMutex
	types map[string]*federatedType
	// ctx is the controller's context (the manager's); host caches of
	// types enabled before the controller starts wait for it.
	ctx context.Context
	// queue is the controller's work queue, nil until it starts.
	queue   workqueue.TypedRateLimitingInterface[Key]
	queueMu sync.RWMutex
}

// watchOwner names the engine's handlers on member caches.
const watchOwner = "propagation"

// New returns an engine; SetupWithManager runs it. It subscribes to the
// registry: every object is looked at again when a member joins, leaves,
// or changes readiness or labels. policies may be nil when no policy
// applies.
// joined lists the joined clusters: until each has been probed once, no
// pass runs.
func New(settings Settings, host dynamic.Interface, registry *clusterclient.Registry, joined JoinedClusters, policies PolicySource, recorder record.EventRecorder) *Engine {
	if settings.Workers <= 0 {
		settings.Workers = 1
	}
	e := &Engine{
		settings: settings,
		host:     host,
		members:  registry,
		joined:   joined,
		policies: policies,
		recorder: recorder,
		waiting:  newWaiting(),
		lanes:    newLanes(settings.MemberInFlight),
		types:    map[string]*federatedType{},

		statusWrites: newWriteClock(),
		versions:     newVersionMemory(),
		records:      newRecords(),
		served:       served.NewCache(servedTTL),
		pulls:        newPulls(),
		copyFailures: newCopyFailures(),
	}
	e.adopt.Store(settings.AdoptResources)
	registry.Subscribe(e.clusterChanged)
	return e
}

// NotifyServedChanges has notify called with a type's name when a member
// turns out not to serve its target type, or to serve it again. Call it
// before Start.
func (e *Engine) NotifyServedChanges(notify func(typeName string)) {
	e.served.OnChange = func(_ string, gvr schema.GroupVersionResource, _ bool) {
		e.mu.RLock()
		var names []string
		for _, t := range e.types {
			if t.target == gvr {
				names = append(names, t.name)
			}
		}
		e.mu.RUnlock()
		for _, name := range names {
			notify(name)
		}
	}
}

// SetAdoptResources changes whether member objects that exist before the
// syncer creates them are adopted (the KubeFedConfig's
// syncController.adoptResources) and, if it changed, looks at every
// federated object again.
func (e *Engine) SetAdoptResources(adopt bool) {
	if e.adopt.Swap(adopt) != adopt {
		e.EnqueueAll()
	}
}

// SetupWithManager runs the engine as a controller of the manager (on the
// elected leader only): Settings.Workers workers reconcile one Key at a
// time each, a failed or panicking reconcile is retried with backoff, and
// the controller's queue and reconcile metrics are exposed with the
// others on /metrics (see metrics.go).
func (e *Engine) SetupWithManager(mgr ctrl.Manager) error {
	log := mgr.GetLogger().WithValues("controller", controllerName)
	c, err := controller.NewTyped[Key](controllerName, mgr, controller.TypedOptions[Key]{
		Reconciler:              e,
		MaxConcurrentReconciles: e.settings.Workers,
		RateLimiter:             workqueue.DefaultTypedControllerRateLimiter[Key](),
		// First in, first out within a priority: every key is a
		// federated object to bring in step, and after a member's
		// readiness changed, those reporting on it go first
		// (clusterChanged).
		UsePriorityQueue: ptr.To(true),
		RecoverPanic:     ptr.To(true),
		// Workers wait for every joined cluster's first probe however
		// long it takes (engineSource.WaitForSync), as before the engine
		// ran on controller-runtime.
		CacheSyncTimeout: math.MaxInt64,
		LogConstructor: func(key *Key) logr.Logger {
			if key == nil {
				return log
			}
			return log.WithValues("type", key.Type, "object", cacheKey(key.Namespace, key.Name))
		},
	})
	if err != nil {
		return err
	}
	return c.Watch(engineSource{e})
}

// engineSource is the controller's only source. Start keeps the queue the
// enqueue functions add to and starts the host caches on the controller's
// context; WaitForSync holds the workers back until every joined cluster
// was probed (knowsMembers), so that no pass acts on a partial view.
type engineSource struct{ e *Engine }

// Start implements source.TypedSource.
func (s engineSource) Start(ctx context.Context, queue workqueue.TypedRateLimitingInterface[Key]) error {
	return s.e.start(ctx, queue)
}

// WaitForSync implements source.TypedSyncingSource: it returns once every
// joined cluster was probed, or with an error when ctx ends.
func (s engineSource) WaitForSync(ctx context.Context) error {
	known := func(ctx context.Context) (bool, error) { return s.e.knowsMembers(ctx), nil }
	return wait.PollUntilContextCancel(ctx, memberWait, true, known)
}

// String names the source in the controller's logs.
func (engineSource) String() string { return "federated objects and their member objects" }

// controllerName names the engine's controller in logs and metrics.
const controllerName = "propagation"

// start is the controller's source: it keeps the queue the enqueue
// functions add to, and starts the host caches on the controller's context.
func (e *Engine) start(ctx context.Context, queue workqueue.TypedRateLimitingInterface[Key]) error {
	e.queueMu.Lock()
	e.queue = queue
	e.queueMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ctx = ctx
	for _, t := range e.types {
		t.run(ctx)
	}
	go func() {
		<-ctx.Done()
		e.mu.Lock()
		defer e.mu.Unlock()
		for name, t := range e.types {
			t.stop()
			delete(e.types, name)
		}
	}()
	return nil
}

// JoinedClusters lists the names of the joined member clusters (the
// KubeFedClusters that are not being deleted).
type JoinedClusters func(ctx context.Context) ([]string, error)

// memberWait is how often the workers check, before their first pass,
// whether every joined cluster has been probed.
const memberWait = 200 * time.Millisecond

// knowsMembers reports whether every joined cluster has been probed once
// (found ready, not ready or unreachable). Until then no pass runs: it
// would take a member it has not seen for one that is not there, and
// write a status listing fewer clusters than placed, or finish a deletion
// leaving that member's copy behind. Once true it stays true; a cluster
// joined later is served from its first probe on.
func (e *Engine) knowsMembers(ctx context.Context) bool {
	if e.membersKnown.Load() {
		return true
	}
	names, err := e.joined(ctx)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing the joined clusters")
		return false
	}
	for _, name := range names {
		if _, known := e.members.Get(name); !known {
			return false
		}
	}
	e.membersKnown.Store(true)
	ctrl.LoggerFrom(ctx).Info("every joined cluster was probed: propagation starts", "clusters", len(names))
	return true
}

// Reconcile brings the members in line with one federated object, and
// records its duration, its errors and the time the key waited in the
// queue, by type.
func (e *Engine) Reconcile(ctx context.Context, key Key) (result reconcile.Result, err error) {
	e.waiting.started(key)
	start := time.Now()
	defer func() {
		reconcileDuration.WithLabelValues(key.Type).Observe(time.Since(start).Seconds())
		if r := recover(); r != nil {
			reconcileErrors.WithLabelValues(key.Type).Inc()
			panic(r) // the controller recovers it and retries the key with backoff
		}
		if err != nil {
			reconcileErrors.WithLabelValues(key.Type).Inc()
		}
	}()
	after, err := e.reconcile(ctx, key)
	return reconcile.Result{RequeueAfter: after}, err
}

// add queues a key, once the controller runs.
func (e *Engine) add(key Key) {
	e.queueMu.RLock()
	queue := e.queue
	e.queueMu.RUnlock()
	if queue != nil {
		e.waiting.add(key)
		queue.Add(key)
	}
}

// addFirst queues a key ahead of those of a lower priority.
func (e *Engine) addFirst(key Key, priority int) {
	e.queueMu.RLock()
	queue := e.queue
	e.queueMu.RUnlock()
	prioritized, ok := queue.(priorityqueue.PriorityQueue[Key])
	if !ok {
		e.add(key)
		return
	}
	e.waiting.add(key)
	prioritized.AddWithOpts(priorityqueue.AddOpts{Priority: &priority}, key)
}

// Running reports whether the type named by a FederatedTypeConfig is served
// at the given generation.
func (e *Engine) Running(name string, generation int64) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.types[name]
	return ok && t.generation == generation
}

// Enable serves the type a FederatedTypeConfig describes, replacing an
// older generation of it.
func (e *Engine) Enable(ftc *corev1beta1.FederatedTypeConfig) {
	if e.Running(ftc.Name, ftc.Generation) {
		return
	}
	e.Disable(ftc.Name)
	spec := ftc.Spec
	t := &federatedType{
		name:             ftc.Name,
		generation:       ftc.Generation,
		federated:        schema.GroupVersionResource{Group: spec.FederatedType.Group, Version: spec.FederatedType.Version, Resource: spec.FederatedType.PluralName},
		federatedKind:    spec.FederatedType.Kind,
		target:           schema.GroupVersionResource{Group: spec.TargetType.Group, Version: spec.TargetType.Version, Resource: spec.TargetType.PluralName},
		targetKind:       schema.GroupVersionKind{Group: spec.TargetType.Group, Version: spec.TargetType.Version, Kind: spec.TargetType.Kind},
		namespaced:       spec.FederatedType.Scope == corev1beta1.NamespaceScoped,
		targetNamespaced: spec.TargetType.Scope == corev1beta1.NamespaceScoped,
		collectStatus:    e.settings.CollectStatus && ftc.GetStatusEnabled(),
		followsDefault:   ftc.GetDependenciesEnabled(),
	}
	namespace := ""
	if t.namespaced {
		namespace = e.settings.WatchNamespace()
	}
	t.informer = dynamicinformer.NewFilteredDynamicInformer(e.host, t.federated, namespace, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, nil).Informer()
	_ = t.informer.SetTransform(clusterclient.StripManagedFields) // cannot fail: the informer has not started
	_, _ = t.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { e.enqueueFederated(t, obj) },
		UpdateFunc: func(_, obj interface{}) { e.federatedUpdated(t, obj) },
		DeleteFunc: func(obj interface{}) { e.enqueueFederated(t, obj) },
	})
	if kind, ok := dependencies.KindOf(t.targetKind.Group, t.targetKind.Kind); ok && t.namespaced {
		t.dependency = kind
		t.hostObjects = dynamicinformer.NewFilteredDynamicInformer(e.host, t.target, namespace, 0,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, nil).Informer()
		_ = t.hostObjects.SetTransform(clusterclient.StripManagedFields) // cannot fail: the informer has not started
		_, _ = t.hostObjects.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj interface{}) { e.enqueueDependency(t, obj, true) },
			UpdateFunc: func(_, obj interface{}) { e.enqueueDependency(t, obj, false) },
			DeleteFunc: func(obj interface{}) { e.enqueueDependency(t, obj, true) },
		})
	}
	e.mu.Lock()
	e.types[t.name] = t
	if e.ctx != nil {
		t.run(e.ctx)
	}
	e.mu.Unlock()
	if t.dependency != "" {
		// Workloads that reported the type not enabled look again.
		e.enqueuePodTemplateTypes()
	}
}

// run starts the type's host cache on ctx.
func (t *federatedType) run(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	go t.informer.RunWithContext(ctx)
	t.hostMu.Lock()
	t.runCtx = ctx
	t.hostMu.Unlock()
}

// hostCache returns the host cache of the type's target objects, started
// on first use (only workloads that follow their dependencies need it); nil
// when the target objects are not dependencies.
func (t *federatedType) hostCache() cache.SharedIndexInformer {
	if t.hostObjects == nil {
		return nil
	}
	t.hostMu.Lock()
	defer t.hostMu.Unlock()
	if !t.hostRunning && t.runCtx != nil {
		t.hostRunning = true
		go t.hostObjects.RunWithContext(t.runCtx)
	}
	return t.hostObjects
}

// stop stops the type's host cache, if it runs.
func (t *federatedType) stop() {
	if t.cancel != nil {
		t.cancel()
	}
}

// Disable stops serving a type: its host and member caches stop. Member
// objects are left as they are.
func (e *Engine) Disable(name string) {
	e.mu.Lock()
	t, ok := e.types[name]
	delete(e.types, name)
	e.mu.Unlock()
	if !ok {
		return
	}
	t.stop()
	for _, m := range e.members.List() {
		if m.Conn != nil {
			m.Conn.StopInformer(t.target)
		}
	}
	if t.dependency != "" {
		e.enqueuePodTemplateTypes()
	}
}

// Priorities of the keys clusterChanged queues ahead of the others (whose
// priority is 0).
const (
	// pendingPriority: a part of an object's last pass still runs in the
	// cluster, so its status has waited for that cluster since.
	pendingPriority = 2
	// reportingPriority: the object's status has an entry for the cluster.
	reportingPriority = 1
)

// clusterChanged queues every federated object again after a member
// joined, left, or changed readiness, labels or taints. The objects whose
// status reports on that member go first, those whose last pass still
// waits for a part there before the others: when a member stops
// answering, the entries reporting it not ready are written before
// anything else the queue holds (at scale, rewriting every status takes a
// while). The others follow in the usual order.
func (e *Engine) clusterChanged(cluster string) {
	pending := e.lanes.runningIn(cluster)
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		for _, obj := range t.informer.GetStore().List() {
			u, ok := obj.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			key := Key{Type: t.name, Namespace: u.GetNamespace(), Name: u.GetName()}
			switch {
			case pending.Has(key):
				e.addFirst(key, pendingPriority)
			case reportsOn(u, cluster):
				e.addFirst(key, reportingPriority)
			default:
				e.add(key)
			}
		}
	}
}

// reportsOn reports whether a federated object's status has an entry for
// cluster (a status that does not decode reports on none: its pass
// replaces it).
func reportsOn(fed *unstructured.Unstructured, cluster string) bool {
	entry, err := typesv1beta1.ClusterOf(fed, cluster)
	return err == nil && entry != nil
}

// EnqueueAll queues every federated object of every type, e.g. after the
// policies changed.
func (e *Engine) EnqueueAll() {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		for _, key := range t.informer.GetIndexer().ListKeys() {
			ns, name, _ := cache.SplitMetaNamespaceKey(key)
			e.add(Key{Type: t.name, Namespace: ns, Name: name})
		}
	}
}

// FederatedObjects returns the federated objects of every enabled type
// from the host caches, for counting (they must not be changed). synced is
// false while any of those caches is still filling: the list is then
// partial and must not be acted on.
func (e *Engine) FederatedObjects() (objs []*unstructured.Unstructured, synced bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		if !t.informer.HasSynced() {
			return nil, false
		}
		for _, obj := range t.informer.GetStore().List() {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				objs = append(objs, u)
			}
		}
	}
	return objs, true
}

func (e *Engine) enqueueFederated(t *federatedType, obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	e.add(Key{Type: t.name, Namespace: ns, Name: name})
	if t.name == core.NamespacesTypeConfigName {
		e.enqueueNamespace(ns)
	}
}

// federatedUpdated queues a federated object that changed, unless the
// change is the echo of the syncer's own status write (records.echo) and
// the object is not being deleted.
func (e *Engine) federatedUpdated(t *federatedType, obj interface{}) {
	if u, ok := obj.(*unstructured.Unstructured); ok && u.GetDeletionTimestamp() == nil {
		key := Key{Type: t.name, Namespace: u.GetNamespace(), Name: u.GetName()}
		if e.records.echo(key, hostStatus, u.GetResourceVersion()) {
			echoes.WithLabelValues(t.name, "host").Inc()
			return
		}
	}
	e.enqueueFederated(t, obj)
}

// live reports whether key's federated object is in the host cache and
// not being deleted.
func live(t *federatedType, key Key) bool {
	obj, exists, err := t.informer.GetIndexer().GetByKey(cacheKey(key.Namespace, key.Name))
	if err != nil || !exists {
		return false
	}
	u, ok := obj.(*unstructured.Unstructured)
	return ok && u.GetDeletionTimestamp() == nil
}

// enqueueDependency queues a host object of a dependency type and, when it
// appears or goes (changed: false for an update), the workloads of its
// namespace that follow their dependencies, whose status says whether it
// is missing.
func (e *Engine) enqueueDependency(t *federatedType, obj interface{}, appearedOrGone bool) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	e.add(Key{Type: t.name, Namespace: ns, Name: name})
	if appearedOrGone {
		e.enqueueWorkloads(t, ns, name)
	}
}

// enqueueWorkloads queues the workloads of namespace that follow their
// dependencies and reference the object name of dependency type t.
func (e *Engine) enqueueWorkloads(t *federatedType, namespace, name string) {
	for _, w := range e.podTemplateTypes() {
		objs, _ := w.informer.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
		for _, obj := range objs {
			if references(followed(w, obj.(*unstructured.Unstructured)), t.dependency, name) {
				e.enqueueFederated(w, obj)
			}
		}
	}
}

// enqueuePodTemplateTypes queues every object of the types with a pod
// template, e.g. when a dependency type is enabled or disabled.
func (e *Engine) enqueuePodTemplateTypes() {
	for _, t := range e.podTemplateTypes() {
		for _, key := range t.informer.GetIndexer().ListKeys() {
			ns, name, _ := cache.SplitMetaNamespaceKey(key)
			e.add(Key{Type: t.name, Namespace: ns, Name: name})
		}
	}
}

// enqueueNamespace queues every object of a namespaced type in namespace,
// whose placement a FederatedNamespace restricts.
func (e *Engine) enqueueNamespace(namespace string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		if !t.targetNamespaced {
			continue
		}
		objs, _ := t.informer.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
		for _, obj := range objs {
			e.enqueueFederated(t, obj)
		}
	}
}

// memberHandler queues the federated object a member object belongs to,
// unless the event is the echo of the syncer's own write (records.echo)
// and the federated object is there and not being deleted (a deletion,
// and a dependency, which has none, look at every event as before), and
// records that the member's cache showed the object.
func (e *Engine) memberHandler(t *federatedType) clusterclient.VersionedHandler {
	return func(cluster, namespace, name, resourceVersion string) {
		if !t.namespaced {
			namespace = ""
		}
		if t.name == core.NamespacesTypeConfigName {
			namespace = name // a FederatedNamespace lives in the namespace it federates
		}
		key := Key{Type: t.name, Namespace: namespace, Name: name}
		e.records.shown(key, cluster)
		if resourceVersion != "" && e.records.echo(key, cluster, resourceVersion) && live(t, key) {
			echoes.WithLabelValues(t.name, "member").Inc()
			return
		}
		e.add(key)
	}
}

func (e *Engine) typeNamed(name string) *federatedType {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.types[name]
}

// String describes a key for logs and events.
func (k Key) String() string {
	if k.Namespace == "" {
		return fmt.Sprintf("%s %s", k.Type, k.Name)
	}
	return fmt.Sprintf("%s %s/%s", k.Type, k.Namespace, k.Name)
}
