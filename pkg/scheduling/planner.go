// Package scheduling is replica scheduling without I/O (reference §3.5):
// the planner, which spreads a total number of replicas over member
// clusters following a ReplicaSchedulingPreference's per-cluster minimums,
// maximums and weights, the replicas clusters run now and the replicas they
// have room for (KubeFed's planner, pure and allocation-light, saying why
// each cluster got what it got); the plan input of an RSP, capacity
// estimates from observed pods, the write-back of a plan into a federated
// object, and the per-cluster rows the syncer records in the RSP's status
// and `kubectl fed plan` prints. The syncer's RSP controller
// (pkg/syncer/rsp) only reads and writes.
package scheduling

import (
	"cmp"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// Reason says what decided a cluster's number of replicas.
type Reason string

// Reasons, from the strongest: a cluster capped by its capacity says
// capacity even if its maximum was also reached.
const (
	// ReasonCapacity: the cluster has no room for more (its pods were
	// unschedulable, or --capacity said so).
	ReasonCapacity Reason = "capacity"
	// ReasonMax: the cluster reached its maxReplicas.
	ReasonMax Reason = "max"
	// ReasonCurrent: with rebalance false, the cluster keeps replicas it
	// runs now beyond its weighted share.
	ReasonCurrent Reason = "current"
	// ReasonWeight: the cluster got its minimum plus its weighted share of
	// the rest.
	ReasonWeight Reason = "weight"
	// ReasonMin: the cluster got exactly its minReplicas and no weighted share.
	ReasonMin Reason = "min"
	// ReasonNoPreference: neither the cluster nor "*" has preferences, so
	// the cluster is not part of the plan.
	ReasonNoPreference Reason = "no preference"
	// ReasonNotReady: the cluster is not a candidate (not ready); planners'
	// callers report it, the planner never sees such clusters.
	ReasonNotReady Reason = "not ready"
)

// Input is everything the plan depends on.
type Input struct {
	// Preferences maps a cluster name, or "*" for every other cluster, to
	// its preferences. An empty map means {"*": {weight: 1}}.
	Preferences map[string]v1alpha1.ClusterPreferences
	// TotalReplicas is the number of replicas to spread.
	TotalReplicas int64
	// Clusters are the candidate clusters.
	Clusters []string
	// Current is the number of replicas each cluster runs now; it matters
	// only when Rebalance is false.
	Current map[string]int64
	// Capacity is the most replicas a cluster can run; a cluster without an
	// entry is unbounded.
	Capacity map[string]int64
	// Rebalance lets running replicas move.
	Rebalance bool
	// Key breaks ties between clusters of equal weight: the order is that
	// of the 32-bit FNV-1 hash of cluster name followed by key. The RSP
	// controller uses "namespace/name".
	Key string
}

// Result is a plan.
type Result struct {
	// Plan is the number of replicas of every candidate cluster that has
	// preferences (its own or "*"), zero included.
	Plan map[string]int64
	// Overflow is, per cluster capped by its capacity, the replicas that did
	// not fit there. With rebalance false it is limited to the replicas left
	// unplaced, and zero entries are dropped.
	Overflow map[string]int64
	// Reasons says, for every cluster in Plan, what decided its number.
	Reasons map[string]Reason
}

// DefaultPreferences are the preferences of an RSP with no clusters map:
// every cluster with weight 1.
func DefaultPreferences() map[string]v1alpha1.ClusterPreferences {
	return map[string]v1alpha1.ClusterPreferences{v1alpha1.AllClusters: {Weight: 1}}
}

// fastForward enables skipAbsorbingPasses; tests turn it off to compare
// with the pass-by-pass loop.
var fastForward = true

// candidate is one cluster with preferences, during planning.
type candidate struct {
	name   string
	hash   uint32
	min    int64
	max    int64 // math.MaxInt64 when unbounded
	weight int64
	// capacity is math.MaxInt64 when unknown.
	capacity int64
	// preallocated is what rebalance=false reserved for running replicas
	// and the weighted passes have not yet consumed.
	preallocated int64
	assigned     int64
	weighted     bool // got replicas by weight
	cappedMax    bool
	cappedCap    bool
}

// Plan spreads in.TotalReplicas over in.Clusters (reference §3.5). Negative
// numbers in the input count as zero; it never panics.
func Plan(in Input) Result {
	prefs := in.Preferences
	if len(prefs) == 0 {
		prefs = DefaultPreferences()
	}
	cands := make([]candidate, 0, len(in.Clusters))
	for _, name := range in.Clusters {
		pref, ok := prefs[name]
		if !ok {
			if pref, ok = prefs[v1alpha1.AllClusters]; !ok {
				continue
			}
		}
		c := candidate{name: name, hash: hash(name, in.Key), min: max(pref.MinReplicas, 0), max: math.MaxInt64,
			weight: max(pref.Weight, 0), capacity: math.MaxInt64}
		if pref.MaxReplicas != nil {
			c.max = max(*pref.MaxReplicas, 0)
		}
		if capacity, ok := in.Capacity[name]; ok {
			c.capacity = max(capacity, 0)
		}
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if a.weight != b.weight {
			return cmp.Compare(b.weight, a.weight)
		}
		if a.hash != b.hash {
			return cmp.Compare(a.hash, b.hash)
		}
		return cmp.Compare(a.name, b.name)
	})

	overflow := map[string]int64{}
	remaining := max(in.TotalReplicas, 0)
	for i := range cands {
		c := &cands[i]
		c.assigned = min(c.min, remaining, c.capacity)
		c.cappedCap = c.assigned < c.min && c.assigned == c.capacity
		remaining -= c.assigned
	}
	if !in.Rebalance {
		for i := range cands {
			c := &cands[i]
			current, ok := in.Current[c.name]
			if !ok || current <= c.assigned {
				continue
			}
			target := min(current, c.max, c.capacity)
			extra := min(max(target-c.assigned, 0), remaining)
			remaining -= extra
			c.preallocated = extra
			c.assigned += extra
		}
	}
	remaining = distribute(cands, remaining, overflow)

	res := Result{Plan: make(map[string]int64, len(cands)), Overflow: overflow, Reasons: make(map[string]Reason, len(cands))}
	for i := range cands {
		c := &cands[i]
		res.Plan[c.name] = c.assigned
		res.Reasons[c.name] = c.reason()
	}
	if !in.Rebalance {
		explainCurrent(in, res)
		for name, n := range overflow {
			if n = min(n, remaining); n > 0 {
				overflow[name] = n
			} else {
				delete(overflow, name)
			}
		}
	}
	return res
}

