package served

import (
	"errors"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

var widgets = schema.GroupVersionResource{Group: "example.io", Version: "v1", Resource: "widgets"}

func TestCacheAsksOncePerTTLAndForgetsErrors(t *testing.T) {
	calls := 0
	var fail error
	now := time.Unix(0, 0)
	c := NewCache(10 * time.Second)
	c.now = func() time.Time { return now }
	var changes []bool
	c.OnChange = func(cluster string, gvr schema.GroupVersionResource, served bool) {
		if cluster != "member1" || gvr != widgets {
			t.Errorf("change reported for %s %s", cluster, gvr)
		}
		changes = append(changes, served)
	}
	c.check = func(discovery.DiscoveryInterface, schema.GroupVersionResource) (bool, error) {
		calls++
		return calls == 1, fail
	}
	for range 3 {
		if served, err := c.Served("member1", nil, widgets); !served || err != nil {
			t.Fatalf("first answer: %v %v", served, err)
		}
	}
	if calls != 1 {
		t.Fatalf("%d discovery calls within the TTL, want 1", calls)
	}
	now = now.Add(11 * time.Second)
	if served, _ := c.Served("member1", nil, widgets); served || calls != 2 {
		t.Fatalf("after the TTL: served %v after %d calls, want a fresh answer (false)", served, calls)
	}
	now = now.Add(11 * time.Second)
	fail = errors.New("unreachable")
	if _, err := c.Served("member1", nil, widgets); err == nil {
		t.Fatal("an error was hidden")
	}
	fail = nil
	if _, _ = c.Served("member1", nil, widgets); calls != 4 {
		t.Fatalf("an error was remembered: %d calls, want 4", calls)
	}
	// served (first answer, no change), then not served, then not served again
	if len(changes) != 1 || changes[0] {
		t.Errorf("changes reported: %v, want one (not served)", changes)
	}
}

func TestRecentNeverWaitsOnceAnswered(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(0, 0)
	c := NewCache(10 * time.Second)
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	answer, release := true, make(chan struct{})
	calls := 0
	c.check = func(discovery.DiscoveryInterface, schema.GroupVersionResource) (bool, error) {
		mu.Lock()
		calls++
		first, served := calls == 1, answer
		mu.Unlock()
		if !first {
			<-release // a cluster that stopped answering
		}
		return served, nil
	}
	if served, err := c.Recent("member1", nil, widgets); !served || err != nil {
		t.Fatalf("first answer: %v %v, want served", served, err)
	}
	mu.Lock()
	now, answer = now.Add(11*time.Second), false
	mu.Unlock()
	for range 3 { // stale: answered at once, one refresh in the background
		if served, err := c.Recent("member1", nil, widgets); !served || err != nil {
			t.Fatalf("stale answer: %v %v, want the last one (served)", served, err)
		}
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		served, _ := c.Recent("member1", nil, widgets)
		if !served {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background refresh never replaced the stale answer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("%d discovery calls, want 2 (one refresh for three stale questions)", calls)
	}
}
