package scheduling

import (
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// Remembered returns the capacity estimates an RSP's status records.
func Remembered(status *v1alpha1.ReplicaSchedulingPreferenceStatus) map[string]int64 {
	out := map[string]int64{}
	for _, c := range status.Clusters {
		if c.Capacity != nil {
			out[c.Name] = *c.Capacity
		}
	}
	return out
}

// Capacities returns the capacity of each observed cluster the plan uses.
//
// A cluster with pods unschedulable for the whole window has the fresh
// estimate of Observe (reference §3.5 step 4). KubeFed knew a capacity
// only while such pods existed, and that is not long enough: once the
// replica that did not fit has moved, the full cluster runs all it was
// given, its unschedulable pod is deleted and its capacity unknown, while
// the cluster that takes the replica does not run it ready yet. A plan made
// then (rebalance false: each cluster keeps what it runs, the rest is
// spread) gives the replica back to the full cluster, and the plan flaps
// every window.
//
// So an estimate from the last plan is kept for a cluster still observed
// until one of these says it is no longer needed or no longer true:
//   - all replicas run ready (the observed clusters run at least
//     totalReplicas): where they run now carries the estimate's effect;
//   - the cluster runs more replicas ready than the estimate: it has room.
//
// A fresh estimate replaces a remembered one.
func Capacities(total int64, observed map[string]Observation, remembered map[string]int64) map[string]int64 {
	out := map[string]int64{}
	var running int64
	for _, obs := range observed {
		running += obs.Current
	}
	for name, obs := range observed {
		switch capacity, ok := remembered[name]; {
		case obs.Capacity != nil:
			out[name] = *obs.Capacity
		case ok && running < total && obs.Current <= capacity:
			out[name] = capacity
		}
	}
	return out
}
