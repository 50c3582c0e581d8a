package clusterclient

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// managedSelector filters member caches to the objects the syncer manages.
var managedSelector = core.ManagedByKubeFedLabelKey + "=" + core.ManagedByKubeFedLabelValue

// podsResource is the resource of the pod caches.
var podsResource = corev1.SchemeGroupVersion.WithResource("pods")

// EventHandler is told which member object changed, by namespace and name.
type EventHandler func(cluster, namespace, name string)

// VersionedHandler is told which member object changed, by namespace and
// name, and the resourceVersion the event shows it at ("" for a deletion).
type VersionedHandler func(cluster, namespace, name, resourceVersion string)

// versioned is h as a VersionedHandler (nil when h is).
func (h EventHandler) versioned() VersionedHandler {
	if h == nil {
		return nil
	}
	return func(cluster, namespace, name, _ string) { h(cluster, namespace, name) }
}

// Connection is the syncer's link to one member: clients and the shared
// caches of its managed objects (one per type), of its pods (one per
// namespace, for replica scheduling) and of its StorageClasses (for the
// claims that dependency following copies).
type Connection struct {
	// Name is the member cluster's name.
	Name string
	// Dynamic reads and writes member objects of any type.
	Dynamic dynamic.Interface
	// Discovery answers /healthz and /version.
	Discovery discovery.DiscoveryInterface

	fingerprint string
	namespace   string
	runner      *runner
	mu          sync.Mutex
	informers   map[informerKey]*memberInformer
	stopped     bool
}

// informerKey names one cache of a connection.
type informerKey struct {
	gvr schema.GroupVersionResource
	// namespace is set for pod caches, one per namespace.
	namespace string
}

type memberInformer struct {
	informer cache.SharedIndexInformer
	stop     chan struct{}
	// owners are the subscribers whose handlers are attached.
	owners map[string]bool
	// failure is the last error listing or watching, for caches that
	// record it (StorageClasses).
	failure *atomic.Pointer[error]
}

func newConnection(name string, dyn dynamic.Interface, disco discovery.DiscoveryInterface, fingerprint, namespace string, run *runner) *Connection {
	return &Connection{Name: name, Dynamic: dyn, Discovery: disco, fingerprint: fingerprint, namespace: namespace, runner: run,
		informers: map[informerKey]*memberInformer{}}
}

// Watch returns the connection's shared cache of managed objects of a type,
// starting it on first use. A non-nil handler is attached once per owner
// (a name for the subscriber, e.g. "propagation"), and is told of every
// change of a cached object.
func (c *Connection) Watch(gvr schema.GroupVersionResource, owner string, handler VersionedHandler) cache.SharedIndexInformer {
	c.mu.Lock()
	defer c.mu.Unlock()
	mi := c.informer(informerKey{gvr: gvr}, func() cache.SharedIndexInformer {
		return dynamicinformer.NewFilteredDynamicInformer(c.Dynamic, gvr, c.namespace, 0,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
			func(o *metav1.ListOptions) { o.LabelSelector = managedSelector }).Informer()
	}, StripManagedFields)
	c.attach(mi, owner, handler)
	return mi.informer
}

// attach attaches a non-nil handler to a cache once per owner; c.mu is
// held.
func (c *Connection) attach(mi *memberInformer, owner string, handler VersionedHandler) {
	if handler == nil || mi.owners[owner] {
		return
	}
	mi.owners[owner] = true
	notify := func(obj interface{}, deleted bool) {
		key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
		if err != nil {
			return
		}
		ns, name, _ := cache.SplitMetaNamespaceKey(key)
		resourceVersion := ""
		if u, ok := obj.(*unstructured.Unstructured); ok && !deleted {
			resourceVersion = u.GetResourceVersion()
		}
		handler(c.Name, ns, name, resourceVersion)
	}
	_, _ = mi.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { notify(obj, false) },
		UpdateFunc: func(_, obj interface{}) { notify(obj, false) },
		DeleteFunc: func(obj interface{}) { notify(obj, true) },
	})
}

// Pods returns the connection's shared cache of the pods of one namespace,
// starting it on first use. Pods carry no managed label (the workloads
// that own them do), so the cache holds every pod of the namespace, trimmed
// to what replica scheduling reads: labels, deletion, phase and conditions.
func (c *Connection) Pods(namespace string) cache.SharedIndexInformer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.informer(informerKey{gvr: podsResource, namespace: namespace}, func() cache.SharedIndexInformer {
		return dynamicinformer.NewFilteredDynamicInformer(c.Dynamic, podsResource, namespace, 0,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, nil).Informer()
	}, trimPod).informer
}

// informer returns the cache of key, creating and starting it with
// transform on first use; c.mu is held.
func (c *Connection) informer(key informerKey, build func() cache.SharedIndexInformer, transform cache.TransformFunc) *memberInformer {
	if mi, ok := c.informers[key]; ok {
		return mi
	}
	mi := &memberInformer{informer: build(), stop: make(chan struct{}), owners: map[string]bool{}}
	_ = mi.informer.SetTransform(transform) // cannot fail: the informer has not started
	c.informers[key] = mi
	if !c.stopped {
		c.runner.run(func(ctx context.Context) { runUntil(ctx, mi.informer, mi.stop) })
	}
	return mi
}

// runUntil runs informer until ctx ends or stop is closed.
func runUntil(ctx context.Context, informer cache.SharedIndexInformer, stop <-chan struct{}) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	informer.RunWithContext(ctx)
}

// Cached returns the object namespace/name of a cache ("" namespace for
// cluster-scoped objects), waiting up to wait for the cache to fill on first
// use. ok is false while the cache is not filled; obj is nil when the
// object does not exist.
func Cached(ctx context.Context, informer cache.SharedIndexInformer, namespace, name string, wait time.Duration) (obj *unstructured.Unstructured, ok bool) {
	if !Synced(ctx, informer, wait) {
		return nil, false
	}
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	cached, exists, err := informer.GetIndexer().GetByKey(key)
	if err != nil {
		return nil, false
	}
	if !exists {
		return nil, true
	}
	return cached.(*unstructured.Unstructured), true
}

// Synced waits up to wait for a cache to fill and reports whether it is.
func Synced(ctx context.Context, informer cache.SharedIndexInformer, wait time.Duration) bool {
	if informer.HasSynced() {
		return true
	}
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	return cache.WaitForCacheSync(waitCtx.Done(), informer.HasSynced)
}

// Healthz asks the member's /healthz, bounded by timeout, and returns the
// body. The request carries timeout (also in its URL's ?timeout=, which
// errors quote), not the client's longer default.
func (c *Connection) Healthz(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := c.Discovery.RESTClient().Get().AbsPath("/healthz").Timeout(timeout).Do(ctx).Raw()
	return string(body), err
}

// StopInformer stops the connection's cache of managed objects of one type,
// if it runs.
func (c *Connection) StopInformer(gvr schema.GroupVersionResource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := informerKey{gvr: gvr}
	if mi, ok := c.informers[key]; ok {
		close(mi.stop)
		delete(c.informers, key)
	}
}

// stop stops every cache of the connection; caches asked for later are not
// started.
func (c *Connection) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	for key, mi := range c.informers {
		close(mi.stop)
		delete(c.informers, key)
	}
}
