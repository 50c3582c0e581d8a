package clusterclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// managedSelector filters member caches to the objects the syncer manages.
var managedSelector = core.ManagedByKubeFedLabelKey + "=" + core.ManagedByKubeFedLabelValue

// EventHandler is told which member object changed, by namespace and name.
type EventHandler func(cluster, namespace, name string)

// Registry holds one connection per joined member cluster. It is safe for
// concurrent use.
type Registry struct {
	// Namespace restricts member caches to one namespace ("" means all), for a
	// namespace-scoped control plane.
	Namespace string
	// QPS and Burst, when positive, replace the rate limits of member clients.
	QPS   float32
	Burst int

	mu          sync.RWMutex
	connections map[string]*Connection
}

// NewRegistry returns an empty registry whose caches watch namespace ("" for all).
func NewRegistry(namespace string) *Registry {
	return &Registry{Namespace: namespace, connections: map[string]*Connection{}}
}

// Connection is the syncer's link to one member: clients and the caches of
// managed objects, one per type.
type Connection struct {
	// Name is the member cluster's name.
	Name string
	// Dynamic reads and writes member objects of any type.
	Dynamic dynamic.Interface
	// Discovery answers /healthz and /version.
	Discovery discovery.DiscoveryInterface

	fingerprint string
	namespace   string
	mu          sync.Mutex
	informers   map[schema.GroupVersionResource]*memberInformer
}

type memberInformer struct {
	informer cache.SharedIndexInformer
	cancel   context.CancelFunc
}

// Set makes the registry hold a connection for cluster built from cfg. The
// fingerprint identifies the inputs (spec, secret); an existing connection
// with the same fingerprint is kept, a different one is replaced (and its
// caches stopped). It returns the connection and whether it is new.
func (r *Registry) Set(cluster string, cfg *rest.Config, fingerprint string) (*Connection, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.connections[cluster]; ok && c.fingerprint == fingerprint {
		return c, false, nil
	}
	cfg = rest.CopyConfig(cfg)
	if r.QPS > 0 {
		cfg.QPS = r.QPS
	}
	if r.Burst > 0 {
		cfg.Burst = r.Burst
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, false, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, false, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	if old, ok := r.connections[cluster]; ok {
		old.stop()
	}
	c := &Connection{Name: cluster, Dynamic: dyn, Discovery: disco, fingerprint: fingerprint, namespace: r.Namespace,
		informers: map[schema.GroupVersionResource]*memberInformer{}}
	r.connections[cluster] = c
	return c, true, nil
}

// Remove drops the cluster's connection and stops its caches.
func (r *Registry) Remove(cluster string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.connections[cluster]; ok {
		c.stop()
		delete(r.connections, cluster)
	}
}

// Get returns the cluster's connection, or nil.
func (r *Registry) Get(cluster string) *Connection {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.connections[cluster]
}

// Informer returns the connection's cache of managed objects of a type,
// starting it (with handler attached) on first use.
func (c *Connection) Informer(gvr schema.GroupVersionResource, handler EventHandler) cache.SharedIndexInformer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mi, ok := c.informers[gvr]; ok {
		return mi.informer
	}
	informer := dynamicinformer.NewFilteredDynamicInformer(c.Dynamic, gvr, c.namespace, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
		func(o *metav1.ListOptions) { o.LabelSelector = managedSelector }).Informer()
	_ = informer.SetTransform(StripManagedFields) // cannot fail: the informer has not started
	notify := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			ns, name, _ := cache.SplitMetaNamespaceKey(key)
			handler(c.Name, ns, name)
		}
	}
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, obj interface{}) { notify(obj) },
		DeleteFunc: notify,
	})
	ctx, cancel := context.WithCancel(context.Background())
	go informer.RunWithContext(ctx)
	c.informers[gvr] = &memberInformer{informer: informer, cancel: cancel}
	return informer
}

// Healthz asks the member's /healthz, bounded by timeout, and returns the body.
func (c *Connection) Healthz(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := c.Discovery.RESTClient().Get().AbsPath("/healthz").Do(ctx).Raw()
	return string(body), err
}

// StopInformer stops the connection's cache of one type, if it runs.
func (c *Connection) StopInformer(gvr schema.GroupVersionResource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mi, ok := c.informers[gvr]; ok {
		mi.cancel()
		delete(c.informers, gvr)
	}
}

func (c *Connection) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for gvr, mi := range c.informers {
		mi.cancel()
		delete(c.informers, gvr)
	}
}
