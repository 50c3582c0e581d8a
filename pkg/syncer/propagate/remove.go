package propagate

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

// remove runs the deletion of a federated object (reference §3.3 deletion)
// as propagation.Plan decides it: member objects are deleted (or, with
// kubefed.io/orphan and for adopted objects, unlabeled and left) in every
// joined cluster, then the finalizer is removed. A joined, placed cluster
// that is not ready blocks the deletion, with an event and status naming
// it; a cluster that was unjoined, or that does not serve the type, does
// not.
func (e *Engine) remove(ctx context.Context, t *federatedType, key Key, fed *unstructured.Unstructured, list []clusterclient.Member) (time.Duration, error) {
	if !hasFinalizer(fed) {
		return 0, nil
	}
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		return 0, err
	}
	last := lastStatus(ctx, fed)
	holding, _ := propagation.Recorded(last)
	placed, err := e.placement(t, fed, spec, clusterclient.PlacementClusters(list), nil, holding)
	in := propagation.Input{Federated: fed, Target: t.targetKind, Placement: placed, PlacementFailed: err != nil, Deleting: true,
		Orphan: fed.GetAnnotations()[core.OrphanManagedResourcesAnnotation] == core.OrphanManagedResourcesValue}
	// The finalizers override policies put on member objects are dropped
	// too; without the policies only the object's own are known.
	in.OverridePolicies, _ = e.overridePolicies(ctx, fed, e.namespaceLabels(ctx, fed.GetNamespace()))
	pass := newPass(fed)
	var waiting []string
	for i, o := range e.execute(ctx, t, key, in, last, list) {
		if o.pending { // its part ends later and queues the object again
			return recheck, nil
		}
		if o.listed { // every listed cluster holds the deletion up
			pass.Clusters[list[i].Name], pass.Messages[list[i].Name] = o.status, o.message
			waiting = append(waiting, list[i].Name)
		}
	}
	if len(waiting) > 0 {
		sort.Strings(waiting)
		e.recorder.Eventf(fed, corev1.EventTypeNormal, "WaitForRemovalInCluster",
			"Waiting for managed resources to be removed from the following clusters: %s", strings.Join(waiting, ", "))
		_, err := e.writeStatus(ctx, t, key, fed, last, pass)
		return recheck, err
	}
	return 0, e.removeFinalizer(ctx, t, key, fed)
}

// removeFinalizer removes the sync finalizer from a federated object being
// deleted.
func (e *Engine) removeFinalizer(ctx context.Context, t *federatedType, key Key, fed *unstructured.Unstructured) error {
	var kept []string
	for _, f := range fed.GetFinalizers() {
		if f != core.SyncControllerFinalizer {
			kept = append(kept, f)
		}
	}
	fed.SetFinalizers(kept)
	_, err := e.hostClient(t, fed).Update(ctx, fed, metav1.UpdateOptions{})
	if e.overtaken(key, err) {
		return nil
	}
	return err
}

// dropOverrideFinalizers removes from a member object being deleted the
// finalizers the cluster's overrides put there (the plan's
// DropFinalizers): nothing else would remove them, and the deletion would
// never complete. o is the outcome so far.
func (e *Engine) dropOverrideFinalizers(ctx context.Context, ev *passEvents, t *federatedType, m clusterclient.Member, observed *unstructured.Unstructured, p propagation.ClusterPlan, o outcome) outcome {
	drop := p.DropFinalizers
	if len(drop) == 0 {
		return o
	}
	kept := slices.DeleteFunc(slices.Clone(observed.GetFinalizers()), func(f string) bool { return slices.Contains(drop, f) })
	patch, err := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"finalizers": kept, "resourceVersion": observed.GetResourceVersion()}})
	if err == nil {
		_, err = e.memberClient(t, m, observed.GetNamespace()).Patch(ctx, observed.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	}
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		ev.add(corev1.EventTypeWarning, "RemoveFinalizersInClusterFailed", "Failed to remove the finalizers %v its overrides added from %s %q in cluster %q: %v", drop, t.targetKind.Kind, qualifiedName(observed), m.Name, err)
		return outcome{status: typesv1beta1.DeletionFailed, message: err.Error(), listed: true}
	}
	ev.add(corev1.EventTypeNormal, "RemoveFinalizersInCluster", "Removing the finalizers %v its overrides added from %s %q in cluster %q", drop, t.targetKind.Kind, qualifiedName(observed), m.Name)
	return o
}
