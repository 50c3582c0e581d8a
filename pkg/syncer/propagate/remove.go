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
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

// remove runs the deletion of a federated object (reference §3.3 deletion):
// member objects are deleted (or, with kubefed.io/orphan and for adopted
// objects, unlabeled and left) in every joined cluster, then the finalizer is removed. A joined,
// placed cluster that is not ready blocks the deletion, with an event and
// status naming it; a cluster that was unjoined does not.
func (e *Engine) remove(ctx context.Context, t *federatedType, key Key, fed *unstructured.Unstructured, list []clusterclient.Member) (time.Duration, error) {
	if !hasFinalizer(fed) {
		return 0, nil
	}
	orphan := fed.GetAnnotations()[core.OrphanManagedResourcesAnnotation] == core.OrphanManagedResourcesValue
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		return 0, err
	}
	placed, err := e.placement(t, fed, spec, list, nil)
	pass := newPass(fed)
	ev := newPassEvents()
	defer ev.emit(e.recorder, fed)
	var waiting []string
	for _, m := range list {
		targeted := err != nil || placed.Clusters.Has(m.Name)
		if !m.Ready || m.Conn == nil {
			if targeted {
				pass.Clusters[m.Name] = typesv1beta1.ClusterNotReady
				pass.Messages[m.Name] = "deletion waits for this joined, placed cluster to be ready; unjoin it to stop waiting"
				waiting = append(waiting, m.Name)
			}
			continue
		}
		if missing := e.typeMissing(ctx, t, m); missing != "" {
			ev.add(corev1.EventTypeWarning, "MemberObjectsNotChecked",
				"Cluster %q: member objects could not be checked, and the deletion does not wait for them: %s", m.Name, missing)
			continue
		}
		client := e.memberClient(t, m, fed.GetNamespace())
		observed, ok := e.observed(ctx, t, m, fed.GetNamespace(), fed.GetName())
		switch {
		case !ok:
			pass.Clusters[m.Name] = typesv1beta1.CachedRetrievalFailed
			waiting = append(waiting, m.Name)
		case observed == nil:
		case orphan || propagation.Releases(fed, observed) || e.isHostNamespace(ctx, t, observed):
			if o := e.unlabel(ctx, ev, t, fed, m, client, observed); o.status != "" {
				pass.Clusters[m.Name], pass.Messages[m.Name] = o.status, o.message
				waiting = append(waiting, m.Name)
			}
		default:
			if observed.GetDeletionTimestamp() == nil {
				if o := e.unplace(ctx, ev, t, fed, m, client, observed); o.status != typesv1beta1.WaitingForRemoval || o.message != "" {
					pass.Clusters[m.Name], pass.Messages[m.Name] = o.status, o.message
					waiting = append(waiting, m.Name)
					continue
				}
			}
			if o := e.dropOverrideFinalizers(ctx, ev, t, fed, m, client, observed); o.status != "" {
				pass.Clusters[m.Name], pass.Messages[m.Name] = o.status, o.message
				waiting = append(waiting, m.Name)
				continue
			}
			pass.Clusters[m.Name] = typesv1beta1.WaitingForRemoval
			waiting = append(waiting, m.Name)
		}
	}
	if len(waiting) > 0 {
		sort.Strings(waiting)
		e.recorder.Eventf(fed, corev1.EventTypeNormal, "WaitForRemovalInCluster",
			"Waiting for managed resources to be removed from the following clusters: %s", strings.Join(waiting, ", "))
		_, err := e.writeStatus(ctx, t, key, fed, pass)
		return recheck, err
	}
	return 0, e.removeFinalizer(ctx, t, fed)
}

func (e *Engine) removeFinalizer(ctx context.Context, t *federatedType, fed *unstructured.Unstructured) error {
	var kept []string
	for _, f := range fed.GetFinalizers() {
		if f != core.SyncControllerFinalizer {
			kept = append(kept, f)
		}
	}
	fed.SetFinalizers(kept)
	_, err := e.hostClient(t, fed).Update(ctx, fed, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// dropOverrideFinalizers removes from a member object being deleted the
// finalizers the cluster's overrides put there: nothing else would remove
// them, and the deletion would never complete.
func (e *Engine) dropOverrideFinalizers(ctx context.Context, ev *passEvents, t *federatedType, fed *unstructured.Unstructured, m clusterclient.Member, client dynamic.ResourceInterface, observed *unstructured.Unstructured) outcome {
	rendered, renderErr := propagation.Render(fed, t.targetKind, m.Name, nil)
	if renderErr != nil {
		return outcome{} // the overrides do not apply, so they added nothing
	}
	drop := propagation.OverrideFinalizers(rendered, observed)
	if len(drop) == 0 {
		return outcome{}
	}
	kept := slices.DeleteFunc(slices.Clone(observed.GetFinalizers()), func(f string) bool { return slices.Contains(drop, f) })
	patch, err := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"finalizers": kept, "resourceVersion": observed.GetResourceVersion()}})
	if err == nil {
		_, err = client.Patch(ctx, observed.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	}
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		ev.add(corev1.EventTypeWarning, "RemoveFinalizersInClusterFailed", "Failed to remove the finalizers %v its overrides added from %s %q in cluster %q: %v", drop, t.targetKind.Kind, qualifiedName(observed), m.Name, err)
		return outcome{status: typesv1beta1.DeletionFailed, message: err.Error(), listed: true}
	}
	ev.add(corev1.EventTypeNormal, "RemoveFinalizersInCluster", "Removing the finalizers %v its overrides added from %s %q in cluster %q", drop, t.targetKind.Kind, qualifiedName(observed), m.Name)
	return outcome{}
}
