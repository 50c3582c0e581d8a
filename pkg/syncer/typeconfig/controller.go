// Package typeconfig is the syncer's FederatedTypeConfig controller: it
// tells the propagation engine which types to serve (reference §3.2) and
// reports that in each FederatedTypeConfig's status.
package typeconfig

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
)

// dependencyRetry is how soon a namespaced type waiting for the namespaces
// FederatedTypeConfig is looked at again.
const dependencyRetry = 5 * time.Second

// admissionLag is how long after a FederatedTypeConfig's deletion the
// syncer keeps its finalizer and releases the type's objects once more: the
// webhook adds the sync finalizer at admission while its cache still shows
// the type served (hostread.Reader.Propagated), so an object created in
// that window would otherwise keep a finalizer nothing removes.
const admissionLag = 3 * time.Second

// servedRecheck is how often a served type checks again that the host and
// the members still serve its types (a CRD can be deleted at any time).
const servedRecheck = time.Minute

// Engine is the part of the propagation engine this controller drives.
type Engine interface {
	Enable(ftc *corev1beta1.FederatedTypeConfig)
	Disable(name string)
	Running(name string, generation int64) bool
}

// Reconciler serves or stops one federated type per request.
type Reconciler struct {
	Client client.Client
	Engine Engine
	// KubeFedNamespace is the only namespace whose FederatedTypeConfigs count.
	KubeFedNamespace string
	// ClusterScoped is set for a control plane that serves every namespace;
	// a namespace-scoped one does not serve cluster-scoped types.
	ClusterScoped bool
	// Discovery asks the host which types it serves; nil skips the checks
	// of TargetTypeServed and FederatedTypeServed.
	Discovery discovery.DiscoveryInterface
	// Members, when set, are asked whether they serve the target type.
	Members *clusterclient.Registry
	// Recorder records a condition turning False as an event.
	Recorder record.EventRecorder
	// CRDs, when set, reads the federated CRD (uncached: CRDs are large) to
	// check that its schema holds every status field the syncer writes.
	CRDs client.Reader
	// Rechecks, when set, asks for FederatedTypeConfigs to be looked at
	// again, e.g. when the engine finds a member no longer serves a type.
	Rechecks <-chan event.GenericEvent
}

// SetupWithManager registers the reconciler. A change to the namespaces
// FederatedTypeConfig also requeues every other one, since namespaced types
// depend on it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Engine == nil || r.KubeFedNamespace == "" {
		return fmt.Errorf("type config controller: Client, Engine and KubeFedNamespace are required")
	}
	b := ctrl.NewControllerManagedBy(mgr).Named("federated-type-config").
		For(&corev1beta1.FederatedTypeConfig{}).
		Watches(&corev1beta1.FederatedTypeConfig{}, handler.EnqueueRequestsFromMapFunc(r.dependents))
	if r.Rechecks != nil {
		b = b.WatchesRawSource(source.Channel(r.Rechecks, &handler.EnqueueRequestForObject{}))
	}
	if r.CRDs != nil {
		// Only the CRDs' metadata is cached: a CRD created, upgraded or
		// deleted on the host is looked at again at once.
		b = b.WatchesMetadata(&apiextensionsv1.CustomResourceDefinition{}, handler.EnqueueRequestsFromMapFunc(r.usersOfCRD))
	}
	return b.Complete(r)
}

// usersOfCRD maps a CRD to the FederatedTypeConfigs whose target or
// federated type it defines.
func (r *Reconciler) usersOfCRD(ctx context.Context, crd client.Object) []reconcile.Request {
	list := &corev1beta1.FederatedTypeConfigList{}
	if err := r.Client.List(ctx, list, client.InNamespace(r.KubeFedNamespace)); err != nil {
		return nil
	}
	var requests []reconcile.Request
	for _, ftc := range list.Items {
		if ftc.Spec.TargetType.QualifiedName() == crd.GetName() || ftc.Spec.FederatedType.QualifiedName() == crd.GetName() {
			requests = append(requests, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ftc.Namespace, Name: ftc.Name}})
		}
	}
	return requests
}

