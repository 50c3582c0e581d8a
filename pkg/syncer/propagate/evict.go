package propagate

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// evict runs the eviction gate (taints.Gate) over the clusters the object
// (src, prepared for rendering, whose spec the pass decoded) is being
// evicted from: the one it
// lets go is removed from the placement (its member object is then
// deleted); the others stay, with what they wait for (propagation.GateInput
// says when the object counts as ready elsewhere). It returns the messages
// of the clusters that wait and when to look again.
func (e *Engine) evict(ctx context.Context, t *federatedType, src *propagation.Source, spec *typesv1beta1.FederatedSpec, placed *placement.Result, removing bool, list []clusterclient.Member) (map[string]string, time.Duration) {
	if len(placed.Evicting) == 0 {
		return nil, 0
	}
	fed := src.Federated()
	names := make([]string, len(list))
	byName := make(map[string]clusterclient.Member, len(list))
	for i, m := range list {
		names[i], byName[m.Name] = m.Name, m
	}
	var holds func(cluster string) []string
	if t.name == core.NamespacesTypeConfigName {
		holds = func(cluster string) []string { return e.namespaceHolds(fed.GetNamespace(), cluster) }
	}
	in := propagation.GateInput(spec, *placed, removing, e.settings.EvictionTimeout, time.Now(), names, func(cluster string) bool {
		return e.runsReady(ctx, t, src, byName[cluster])
	}, holds)
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
// to date and ready (propagation.RunsReady), reading it from the member's
// cache.
func (e *Engine) runsReady(ctx context.Context, t *federatedType, src *propagation.Source, m clusterclient.Member) bool {
	if !m.Reachable() {
		return false
	}
	fed := src.Federated()
	observed, synced := e.observed(ctx, t, m, fed.GetNamespace(), fed.GetName())
	return propagation.RunsReady(src, propagation.Member{Name: m.Name, Labels: m.Labels, Ready: true, Synced: synced, Observed: observed})
}

// namespaceHolds names the federated objects in namespace, of every
// other enabled type, that cluster still holds (propagation.HeldInNamespace),
// from the host caches.
func (e *Engine) namespaceHolds(namespace, cluster string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var objs []*unstructured.Unstructured
	for _, t := range e.types {
		if t.name == core.NamespacesTypeConfigName || !t.namespaced {
			continue
		}
		cached, _ := t.informer.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
		for _, obj := range cached {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				objs = append(objs, u)
			}
		}
	}
	return propagation.HeldInNamespace(objs, cluster)
}
