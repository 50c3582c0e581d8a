package taints

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// Pending is a cluster with a NoExecute taint, waiting for its turn to
// start evicting (Admit).
type Pending struct {
	Cluster string
	// Since is when the taint was added (its TimeAdded, or when it was
	// first seen).
	Since time.Time
}

// Admit is the cluster eviction rate limit: of the pending clusters, it
// returns, oldest taint first (then by name), those that may start
// evicting now, given when the admitted clusters started (a cluster
// admitted earlier stays admitted, whatever its time) and at most
// perMinute starts in any minute. perMinute below 1 counts as 1.
func Admit(pending []Pending, admitted map[string]time.Time, perMinute int, now time.Time) []string {
	perMinute = max(perMinute, 1)
	recent := 0
	for _, at := range admitted {
		if now.Sub(at) < time.Minute {
			recent++
		}
	}
	waiting := slices.DeleteFunc(slices.Clone(pending), func(p Pending) bool { _, ok := admitted[p.Cluster]; return ok })
	slices.SortFunc(waiting, func(a, b Pending) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.Cluster, b.Cluster)
	})
	var out []string
	for _, p := range waiting {
		if recent >= perMinute {
			break
		}
		out = append(out, p.Cluster)
		recent++
	}
	return out
}

// Eviction is one cluster an object is evicted from: a NoExecute taint the
// object does not tolerate.
type Eviction struct {
	Cluster string
	Taint   corev1beta1.Taint
	// Since is when the eviction started; the timeout counts from it.
	Since time.Time
}

// GateInput is what decides when a federated object leaves the clusters it
// is evicted from.
type GateInput struct {
	// Evictions are the object's evicting clusters that still hold it.
	Evictions []Eviction
	// Remaining is the number of the object's clusters that are not
	// evicting.
	Remaining int
	// Removing is set while a member object of the federated object is
	// being deleted (an earlier eviction not finished).
	Removing bool
	// ReadyElsewhere is set when the object runs ready, with the replicas
	// it should have, in every remaining cluster.
	ReadyElsewhere bool
	// Timeout bounds the wait for ReadyElsewhere.
	Timeout time.Duration
	Now     time.Time
}

// Verdict is the gate's decision.
type Verdict struct {
	// Evict is the cluster to remove the object from now, "" for none.
	Evict string
	// TimedOut is set when Evict is removed without the object being
	// ready elsewhere.
	TimedOut bool
	// Waiting says, for every other evicting cluster, what it waits for.
	Waiting map[string]string
	// Recheck, when positive, is when a timeout expires.
	Recheck time.Duration
}

// Gate decides the graceful eviction of one object: it leaves one cluster
// at a time (never all of its clusters at once), the oldest eviction
// first, once no earlier removal is in progress and the object runs ready
// in its remaining clusters (its replicas moved), or once the eviction is
// older than the timeout, which is then reported.
func Gate(in GateInput) Verdict {
	v := Verdict{Waiting: map[string]string{}}
	list := slices.Clone(in.Evictions)
	slices.SortFunc(list, func(a, b Eviction) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.Cluster, b.Cluster)
	})
	for i, e := range list {
		left := e.Since.Add(in.Timeout).Sub(in.Now)
		switch {
		case i > 0:
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: waits for the eviction from %s (one cluster at a time)", String(e.Taint), list[0].Cluster)
		case in.Removing:
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: waits for the member object being removed from another cluster", String(e.Taint))
		case in.ReadyElsewhere || in.Remaining == 0:
			v.Evict = e.Cluster
		case left <= 0:
			v.Evict, v.TimedOut = e.Cluster, true
		default:
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: removed once the object runs ready in its %d other clusters (at most %s more)",
				String(e.Taint), in.Remaining, left.Round(time.Second))
			v.Recheck = left
		}
	}
	return v
}
