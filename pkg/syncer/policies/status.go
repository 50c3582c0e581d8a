package policies

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// FederatedObjects gives the federated objects of every enabled type from
// the syncer's caches; synced is false while they are still filling.
type FederatedObjects interface {
	FederatedObjects() (objs []*unstructured.Unstructured, synced bool)
}

// StatusWriter counts, every Interval, for every policy the federated
// objects it selects (override policies too) and those that violate it (Audit violations are only
// visible here) and writes the counts to the policy's status when they
// changed. It reads policies, clusters and namespaces through Host and the
// federated objects from Objects, all caches; it runs on the elected
// leader only.
type StatusWriter struct {
	Host     hostread.Reader
	Objects  FederatedObjects
	Writer   client.StatusClient
	Interval time.Duration
}

// NeedLeaderElection makes the writer run on the leader only.
func (w *StatusWriter) NeedLeaderElection() bool { return true }

// Start recounts every Interval until ctx is done.
func (w *StatusWriter) Start(ctx context.Context) error {
	if w.Host.Client == nil || w.Objects == nil || w.Writer == nil || w.Interval <= 0 {
		return errors.New("policy status writer: Host.Client, Objects, Writer and a positive Interval are required")
	}
	log := ctrl.LoggerFrom(ctx).WithName("policy-status")
	ticker := time.NewTicker(w.Interval)
	defer ticker.Stop()
	for {
		if err := w.sync(ctx); err != nil {
			log.Error(err, "Updating federation policy status")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// sync counts and writes the statuses that changed. Nothing is written
// while the caches of federated objects are still filling.
func (w *StatusWriter) sync(ctx context.Context) error {
	stored, err := w.Host.PolicyObjects(ctx)
	if err != nil {
		return err
	}
	overriding, err := w.Host.OverridePolicyObjects(ctx)
	if err != nil || len(stored.Namespaced)+len(stored.Cluster)+len(overriding.Namespaced)+len(overriding.Cluster) == 0 {
		return err
	}
	federated, synced := w.Objects.FederatedObjects()
	if !synced {
		return nil
	}
	nsLabels, err := w.Host.AllNamespaceLabels(ctx)
	if err != nil {
		return err
	}
	errs := []error{w.syncOverridePolicies(ctx, overriding, federated, nsLabels)}
	if len(stored.Namespaced)+len(stored.Cluster) == 0 {
		return errors.Join(errs...)
	}
	clusters, err := w.Host.Clusters(ctx)
	if err != nil {
		return err
	}
	policies := stored.Policies()
	tallies := policy.Count(policies, policyObjects(federated, nsLabels), clusters)
	for i := range stored.Namespaced {
		p := &stored.Namespaced[i]
		errs = append(errs, w.write(ctx, p, &p.Status, p.Generation, tallies[policies[i].String()]))
	}
	for i := range stored.Cluster {
		p := &stored.Cluster[i]
		errs = append(errs, w.write(ctx, p, &p.Status, p.Generation, tallies[policies[len(stored.Namespaced)+i].String()]))
	}
	return errors.Join(errs...)
}

// syncOverridePolicies counts the federated objects each override policy
// selects and writes the counts that changed.
func (w *StatusWriter) syncOverridePolicies(ctx context.Context, stored *hostread.OverridePolicyObjects, federated []*unstructured.Unstructured, nsLabels map[string]map[string]string) error {
	objs := make([]overrides.Object, len(federated))
	for i, item := range federated {
		objs[i] = overrides.Object{Kind: item.GetKind(), Namespace: item.GetNamespace(), Name: item.GetName(), Labels: item.GetLabels(),
			NamespaceLabels: nsLabels[item.GetNamespace()]}
	}
	count := func(p overrides.Policy) int32 {
		var n int32
		for _, o := range objs {
			if p.Selects(o) {
				n++
			}
		}
		return n
	}
	var errs []error
	for i := range stored.Namespaced {
		p := &stored.Namespaced[i]
		errs = append(errs, w.writeSelected(ctx, p, &p.Status, p.Generation, count(overrides.FromOverridePolicy(p))))
	}
	for i := range stored.Cluster {
		p := &stored.Cluster[i]
		errs = append(errs, w.writeSelected(ctx, p, &p.Status, p.Generation, count(overrides.FromClusterOverridePolicy(p))))
	}
	return errors.Join(errs...)
}

// writeSelected updates one override policy's status if the count changed
// it.
func (w *StatusWriter) writeSelected(ctx context.Context, obj client.Object, status *policyv1alpha1.OverridePolicyStatus, generation int64, selected int32) error {
	want := policyv1alpha1.OverridePolicyStatus{ObservedGeneration: generation, Selected: selected}
	if *status == want {
		return nil
	}
	*status = want
	if err := w.Writer.Status().Update(ctx, obj); err != nil {
		return fmt.Errorf("updating the status of %s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, client.ObjectKeyFromObject(obj), err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Updated override policy status", "object", client.ObjectKeyFromObject(obj).String(), "selected", selected)
	return nil
}

// write updates one policy's status if the tally changed it.
func (w *StatusWriter) write(ctx context.Context, obj client.Object, status *policyv1alpha1.FederationPolicyStatus, generation int64, t *policy.Tally) error {
	want := policyv1alpha1.FederationPolicyStatus{ObservedGeneration: generation, Selected: t.Selected, Violations: t.Violations, ViolatingObjects: t.Violating}
	if reflect.DeepEqual(*status, want) {
		return nil
	}
	*status = want
	if err := w.Writer.Status().Update(ctx, obj); err != nil {
		return fmt.Errorf("updating the status of %s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, client.ObjectKeyFromObject(obj), err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Updated policy status", "object", client.ObjectKeyFromObject(obj).String(),
		"selected", want.Selected, "violations", want.Violations)
	return nil
}

// policyObjects returns the evaluator's view of federated objects, with the
// labels of their namespaces. An object whose spec does not decode is left
// out: admission refuses such objects.
func policyObjects(federated []*unstructured.Unstructured, nsLabels map[string]map[string]string) []policy.Object {
	out := make([]policy.Object, 0, len(federated))
	for _, item := range federated {
		spec, err := typesv1beta1.SpecOf(item)
		if err != nil {
			continue
		}
		out = append(out, policy.Object{
			Kind: item.GetKind(), Namespace: item.GetNamespace(), Name: item.GetName(), Labels: item.GetLabels(),
			NamespaceLabels: nsLabels[item.GetNamespace()], Placement: spec.Placement, Overrides: spec.Overrides,
		})
	}
	return out
}
