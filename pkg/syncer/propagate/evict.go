package propagate

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// recorded returns, from the federated object's recorded status, the
// clusters that hold its member object (every listed cluster but the
// Tainted ones) and whether one is being removed (WaitingForRemoval).
func recorded(status *typesv1beta1.FederatedStatus) (holding sets.Set[string], removing bool) {
	holding = sets.New[string]()
	for _, c := range status.Clusters {
		switch c.Status {
		case typesv1beta1.Tainted:
		case typesv1beta1.WaitingForRemoval:
			removing = true
		default:
			holding.Insert(c.Name)
		}
	}
	return holding, removing
}

// evict runs the eviction gate (taints.Gate) over the clusters the object
// (fed, whose spec the pass decoded) is being evicted from: the one it
// lets go is removed from the placement (its member object is then
// deleted); the others stay, with what they wait for. The object counts
// as ready elsewhere when it runs ready in every remaining cluster and no
// evicting cluster has replicas from a
// /spec/replicas override (replica scheduling moves them first, then sets
// the cluster's override to 0). It returns the messages of the clusters
// that wait and when to look again.
func (e *Engine) evict(ctx context.Context, t *federatedType, fed *unstructured.Unstructured, spec *typesv1beta1.FederatedSpec, placed *placement.Result, removing bool, list []clusterclient.Member) (map[string]string, time.Duration) {
	if len(placed.Evicting) == 0 {
		return nil, 0
	}
	in := taints.GateInput{Removing: removing, Timeout: e.settings.EvictionTimeout, Now: time.Now(), ReadyElsewhere: true}
	for name, taint := range placed.Evicting {
		if scheduling.Scheduled(spec, name) > 0 {
			// Replica scheduling has not moved the cluster's replicas yet.
			in.ReadyElsewhere = false
		}
		since := in.Now
		if taint.TimeAdded != nil {
			since = taint.TimeAdded.Time
		}
		in.Evictions = append(in.Evictions, taints.Eviction{Cluster: name, Taint: taint, Since: since})
	}
	for _, m := range list {
		if _, evicting := placed.Evicting[m.Name]; evicting || !placed.Targets.Has(m.Name) {
			continue
		}
		in.Remaining++
		if in.ReadyElsewhere && !e.runsReady(ctx, t, fed, m) {
			in.ReadyElsewhere = false
		}
	}
	v := taints.Gate(in)
	if v.Evict != "" {
		placed.Evict(v.Evict)
		log := ctrl.LoggerFrom(ctx).V(1)
		if v.TimedOut {
			log = ctrl.LoggerFrom(ctx)
			e.recorder.Eventf(fed, "Warning", "EvictionTimedOut", "Evicting from cluster %q after %s although the object does not run ready in its other clusters", v.Evict, in.Timeout)
		}
		log.Info("evicting", "cluster", v.Evict, "object", fed.GetNamespace()+"/"+fed.GetName(), "timedOut", v.TimedOut)
	}
	return v.Waiting, v.Recheck
}

// runsReady reports whether the member object of a remaining cluster is up
// to date and ready: it exists and, for a workload with replicas, has the
// replicas rendered for the cluster, all of them ready and observed.
func (e *Engine) runsReady(ctx context.Context, t *federatedType, fed *unstructured.Unstructured, m clusterclient.Member) bool {
	if !m.Reachable() {
		return false
	}
	observed, synced := e.observed(ctx, t, m, fed.GetNamespace(), fed.GetName())
	if !synced || observed == nil {
		return false
	}
	rendered, err := propagation.Render(fed, t.targetKind, overrides.Destination{Cluster: m.Name, Labels: m.Labels}, nil)
	if err != nil {
		return false
	}
	want, hasReplicas, _ := unstructured.NestedInt64(rendered.Object, "spec", "replicas")
	if !hasReplicas {
		return true
	}
	have, _, _ := unstructured.NestedInt64(observed.Object, "spec", "replicas")
	ready, _, _ := unstructured.NestedInt64(observed.Object, "status", "readyReplicas")
	generation, _, _ := unstructured.NestedInt64(observed.Object, "status", "observedGeneration")
	return have == want && ready >= want && generation >= observed.GetGeneration()
}
