package taints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// EvictionPeriod is the period the KubeFedConfig's
// spec.taints.clusterEvictionsPerMinute counts cluster evictions in.
const EvictionPeriod = time.Minute

// Admit is the cluster eviction rate limit: of the pending clusters, it
// returns, oldest taint first (then by name), those that may start
// evicting now, given when the admitted clusters started (a cluster
// admitted earlier stays admitted, whatever its time) and at most
// perPeriod starts in any period (the syncer's is EvictionPeriod, unless
// a test shortens it). perPeriod below 1 counts as 1.
func Admit(pending []Pending, admitted map[string]time.Time, perPeriod int, period time.Duration, now time.Time) []string {
	perPeriod = max(perPeriod, 1)
	recent := 0
	for _, at := range admitted {
		if now.Sub(at) < period {
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
		if recent >= perPeriod {
			break
		}
		out = append(out, p.Cluster)
		recent++
	}
	return out
}

// Replay replays the cluster eviction rate limit (Admit) from the oldest
// pending cluster's Since up to now, as a syncer running all along would
// admit them, and returns when each cluster it admitted by now was
// admitted. The syncer keeps its record in memory and admits at its
// probes, so a view outside it (kubectl fed explain) can only replay it,
// at perMinute starts per EvictionPeriod; perMinute below 1 counts as 1.
func Replay(pending []Pending, perMinute int, now time.Time) map[string]time.Time {
	admitted := map[string]time.Time{}
	if len(pending) == 0 {
		return admitted
	}
	at := slices.MinFunc(pending, func(a, b Pending) int { return a.Since.Compare(b.Since) }).Since
	for !at.After(now) {
		var arrived []Pending
		for _, p := range pending {
			if !p.Since.After(at) {
				arrived = append(arrived, p)
			}
		}
		for _, name := range Admit(arrived, admitted, perMinute, EvictionPeriod, at) {
			admitted[name] = at
		}
		// The next moment the answer can change: a cluster's taint arrives,
		// or an admission leaves the minute while clusters wait.
		var next time.Time
		later := func(t time.Time) {
			if t.After(at) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		waiting := false
		for _, p := range pending {
			if _, ok := admitted[p.Cluster]; !ok {
				later(p.Since)
				waiting = waiting || !p.Since.After(at)
			}
		}
		if waiting {
			for _, t := range admitted {
				later(t.Add(EvictionPeriod))
			}
		}
		if next.IsZero() {
			break
		}
		at = next
	}
	return admitted
}

// Eviction is one cluster an object is evicted from: a NoExecute taint the
// object does not tolerate.
type Eviction struct {
	Cluster string
	Taint   corev1beta1.Taint
	// Since is when the eviction started; the timeout counts from it.
	Since time.Time
	// Holds names, for a namespace, the federated objects in it that the
	// cluster still holds: deleting a namespace deletes everything in it,
	// so the namespace leaves only after them, whatever the timeout (an
	// object that tolerates the taint keeps it there).
	Holds []string
}

// HoldsRecheck is how often an eviction that waits for the objects a
// namespace holds in the cluster (Eviction.Holds) is looked at again.
const HoldsRecheck = 2 * time.Second

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
// older than the timeout, which is then reported. A namespace leaves a
// cluster only once the cluster holds none of the federated objects in it
// (Eviction.Holds).
func Gate(in GateInput) Verdict {
	v := Verdict{Waiting: map[string]string{}}
	list := slices.Clone(in.Evictions)
	slices.SortFunc(list, func(a, b Eviction) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.Cluster, b.Cluster)
	})
	first := ""
	for _, e := range list {
		left := e.Since.Add(in.Timeout).Sub(in.Now)
		switch {
		case len(e.Holds) > 0:
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: the namespace stays while the cluster holds %s in it", String(e.Taint), holdsList(e.Holds))
			if v.Recheck <= 0 || HoldsRecheck < v.Recheck {
				v.Recheck = HoldsRecheck
			}
			continue
		case first != "":
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: waits for the eviction from %s (one cluster at a time)", String(e.Taint), first)
			continue
		}
		first = e.Cluster
		switch {
		case in.Removing:
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: waits for the member object being removed from another cluster", String(e.Taint))
		case in.ReadyElsewhere || in.Remaining == 0:
			v.Evict = e.Cluster
		case left <= 0:
			v.Evict, v.TimedOut = e.Cluster, true
		default:
			v.Waiting[e.Cluster] = fmt.Sprintf("taint %s: removed once the object runs ready in its %d other clusters (at most %s more)",
				String(e.Taint), in.Remaining, left.Round(time.Second))
			if v.Recheck <= 0 || left < v.Recheck {
				v.Recheck = left
			}
		}
	}
	return v
}

