package clusterclient

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// Member is one joined cluster as the syncer currently sees it.
type Member struct {
	// Name is the KubeFedCluster's name.
	Name string
	// Labels are the KubeFedCluster's labels, which placement selects on.
	Labels map[string]string
	// Ready is the cluster's published readiness.
	Ready bool
	// NotReadySince is when the cluster stopped being ready, as its health
	// conditions say (zero while ready): the start of KubeFed's
	// unavailableDelay grace, for joined and inventory clusters alike.
	NotReadySince time.Time
	// Taints are the cluster's taints in effect (a NoExecute taint waiting
	// for the eviction rate limit is recorded as NoSchedule).
	Taints []corev1beta1.Taint
	// Conn is the connection to the cluster, nil while none could be built.
	Conn *Connection
	// Source is where the cluster comes from ("" while two sources name it).
	Source Source
}

// Source is where a member cluster comes from.
type Source string

// The sources of member clusters.
const (
	// SourceJoined is a KubeFedCluster (kubectl fed join).
	SourceJoined Source = "joined"
	// SourceInventory is a ClusterProfile of the cluster inventory.
	SourceInventory Source = "inventory"
)

// Registry is the one owner of member state: the connection to each joined
// cluster (clients and shared caches), its labels and its readiness. The
// cluster health controller keeps it; everything else reads it and
// subscribes to its changes. It is safe for concurrent use.
//
// The registry is a manager Runnable: the caches of its connections run on
// the context Start is given (the manager's), and stop with it.
type Registry struct {
	// Namespace restricts member caches to one namespace ("" means all), for a
	// namespace-scoped control plane.
	Namespace string
	// QPS, when not 0, replaces the rate limit of member clients (negative:
	// none, the members' API Priority and Fairness paces the syncer); Burst,
	// when positive, replaces their burst.
	QPS   float32
	Burst int
	// WrapTransport, when set, wraps the transport of every member client,
	// e.g. to refuse writes by a syncer that may have lost its leadership.
	WrapTransport transport.WrapperFunc

	mu          sync.RWMutex
	members     map[string]*member
	subscribers []func(cluster string)
	runner      *runner
}

// member is a registry entry: what the health controller recorded, and the
// connection.
type member struct {
	labels        map[string]string
	ready         bool
	notReadySince time.Time
	taints        []corev1beta1.Taint
	// known is set once labels and readiness were recorded.
	known bool
	conn  *Connection
	// claims are the objects that define the cluster, by source.
	claims map[Source]string
}

// source is the one source that claims the member, or "".
func (m *member) source() Source {
	if len(m.claims) != 1 {
		return ""
	}
	for s := range m.claims {
		return s
	}
	return ""
}

// Claim records that object (e.g. "KubeFedCluster kube-federation-system/a")
// of source defines the cluster. When an object of another source defines a
// cluster of the same name too, it returns an error naming both: neither
// is preferred, and each source's controller reports the error and keeps
// the cluster disconnected until one of them is removed.
func (r *Registry) Claim(cluster string, source Source, object string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.entry(cluster)
	if m.claims == nil {
		m.claims = map[Source]string{}
	}
	m.claims[source] = object
	for other, by := range m.claims {
		if other != source {
			return fmt.Errorf("the cluster name %q is used by both %s (%s) and %s (%s): neither is used until one is renamed or removed",
				cluster, object, source, by, other)
		}
	}
	return nil
}

// Release drops the claim of source on the cluster. The member is removed
// (see Remove) once no source claims it; while another still does, only
// the connection is dropped, for that source to rebuild.
func (r *Registry) Release(cluster string, source Source) {
	r.mu.Lock()
	m, ok := r.members[cluster]
	if ok {
		delete(m.claims, source)
	}
	remaining := ok && len(m.claims) > 0
	if remaining && m.conn != nil {
		m.conn.stop()
		m.conn = nil
	}
	r.mu.Unlock()
	if !remaining {
		r.Remove(cluster)
	}
}

// NewRegistry returns an empty registry whose caches watch namespace ("" for all).
func NewRegistry(namespace string) *Registry {
	return &Registry{Namespace: namespace, members: map[string]*member{}, runner: newRunner()}
}

// Start runs the registry's caches on ctx until it ends, then stops them.
func (r *Registry) Start(ctx context.Context) error {
	r.runner.start(ctx)
	<-ctx.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.members {
		if m.conn != nil {
			m.conn.stop()
		}
	}
	return nil
}

