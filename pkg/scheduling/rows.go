package scheduling

import (
	"cmp"
	"maps"
	"slices"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// TypeConfigName returns the name of the FederatedTypeConfig an RSP's
// target kind needs ("deployments.apps" or "replicasets.apps"), or "".
func TypeConfigName(kind v1alpha1.TargetKind) string {
	switch kind {
	case v1alpha1.TargetKindFederatedDeployment:
		return "deployments.apps"
	case v1alpha1.TargetKindFederatedReplicaSet:
		return "replicasets.apps"
	}
	return ""
}

// NewInput is the planner's input for an RSP over the candidate clusters,
// given the ready replicas clusters run now and their capacities (a
// cluster without an entry is unbounded). Ties are broken by the RSP's
// "namespace/name".
func NewInput(rsp *v1alpha1.ReplicaSchedulingPreference, clusters []string, current, capacity map[string]int64) Input {
	return Input{Preferences: rsp.Spec.Clusters, TotalReplicas: int64(rsp.Spec.TotalReplicas), Rebalance: rsp.Spec.Rebalance,
		Key: rsp.Namespace + "/" + rsp.Name, Clusters: clusters, Current: current, Capacity: capacity}
}

// PlanInput is the planner's input for an RSP over the candidate clusters
// (sorted), given what each cluster that runs the workload was observed to
// run. The capacities are those of Capacities, remembering the estimates
// of the RSP's last plan (its status).
func PlanInput(rsp *v1alpha1.ReplicaSchedulingPreference, clusters []string, observed map[string]Observation) Input {
	current := make(map[string]int64, len(observed))
	for name, obs := range observed {
		current[name] = obs.Current
	}
	return NewInput(rsp, clusters, current, Capacities(int64(rsp.Spec.TotalReplicas), observed, Remembered(&rsp.Status)))
}

// Replicas is the per-cluster replicas written into the federated object
// (reference §3.5 step 6): 0 for every cluster that runs the workload, then
// the plan, plus the overflow.
func Replicas(in Input, res Result) map[string]int64 {
	out := make(map[string]int64, len(res.Plan))
	for name := range in.Current {
		out[name] = 0
	}
	maps.Copy(out, res.Plan)
	for name, n := range res.Overflow {
		out[name] += n
	}
	return out
}

// Row is one cluster of a plan, as the RSP's status records it and
// `kubectl fed plan` shows it.
type Row struct {
	Cluster string
	// Planned is what the planner gave the cluster, overflow excluded.
	Planned int64
	// Current and Capacity are unset when unknown.
	Current  *int64
	Capacity *int64
	// Overflow is written into the cluster on top of Planned.
	Overflow int64
	// Reason says what decided Planned: a planner Reason, or
	// ReasonNotPlaced.
	Reason string
	// Placed is set when the plan places the cluster (zero replicas
	// included): it is in the federated object's placement.
	Placed bool
	// Group is the cluster's topology group (spec.spread), "" without.
	Group string
}

// ReasonNotPlaced is the reason of a ready cluster the plan leaves out.
const ReasonNotPlaced = "not placed"

// Rows are the rows of a plan: one per candidate cluster, sorted by name.
// A cluster is placed when the plan gives it replicas (zero included) or it
// runs the workload now (it is then scaled to zero).
func Rows(in Input, res Result) []Row {
	rows := make([]Row, 0, len(in.Clusters))
	for _, name := range in.Clusters {
		row := Row{Cluster: name, Planned: res.Plan[name], Overflow: res.Overflow[name], Reason: string(res.Reasons[name])}
		_, row.Placed = res.Plan[name]
		if row.Reason == "" {
			row.Reason = string(ReasonNoPreference)
		}
		if n, ok := in.Current[name]; ok {
			row.Current, row.Placed = &n, true
		}
		if n, ok := in.Capacity[name]; ok {
			row.Capacity = &n
		}
		row.Placed = row.Placed || row.Overflow > 0
		rows = append(rows, row)
	}
	return sortRows(rows)
}

// ClusterStatuses are the placed rows as the RSP's status records them.
func ClusterStatuses(rows []Row) []v1alpha1.ClusterSchedulingStatus {
	out := make([]v1alpha1.ClusterSchedulingStatus, 0, len(rows))
	for _, r := range rows {
		if r.Placed {
			out = append(out, v1alpha1.ClusterSchedulingStatus{Name: r.Cluster, Replicas: r.Planned + r.Overflow, Overflow: r.Overflow,
				Reason: r.Reason, CurrentReplicas: r.Current, Capacity: r.Capacity, Group: r.Group})
		}
	}
	return out
}

// StatusRows are the rows of the plan an RSP's status records, plus a row
// per joined cluster the plan left out: "not ready" when the cluster is
// not ready, "not placed" otherwise.
func StatusRows(status *v1alpha1.ReplicaSchedulingPreferenceStatus, clusters []corev1beta1.KubeFedCluster) []Row {
	rows := make([]Row, 0, len(status.Clusters)+len(clusters))
	seen := map[string]bool{}
	for _, c := range status.Clusters {
		seen[c.Name] = true
		rows = append(rows, Row{Cluster: c.Name, Planned: c.Replicas - c.Overflow, Current: c.CurrentReplicas,
			Capacity: c.Capacity, Overflow: c.Overflow, Reason: c.Reason, Placed: true, Group: c.Group})
	}
	for _, kfc := range clusters {
		if seen[kfc.Name] {
			continue
		}
		reason := ReasonNotPlaced
		if !kfc.Status.IsReady() {
			reason = string(ReasonNotReady)
		}
		rows = append(rows, Row{Cluster: kfc.Name, Reason: reason})
	}
	return sortRows(rows)
}

// Unplaced is the part of total the rows do not place.
func Unplaced(rows []Row, total int64) int64 {
	var sum int64
	for _, r := range rows {
		sum += r.Planned
	}
	return max(total-sum, 0)
}

func sortRows(rows []Row) []Row {
	slices.SortFunc(rows, func(a, b Row) int { return cmp.Compare(a.Cluster, b.Cluster) })
	return rows
}

// ReasonEvicting is the reason of a cluster whose replicas move away for a
// NoExecute taint.
const ReasonEvicting = "evicting"

// HoldEvicting adds to a replica result the clusters the workload is
// evicted from (a NoExecute taint it does not tolerate): each keeps the
// replicas its /spec/replicas override gives it until the candidates run
// ready all the replicas the plan gives them, and then gets 0, after
// which propagation removes it (graceful eviction: the moved replicas are
// ready before the old ones stop). A moved replica counts as ready once
// its pod is ready and the workload's own status says so too, so the
// ready replicas a user sees across the clusters never dip. It returns
// their rows.
func HoldEvicting(result map[string]int64, spec *typesv1beta1.FederatedSpec, evicting []string, res Result, observed map[string]Observation) []Row {
	var planned, ready int64
	for name, n := range res.Plan {
		planned += n
		ready += min(observed[name].Current, observed[name].Reported, n)
	}
	moved := ready >= planned
	rows := make([]Row, 0, len(evicting))
	for _, name := range evicting {
		var n int64
		if !moved {
			n = max(Scheduled(spec, name), 0)
		}
		result[name] = n
		rows = append(rows, Row{Cluster: name, Planned: n, Reason: ReasonEvicting, Placed: true})
	}
	return rows
}
