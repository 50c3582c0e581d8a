// Package members is the syncer's shared view of the joined member
// clusters: their labels, readiness and connection, kept by the cluster
// health controller and read by propagation.
package members

import (
	"cmp"
	"maps"
	"slices"
	"sync"

	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// Member is one joined cluster as the syncer currently sees it.
type Member struct {
	Name   string
	Labels map[string]string
	Ready  bool
	// Conn is the connection to the cluster, nil while none could be built.
	Conn *clusterclient.Connection
}

// Directory holds the members. It is safe for concurrent use.
type Directory struct {
	mu      sync.RWMutex
	members map[string]Member
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory { return &Directory{members: map[string]Member{}} }

// Set records a member and reports whether what placement sees of it (its
// labels or readiness) changed.
func (d *Directory) Set(m Member) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	old, ok := d.members[m.Name]
	d.members[m.Name] = m
	return !ok || old.Ready != m.Ready || !maps.Equal(old.Labels, m.Labels)
}

// Delete forgets a member and reports whether it was known.
func (d *Directory) Delete(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.members[name]
	delete(d.members, name)
	return ok
}

// List returns the members sorted by name.
func (d *Directory) List() []Member {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := slices.Collect(maps.Values(d.members))
	slices.SortFunc(out, func(a, b Member) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// PlacementClusters returns the members as placement sees them.
func PlacementClusters(list []Member) []placement.Cluster {
	out := make([]placement.Cluster, len(list))
	for i, m := range list {
		out[i] = placement.Cluster{Name: m.Name, Labels: m.Labels}
	}
	return out
}
