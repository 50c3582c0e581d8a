package propagate

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// maxConflicts is how many update conflicts in a row a member object may
// return before its cluster's status says UpdateFailed: one conflict is a
// cache that is behind, a persistent one (a member admission webhook that
// rewrites the resourceVersion, say, or a member controller that keeps
// changing the object) means the member is never updated.
const maxConflicts = 5

// records keeps, per federated object and cluster, the record of the
// syncer's last write to (or check of) the member object
// (propagation.SyncedVersion), and how many update conflicts in a row the
// member object returned. Records are also kept in the federated status,
// which a restarted syncer reads; the memory is newer while a status
// write waits.
type records struct {
	mu        sync.Mutex
	versions  map[Key]map[string]string
	conflicts map[Key]map[string]int
	// replaced holds the resourceVersion each last update replaced: a
	// cache still showing it is behind, not changed by someone else.
	replaced map[Key]map[string]string
	// creating holds when the syncer created each member object that the
	// member's cache has not shown since.
	creating map[Key]map[string]time.Time
	// written holds the resourceVersion the syncer's last write returned,
	// until a watch event of the object comes: of each member object by
	// cluster, of the federated object itself (its status) under hostStatus.
	written map[Key]map[string]string
}

// hostStatus stands for the federated object's own (status) writes in
// records.written, whose other keys are cluster names (never empty).
const hostStatus = ""

// createdWait is how long after a create a member cache that does not
// show the object yet counts as behind: until then, a pass does not
// create the object again (the member would answer AlreadyExists).
const createdWait = 10 * time.Second

func newRecords() *records {
	return &records{versions: map[Key]map[string]string{}, conflicts: map[Key]map[string]int{}, replaced: map[Key]map[string]string{},
		creating: map[Key]map[string]time.Time{}, written: map[Key]map[string]string{}}
}

// version returns the record of key in cluster: the remembered one, else
// the one in the federated object's recorded status, else "".
func (r *records) version(key Key, status *typesv1beta1.FederatedStatus, cluster string) string {
	r.mu.Lock()
	v, ok := r.versions[key][cluster]
	r.mu.Unlock()
	if ok {
		return v
	}
	if c := status.Cluster(cluster); c != nil {
		return c.Version
	}
	return ""
}

// set remembers the record of key in cluster ("" forgets it).
func (r *records) set(key Key, cluster, version string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if version == "" {
		delete(r.versions[key], cluster)
		return
	}
	if r.versions[key] == nil {
		r.versions[key] = map[string]string{}
	}
	r.versions[key][cluster] = version
}

// conflict counts one more update conflict of key in cluster and returns
// how many there were in a row.
func (r *records) conflict(key Key, cluster string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conflicts[key] == nil {
		r.conflicts[key] = map[string]int{}
	}
	r.conflicts[key][cluster]++
	return r.conflicts[key][cluster]
}

// updated resets the conflicts of key in cluster and remembers the
// resourceVersion the update replaced.
func (r *records) updated(key Key, cluster, replacedVersion string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conflicts[key], cluster)
	if r.replaced[key] == nil {
		r.replaced[key] = map[string]string{}
	}
	r.replaced[key][cluster] = replacedVersion
}

// behind reports whether a cached member object is the one the last
// update of key in cluster replaced.
func (r *records) behind(key Key, cluster string, cached *unstructured.Unstructured) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	rv, ok := r.replaced[key][cluster]
	return ok && rv == cached.GetResourceVersion()
}

// created remembers that key's member object in cluster was created at.
func (r *records) created(key Key, cluster string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.creating[key] == nil {
		r.creating[key] = map[string]time.Time{}
	}
	r.creating[key][cluster] = at
}

// shown records that cluster's cache showed a change of key's member
// object: what it holds is known again.
func (r *records) shown(key Key, cluster string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dropEntry(r.creating, key, cluster)
}

// awaitingCache reports whether key's member object in cluster was created
// less than createdWait before now and the cache has not shown it since:
// a cache without it is behind.
func (r *records) awaitingCache(key Key, cluster string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.creating[key][cluster]
	return ok && now.Sub(at) < createdWait
}

// forget drops everything kept for key.
func (r *records) forget(key Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.versions, key)
	delete(r.conflicts, key)
	delete(r.replaced, key)
	delete(r.creating, key)
	delete(r.written, key)
}

// Echoes. The syncer's own writes come back as watch events: a member
// object's create or update as an event of the member's cache, a status
// write as an event of the host's. Such an event shows exactly the object
// the writing pass returned, and that pass already acted on it (its status
// says what it wrote): another pass would find nothing to do. So each
// write's resourceVersion is remembered (wrote), and the first event of
// the object after it (echo) queues no pass when it shows that version.
// Any other version (a third party's change, even one that lands right
// after the write, or a write of ours the watch skipped over) queues a
// pass as usual, and so does a deletion. A pass that reads a cache not
// showing one of our writes yet decides on what was there before: it
// forgets the write (read), so that the write's event queues a pass that
// sees it.

// wrote remembers the resourceVersion a write of key's object in cluster
// (hostStatus: the federated object) returned.
func (r *records) wrote(key Key, cluster, resourceVersion string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written[key] == nil {
		r.written[key] = map[string]string{}
	}
	r.written[key][cluster] = resourceVersion
}

// echo reports whether an event showing key's object in cluster (hostStatus:
// the federated object) at resourceVersion is the echo of the syncer's
// last write of it. It forgets that write: only the first event after a
// write can be its echo.
func (r *records) echo(key Key, cluster, resourceVersion string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	written, ok := r.written[key][cluster]
	if !ok {
		return false
	}
	dropEntry(r.written, key, cluster)
	return written == resourceVersion
}

// read records that a pass read key's object in cluster (hostStatus: the
// federated object) from its cache at resourceVersion ("" when the cache
// had none): when that is not the version the syncer's last write
// returned, the cache is behind it, and the write's event must queue a
// pass (unexpect).
func (r *records) read(key Key, cluster, resourceVersion string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if written, ok := r.written[key][cluster]; ok && written != resourceVersion {
		dropEntry(r.written, key, cluster)
	}
}

// unexpect forgets the syncer's last write of key's object in cluster, so
// that its event queues a pass: a pass found the cache behind it.
func (r *records) unexpect(key Key, cluster string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dropEntry(r.written, key, cluster)
}

// dropEntry deletes cluster's entry of key in a record, and key once it
// has no entry left.
func dropEntry[V any](record map[Key]map[string]V, key Key, cluster string) {
	delete(record[key], cluster)
	if len(record[key]) == 0 {
		delete(record, key)
	}
}
