// Package hostread is the one place that reads, from the host cluster, what
// both the syncer and the webhook need to judge a federated object: the
// federation policies, namespace labels, the member clusters, the enabled
// types and whether a namespace is federated. It reads through a
// controller-runtime client.Reader, in practice the caller's informer
// cache, and turns what it reads into the plain inputs of the pure
// packages (policy, placement).
package hostread

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// Reader reads the host. FederatedTypeConfigs, KubeFedClusters and the
// KubeFedConfig are read from KubeFedNamespace; policies and namespaces
// from everywhere; ClusterProfiles from the inventory namespace the
// KubeFedConfig names.
type Reader struct {
	// Client reads the host, typically a manager's cache.
	Client client.Reader
	// KubeFedNamespace is the control plane's namespace.
	KubeFedNamespace string
	// Inventory reads the ClusterProfiles of the cluster inventory (the
	// KubeFedConfig's spec.inventory.namespace), e.g. a manager's API
	// reader: they are read only when an inventory namespace is set. Nil
	// leaves the inventory's clusters out.
	Inventory client.Reader
}

// TargetType returns the target type of the FederatedTypeConfig whose
// federated type has this group and kind, or nil if no type is enabled
// for it.
func (r Reader) TargetType(ctx context.Context, group, kind string) (*corev1beta1.APIResource, error) {
	ftcs := &corev1beta1.FederatedTypeConfigList{}
	if err := r.Client.List(ctx, ftcs, client.InNamespace(r.KubeFedNamespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing FederatedTypeConfigs in %s: %w", r.KubeFedNamespace, err)
	}
	for i := range ftcs.Items {
		ft := ftcs.Items[i].Spec.FederatedType
		if ft.Group == group && ft.Kind == kind {
			target := ftcs.Items[i].Spec.TargetType
			return &target, nil
		}
	}
	return nil, nil
}

// Propagated reports whether the syncer propagates the federated type
// with this group and kind: its FederatedTypeConfig exists, is not being
// deleted, has propagation Enabled and a status in which a syncer reports
// its propagation controller Running. Without a syncer that runs the type
// (none installed, the type being disabled or removed) nothing would ever
// remove the sync finalizer, so the webhook adds it only then.
// FederatedNamespaces are left out (false): the syncer skips some of them
// (system namespaces, a name other than the namespace's), so only it
// decides whether they get its finalizer.
func (r Reader) Propagated(ctx context.Context, group, kind string) (bool, error) {
	ftcs := &corev1beta1.FederatedTypeConfigList{}
	if err := r.Client.List(ctx, ftcs, client.InNamespace(r.KubeFedNamespace), client.UnsafeDisableDeepCopy); err != nil {
		return false, fmt.Errorf("listing FederatedTypeConfigs in %s: %w", r.KubeFedNamespace, err)
	}
	for i := range ftcs.Items {
		ftc := &ftcs.Items[i]
		if ft := ftc.Spec.FederatedType; ft.Group == group && ft.Kind == kind {
			return ftc.GetPropagationEnabled() && !ftc.IsNamespace() && ftc.DeletionTimestamp == nil &&
				ftc.Status.PropagationController == corev1beta1.ControllerStatusRunning, nil
		}
	}
	return false, nil
}

// PolicyObjects are every FederationPolicy and ClusterFederationPolicy,
// as stored (copies the caller may change, e.g. to write their status).
type PolicyObjects struct {
	Namespaced []policyv1alpha1.FederationPolicy
	Cluster    []policyv1alpha1.ClusterFederationPolicy
}

// Policies returns the evaluator's view of the objects, FederationPolicies
// first, in the order of the lists.
func (p *PolicyObjects) Policies() []policy.Policy {
	out := make([]policy.Policy, 0, len(p.Namespaced)+len(p.Cluster))
	for i := range p.Namespaced {
		out = append(out, policy.FromFederationPolicy(&p.Namespaced[i]))
	}
	for i := range p.Cluster {
		out = append(out, policy.FromClusterFederationPolicy(&p.Cluster[i]))
	}
	return out
}

// PolicyObjects lists every FederationPolicy (in every namespace) and
// every ClusterFederationPolicy.
func (r Reader) PolicyObjects(ctx context.Context) (*PolicyObjects, error) {
	namespaced := &policyv1alpha1.FederationPolicyList{}
	if err := r.Client.List(ctx, namespaced); err != nil {
		return nil, fmt.Errorf("listing FederationPolicies: %w", err)
	}
	cluster := &policyv1alpha1.ClusterFederationPolicyList{}
	if err := r.Client.List(ctx, cluster); err != nil {
		return nil, fmt.Errorf("listing ClusterFederationPolicies: %w", err)
	}
	return &PolicyObjects{Namespaced: namespaced.Items, Cluster: cluster.Items}, nil
}

// Policies returns every FederationPolicy and ClusterFederationPolicy in
// the evaluator's form. Which of them apply to an object is
// policy.Selects's decision.
func (r Reader) Policies(ctx context.Context) ([]policy.Policy, error) {
	objs, err := r.PolicyObjects(ctx)
	if err != nil {
		return nil, err
	}
	return objs.Policies(), nil
}

// OverridePolicyObjects are every OverridePolicy and
// ClusterOverridePolicy, as stored.
type OverridePolicyObjects struct {
	Namespaced []policyv1alpha1.OverridePolicy
	Cluster    []policyv1alpha1.ClusterOverridePolicy
}

// OverridePolicyObjects lists every OverridePolicy (in every namespace) and
// every ClusterOverridePolicy.
func (r Reader) OverridePolicyObjects(ctx context.Context) (*OverridePolicyObjects, error) {
	namespaced := &policyv1alpha1.OverridePolicyList{}
	if err := r.Client.List(ctx, namespaced); err != nil {
		return nil, fmt.Errorf("listing OverridePolicies: %w", err)
	}
	cluster := &policyv1alpha1.ClusterOverridePolicyList{}
	if err := r.Client.List(ctx, cluster); err != nil {
		return nil, fmt.Errorf("listing ClusterOverridePolicies: %w", err)
	}
	return &OverridePolicyObjects{Namespaced: namespaced.Items, Cluster: cluster.Items}, nil
}

// Policies returns the rendering view of the objects, OverridePolicies
// first, in the order of the lists; which apply to an object, and in
// which order, is overrides.Select's decision.
func (p *OverridePolicyObjects) Policies() []overrides.Policy {
	out := make([]overrides.Policy, 0, len(p.Namespaced)+len(p.Cluster))
	for i := range p.Namespaced {
		out = append(out, overrides.FromOverridePolicy(&p.Namespaced[i]))
	}
	for i := range p.Cluster {
		out = append(out, overrides.FromClusterOverridePolicy(&p.Cluster[i]))
	}
	return out
}

// OverridePolicies returns every OverridePolicy and ClusterOverridePolicy
// in the rendering view.
func (r Reader) OverridePolicies(ctx context.Context) ([]overrides.Policy, error) {
	objs, err := r.OverridePolicyObjects(ctx)
	if err != nil {
		return nil, err
	}
	return objs.Policies(), nil
}

// Clusters returns the member clusters with their labels: the joined ones
// (the KubeFedClusters) and those of the cluster inventory (the
// ClusterProfiles of the KubeFedConfig's spec.inventory.namespace that
// kubectl-fed did not write, labelled as inventory.Labels says). A name
// both use is listed once. Without the ClusterProfile API on the host
// there are no inventory clusters; without the permission to list them,
// they are left out and the reason logged.
func (r Reader) Clusters(ctx context.Context) ([]policy.Cluster, error) {
	list := &corev1beta1.KubeFedClusterList{}
	if err := r.Client.List(ctx, list, client.InNamespace(r.KubeFedNamespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing KubeFedClusters in %s: %w", r.KubeFedNamespace, err)
	}
	out := make([]policy.Cluster, 0, len(list.Items))
	joined := make(map[string]bool, len(list.Items))
	for _, c := range list.Items {
		out = append(out, policy.Cluster{Name: c.Name, Labels: c.Labels})
		joined[c.Name] = true
	}
	namespace, err := r.inventoryNamespace(ctx)
	if err != nil || namespace == "" || r.Inventory == nil {
		return out, err
	}
	profiles := &inventoryv1alpha1.ClusterProfileList{}
	switch err := r.Inventory.List(ctx, profiles, client.InNamespace(namespace)); {
	case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
		return out, nil
	case apierrors.IsForbidden(err):
		ctrl.LoggerFrom(ctx).Error(err, "The clusters of the inventory are left out: bind the ClusterRole of manifests/inventory/webhook-rbac.yml (webhook) or syncer-rbac.yml (syncer) in its namespace", "object", namespace)
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("listing the ClusterProfiles of the inventory namespace %s (the KubeFedConfig's spec.inventory.namespace): %w", namespace, err)
	}
	for i := range profiles.Items {
		p := &profiles.Items[i]
		if p.DeletionTimestamp == nil && !inventory.Ours(p) && !joined[p.Name] {
			out = append(out, policy.Cluster{Name: p.Name, Labels: inventory.Labels(p)})
		}
	}
	return out, nil
}

// inventoryNamespace is the KubeFedConfig's spec.inventory.namespace ("" when
// there is no KubeFedConfig or no inventory).
func (r Reader) inventoryNamespace(ctx context.Context) (string, error) {
	cfg := &corev1beta1.KubeFedConfig{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.KubeFedNamespace, Name: core.KubeFedConfigName}, cfg)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading KubeFedConfig %s/%s: %w", r.KubeFedNamespace, core.KubeFedConfigName, err)
	}
	if cfg.Spec.Inventory == nil {
		return "", nil
	}
	return cfg.Spec.Inventory.Namespace, nil
}

