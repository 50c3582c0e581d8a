// Package served remembers whether a cluster's API server serves a resource
// (clusterclient.Served),
// e.g. whether a custom resource's CRD is installed there, through
// discovery, with answers remembered for a while so that asking on every
// pass costs nothing.
package served

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
)

// Cache remembers answers of clusterclient.Served per cluster and resource for TTL.
// It is safe for concurrent use.
type Cache struct {
	// TTL is how long an answer is reused.
	TTL time.Duration
	// OnChange, when set, is told when a cluster turns out not to serve a
	// resource, or to serve it again, compared with the last answer (a first
	// answer counts as a change only when it is "not served").
	OnChange func(cluster string, gvr schema.GroupVersionResource, served bool)
	// check is clusterclient.Served, replaced in tests.
	check func(discovery.DiscoveryInterface, schema.GroupVersionResource) (bool, error)
	now   func() time.Time

	mu      sync.Mutex
	answers map[key]answer
	// refreshing holds the keys Recent refreshes in the background.
	refreshing map[key]bool
}

type key struct {
	cluster string
	gvr     schema.GroupVersionResource
}

type answer struct {
	served bool
	at     time.Time
}

// NewCache returns a cache that keeps answers for ttl.
func NewCache(ttl time.Duration) *Cache {
	return &Cache{TTL: ttl, check: clusterclient.Served, now: time.Now, answers: map[key]answer{}, refreshing: map[key]bool{}}
}

// Served reports whether cluster (through disco) serves gvr, asking it at
// most once per TTL. An error is not remembered.
func (c *Cache) Served(cluster string, disco discovery.DiscoveryInterface, gvr schema.GroupVersionResource) (bool, error) {
	k := key{cluster, gvr}
	now := c.now()
	c.mu.Lock()
	a, ok := c.answers[k]
	c.mu.Unlock()
	if ok && now.Sub(a.at) < c.TTL {
		return a.served, nil
	}
	served, err := c.check(disco, gvr)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	previous, known := c.answers[k]
	c.answers[k] = answer{served: served, at: now}
	c.mu.Unlock()
	if c.OnChange != nil && (known && previous.served != served || !known && !served) {
		c.OnChange(cluster, gvr, served)
	}
	return served, nil
}

// Recent is Served without the wait once an answer is known: an answer
// older than the TTL is returned as it is while one refresh asks the
// cluster in the background, so that a cluster that stopped answering
// holds up no caller. Only the first question waits for the cluster.
func (c *Cache) Recent(cluster string, disco discovery.DiscoveryInterface, gvr schema.GroupVersionResource) (bool, error) {
	k := key{cluster, gvr}
	c.mu.Lock()
	a, ok := c.answers[k]
	stale := ok && c.now().Sub(a.at) >= c.TTL && !c.refreshing[k]
	if stale {
		c.refreshing[k] = true
	}
	c.mu.Unlock()
	if !ok {
		return c.Served(cluster, disco, gvr)
	}
	if stale {
		go func() {
			_, _ = c.Served(cluster, disco, gvr) // an error leaves the last answer
			c.mu.Lock()
			delete(c.refreshing, k)
			c.mu.Unlock()
		}()
	}
	return a.served, nil
}
