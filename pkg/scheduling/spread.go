package scheduling

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// Spread is the outcome of a plan spread across topology groups.
type Spread struct {
	// Groups maps each candidate cluster that has a group to it.
	Groups map[string]string
	// Shares is the replicas each group got.
	Shares map[string]int64
	// Met is set when at least minGroups groups got replicas.
	Met bool
	// Message says how many groups the replicas span, and why not more.
	Message string
}

// PlanSpread plans with an RSP's spec.spread: the candidate clusters are
// grouped by the value of their topologyKey label (labels maps a cluster
// to its labels; a cluster without the label is in no group and gets
// nothing), in.TotalReplicas is divided across the groups by the spread's
// weights (every group the same when none is set) with the planner itself
// (the groups as its clusters, the replicas they run now as current), and
// each group's share across its clusters by in's preferences, as without
// spread. The work is that of one plan per group plus one over the groups.
func PlanSpread(in Input, spread v1alpha1.TopologySpread, labels map[string]map[string]string) (Result, Spread) {
	sp := Spread{Groups: map[string]string{}, Shares: map[string]int64{}}
	members := map[string][]string{}
	groupCurrent := map[string]int64{}
	for _, c := range in.Clusters {
		g, ok := labels[c][spread.TopologyKey]
		if !ok || g == "" {
			continue
		}
		sp.Groups[c] = g
		members[g] = append(members[g], c)
		if n, ok := in.Current[c]; ok {
			groupCurrent[g] += n
		}
	}
	names := slices.Sorted(maps.Keys(members))
	prefs := make(map[string]v1alpha1.ClusterPreferences, len(names))
	for _, g := range names {
		w := int64(1)
		if len(spread.Weights) > 0 {
			w = spread.Weights[g]
		}
		prefs[g] = v1alpha1.ClusterPreferences{Weight: w}
	}
	if len(names) > 0 {
		groupPlan := Plan(Input{Preferences: prefs, TotalReplicas: in.TotalReplicas, Clusters: names, Current: groupCurrent,
			Rebalance: in.Rebalance, Key: in.Key})
		sp.Shares = groupPlan.Plan
	}
	res := Result{Plan: map[string]int64{}, Overflow: map[string]int64{}, Reasons: map[string]Reason{}}
	spanned := 0
	for _, g := range names {
		sub := in
		sub.Clusters, sub.TotalReplicas = members[g], sp.Shares[g]
		part := Plan(sub)
		maps.Copy(res.Plan, part.Plan)
		maps.Copy(res.Overflow, part.Overflow)
		maps.Copy(res.Reasons, part.Reasons)
		var placed int64
		for _, n := range part.Plan {
			placed += n
		}
		if placed > 0 {
			spanned++
		}
	}
	minGroups := max(int(spread.MinGroups), 1)
	sp.Met = spanned >= minGroups
	switch {
	case sp.Met:
		sp.Message = fmt.Sprintf("the replicas span %d %s groups (minGroups %d)", spanned, spread.TopologyKey, minGroups)
	case len(names) < minGroups:
		sp.Message = fmt.Sprintf("only %d %s groups have a ready candidate cluster (%s), minGroups is %d: the replicas run there",
			len(names), spread.TopologyKey, orNone(names), minGroups)
	default:
		sp.Message = fmt.Sprintf("the replicas span %d %s groups, minGroups is %d: raise totalReplicas or the groups' weights",
			spanned, spread.TopologyKey, minGroups)
	}
	return res, sp
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
