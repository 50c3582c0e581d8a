package propagate

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestRecordsPreferMemoryOverTheStatus(t *testing.T) {
	r := newRecords()
	key := Key{Type: "configmaps", Namespace: "ns1", Name: "c"}
	fed := &typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{{Name: "member1", Version: "rv:7 h"}}}
	if got := r.version(key, fed, "member1"); got != "rv:7 h" {
		t.Errorf("version from the status = %q, want rv:7 h", got)
	}
	if got := r.version(key, fed, "member2"); got != "" {
		t.Errorf("version of a cluster without an entry = %q, want none", got)
	}
	r.set(key, "member1", "rv:9 h")
	if got := r.version(key, fed, "member1"); got != "rv:9 h" {
		t.Errorf("version after a write = %q, want the remembered rv:9 h", got)
	}
	r.forget(key)
	if got := r.version(key, fed, "member1"); got != "rv:7 h" {
		t.Errorf("version after forget = %q, want the status's again", got)
	}
}

func TestConflictsAreCountedUntilAnUpdate(t *testing.T) {
	r := newRecords()
	key := Key{Type: "configmaps", Namespace: "ns1", Name: "c"}
	for want := 1; want <= maxConflicts; want++ {
		if got := r.conflict(key, "member1"); got != want {
			t.Fatalf("conflict %d counted as %d", want, got)
		}
	}
	r.updated(key, "member1", "12")
	if got := r.conflict(key, "member1"); got != 1 {
		t.Errorf("conflicts after an update = %d, want 1", got)
	}
	cached := &unstructured.Unstructured{Object: map[string]interface{}{}}
	cached.SetResourceVersion("12")
	if !r.behind(key, "member1", cached) {
		t.Error("a cache showing the replaced version is not behind")
	}
	cached.SetResourceVersion("13")
	if r.behind(key, "member1", cached) {
		t.Error("a cache showing another version is behind")
	}
}

func TestPanicInOneClusterFailsThatCluster(t *testing.T) {
	var o outcome
	func() {
		defer recoverCluster(context.Background(), Key{Type: "configmaps", Name: "c"}, "member1", &o)
		var m map[string]int
		m["boom"]++ // a nil map write panics
	}()
	if o.status != typesv1beta1.UpdateFailed || !o.listed || o.message == "" {
		t.Errorf("outcome after a panic = %+v, want a listed UpdateFailed with a message", o)
	}
}