// Subscribe registers fn to be told, with the cluster's name, when a member
// joins, leaves, or changes readiness, labels or taints. fn must not block.
func (r *Registry) Subscribe(fn func(cluster string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subscribers = append(r.subscribers, fn)
}

// Connect makes the registry hold a connection for cluster built from cfg.
// The fingerprint identifies the inputs (spec, secret); an existing
// connection with the same fingerprint is kept, a different one is replaced
// (and its caches stopped).
func (r *Registry) Connect(cluster string, cfg *rest.Config, fingerprint string) (*Connection, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.entry(cluster)
	if m.conn != nil && m.conn.fingerprint == fingerprint {
		return m.conn, nil
	}
	cfg = rest.CopyConfig(cfg)
	if r.QPS != 0 {
		cfg.QPS = r.QPS
	}
	if r.Burst > 0 {
		cfg.Burst = r.Burst
	}
	cfg.Wrap(instrument(cluster))
	if r.WrapTransport != nil {
		cfg.Wrap(r.WrapTransport)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	if m.conn != nil {
		m.conn.stop()
	}
	m.conn = newConnection(cluster, dyn, disco, fingerprint, r.Namespace, r.runner)
	return m.conn, nil
}

// Disconnect drops the cluster's connection, stopping its caches, and keeps
// what is known of the cluster: it is a member without a connection.
func (r *Registry) Disconnect(cluster string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.members[cluster]; ok && m.conn != nil {
		m.conn.stop()
		m.conn = nil
	}
}

// State is what the health controllers record of a member.
type State struct {
	// Labels are what placement selects on.
	Labels map[string]string
	// Ready is the published readiness; NotReadySince when it stopped
	// being ready (health.NotReadySince).
	Ready         bool
	NotReadySince time.Time
	// Taints are the taints in effect.
	Taints []corev1beta1.Taint
}

// Update records a member's state and tells the subscribers when it
// joined or its labels, readiness or taints changed.
func (r *Registry) Update(cluster string, s State) {
	r.mu.Lock()
	m := r.entry(cluster)
	changed := !m.known || m.ready != s.Ready || !maps.Equal(m.labels, s.Labels) || !equality.Semantic.DeepEqual(m.taints, s.Taints)
	m.labels, m.ready, m.notReadySince, m.known = maps.Clone(s.Labels), s.Ready, s.NotReadySince, true
	m.taints = slices.Clone(s.Taints)
	subscribers := slices.Clone(r.subscribers)
	r.mu.Unlock()
	if changed {
		notify(subscribers, cluster)
	}
}

// Remove forgets a member, stopping its caches, and tells the subscribers
// when it was known.
func (r *Registry) Remove(cluster string) {
	r.mu.Lock()
	m, ok := r.members[cluster]
	if ok && m.conn != nil {
		m.conn.stop()
	}
	delete(r.members, cluster)
	subscribers := slices.Clone(r.subscribers)
	r.mu.Unlock()
	if ok && m.known {
		notify(subscribers, cluster)
	}
}

// List returns the members whose labels and readiness are known, sorted by
// name.
func (r *Registry) List() []Member {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Member, 0, len(r.members))
	for name, m := range r.members {
		if m.known {
			out = append(out, m.public(name))
		}
	}
	slices.SortFunc(out, func(a, b Member) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Get returns a member and whether it is known.
func (r *Registry) Get(cluster string) (Member, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.members[cluster]
	if !ok || !m.known {
		return Member{}, false
	}
	return m.public(cluster), true
}

// public is the entry as a Member; r.mu is held.
func (m *member) public(name string) Member {
	return Member{Name: name, Labels: m.labels, Ready: m.ready, NotReadySince: m.notReadySince, Taints: m.taints, Conn: m.conn, Source: m.source()}
}

// entry returns the cluster's entry, adding an empty one; r.mu is held.
func (r *Registry) entry(cluster string) *member {
	m, ok := r.members[cluster]
	if !ok {
		m = &member{}
		r.members[cluster] = m
	}
	return m
}

func notify(subscribers []func(string), cluster string) {
	for _, fn := range subscribers {
		fn(cluster)
	}
}

// Reachable reports whether the member is ready and has a connection, so
// that the syncer can act there.
func (m Member) Reachable() bool { return m.Ready && m.Conn != nil }

// PlacementClusters returns the members as placement sees them.
func PlacementClusters(list []Member) []placement.Cluster {
	out := make([]placement.Cluster, len(list))
	for i, m := range list {
		out[i] = placement.Cluster{Name: m.Name, Labels: m.Labels, Ready: m.Reachable(), Taints: m.Taints}
	}
	return out
}

// runner runs functions on the registry's context once Start has given it;
// functions asked for earlier wait for it.
type runner struct {
	mu      sync.Mutex
	ctx     context.Context
	pending []func(context.Context)
}

func newRunner() *runner { return &runner{} }

// start runs the waiting functions, and any later ones at once, on ctx.
func (g *runner) start(ctx context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ctx = ctx
	for _, fn := range g.pending {
		go fn(ctx)
	}
	g.pending = nil
}

// run runs fn in a goroutine on the context, once there is one.
func (g *runner) run(fn func(context.Context)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctx == nil {
		g.pending = append(g.pending, fn)
		return
	}
	go fn(g.ctx)
}
