package webhook

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// policyStatusUpdater periodically counts, for every policy, the federated
// objects it selects and those that violate it (Audit violations are only
// visible here) and writes the counts to the policy's status when they
// change. It runs on the elected leader only.
type policyStatusUpdater struct {
	reader           client.Reader
	writer           client.Client
	kubeFedNamespace string
	interval         time.Duration
}

// NeedLeaderElection makes the updater run on one replica.
func (u *policyStatusUpdater) NeedLeaderElection() bool { return true }

// Start recounts every interval until ctx is done.
func (u *policyStatusUpdater) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("policy-status")
	ticker := time.NewTicker(u.interval)
	defer ticker.Stop()
	for {
		if err := u.sync(ctx); err != nil {
			log.Error(err, "Updating federation policy status")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// sync reads policies, clusters, namespaces and federated objects, counts
// and writes the statuses that changed.
func (u *policyStatusUpdater) sync(ctx context.Context) error {
	fps := &policyv1alpha1.FederationPolicyList{}
	if err := u.reader.List(ctx, fps); err != nil {
		return fmt.Errorf("listing FederationPolicies: %w", err)
	}
	cfps := &policyv1alpha1.ClusterFederationPolicyList{}
	if err := u.reader.List(ctx, cfps); err != nil {
		return fmt.Errorf("listing ClusterFederationPolicies: %w", err)
	}
	if len(fps.Items)+len(cfps.Items) == 0 {
		return nil
	}
	var policies []policy.Policy
	for i := range fps.Items {
		policies = append(policies, policy.FromFederationPolicy(&fps.Items[i]))
	}
	for i := range cfps.Items {
		policies = append(policies, policy.FromClusterFederationPolicy(&cfps.Items[i]))
	}
	lookup := &clientLookup{reader: u.reader, kubeFedNamespace: u.kubeFedNamespace}
	clusters, err := lookup.Clusters(ctx)
	if err != nil {
		return err
	}
	objects, err := u.federatedObjects(ctx)
	if err != nil {
		return err
	}
	tallies := policy.Count(policies, objects, clusters)

	for i := range fps.Items {
		p := &fps.Items[i]
		if err := u.write(ctx, p, &p.Status, p.Generation, tallies[policies[i].String()]); err != nil {
			return err
		}
	}
	for i := range cfps.Items {
		p := &cfps.Items[i]
		if err := u.write(ctx, p, &p.Status, p.Generation, tallies[policies[len(fps.Items)+i].String()]); err != nil {
			return err
		}
	}
	return nil
}

// write updates one policy's status if the tally changed it.
func (u *policyStatusUpdater) write(ctx context.Context, obj client.Object, status *policyv1alpha1.FederationPolicyStatus, generation int64, t *policy.Tally) error {
	want := policyv1alpha1.FederationPolicyStatus{ObservedGeneration: generation, Selected: t.Selected, Violations: t.Violations, ViolatingObjects: t.Violating}
	if reflect.DeepEqual(*status, want) {
		return nil
	}
	*status = want
	if err := u.writer.Status().Update(ctx, obj); err != nil {
		return fmt.Errorf("updating the status of %s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, client.ObjectKeyFromObject(obj), err)
	}
	return nil
}

// federatedObjects lists the objects of every federated type, with the
// labels of their namespaces.
func (u *policyStatusUpdater) federatedObjects(ctx context.Context) ([]policy.Object, error) {
	ftcs := &corev1beta1.FederatedTypeConfigList{}
	if err := u.reader.List(ctx, ftcs, client.InNamespace(u.kubeFedNamespace)); err != nil {
		return nil, fmt.Errorf("listing FederatedTypeConfigs: %w", err)
	}
	namespaces := &corev1.NamespaceList{}
	if err := u.reader.List(ctx, namespaces); err != nil {
		return nil, fmt.Errorf("listing namespaces: %w", err)
	}
	nsLabels := make(map[string]map[string]string, len(namespaces.Items))
	for _, ns := range namespaces.Items {
		nsLabels[ns.Name] = ns.Labels
	}
	var out []policy.Object
	for _, ftc := range ftcs.Items {
		gvk := ftc.Spec.FederatedType.GroupVersionKind()
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := u.reader.List(ctx, list); err != nil {
			return nil, fmt.Errorf("listing %s: %w", gvk.Kind, err)
		}
		for _, item := range list.Items {
			spec := typesv1beta1.FederatedSpec{}
			if raw, ok := item.Object["spec"].(map[string]any); ok {
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &spec); err != nil {
					continue
				}
			}
			out = append(out, policy.Object{
				Kind: gvk.Kind, Namespace: item.GetNamespace(), Name: item.GetName(), Labels: item.GetLabels(),
				NamespaceLabels: nsLabels[item.GetNamespace()], Placement: spec.Placement, Overrides: spec.Overrides,
			})
		}
	}
	return out, nil
}
