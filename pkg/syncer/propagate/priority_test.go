package propagate

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
)

// TestClusterChangedQueuesItsReportersFirst: after member2's readiness
// changed, the object whose pass still waits on a part in member2 comes
// first, then the one whose status reports on member2, then the rest,
// whatever was queued before.
func TestClusterChangedQueuesItsReportersFirst(t *testing.T) {
	informer := cache.NewSharedIndexInformer(&cache.ListWatch{}, &unstructured.Unstructured{}, 0, cache.Indexers{})
	object := func(name string, reportsOn ...string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]interface{}{"metadata": map[string]interface{}{"namespace": "ns", "name": name}}}
		var entries []interface{}
		for _, c := range reportsOn {
			entries = append(entries, map[string]interface{}{"name": c, "status": "OK"})
		}
		if entries != nil {
			u.Object["status"] = map[string]interface{}{"clusters": entries}
		}
		return u
	}
	for _, u := range []*unstructured.Unstructured{object("elsewhere", "member1"), object("reporting", "member1", "member2"), object("pending"), object("nowhere")} {
		if err := informer.GetStore().Add(u); err != nil {
			t.Fatal(err)
		}
	}
	queue := priorityqueue.New[Key]("test")
	defer queue.ShutDown()
	e := &Engine{types: map[string]*federatedType{"configmaps": {name: "configmaps", informer: informer}}, lanes: newLanes(1), waiting: newWaiting(), queue: queue}
	key := func(name string) Key { return Key{Type: "configmaps", Namespace: "ns", Name: name} }
	e.add(key("nowhere")) // queued before the change
	e.lanes.begin(key("pending"), "member2")
	e.lanes.begin(key("elsewhere"), "member1")

	e.clusterChanged("member2")

	var got []string
	for range 4 {
		k, _ := queue.Get()
		got = append(got, k.Name)
		queue.Done(k)
	}
	if got[0] != "pending" || got[1] != "reporting" {
		t.Errorf("queued in the order %v, want pending, then reporting, then the others", got)
	}
}

func TestReportsOn(t *testing.T) {
	fed := &unstructured.Unstructured{Object: map[string]interface{}{"status": map[string]interface{}{
		"clusters": []interface{}{map[string]interface{}{"name": "member1"}, "not an entry"}}}}
	if !reportsOn(fed, "member1") || reportsOn(fed, "member2") || reportsOn(&unstructured.Unstructured{Object: map[string]interface{}{}}, "member1") {
		t.Error("reportsOn answered wrong")
	}
}
