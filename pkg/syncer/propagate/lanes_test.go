package propagate

import (
	"context"
	"testing"
	"time"
)

func TestLanesRunOnePartPerObjectAndCluster(t *testing.T) {
	l := newLanes(1)
	key := Key{Type: "configmaps", Namespace: "ns", Name: "a"}
	if !l.begin(key, "member1") {
		t.Fatal("first part refused")
	}
	if l.begin(key, "member1") {
		t.Error("a second part of the same object in the same cluster started")
	}
	if !l.begin(key, "member2") || !l.begin(Key{Type: "configmaps", Namespace: "ns", Name: "b"}, "member1") {
		t.Error("a part of another cluster or object was refused")
	}
	l.end(key, "member1")
	if !l.begin(key, "member1") {
		t.Error("a part was refused after the last one ended")
	}
}

func TestLanesBoundWritesPerCluster(t *testing.T) {
	l := newLanes(1)
	release, ok := l.acquire(context.Background(), "member1")
	if !ok {
		t.Fatal("first slot refused")
	}
	if other, ok := l.acquire(context.Background(), "member2"); !ok {
		t.Fatal("a full cluster held up another")
	} else {
		other()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, ok := l.acquire(ctx, "member1"); ok {
		t.Fatal("a second write in flight to a cluster limited to one")
	}
	release()
	if again, ok := l.acquire(context.Background(), "member1"); !ok {
		t.Fatal("slot not freed")
	} else {
		again()
	}
}

func TestMemberPartPendingUntilFinished(t *testing.T) {
	p := &memberPart{done: make(chan struct{})}
	abandoned := 0
	if o := p.take(func() { abandoned++ }); !o.pending || abandoned != 1 {
		t.Fatalf("an unfinished part: pending %v, abandoned %d times; want pending, once", o.pending, abandoned)
	}
	if abandoned := p.finish(outcome{version: "v"}); !abandoned {
		t.Error("a part finished after the pass stopped waiting was not told it was abandoned")
	}
	q := &memberPart{done: make(chan struct{})}
	if q.finish(outcome{version: "v"}) {
		t.Error("a part finished in time was told it was abandoned")
	}
	if o := q.take(func() { t.Error("a finished part was abandoned") }); o.pending || o.version != "v" {
		t.Errorf("outcome of a finished part = %+v", o)
	}
}

func TestLanesPatienceShrinksWhileAPartIsLeftRunning(t *testing.T) {
	l := newLanes(1)
	if got := l.patience("member1"); got != memberPatience {
		t.Fatalf("patience %s, want %s", got, memberPatience)
	}
	l.leave("member1")
	if got := l.patience("member1"); got != stalledPatience {
		t.Errorf("patience with a part left running %s, want %s", got, stalledPatience)
	}
	if got := l.patience("member2"); got != memberPatience {
		t.Errorf("another cluster's patience %s, want %s", got, memberPatience)
	}
	l.back("member1")
	if got := l.patience("member1"); got != memberPatience {
		t.Errorf("patience after the part ended %s, want %s", got, memberPatience)
	}
}
