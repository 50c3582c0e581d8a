// Package inventory is the syncer's side of the cluster inventory that
// writes: a ClusterProfile for each joined KubeFedCluster, kept in step with
// it and deleted on unjoin. (Reading the inventory, ClusterProfiles as
// member clusters, is the cluster health controller's, package clusters.)
package inventory

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
)

// ProfileWriter keeps one ClusterProfile in Namespace per joined
// KubeFedCluster of KubeFedNamespace (see inventory.Produced), writing only
// when it changes, and deletes it when the cluster is unjoined. A profile
// of that name written by another cluster manager is left alone, with a
// warning event on the KubeFedCluster.
type ProfileWriter struct {
	Client client.Client
	// KubeFedNamespace holds the KubeFedClusters.
	KubeFedNamespace string
	// Namespace is where the profiles are written.
	Namespace string
	Recorder  record.EventRecorder
}

// SetupWithManager registers the writer for KubeFedClusters and for the
// profiles it writes (a profile deleted or changed by someone else is
// rewritten).
func (w *ProfileWriter) SetupWithManager(mgr ctrl.Manager) error {
	if w.Client == nil || w.Recorder == nil || w.Namespace == "" || w.KubeFedNamespace == "" {
		return errors.New("cluster profile writer: Client, Recorder, Namespace and KubeFedNamespace are required")
	}
	toCluster := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: w.KubeFedNamespace, Name: o.GetName()}}}
	})
	inNamespace := predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetNamespace() == w.Namespace })
	return ctrl.NewControllerManagedBy(mgr).Named("cluster-profile-writer").
		For(&corev1beta1.KubeFedCluster{}).
		Watches(&inventoryv1alpha1.ClusterProfile{}, toCluster, builder.WithPredicates(inNamespace)).
		Complete(w)
}

// Reconcile writes or deletes the cluster's profile.
func (w *ProfileWriter) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	current := &inventoryv1alpha1.ClusterProfile{}
	key := types.NamespacedName{Namespace: w.Namespace, Name: req.Name}
	if err := w.Client.Get(ctx, key, current); apierrors.IsNotFound(err) {
		current = nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	cluster := &corev1beta1.KubeFedCluster{}
	err := w.Client.Get(ctx, req.NamespacedName, cluster)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	if apierrors.IsNotFound(err) || cluster.DeletionTimestamp != nil {
		if current != nil && inventory.Ours(current) && current.DeletionTimestamp == nil {
			ctrl.LoggerFrom(ctx).V(1).Info("deleting the ClusterProfile of an unjoined cluster", "cluster", req.Name)
			return ctrl.Result{}, client.IgnoreNotFound(w.Client.Delete(ctx, current))
		}
		return ctrl.Result{}, nil
	}
	if current != nil && !inventory.Ours(current) {
		w.Recorder.Eventf(cluster, corev1.EventTypeWarning, "ClusterProfileNotOurs",
			"ClusterProfile %s/%s belongs to cluster manager %q: no profile is written for this cluster until it is removed or renamed",
			w.Namespace, req.Name, current.Spec.ClusterManager.Name)
		return ctrl.Result{}, nil
	}
	now := metav1.NewTime(metav1.Now().Rfc3339Copy().Time)
	desired := inventory.Produced(cluster, w.Namespace, current, now)
	if current == nil {
		if err := w.Client.Create(ctx, desired); err != nil {
			return ctrl.Result{}, fmt.Errorf("creating ClusterProfile %s: %w", key, err)
		}
		ctrl.LoggerFrom(ctx).V(1).Info("created the ClusterProfile of a joined cluster", "cluster", req.Name)
		// The status is made from the created profile, so that its
		// conditions observe the generation the API server gave it: one
		// made before observes none, and took a second write.
		return ctrl.Result{}, w.writeStatus(ctx, inventory.Produced(cluster, w.Namespace, desired, now))
	}
	if inventory.SameProfile(current, desired) {
		return ctrl.Result{}, nil
	}
	if !equality.Semantic.DeepEqual(current.Labels, desired.Labels) || !equality.Semantic.DeepEqual(current.Spec, desired.Spec) {
		if err := w.Client.Update(ctx, desired); err != nil {
			return ctrl.Result{}, fmt.Errorf("updating ClusterProfile %s: %w", key, err)
		}
		// The same for the generation a changed spec gets.
		desired = inventory.Produced(cluster, w.Namespace, desired, now)
	}
	if !equality.Semantic.DeepEqual(current.Status, desired.Status) {
		return ctrl.Result{}, w.writeStatus(ctx, desired)
	}
	return ctrl.Result{}, nil
}

// writeStatus writes a profile's status; a conflict is retried by the
// watch event of the write that caused it.
func (w *ProfileWriter) writeStatus(ctx context.Context, profile *inventoryv1alpha1.ClusterProfile) error {
	err := w.Client.Status().Update(ctx, profile)
	if apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing the status of ClusterProfile %s/%s: %w", profile.Namespace, profile.Name, err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("updated the status of a joined cluster's ClusterProfile", "cluster", profile.Name)
	return nil
}
