package propagate

import (
	"strconv"
	"testing"
	"time"
)

func TestWriteClockSpacesWritesOfOneObject(t *testing.T) {
	c := newWriteClock()
	key, other := Key{Type: "configmaps", Namespace: "ns", Name: "a"}, Key{Type: "configmaps", Namespace: "ns", Name: "b"}
	start := time.Unix(1000, 0)
	if w := c.wait(key, start); w != 0 {
		t.Fatalf("first write waits %s, want 0", w)
	}
	c.wrote(key, start)
	if w := c.wait(key, start.Add(300*time.Millisecond)); w != 700*time.Millisecond {
		t.Errorf("write 300ms later waits %s, want 700ms", w)
	}
	if w := c.wait(other, start.Add(300*time.Millisecond)); w != 0 {
		t.Errorf("another object waits %s, want 0", w)
	}
	if w := c.wait(key, start.Add(statusInterval)); w != 0 {
		t.Errorf("write one interval later waits %s, want 0", w)
	}
	c.forget(key)
	if w := c.wait(key, start.Add(time.Millisecond)); w != 0 {
		t.Errorf("forgotten object waits %s, want 0", w)
	}
}

func TestWriteClockSweepsOldEntries(t *testing.T) {
	c := newWriteClock()
	start, late := time.Unix(1000, 0), time.Unix(1000, 0).Add(2*statusInterval)
	key := func(i int) Key { return Key{Type: "configmaps", Namespace: "ns", Name: strconv.Itoa(i)} }
	for i := range 1500 {
		c.wrote(key(i), start)
	}
	for i := range 600 {
		c.wrote(key(10000+i), late)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, when := range c.last {
		if when.Equal(start) {
			t.Fatalf("entry %v from an interval ago survived the sweep", k)
		}
	}
	if len(c.last) != 600 {
		t.Errorf("%d entries remain, want the 600 recent writes", len(c.last))
	}
}