// holdsList names the objects a namespace holds in a cluster: their
// count, and the first three.
func holdsList(holds []string) string {
	sorted := slices.Sorted(slices.Values(holds))
	noun := "federated objects"
	if len(sorted) == 1 {
		noun = "federated object"
	}
	if len(sorted) > 3 {
		return fmt.Sprintf("%d %s (%s, ...)", len(sorted), noun, strings.Join(sorted[:3], ", "))
	}
	return fmt.Sprintf("%d %s (%s)", len(sorted), noun, strings.Join(sorted, ", "))
}

// ClusterState is what automatic taints depend on.
type ClusterState struct {
	// Ready is the cluster's published readiness.
	Ready bool
	// Unreachable is set when its API server could not be reached (the
	// Offline condition), as opposed to answering not ready.
	Unreachable bool
	// NotReadySince is when the cluster stopped being ready.
	NotReadySince time.Time
}

// Automatic returns the cluster's taints with the automatic taints as they
// should be: with on, a cluster not ready for longer than grace has
// kubefed.io/unreachable:NoExecute (its API server cannot be reached) or
// kubefed.io/not-ready:NoExecute (it answers, not ready), added at now;
// otherwise, and once it is ready again, neither. changed is false when the
// list is already so (then it is returned as is).
func Automatic(list []corev1beta1.Taint, state ClusterState, on bool, grace time.Duration, now time.Time) (out []corev1beta1.Taint, changed bool) {
	want := ""
	if on && !state.Ready && !state.NotReadySince.IsZero() && now.Sub(state.NotReadySince) >= grace {
		want = corev1beta1.TaintNotReady
		if state.Unreachable {
			want = corev1beta1.TaintUnreachable
		}
	}
	for _, t := range list {
		automatic := (t.Key == corev1beta1.TaintNotReady || t.Key == corev1beta1.TaintUnreachable) && t.Effect == corev1beta1.TaintNoExecute
		switch {
		case !automatic:
			out = append(out, t)
		case t.Key == want:
			out, want = append(out, t), ""
		default:
			changed = true
		}
	}
	if want != "" {
		at := metav1.NewTime(now)
		out, changed = append(out, corev1beta1.Taint{Key: want, Effect: corev1beta1.TaintNoExecute, TimeAdded: &at}), true
	}
	if !changed {
		return list, false
	}
	return out, true
}

// InEffect returns the taints that act now: a NoExecute taint of a cluster
// the eviction rate limit has not admitted (admitted is zero) acts as
// NoSchedule; an admitted one counts its time from its admission when
// that is later than its TimeAdded.
func InEffect(list []corev1beta1.Taint, admitted time.Time) []corev1beta1.Taint {
	out := make([]corev1beta1.Taint, len(list))
	for i, t := range list {
		switch {
		case t.Effect != corev1beta1.TaintNoExecute:
		case admitted.IsZero():
			t.Effect = corev1beta1.TaintNoSchedule
		case t.TimeAdded == nil || t.TimeAdded.Time.Before(admitted):
			at := metav1.NewTime(admitted)
			t.TimeAdded = &at
		}
		out[i] = t
	}
	return out
}

// NoExecuteSince returns when the oldest NoExecute taint of the list was
// added (now for one without a time), and whether there is one.
func NoExecuteSince(list []corev1beta1.Taint, now time.Time) (time.Time, bool) {
	var since time.Time
	found := false
	for _, t := range list {
		if t.Effect != corev1beta1.TaintNoExecute {
			continue
		}
		at := now
		if t.TimeAdded != nil {
			at = t.TimeAdded.Time
		}
		if !found || at.Before(since) {
			since, found = at, true
		}
	}
	return since, found
}
