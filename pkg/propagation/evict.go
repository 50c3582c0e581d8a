package propagation

import (
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// GateInput is the eviction gate's input (taints.Gate) for a federated
// object whose spec is spec, placed as placed (the clusters it is evicted
// from in placed.Evicting): removing says a member object of it is being
// deleted (Recorded), timeout is the KubeFedConfig's eviction timeout.
// names are the joined clusters in the order runsReady is asked about the
// remaining targets. The object counts as ready elsewhere when it runs
// ready in every remaining target (runsReady) and no evicting cluster has
// replicas from a /spec/replicas override (replica scheduling moves them
// first, then sets the cluster's override to 0). holds, for a
// FederatedNamespace (nil for other objects), names the federated objects
// in the namespace that a cluster still holds (NamespaceHolds): the
// namespace leaves a cluster only after them.
func GateInput(spec *typesv1beta1.FederatedSpec, placed placement.Result, removing bool, timeout time.Duration, now time.Time, names []string, runsReady func(cluster string) bool, holds func(cluster string) []string) taints.GateInput {
	in := taints.GateInput{Removing: removing, Timeout: timeout, Now: now, ReadyElsewhere: true}
	for name, taint := range placed.Evicting {
		if scheduling.Scheduled(spec, name) > 0 {
			// Replica scheduling has not moved the cluster's replicas yet.
			in.ReadyElsewhere = false
		}
		since := now
		if taint.TimeAdded != nil {
			since = taint.TimeAdded.Time
		}
		eviction := taints.Eviction{Cluster: name, Taint: taint, Since: since}
		if holds != nil {
			eviction.Holds = holds(name)
		}
		in.Evictions = append(in.Evictions, eviction)
	}
	for _, name := range names {
		if _, evicting := placed.Evicting[name]; evicting || !placed.Targets.Has(name) {
			continue
		}
		in.Remaining++
		if in.ReadyElsewhere && !runsReady(name) {
			in.ReadyElsewhere = false
		}
	}
	return in
}

// RunsReady reports whether a remaining cluster runs the federated object
// (src, prepared for rendering once for every cluster asked about) ready,
// as the eviction gate requires: its member object is known and exists
// and, for a workload with replicas, has the replicas rendered for the
// cluster, all of them ready and observed.
func RunsReady(src *Source, m Member) bool {
	if !m.Ready || !m.Synced || m.Observed == nil {
		return false
	}
	rendered, err := src.Render(overrides.Destination{Cluster: m.Name, Labels: m.Labels}, nil)
	if err != nil {
		return false
	}
	want, hasReplicas, _ := unstructured.NestedInt64(rendered.Object, "spec", "replicas")
	if !hasReplicas {
		return true
	}
	observed := m.Observed
	have, _, _ := unstructured.NestedInt64(observed.Object, "spec", "replicas")
	ready, _, _ := unstructured.NestedInt64(observed.Object, "status", "readyReplicas")
	generation, _, _ := unstructured.NestedInt64(observed.Object, "status", "observedGeneration")
	return have == want && ready >= want && generation >= observed.GetGeneration()
}

// HeldInNamespace names ("Kind name") the federated objects of a
// namespace (objs, of every enabled type but FederatedNamespace) that
// cluster still holds, for the namespace's eviction (GateInput's holds):
// those whose status has an entry for the cluster other than Tainted
// (which holds nothing), so that their member objects may exist there. A
// status that does not decode counts as held: deleting the namespace
// would delete what may be there.
func HeldInNamespace(objs []*unstructured.Unstructured, cluster string) []string {
	var held []string
	for _, obj := range objs {
		entry, err := typesv1beta1.ClusterOf(obj, cluster)
		if err != nil || (entry != nil && entry.Status != typesv1beta1.Tainted) {
			held = append(held, obj.GetKind()+" "+obj.GetName())
		}
	}
	return held
}
