package clusterclient

import (
	"context"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"
)

// storageClassConnection is a connection to a fake member holding the
// StorageClasses named, its caches running until the test ends.
func storageClassConnection(t *testing.T, names ...string) (*Connection, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	var objects []runtime.Object
	for _, name := range names {
		sc := &unstructured.Unstructured{}
		sc.SetAPIVersion("storage.k8s.io/v1")
		sc.SetKind("StorageClass")
		sc.SetName(name)
		objects = append(objects, sc)
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{storageClassesResource: "StorageClassList"}, objects...)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	run := newRunner()
	run.start(ctx)
	return newConnection("m1", dyn, nil, "v1", "", run), dyn
}

// poll asks StorageClass until its answer is want (or 5 s pass) and
// returns the last answer.
func poll(c *Connection, name string, handler EventHandler, want Presence) Presence {
	deadline := time.Now().Add(5 * time.Second)
	for {
		p := c.StorageClass(name, "test", handler)
		if p == want || time.Now().After(deadline) {
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStorageClass: a member's StorageClasses are read from a cache that
// fills on first use, whose changes reach the handler (with namespace "");
// a member that refuses the list is Unreadable, not Filling forever.
func TestStorageClass(t *testing.T) {
	conn, dyn := storageClassConnection(t, "fast")
	var mu sync.Mutex
	var told []string
	handler := func(cluster, namespace, name string) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, cluster+" "+namespace+"/"+name)
	}
	if got := poll(conn, "fast", handler, Present); got != Present {
		t.Errorf("StorageClass(fast) = %v, want Present", got)
	}
	if got := conn.StorageClass("slow", "test", handler); got != Absent {
		t.Errorf("StorageClass(slow) = %v, want Absent", got)
	}
	slow := &unstructured.Unstructured{}
	slow.SetAPIVersion("storage.k8s.io/v1")
	slow.SetKind("StorageClass")
	slow.SetName("slow")
	if _, err := dyn.Resource(storageClassesResource).Create(context.Background(), slow, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := poll(conn, "slow", nil, Present); got != Present {
		t.Errorf("StorageClass(slow) after its creation = %v, want Present", got)
	}
	mu.Lock()
	if want := []string{"m1 /fast", "m1 /slow"}; len(told) != 2 || told[0] != want[0] || told[1] != want[1] {
		t.Errorf("the handler was told %v, want %v (attached once per owner)", told, want)
	}
	mu.Unlock()

	refusing, dyn := storageClassConnection(t)
	dyn.PrependReactor("list", "storageclasses", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(storageClassesResource.GroupResource(), "", nil)
	})
	if got := poll(refusing, "fast", nil, Unreadable); got != Unreadable {
		t.Errorf("StorageClass of a member refusing the list = %v, want Unreadable", got)
	}
}
