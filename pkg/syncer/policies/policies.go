// Package policies gives the syncer the federation policies in force: a
// source that lists them from the manager's cache for propagation, and a
// controller that requeues every federated object when one changes, so that
// a Deny is enforced at run time too (for example on a cluster that joined
// after the object was admitted).
package policies

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// Source lists policies and namespace labels from a cache.
type Source struct {
	Reader client.Reader
}

// Policies returns every FederationPolicy and ClusterFederationPolicy.
func (s Source) Policies(ctx context.Context) ([]policy.Policy, error) {
	namespaced := &policyv1alpha1.FederationPolicyList{}
	if err := s.Reader.List(ctx, namespaced); err != nil {
		return nil, fmt.Errorf("listing FederationPolicies: %w", err)
	}
	cluster := &policyv1alpha1.ClusterFederationPolicyList{}
	if err := s.Reader.List(ctx, cluster); err != nil {
		return nil, fmt.Errorf("listing ClusterFederationPolicies: %w", err)
	}
	out := make([]policy.Policy, 0, len(namespaced.Items)+len(cluster.Items))
	for i := range namespaced.Items {
		out = append(out, policy.FromFederationPolicy(&namespaced.Items[i]))
	}
	for i := range cluster.Items {
		out = append(out, policy.FromClusterFederationPolicy(&cluster.Items[i]))
	}
	return out, nil
}

// NamespaceLabels returns a host namespace's labels (nil if it is gone), for
// ClusterFederationPolicies that select namespaces.
func (s Source) NamespaceLabels(ctx context.Context, namespace string) (map[string]string, error) {
	ns := &corev1.Namespace{}
	if err := s.Reader.Get(ctx, types.NamespacedName{Name: namespace}, ns); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return ns.Labels, nil
}

// Reconciler calls Changed whenever a policy is created, changed or deleted.
type Reconciler struct {
	Changed func()
}

// SetupWithManager registers the reconciler for both policy kinds.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Changed == nil {
		return fmt.Errorf("policy controller: Changed is required")
	}
	return ctrl.NewControllerManagedBy(mgr).Named("federation-policy").
		For(&policyv1alpha1.FederationPolicy{}).
		Watches(&policyv1alpha1.ClusterFederationPolicy{}, &handler.EnqueueRequestForObject{}).
		Complete(r)
}

// Reconcile requeues every federated object.
func (r *Reconciler) Reconcile(context.Context, ctrl.Request) (ctrl.Result, error) {
	r.Changed()
	return ctrl.Result{}, nil
}