func (r *Reconciler) dependents(ctx context.Context, obj client.Object) []reconcile.Request {
	if obj.GetName() != core.NamespacesTypeConfigName {
		return nil
	}
	list := &corev1beta1.FederatedTypeConfigList{}
	if err := r.Client.List(ctx, list, client.InNamespace(r.KubeFedNamespace)); err != nil {
		return nil
	}
	var requests []reconcile.Request
	for _, ftc := range list.Items {
		if ftc.Name != core.NamespacesTypeConfigName {
			requests = append(requests, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ftc.Namespace, Name: ftc.Name}})
		}
	}
	return requests
}

// Reconcile enables or disables the type and writes its status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if req.Namespace != r.KubeFedNamespace {
		return ctrl.Result{}, nil
	}
	ftc := &corev1beta1.FederatedTypeConfig{}
	if err := r.Client.Get(ctx, req.NamespacedName, ftc); err != nil {
		if apierrors.IsNotFound(err) {
			r.Engine.Disable(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if ftc.DeletionTimestamp != nil {
		r.Engine.Disable(ftc.Name)
		if err := r.releaseObjects(ctx, ftc); err != nil {
			return ctrl.Result{}, err
		}
		if wait := admissionLag - time.Since(ftc.DeletionTimestamp.Time); wait > 0 {
			return ctrl.Result{RequeueAfter: wait}, nil
		}
		if controllerutil.RemoveFinalizer(ftc, core.FederatedTypeConfigFinalizer) {
			return ctrl.Result{}, client.IgnoreNotFound(r.Client.Update(ctx, ftc))
		}
		return ctrl.Result{}, nil
	}
	if controllerutil.AddFinalizer(ftc, core.FederatedTypeConfigFinalizer) {
		if err := r.Client.Update(ctx, ftc); err != nil {
			return ctrl.Result{}, err
		}
	}
	serve, waiting, err := r.shouldServe(ctx, ftc)
	if err != nil {
		return ctrl.Result{}, err
	}
	found := r.findServed(ctx, ftc)
	conditions := found.conditions(ftc)
	if c, ok := r.schemaCondition(ctx, ftc, found); ok {
		conditions = append(conditions, c)
	}
	// Without its federated type there is nothing to serve (and nothing
	// whose deletion could wait on the engine).
	if found.federatedMissing {
		serve = false
	}
	if serve {
		r.Engine.Enable(ftc)
	} else {
		r.Engine.Disable(ftc.Name)
	}
	hostServesTarget := !slices.Contains(found.targetMissingIn, hostName)
	if err := r.writeStatus(ctx, ftc, serve, hostServesTarget, conditions); err != nil {
		return ctrl.Result{}, err
	}
	if waiting {
		return ctrl.Result{RequeueAfter: dependencyRetry}, nil
	}
	if serve || len(conditions) > 0 {
		return ctrl.Result{RequeueAfter: servedRecheck}, nil
	}
	return ctrl.Result{}, nil
}

// releaseObjects removes the sync finalizer from every federated object of
// a type whose FederatedTypeConfig is being deleted (`kubectl fed disable`
// deletes it): nothing serves the type any more, and the deletion of such
// an object, or of its namespace, would wait forever. Their member objects
// stay as they are, still labelled managed; if the type is enabled again,
// the syncer adds the finalizer back and releases the member objects of
// federated objects deleted meanwhile. A conflict is retried by the
// caller's requeue.
func (r *Reconciler) releaseObjects(ctx context.Context, ftc *corev1beta1.FederatedTypeConfig) error {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(ftc.Spec.FederatedType.GroupVersionKind())
	var opts []client.ListOption
	if !r.ClusterScoped {
		opts = append(opts, client.InNamespace(r.KubeFedNamespace))
	}
	if err := r.Client.List(ctx, list, opts...); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return nil // the federated CRD is gone, and its objects with it
		}
		return fmt.Errorf("listing the %s objects to release: %w", ftc.Spec.FederatedType.QualifiedName(), err)
	}
	released := 0
	for i := range list.Items {
		obj := &list.Items[i]
		patch := client.MergeFromWithOptions(obj.DeepCopy(), client.MergeFromWithOptimisticLock{})
		if !controllerutil.RemoveFinalizer(obj, core.SyncControllerFinalizer) {
			continue
		}
		if err := r.Client.Patch(ctx, obj, patch); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("removing the %s finalizer from %s %s/%s: %w", core.SyncControllerFinalizer, obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
		released++
	}
	if released > 0 {
		ctrl.LoggerFrom(ctx).Info("released the federated objects of a type no longer served", "type", ftc.Name, "count", released)
		if r.Recorder != nil {
			r.Recorder.Eventf(ftc, corev1.EventTypeNormal, "FederatedObjectsReleased",
				"Removed the %s finalizer from %d %s objects: the type is no longer served, so deleting them no longer waits for the syncer; their member objects stay",
				core.SyncControllerFinalizer, released, ftc.Spec.FederatedType.QualifiedName())
		}
	}
	return nil
}

// shouldServe decides whether the type runs. waiting is set when it would,
// but its namespaces FederatedTypeConfig is missing or disabled.
func (r *Reconciler) shouldServe(ctx context.Context, ftc *corev1beta1.FederatedTypeConfig) (serve, waiting bool, err error) {
	if !ftc.GetPropagationEnabled() {
		return false, false, nil
	}
	if !r.ClusterScoped && !ftc.GetNamespaced() && !ftc.IsNamespace() {
		return false, false, nil
	}
	if !ftc.GetNamespaced() {
		return true, false, nil
	}
	namespaces := &corev1beta1.FederatedTypeConfig{}
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: r.KubeFedNamespace, Name: core.NamespacesTypeConfigName}, namespaces)
	switch {
	case apierrors.IsNotFound(err):
		return false, true, nil
	case err != nil:
		return false, false, err
	}
	usable := namespaces.DeletionTimestamp == nil && namespaces.GetPropagationEnabled()
	return usable, !usable, nil
}

