package fence

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// memoryLock is a resourcelock.Interface held in memory.
type memoryLock struct {
	record resourcelock.LeaderElectionRecord
	fail   error
}

func (m *memoryLock) Get(context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	r := m.record
	return &r, nil, nil
}
func (m *memoryLock) Create(_ context.Context, r resourcelock.LeaderElectionRecord) error {
	return m.Update(context.Background(), r)
}
func (m *memoryLock) Update(_ context.Context, r resourcelock.LeaderElectionRecord) error {
	if m.fail != nil {
		return m.fail
	}
	m.record = r
	return nil
}
func (m *memoryLock) RecordEvent(string) {}
func (m *memoryLock) Identity() string   { return "me" }
func (m *memoryLock) Describe() string   { return "kubefed-system/syncer" }

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestLock(onLost func(error)) (*Lock, *memoryLock, *clock) {
	inner := &memoryLock{}
	c := &clock{t: time.Unix(1000, 0)}
	l := New(inner, 10*time.Second, 12*time.Second, onLost)
	l.now = c.now
	return l, inner, c
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	lostCalls := 0
	l, inner, c := newTestLock(func(error) { lostCalls++ })
	if err := l.Check(); err == nil || !strings.Contains(err.Error(), "not acquired") {
		t.Fatalf("before acquiring: %v, want a refusal naming the missing Lease", err)
	}
	if lostCalls != 0 {
		t.Fatal("not having acquired yet is not a loss")
	}
	if err := l.Create(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(9 * time.Second)
	if err := l.Check(); err != nil {
		t.Fatalf("9s after acquiring (valid 10s): %v", err)
	}
	if err := l.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(9 * time.Second)
	if err := l.Check(); err != nil {
		t.Fatalf("9s after renewing: %v", err)
	}
	// A failed renewal and a release do not count.
	inner.fail = errors.New("conflict")
	_ = l.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"})
	inner.fail = nil
	c.t = c.t.Add(time.Second)
	_ = l.Update(ctx, resourcelock.LeaderElectionRecord{})
	c.t = c.t.Add(500 * time.Millisecond)
	err := l.Check()
	if err == nil || !strings.Contains(err.Error(), "refused for now: the Lease kubefed-system/syncer was last renewed 10.5s ago") || lostCalls != 0 {
		t.Fatalf("10.5s after the last renewal (valid 10s, lease 12s): %v, %d onLost calls; want a refusal to retry, no step-down", err, lostCalls)
	}
	c.t = c.t.Add(1500 * time.Millisecond)
	err = l.Check()
	if err == nil || !strings.Contains(err.Error(), "leadership given up: the Lease kubefed-system/syncer was last renewed 12s ago") {
		t.Fatalf("12s after the last renewal: %v, want the fence to trip saying how old the renewal is", err)
	}
	if lostCalls != 1 {
		t.Fatalf("onLost called %d times, want 1", lostCalls)
	}
	// Stepped down for good: no renewal is written, nothing passes.
	if err := l.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err == nil {
		t.Fatal("a stepped-down replica renewed the Lease")
	}
	if err := l.Check(); err == nil || lostCalls != 1 {
		t.Fatalf("after stepping down: %v, onLost calls %d; want a refusal and no second call", err, lostCalls)
	}
}

func TestValidity(t *testing.T) {
	for _, tc := range []struct{ lease, renew, want time.Duration }{
		{15 * time.Second, 10 * time.Second, 12500 * time.Millisecond}, // KubeFed's defaults
		{1500 * time.Millisecond, time.Second, 1250 * time.Millisecond},
		{10 * time.Second, 0, 8 * time.Second},
		{10 * time.Second, 20 * time.Second, 8 * time.Second},
	} {
		if got := Validity(tc.lease, tc.renew); got != tc.want {
			t.Errorf("Validity(%s, %s) = %s, want %s", tc.lease, tc.renew, got, tc.want)
		}
	}
}

func TestWrapTransportRefusesOnlyWrites(t *testing.T) {
	var methods []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { methods = append(methods, r.Method) }))
	defer server.Close()
	l, _, _ := newTestLock(nil)
	client := &http.Client{Transport: l.WrapTransport(http.DefaultTransport)}
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		req, _ := http.NewRequest(method, server.URL+"/api/v1/namespaces/a/configmaps/b", nil)
		resp, err := client.Do(req)
		if method == http.MethodGet {
			if err != nil {
				t.Fatalf("GET refused: %v", err)
			}
			resp.Body.Close()
			continue
		}
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s sent without holding the Lease", method)
		} else if !strings.Contains(err.Error(), method+" /api/v1/namespaces/a/configmaps/b") {
			t.Errorf("%s refused with %q, want the request named", method, err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, server.URL+"/apis/authentication.k8s.io/v1/tokenreviews", nil)
	if resp, err := client.Do(req); err != nil {
		t.Errorf("a TokenReview (it changes nothing) was refused: %v", err)
	} else {
		resp.Body.Close()
	}
	if strings.Join(methods, ",") != "GET,POST" {
		t.Errorf("server saw %v, want only the GET and the TokenReview", methods)
	}
}