// NamespaceLabels returns a host namespace's labels, for
// ClusterFederationPolicies that select namespaces; nil for "" (a
// cluster-scoped object) and for a namespace that does not exist.
func (r Reader) NamespaceLabels(ctx context.Context, namespace string) (map[string]string, error) {
	if namespace == "" {
		return nil, nil
	}
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading namespace %s: %w", namespace, err)
	}
	return ns.Labels, nil
}

// AllNamespaceLabels returns the labels of every host namespace, by name.
func (r Reader) AllNamespaceLabels(ctx context.Context) (map[string]map[string]string, error) {
	list := &corev1.NamespaceList{}
	if err := r.Client.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing namespaces: %w", err)
	}
	out := make(map[string]map[string]string, len(list.Items))
	for _, ns := range list.Items {
		out[ns.Name] = ns.Labels
	}
	return out, nil
}

// NamespaceFederation says whether a namespace is federated.
type NamespaceFederation int

const (
	// NamespacesNotEnabled: there is no FederatedTypeConfig "namespaces",
	// so no namespace can be federated.
	NamespacesNotEnabled NamespaceFederation = iota
	// NamespaceNotFederated: namespaces are enabled, but this one has no
	// FederatedNamespace.
	NamespaceNotFederated
	// NamespaceFederated: the namespace has its FederatedNamespace.
	NamespaceFederated
)

// Namespace reports whether a namespace is federated: whether the
// FederatedNamespace named after it exists inside it.
func (r Reader) Namespace(ctx context.Context, namespace string) (NamespaceFederation, error) {
	ftc := &corev1beta1.FederatedTypeConfig{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.KubeFedNamespace, Name: core.NamespacesTypeConfigName}, ftc)
	if apierrors.IsNotFound(err) {
		return NamespacesNotEnabled, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading FederatedTypeConfig %s/%s: %w", r.KubeFedNamespace, core.NamespacesTypeConfigName, err)
	}
	fns := &unstructured.Unstructured{}
	fns.SetGroupVersionKind(ftc.Spec.FederatedType.GroupVersionKind())
	err = r.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: namespace}, fns)
	switch {
	case apierrors.IsNotFound(err):
		return NamespaceNotFederated, nil
	case err != nil:
		return 0, fmt.Errorf("reading %s %s/%s: %w", ftc.Spec.FederatedType.Kind, namespace, namespace, err)
	}
	return NamespaceFederated, nil
}