// explainCurrent keeps the reason "current" only for clusters that got
// more than a plan free to move replicas would give them; the others got
// their number for the reason that plan says.
func explainCurrent(in Input, res Result) {
	var free Result
	for name, reason := range res.Reasons {
		if reason != ReasonCurrent {
			continue
		}
		if free.Plan == nil {
			in.Rebalance = true
			free = Plan(in)
		}
		if res.Plan[name] <= free.Plan[name] {
			res.Reasons[name] = free.Reasons[name]
		}
	}
}

// distribute runs the weighted passes over the clusters (in their sorted
// order) and returns the replicas left. Clusters that reach their maximum
// or capacity drop out of later passes.
func distribute(cands []candidate, remaining int64, overflow map[string]int64) int64 {
	active := make([]*candidate, len(cands))
	for i := range cands {
		active[i] = &cands[i]
	}
	for modified := true; modified && remaining > 0; {
		modified = false
		var weightSum int64
		for _, c := range active {
			weightSum = saturatingAdd(weightSum, c.weight)
		}
		if weightSum <= 0 {
			break
		}
		toDistribute := remaining
		absorbedOnly := true // every extra went into pre-allocations
		next := active[:0]
		for _, c := range active {
			extra := min(ceilMulDiv(toDistribute, c.weight, weightSum), remaining)
			used := min(extra, c.preallocated)
			c.preallocated -= used
			extra -= used
			if used > 0 {
				modified = true
			}
			start := c.assigned
			total := start + extra
			full := false
			if total > c.max {
				total, full, c.cappedMax = c.max, true, true
			}
			if total > c.capacity {
				overflow[c.name] = total - c.capacity
				total, full, c.cappedCap = c.capacity, true, true
			}
			if !full {
				next = append(next, c)
			}
			remaining -= total - start
			c.assigned = total
			if total > start {
				modified, c.weighted = true, true
			}
			if extra > 0 || full {
				absorbedOnly = false
			}
		}
		active = next
		if modified && absorbedOnly && fastForward {
			skipAbsorbingPasses(active, toDistribute, weightSum)
		}
	}
	return remaining
}

// skipAbsorbingPasses fast-forwards through the passes that would follow a
// pass in which every cluster's share went into its pre-allocation: they
// are identical (same remaining, same clusters) until a pre-allocation runs
// short, so it consumes as many of them at once. The result is the same as
// running them one by one, which could take billions of passes.
func skipAbsorbingPasses(active []*candidate, toDistribute, weightSum int64) {
	passes := int64(math.MaxInt64)
	for _, c := range active {
		if share := min(ceilMulDiv(toDistribute, c.weight, weightSum), toDistribute); share > 0 {
			passes = min(passes, c.preallocated/share)
		}
	}
	if passes == math.MaxInt64 {
		return
	}
	for _, c := range active {
		share := min(ceilMulDiv(toDistribute, c.weight, weightSum), toDistribute)
		c.preallocated -= passes * share
	}
}

func (c *candidate) reason() Reason {
	switch {
	case c.cappedCap:
		return ReasonCapacity
	case c.cappedMax:
		return ReasonMax
	case c.preallocated > 0:
		return ReasonCurrent
	case c.min > 0 && c.assigned == c.min && !c.weighted:
		return ReasonMin
	default:
		return ReasonWeight
	}
}

// hash is FNV-1 (not FNV-1a), 32 bits, of the cluster name followed by key.
func hash(cluster, key string) uint32 {
	h := fnv.New32()
	_, _ = h.Write([]byte(cluster))
	_, _ = h.Write([]byte(key))
	return h.Sum32()
}

// ceilMulDiv returns ceil(a·b/c) for non-negative a, b and positive c,
// without overflowing, saturated at math.MaxInt64.
func ceilMulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	lo, carry := bits.Add64(lo, uint64(c)-1, 0)
	hi += carry
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

func saturatingAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
