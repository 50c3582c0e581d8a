// Package policyref is what every kind of policy pair (a namespaced kind
// and a cluster-wide kind with a namespace selector) shares: the policy's
// identity, the namespaces it covers and how it is named in messages. It
// is pure: FederationPolicies (pkg/policy) and OverridePolicies
// (pkg/overrides) embed Ref with their own spec.
package policyref

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Ref is one policy: namespaced when Namespace is set, cluster-wide
// otherwise, with the spec S of its kind.
type Ref[S any] struct {
	// Kind is the policy's kind, e.g. FederationPolicy or
	// ClusterOverridePolicy.
	Kind string
	// Namespace is a namespaced policy's namespace; "" for a cluster-wide
	// one.
	Namespace string
	// Name is the policy's name.
	Name string
	// NamespaceSelector is a cluster-wide policy's namespace selector; nil
	// covers every namespace.
	NamespaceSelector *metav1.LabelSelector
	// Spec is the policy's spec.
	Spec *S
}

// String names the policy as messages do: "FederationPolicy shop/eu-only"
// or "ClusterOverridePolicy eu-registry".
func (r Ref[S]) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// Covers reports whether the policy covers an object of namespace, whose
// labels are namespaceLabels ("" for a cluster-scoped object): a namespaced
// policy covers its own namespace only; a cluster-wide one the namespaces
// its selector matches, or every object, cluster-scoped ones included,
// without a selector.
func (r Ref[S]) Covers(namespace string, namespaceLabels map[string]string) bool {
	switch {
	case r.Namespace != "":
		return namespace == r.Namespace
	case r.NamespaceSelector != nil:
		return namespace != "" && Matches(r.NamespaceSelector, namespaceLabels)
	}
	return true
}

// Matches reports whether a label selector matches a label set; a selector
// that does not parse matches nothing (policies are validated at
// admission).
func Matches(selector *metav1.LabelSelector, set map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(selector)
	return err == nil && s.Matches(labels.Set(set))
}
