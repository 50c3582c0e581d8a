// Package typeconfig is the syncer's FederatedTypeConfig controller: it
// tells the propagation engine which types to serve (reference §3.2) and
// reports that in each FederatedTypeConfig's status.
package typeconfig

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// dependencyRetry is how soon a namespaced type waiting for the namespaces
// FederatedTypeConfig is looked at again.
const dependencyRetry = 5 * time.Second

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
}

// SetupWithManager registers the reconciler. A change to the namespaces
// FederatedTypeConfig also requeues every other one, since namespaced types
// depend on it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Engine == nil || r.KubeFedNamespace == "" {
		return fmt.Errorf("type config controller: Client, Engine and KubeFedNamespace are required")
	}
	return ctrl.NewControllerManagedBy(mgr).Named("federated-type-config").
		For(&corev1beta1.FederatedTypeConfig{}).
		Watches(&corev1beta1.FederatedTypeConfig{}, handler.EnqueueRequestsFromMapFunc(r.dependents)).
		Complete(r)
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
	if serve {
		r.Engine.Enable(ftc)
	} else {
		r.Engine.Disable(ftc.Name)
	}
	if err := r.writeStatus(ctx, ftc, serve); err != nil {
		return ctrl.Result{}, err
	}
	if waiting {
		return ctrl.Result{RequeueAfter: dependencyRetry}, nil
	}
	return ctrl.Result{}, nil
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

func (r *Reconciler) writeStatus(ctx context.Context, ftc *corev1beta1.FederatedTypeConfig, serving bool) error {
	want := corev1beta1.ControllerStatusNotRunning
	if serving && r.Engine.Running(ftc.Name, ftc.Generation) {
		want = corev1beta1.ControllerStatusRunning
	}
	if ftc.Status.ObservedGeneration == ftc.Generation && ftc.Status.PropagationController == want {
		return nil
	}
	ftc.Status.ObservedGeneration = ftc.Generation
	ftc.Status.PropagationController = want
	err := r.Client.Status().Update(ctx, ftc)
	if apierrors.IsConflict(err) {
		return nil // a newer version is queued already
	}
	return err
}
