package propagate

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
)

// A stalled member never slows the others. A pass over a federated object
// runs each member's part (read from the member's cache, plan, write) in
// its own goroutine, and the worker waits for those parts only up to
// memberPatience. A part still running then goes on in the background: the
// pass writes no status (it would not know that member's result), and the
// part queues the object again when it ends. While a part runs, later
// passes over the same object do not start another one in that member, so
// the writes to one member object never overlap. The writes in flight to
// one member are bounded (Settings.MemberInFlight): more wait for a slot,
// in their own goroutine, not in a worker. So a member that stops
// answering holds at most one part per object and MemberInFlight requests,
// each bounded by the member request timeout, until its health probes mark
// it not ready; workers keep serving every other member meanwhile.

// memberPatience is how long a pass waits for one member's part before it
// leaves it running in the background; stalledPatience replaces it while
// parts left so in that member still run (the member is stalled): such a
// pass still sees a part that needs no request (an object placed elsewhere,
// read from the cache) end, and waits no longer.
const (
	memberPatience  = time.Second
	stalledPatience = 50 * time.Millisecond
)

// DefaultMemberInFlight is the default bound of the writes in flight to one
// member cluster.
const DefaultMemberInFlight = 64

// lanes bounds the work in flight per member cluster and remembers which
// object's part runs in which member.
type lanes struct {
	// size is the number of writes in flight allowed per cluster.
	size int

	mu    sync.Mutex
	slots map[string]chan struct{}
	// running holds the (object, cluster) parts that run.
	running map[part]bool
	// left counts, per cluster, the parts left running by their pass.
	left map[string]int
}

// part is one federated object's work in one member cluster.
type part struct {
	key     Key
	cluster string
}

func newLanes(size int) *lanes {
	if size <= 0 {
		size = DefaultMemberInFlight
	}
	return &lanes{size: size, slots: map[string]chan struct{}{}, running: map[part]bool{}, left: map[string]int{}}
}

// begin marks key's part in cluster as running; false when it runs already.
func (l *lanes) begin(key Key, cluster string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := part{key, cluster}
	if l.running[p] {
		return false
	}
	l.running[p] = true
	return true
}

// end marks key's part in cluster as ended.
func (l *lanes) end(key Key, cluster string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.running, part{key, cluster})
}

// runningIn returns the objects whose part runs in cluster.
func (l *lanes) runningIn(cluster string) sets.Set[Key] {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := sets.New[Key]()
	for p := range l.running {
		if p.cluster == cluster {
			out.Insert(p.key)
		}
	}
	return out
}

// acquire waits for a write slot in cluster; it returns the function that
// frees it, or false when ctx ended first.
func (l *lanes) acquire(ctx context.Context, cluster string) (func(), bool) {
	l.mu.Lock()
	slots, ok := l.slots[cluster]
	if !ok {
		slots = make(chan struct{}, l.size)
		l.slots[cluster] = slots
	}
	l.mu.Unlock()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, true
	case <-ctx.Done():
		return nil, false
	}
}

// patience is how long a pass waits for a part in cluster.
func (l *lanes) patience(cluster string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.left[cluster] > 0 {
		return stalledPatience
	}
	return memberPatience
}

// leave counts a part in cluster that its pass left running; back, that
// it ended.
func (l *lanes) leave(cluster string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.left[cluster]++
}

func (l *lanes) back(cluster string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.left[cluster]--; l.left[cluster] <= 0 {
		delete(l.left, cluster)
	}
}