func TestHasVersions(t *testing.T) {
	with := func(status interface{}) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]interface{}{"status": status}}
	}
	cases := []struct {
		name string
		fed  *unstructured.Unstructured
		want bool
	}{
		{"a version kept", with(map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": "a"}, map[string]interface{}{"name": "b", "version": "rv:1 h"}}}), true},
		{"versions pruned", with(map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": "a"}}}), false},
		{"no status", &unstructured.Unstructured{Object: map[string]interface{}{}}, false},
		{"status not decoding", with("x"), false},
	}
	for _, tc := range cases {
		if got := hasVersions(tc.fed); got != tc.want {
			t.Errorf("%s: hasVersions = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRecordsAwaitACreatedObjectUntilTheCacheShowsIt(t *testing.T) {
	r := newRecords()
	key := Key{Type: "configmaps", Namespace: "ns", Name: "a"}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if r.awaitingCache(key, "member1", at) {
		t.Fatal("awaiting an object never created")
	}
	r.created(key, "member1", at)
	if !r.awaitingCache(key, "member1", at.Add(time.Second)) {
		t.Error("a cache without the object just created does not count as behind")
	}
	if r.awaitingCache(key, "member2", at.Add(time.Second)) {
		t.Error("another cluster counts as behind")
	}
	if r.awaitingCache(key, "member1", at.Add(createdWait)) {
		t.Errorf("still behind %s after the create: a create the cache never shows is never made again", createdWait)
	}
	r.shown(key, "member1")
	if r.awaitingCache(key, "member1", at.Add(time.Second)) {
		t.Error("still behind once the cache showed the object")
	}
	r.created(key, "member1", at)
	r.forget(key)
	if r.awaitingCache(key, "member1", at) {
		t.Error("forget kept the create")
	}
}

// TestEchoesOfOurWritesQueueNothing: a member event or host event showing
// exactly what the syncer's last write returned queues no pass; any other
// version (a third party's change, one right after our write included), a
// deletion, a second event, an event after a pass found the cache behind
// (unexpect), and any event while the federated object is being deleted or
// gone queues one.
func TestEchoesOfOurWritesQueueNothing(t *testing.T) {
	informer := cache.NewSharedIndexInformer(&cache.ListWatch{}, &unstructured.Unstructured{}, 0, cache.Indexers{})
	typ := &federatedType{name: "configmaps", namespaced: true, informer: informer}
	queue := priorityqueue.New[Key]("test")
	defer queue.ShutDown()
	e := &Engine{types: map[string]*federatedType{"configmaps": typ}, records: newRecords(), waiting: newWaiting(), queue: queue}
	key := Key{Type: "configmaps", Namespace: "ns", Name: "c"}
	member := e.memberHandler(typ)
	federated := func(resourceVersion string, deleting bool) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]interface{}{
			"metadata": map[string]interface{}{"namespace": "ns", "name": "c", "resourceVersion": resourceVersion}}}
		if deleting {
			u.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
		}
		return u
	}
	if err := informer.GetStore().Add(federated("1", false)); err != nil {
		t.Fatal(err)
	}
	host := func(resourceVersion string) { e.federatedUpdated(typ, federated(resourceVersion, false)) }
	queued := func(what string, want bool) {
		t.Helper()
		if got := queue.Len() > 0; got != want {
			t.Errorf("%s: queued %v, want %v", what, got, want)
		}
		if queue.Len() > 0 {
			k, _ := queue.Get()
			queue.Done(k)
		}
	}

	e.records.wrote(key, "member1", "10")
	e.records.wrote(key, hostStatus, "20")
	member("member2", "ns", "c", "10")
	queued("another member's event at the same version", true)
	member("member1", "ns", "c", "10")
	queued("the echo of our member write", false)
	host("20")
	queued("the echo of our status write", false)
	member("member1", "ns", "c", "10")
	host("20")
	queued("a second event at our version (a relist)", true)

	e.records.wrote(key, "member1", "11")
	member("member1", "ns", "c", "12")
	queued("a third party's change landing right after our write", true)
	member("member1", "ns", "c", "11")
	queued("our write, after the change was seen", true)

	e.records.wrote(key, "member1", "13")
	member("member1", "ns", "c", "")
	queued("a deletion", true)

	e.records.wrote(key, "member1", "14")
	e.records.unexpect(key, "member1")
	member("member1", "ns", "c", "14")
	queued("our write's event after a pass found the cache behind it", true)

	e.records.wrote(key, hostStatus, "21")
	host("22")
	queued("someone else's change of the federated object", true)

	e.records.wrote(key, "member1", "15")
	e.records.forget(key)
	member("member1", "ns", "c", "15")
	queued("an event after the object was forgotten", true)

	if err := informer.GetStore().Update(federated("30", true)); err != nil {
		t.Fatal(err)
	}
	e.records.wrote(key, "member1", "16")
	e.records.wrote(key, hostStatus, "31")
	member("member1", "ns", "c", "16")
	queued("the echo of our member write while the federated object is deleted", true)
	e.federatedUpdated(typ, federated("31", true))
	queued("the echo of our status write while the federated object is deleted", true)

	if err := informer.GetStore().Delete(federated("30", true)); err != nil {
		t.Fatal(err)
	}
	e.records.wrote(key, "member1", "17")
	member("member1", "ns", "c", "17")
	queued("the echo of our member write after the federated object is gone", true)
}

// TestAPassOnACacheBehindOurWriteWantsItsEcho: a pass that reads a cache
// not showing the syncer's last write (none, or an older version) decided
// on what was there before, so the write's event queues a pass; a pass
// that reads the written version changes nothing.
func TestAPassOnACacheBehindOurWriteWantsItsEcho(t *testing.T) {
	r := newRecords()
	key := Key{Type: "configmaps", Namespace: "ns", Name: "c"}
	r.wrote(key, "member1", "10")
	r.read(key, "member1", "10")
	if !r.echo(key, "member1", "10") {
		t.Error("a pass that read the written version made its echo queue a pass")
	}
	for _, cached := range []string{"", "9"} {
		r.wrote(key, "member1", "10")
		r.read(key, "member1", cached)
		if r.echo(key, "member1", "10") {
			t.Errorf("after a pass read %q from the cache, the echo of our write at 10 queued nothing", cached)
		}
	}
}
