// Package propagate is the syncer's propagation engine: one work queue and
// one pool of workers serve every enabled federated type. Each type adds a
// cache of its federated objects on the host and, per member, a cache of
// the managed objects of its target type; nothing else is per type.
package propagate

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
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
	// CollectStatus allows member statuses to be collected for types whose
	// FederatedTypeConfig has statusCollection Enabled (the
	// RawResourceStatusCollection feature gate).
	CollectStatus bool
	// WritePropagatedVersions makes the syncer write a PropagatedVersion or
	// ClusterPropagatedVersion per federated object, as KubeFed did, for
	// tools that read them. Off by default: nothing needs them.
	WritePropagatedVersions bool
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
	// collectStatus is set when member statuses are copied into the
	// federated status.
	collectStatus bool
	// versionsPruned is set once the federated CRD turned out to drop
	// status.clusters[].version (a CRD KubeFed created): records are then
	// kept in memory only.
	versionsPruned atomic.Bool
	informer       cache.SharedIndexInformer
	cancel         context.CancelFunc
}

// PolicySource lists the federation policies in force, and the labels of
// host namespaces for policies that select namespaces.
type PolicySource interface {
	Policies(ctx context.Context) ([]policy.Policy, error)
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
	queue        workqueue.TypedRateLimitingInterface[Key]
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

	mu    sync.RWMutex
	types map[string]*federatedType
	// ctx is the context Start was given (the manager's); host caches of
	// types enabled before it wait for it.
	ctx context.Context
}

// watchOwner names the engine's handlers on member caches.
const watchOwner = "propagation"

// New returns an engine; Start runs its workers. It subscribes to the
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
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[Key]()),
		types:    map[string]*federatedType{},

		statusWrites: newWriteClock(),
		versions:     newVersionMemory(),
		records:      newRecords(),
		served:       served.NewCache(servedTTL),
	}
	e.adopt.Store(settings.AdoptResources)
	registry.Subscribe(func(string) { e.EnqueueAll() })
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

// Start runs the workers until ctx ends. It makes the engine a
// controller-runtime Runnable that runs only on the elected leader.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	e.ctx = ctx
	for _, t := range e.types {
		t.run(ctx)
	}
	e.mu.Unlock()
	var wg sync.WaitGroup
	for range e.settings.Workers {
		wg.Go(func() { wait.UntilWithContext(ctx, e.work, time.Second) })
	}
	<-ctx.Done()
	e.queue.ShutDown()
	wg.Wait()
	e.mu.Lock()
	for name, t := range e.types {
		t.stop()
		delete(e.types, name)
	}
	e.mu.Unlock()
	return nil
}

func (e *Engine) work(ctx context.Context) {
	known := func(ctx context.Context) (bool, error) { return e.knowsMembers(ctx), nil }
	if wait.PollUntilContextCancel(ctx, memberWait, true, known) != nil {
		return // stopping
	}
	for {
		key, shutdown := e.queue.Get()
		if shutdown {
			return
		}
		after, err := e.reconcileSafely(ctx, key)
		switch {
		case err != nil:
			ctrl.LoggerFrom(ctx).Error(err, "propagation failed; retrying with backoff", "type", key.Type, "object", key.Namespace+"/"+key.Name)
			e.queue.AddRateLimited(key)
		case after > 0:
			e.queue.Forget(key)
			e.queue.AddAfter(key, after)
		default:
			e.queue.Forget(key)
		}
		e.queue.Done(key)
	}
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

// reconcileSafely reconciles key, turning a panic into an error so that one
// bad object is retried with backoff instead of stopping the syncer.
func (e *Engine) reconcileSafely(ctx context.Context, key Key) (after time.Duration, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while reconciling %s: %v\n%s", key, r, debug.Stack())
		}
	}()
	return e.reconcile(ctx, key)
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
		target:           schema.GroupVersionResource{Group: spec.TargetType.Group, Version: spec.TargetType.Version, Resource: spec.TargetType.PluralName},
		targetKind:       schema.GroupVersionKind{Group: spec.TargetType.Group, Version: spec.TargetType.Version, Kind: spec.TargetType.Kind},
		namespaced:       spec.FederatedType.Scope == corev1beta1.NamespaceScoped,
		targetNamespaced: spec.TargetType.Scope == corev1beta1.NamespaceScoped,
		collectStatus:    e.settings.CollectStatus && ftc.GetStatusEnabled(),
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
		UpdateFunc: func(_, obj interface{}) { e.enqueueFederated(t, obj) },
		DeleteFunc: func(obj interface{}) { e.enqueueFederated(t, obj) },
	})
	e.mu.Lock()
	e.types[t.name] = t
	if e.ctx != nil {
		t.run(e.ctx)
	}
	e.mu.Unlock()
}

// run starts the type's host cache on ctx.
func (t *federatedType) run(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	go t.informer.RunWithContext(ctx)
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
}

// EnqueueAll queues every federated object of every type, e.g. after a
// cluster joined, left or changed readiness or labels.
func (e *Engine) EnqueueAll() {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		for _, key := range t.informer.GetIndexer().ListKeys() {
			ns, name, _ := cache.SplitMetaNamespaceKey(key)
			e.queue.Add(Key{Type: t.name, Namespace: ns, Name: name})
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
	e.queue.Add(Key{Type: t.name, Namespace: ns, Name: name})
	if t.name == core.NamespacesTypeConfigName {
		e.enqueueNamespace(ns)
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

// memberHandler queues the federated object a member object belongs to.
func (e *Engine) memberHandler(t *federatedType) clusterclient.EventHandler {
	return func(_, namespace, name string) {
		if !t.namespaced {
			namespace = ""
		}
		if t.name == core.NamespacesTypeConfigName {
			namespace = name // a FederatedNamespace lives in the namespace it federates
		}
		e.queue.Add(Key{Type: t.name, Namespace: namespace, Name: name})
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
