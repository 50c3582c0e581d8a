package overrides

import (
	"cmp"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policyref"
)

// Policy is an OverridePolicy or a ClusterOverridePolicy as rendering sees
// it.
type Policy struct {
	// Ref is the policy's identity, the namespaces it covers and what it
	// overrides, and where.
	policyref.Ref[policyv1alpha1.OverridePolicySpec]
}

// FromOverridePolicy returns the rendering view of an OverridePolicy.
func FromOverridePolicy(p *policyv1alpha1.OverridePolicy) Policy {
	return Policy{policyref.Ref[policyv1alpha1.OverridePolicySpec]{Kind: policyv1alpha1.OverridePolicyKind, Namespace: p.Namespace, Name: p.Name, Spec: &p.Spec}}
}

// FromClusterOverridePolicy returns the rendering view of a
// ClusterOverridePolicy.
func FromClusterOverridePolicy(p *policyv1alpha1.ClusterOverridePolicy) Policy {
	return Policy{policyref.Ref[policyv1alpha1.OverridePolicySpec]{Kind: policyv1alpha1.ClusterOverridePolicyKind, Name: p.Name,
		NamespaceSelector: p.Spec.NamespaceSelector, Spec: &p.Spec.OverridePolicySpec}}
}

// Object is what policy selection reads of a federated object.
type Object struct {
	// Kind is the federated kind, e.g. FederatedDeployment.
	Kind string
	// Namespace is "" for cluster-scoped federated objects.
	Namespace string
	// Name of the federated object.
	Name string
	// Labels of the federated object.
	Labels map[string]string
	// NamespaceLabels are the labels of the object's namespace.
	NamespaceLabels map[string]string
}

// ObjectOf is what override policies select on of a federated object in a
// namespace labelled namespaceLabels.
func ObjectOf(fed *unstructured.Unstructured, namespaceLabels map[string]string) Object {
	return Object{Kind: fed.GetKind(), Namespace: fed.GetNamespace(), Name: fed.GetName(), Labels: fed.GetLabels(), NamespaceLabels: namespaceLabels}
}

// Selects reports whether the policy selects the object: an
// OverridePolicy selects objects of its own namespace, a
// ClusterOverridePolicy those in the namespaces its selector matches (every
// object, cluster-scoped ones included, without a selector); then the
// resource selector's kinds, names and labels must each match when given.
// A selector that does not parse selects nothing.
func (p Policy) Selects(obj Object) bool {
	if !p.Covers(obj.Namespace, obj.NamespaceLabels) {
		return false
	}
	rs := p.Spec.ResourceSelector
	if rs == nil {
		return true
	}
	return (len(rs.Kinds) == 0 || slices.Contains(rs.Kinds, obj.Kind)) &&
		(len(rs.Names) == 0 || slices.Contains(rs.Names, obj.Name)) &&
		(rs.LabelSelector == nil || policyref.Matches(rs.LabelSelector, obj.Labels))
}

// Select returns the policies that select the object, in the order they
// apply: ClusterOverridePolicies by name, then OverridePolicies by name,
// so that the more specific (namespaced) policy wins over the cluster-wide
// one, and the object's own overrides, applied after both, win over all.
func Select(policies []Policy, obj Object) []Policy {
	var out []Policy
	for _, p := range policies {
		if p.Spec != nil && p.Selects(obj) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Policy) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// rank orders the kinds of policies: cluster-wide first.
func rank(p Policy) int {
	if p.Kind == policyv1alpha1.ClusterOverridePolicyKind {
		return 0
	}
	return 1
}

// targets reports whether the policy targets the destination cluster: it
// is named in targetClusters.names or matched by its clusterSelector; a
// policy without targetClusters targets every cluster.
func (p Policy) targets(dest Destination) (bool, error) {
	tc := p.Spec.TargetClusters
	if tc == nil {
		return true, nil
	}
	if slices.Contains(tc.Names, dest.Cluster) {
		return true, nil
	}
	if tc.ClusterSelector == nil {
		return false, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(tc.ClusterSelector)
	if err != nil {
		return false, fmt.Errorf("%s: spec.targetClusters.clusterSelector: %w", p, err)
	}
	return selector.Matches(labels.Set(dest.Labels)), nil
}