// writeStatus writes the status: Running while the engine serves the type
// and the host serves its target type (without it, the engine still
// completes deletions, but the type is not propagated as configured), and
// the conditions, each turning False recorded as an event.
func (r *Reconciler) writeStatus(ctx context.Context, ftc *corev1beta1.FederatedTypeConfig, serving, hostServesTarget bool, conditions []metav1.Condition) error {
	want := corev1beta1.ControllerStatusNotRunning
	if serving && hostServesTarget && r.Engine.Running(ftc.Name, ftc.Generation) {
		want = corev1beta1.ControllerStatusRunning
	}
	old := ftc.Status.DeepCopy()
	var turnedFalse []metav1.Condition
	for _, c := range conditions {
		previous := meta.FindStatusCondition(old.Conditions, c.Type)
		c.ObservedGeneration = ftc.Generation
		meta.SetStatusCondition(&ftc.Status.Conditions, c)
		if c.Status == metav1.ConditionFalse && (previous == nil || previous.Status != c.Status || previous.Message != c.Message) {
			turnedFalse = append(turnedFalse, c)
		}
	}
	ftc.Status.ObservedGeneration = ftc.Generation
	ftc.Status.PropagationController = want
	if equality.Semantic.DeepEqual(old, &ftc.Status) {
		return nil
	}
	err := r.Client.Status().Update(ctx, ftc)
	if apierrors.IsConflict(err) {
		return nil // a newer version is queued already
	}
	if err != nil {
		return err
	}
	// Reported once: only a condition that turned False (or changed its
	// message) in a status that was written.
	for _, c := range turnedFalse {
		ctrl.LoggerFrom(ctx).Info("type not fully served", "type", ftc.Name, "condition", c.Type, "reason", c.Reason, "message", c.Message)
		if r.Recorder != nil {
			r.Recorder.Event(ftc, corev1.EventTypeWarning, c.Reason, c.Message)
		}
	}
	return nil
}
