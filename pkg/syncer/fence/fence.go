// Package fence keeps a syncer that may have lost its Lease from writing.
// The leader-election lock is wrapped to remember when the Lease was last
// renewed; every write the syncer sends to the host or a member passes
// through a RoundTripper that refuses it unless that renewal is recent
// enough for no other replica to have taken the Lease since. A leader that
// was paused (SIGSTOP, a long GC or VM pause) and resumes therefore writes
// nothing: its first write attempt trips the fence, which steps it down.
package fence

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Lock is a leader-election lock that records its last successful renewal,
// and the fence that writes must pass. It is safe for concurrent use.
type Lock struct {
	resourcelock.Interface
	// valid is how long after the start of a successful renewal writes are
	// allowed: the lease duration minus a margin.
	valid time.Duration
	// lease is the lease duration: after it, another replica may hold the Lease.
	lease time.Duration
	// onLost is called once, when a write finds the Lease not provably held.
	onLost func(error)
	now    func() time.Time

	mu      sync.Mutex
	renewed time.Time // start of the last successful create or renewal; zero before
	lost    error     // set once the fence tripped; then nothing passes again
}

// New wraps lock for a Lease of the given duration. Writes are allowed until
// valid after the start of the last successful renewal; the first write
// attempted more than lease after it calls onLost (which should stop the
// process), and every later one is refused too.
func New(lock resourcelock.Interface, valid, lease time.Duration, onLost func(error)) *Lock {
	return &Lock{Interface: lock, valid: valid, lease: lease, onLost: onLost, now: time.Now}
}

// Validity is how long after a renewal writes are allowed for a Lease of the
// given duration and renew deadline: halfway between the renew deadline (when
// client-go's elector gives up renewing) and the lease duration (when other
// replicas may take over), so that a write checked just before it still
// reaches the API server before anyone else can hold the Lease.
func Validity(leaseDuration, renewDeadline time.Duration) time.Duration {
	if renewDeadline <= 0 || renewDeadline >= leaseDuration {
		return leaseDuration * 4 / 5
	}
	return renewDeadline + (leaseDuration-renewDeadline)/2
}

// Create creates the Lease record, counting success as a renewal.
func (l *Lock) Create(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	return l.write(ctx, record, l.Interface.Create)
}

// Update renews (or releases) the Lease, counting success as a renewal when
// the record names this replica. Once the fence tripped nothing is written:
// the replica has stepped down.
func (l *Lock) Update(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	return l.write(ctx, record, l.Interface.Update)
}

func (l *Lock) write(ctx context.Context, record resourcelock.LeaderElectionRecord,
	write func(context.Context, resourcelock.LeaderElectionRecord) error) error {
	if err := l.Lost(); err != nil {
		return err
	}
	start := l.now()
	if err := write(ctx, record); err != nil {
		return err
	}
	if record.HolderIdentity == l.Identity() {
		l.mu.Lock()
		if l.lost == nil && start.After(l.renewed) {
			l.renewed = start
		}
		l.mu.Unlock()
	}
	return nil
}

// Lost returns why this replica stepped down, or nil.
func (l *Lock) Lost() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Check returns nil while the Lease is provably held: it was renewed less
// than the validity ago. Until the lease duration it returns an error that
// asks to retry; after it the fence trips for good, onLost runs (once), and
// the error says why.
func (l *Lock) Check() error {
	l.mu.Lock()
	if l.lost != nil {
		defer l.mu.Unlock()
		return l.lost
	}
	if l.renewed.IsZero() {
		l.mu.Unlock()
		return fmt.Errorf("write refused: this syncer has not acquired the Lease %s yet", l.Describe())
	}
	age := l.now().Sub(l.renewed)
	if age < l.valid {
		l.mu.Unlock()
		return nil
	}
	if age < l.lease {
		l.mu.Unlock()
		return fmt.Errorf("write refused for now: the Lease %s was last renewed %s ago, more than the %s it is known to be held; retry after the next renewal",
			l.Describe(), age.Round(time.Millisecond), l.valid)
	}
	l.lost = fmt.Errorf("write refused and leadership given up: the Lease %s was last renewed %s ago, longer than the lease duration %s; another syncer may lead now",
		l.Describe(), age.Round(time.Millisecond), l.lease)
	lost := l.lost
	l.mu.Unlock()
	if l.onLost != nil {
		l.onLost(lost)
	}
	return lost
}

// readOnly are the HTTP methods that do not change anything.
var readOnly = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodOptions: true}

// reviews are the API groups whose POSTs only ask a question (TokenReview,
// SubjectAccessReview, e.g. for the metrics endpoint) and store nothing.
var reviews = []string{"/apis/authentication.k8s.io/", "/apis/authorization.k8s.io/"}

// changes reports whether a request may change something on the API server.
func changes(req *http.Request) bool {
	if readOnly[req.Method] {
		return false
	}
	if req.Method == http.MethodPost {
		for _, prefix := range reviews {
			if strings.HasPrefix(req.URL.Path, prefix) {
				return false
			}
		}
	}
	return true
}

// WrapTransport returns a RoundTripper that sends reads (GET, including
// lists and watches, and access reviews) as they are and every other
// request only while Check passes. It fits rest.Config.WrapTransport.
func (l *Lock) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if changes(req) {
			if err := l.Check(); err != nil {
				return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
			}
		}
		return rt.RoundTrip(req)
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
