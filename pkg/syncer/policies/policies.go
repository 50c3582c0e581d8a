// Package policies is what the syncer does about federation policies: a
// controller that requeues every federated object when one changes, so that
// a Deny is enforced at run time too (for example on a cluster that joined
// after the object was admitted), and the writer of their status (what
// each selects and how many violate it). Propagation reads the policies
// through hostread.
package policies

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
)

// Reconciler calls Changed whenever a federation policy or an override
// policy is created, changed or deleted.
type Reconciler struct {
	Changed func()
}

// SetupWithManager registers the reconciler for the four policy kinds.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Changed == nil {
		return fmt.Errorf("policy controller: Changed is required")
	}
	return ctrl.NewControllerManagedBy(mgr).Named("federation-policy").
		For(&policyv1alpha1.FederationPolicy{}).
		Watches(&policyv1alpha1.ClusterFederationPolicy{}, &handler.EnqueueRequestForObject{}).
		Watches(&policyv1alpha1.OverridePolicy{}, &handler.EnqueueRequestForObject{}).
		Watches(&policyv1alpha1.ClusterOverridePolicy{}, &handler.EnqueueRequestForObject{}).
		Complete(r)
}

// Reconcile requeues every federated object.
func (r *Reconciler) Reconcile(context.Context, ctrl.Request) (ctrl.Result, error) {
	r.Changed()
	return ctrl.Result{}, nil
}
