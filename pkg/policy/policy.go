// Package policy evaluates FederationPolicies and ClusterFederationPolicies
// against a federated object. It is pure: the webhook calls it at admission
// with the clusters that exist then, and the syncer calls it at run time with
// the clusters that exist now, so a cluster that joins later and matches a
// denying selector is still never propagated to (see Verdict.ClusterDenied).
package policy

import (
	"cmp"
	"fmt"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/policyref"
)

// Policy is a FederationPolicy or a ClusterFederationPolicy in the one form
// the evaluator reads.
type Policy struct {
	// Ref is the policy's identity, the namespaces it covers and its
	// rules.
	policyref.Ref[v1alpha1.FederationPolicySpec]
}

// FromFederationPolicy returns the evaluator's view of a namespaced policy.
func FromFederationPolicy(p *v1alpha1.FederationPolicy) Policy {
	return Policy{policyref.Ref[v1alpha1.FederationPolicySpec]{Kind: v1alpha1.FederationPolicyKind, Namespace: p.Namespace, Name: p.Name, Spec: &p.Spec}}
}

// FromClusterFederationPolicy returns the evaluator's view of a cluster-wide
// policy.
func FromClusterFederationPolicy(p *v1alpha1.ClusterFederationPolicy) Policy {
	return Policy{policyref.Ref[v1alpha1.FederationPolicySpec]{Kind: v1alpha1.ClusterFederationPolicyKind, Name: p.Name,
		NamespaceSelector: p.Spec.NamespaceSelector, Spec: &p.Spec.FederationPolicySpec}}
}

// Enforcement returns the policy's enforcement; empty means Deny.
func (p Policy) Enforcement() v1alpha1.Enforcement {
	if p.Spec.Enforcement == "" {
		return v1alpha1.EnforcementDeny
	}
	return p.Spec.Enforcement
}

// Object is what the evaluator reads of a federated object.
type Object struct {
	// Kind is the federated kind, e.g. FederatedDeployment.
	Kind string
	// Namespace is empty for cluster-scoped federated objects.
	Namespace string
	// Name of the federated object.
	Name string
	// Labels of the federated object.
	Labels map[string]string
	// NamespaceLabels are the labels of the object's namespace.
	NamespaceLabels map[string]string
	// Placement is spec.placement; nil when the object has none.
	Placement *typesv1beta1.Placement
	// Overrides is spec.overrides.
	Overrides []typesv1beta1.Override
}

// String names the object as messages do: "FederatedDeployment shop/web".
func (o Object) String() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Cluster is a member cluster as the evaluator sees it: a KubeFedCluster's
// name and labels. It is placement's type, so callers build one list.
type Cluster = placement.Cluster

// Violation is one rule of one policy that an object breaks.
type Violation struct {
	// Policy is the broken policy.
	Policy Policy
	// Cluster is the cluster the violation is about; empty for violations
	// of the object as a whole (minClusters, maxClusters, overrides).
	Cluster string
	// Rule names the rule, e.g. "deniedClusters.clusterSelector region=eu".
	Rule string
	// Message is the full sentence shown to users.
	Message string
}

// Enforcement is the enforcement of the violated policy.
func (v Violation) Enforcement() v1alpha1.Enforcement { return v.Policy.Enforcement() }

// Verdict is the result of evaluating every policy against one object.
type Verdict struct {
	// Selecting are the policies that select the object, in evaluation
	// order.
	Selecting []Policy
	// Violations are every broken rule, in evaluation order.
	Violations []Violation
}

// WithEnforcement returns the violations of policies with enforcement e.
func (v Verdict) WithEnforcement(e v1alpha1.Enforcement) []Violation {
	var out []Violation
	for _, x := range v.Violations {
		if x.Enforcement() == e {
			out = append(out, x)
		}
	}
	return out
}

// Messages returns the messages of violations.
func Messages(violations []Violation) []string {
	out := make([]string, 0, len(violations))
	for _, v := range violations {
		out = append(out, v.Message)
	}
	return out
}

// ClusterDenied returns the first violation of a Deny policy about cluster.
// The syncer does not propagate to such a cluster and reports the policy's
// name in the cluster's status.
func (v Verdict) ClusterDenied(cluster string) (Violation, bool) {
	for _, x := range v.Violations {
		if x.Cluster == cluster && x.Enforcement() == v1alpha1.EnforcementDeny {
			return x, true
		}
	}
	return Violation{}, false
}

// Denied returns the clusters of list a Deny policy forbids (ClusterDenied),
// each with the violation's message: the syncer writes nothing there.
func (v Verdict) Denied(list []Cluster) map[string]string {
	denied := map[string]string{}
	for _, c := range list {
		if x, ok := v.ClusterDenied(c.Name); ok {
			denied[c.Name] = x.Message
		}
	}
	return denied
}

// DeniedOverridePaths returns the deniedOverridePaths of the policies that
// select the object, in their order: overrides of these paths are not
// applied.
func (v Verdict) DeniedOverridePaths() []string {
	var paths []string
	for _, p := range v.Selecting {
		paths = append(paths, p.Spec.DeniedOverridePaths...)
	}
	return paths
}

// ObjectOf is what the evaluator reads of a federated object with spec
// spec (typesv1beta1.SpecOf) in a namespace labelled namespaceLabels.
func ObjectOf(fed *unstructured.Unstructured, spec *typesv1beta1.FederatedSpec, namespaceLabels map[string]string) Object {
	return Object{Kind: fed.GetKind(), Namespace: fed.GetNamespace(), Name: fed.GetName(), Labels: fed.GetLabels(),
		NamespaceLabels: namespaceLabels, Placement: spec.Placement, Overrides: spec.Overrides}
}

// Sort orders policies for evaluation: namespaced FederationPolicies
// first (the more specific), then ClusterFederationPolicies, each by
// namespace and name.
func Sort(policies []Policy) {
	slices.SortStableFunc(policies, func(a, b Policy) int {
		if a.Kind != b.Kind {
			if a.Kind == v1alpha1.FederationPolicyKind {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
}

// Selects reports whether the policy applies to the object: a
// FederationPolicy to objects of its namespace, a ClusterFederationPolicy to
// objects of namespaces its selector matches; and, for both, objects whose
// kind and labels its resourceSelector matches. A selector that does not
// parse selects nothing; policies are validated at admission.
func Selects(p Policy, obj Object) bool {
	if !p.Covers(obj.Namespace, obj.NamespaceLabels) {
		return false
	}
	rs := p.Spec.ResourceSelector
	if rs == nil {
		return true
	}
	if len(rs.Kinds) > 0 && !slices.Contains(rs.Kinds, obj.Kind) {
		return false
	}
	return rs.LabelSelector == nil || policyref.Matches(rs.LabelSelector, obj.Labels)
}

// DefaultPlacement returns a copy of the defaultPlacement of the first
// policy (in Sort order) that selects the object and has one, and that
// policy; nil if none has.
func DefaultPlacement(policies []Policy, obj Object) (*typesv1beta1.Placement, *Policy) {
	sorted := slices.Clone(policies)
	Sort(sorted)
	for i := range sorted {
		p := &sorted[i]
		if p.Spec.DefaultPlacement != nil && Selects(*p, obj) {
			return p.Spec.DefaultPlacement.DeepCopy(), p
		}
	}
	return nil, nil
}

// PlacedClusters returns the names of the clusters the placement selects,
// sorted: what placement.Selected selects among the given clusters, plus
// any name spec.placement.clusters lists that is not (yet) a cluster, so
// that naming a denied cluster is refused before it joins. A placement
// whose selector does not parse selects nothing here; validation reports
// it.
func PlacedClusters(p *typesv1beta1.Placement, clusters []Cluster) []string {
	placed, err := placement.Selected(p, clusters)
	if err != nil {
		return nil
	}
	if p != nil {
		for _, c := range p.Clusters {
			placed.Insert(c.Name)
		}
	}
	return sets.List(placed)
}

// Evaluate checks the object against every policy that selects it. The
// placement is evaluated against the given clusters: a selector that
// matches a denied cluster violates. Violations are ordered by policy (Sort
// order), then by cluster name.
func Evaluate(policies []Policy, obj Object, clusters []Cluster) Verdict {
	sorted := slices.Clone(policies)
	Sort(sorted)
	clusterLabels := make(map[string]map[string]string, len(clusters))
	for _, c := range clusters {
		clusterLabels[c.Name] = c.Labels
	}
	placed := PlacedClusters(obj.Placement, clusters)

	var v Verdict
	for _, p := range sorted {
		if !Selects(p, obj) {
			continue
		}
		v.Selecting = append(v.Selecting, p)
		v.Violations = append(v.Violations, evaluate(p, obj, placed, clusterLabels)...)
	}
	return v
}

// evaluate checks one selecting policy.
func evaluate(p Policy, obj Object, placed []string, clusterLabels map[string]map[string]string) []Violation {
	var out []Violation
	add := func(cluster, rule, format string, args ...any) {
		out = append(out, Violation{Policy: p, Cluster: cluster, Rule: rule,
			Message: fmt.Sprintf("%s: %s (%s)", obj, fmt.Sprintf(format, args...), rule)})
	}
	spec := p.Spec
	denied, allowed := compile(spec.DeniedClusters, "deniedClusters"), compile(spec.AllowedClusters, "allowedClusters")
	for _, name := range placed {
		if rule, in := denied.has(name, clusterLabels); in {
			add(name, rule, "placement selects cluster %q, which %s denies", name, p)
			continue
		}
		if spec.AllowedClusters != nil {
			if _, in := allowed.has(name, clusterLabels); !in {
				add(name, "allowedClusters", "placement selects cluster %q, which %s does not allow", name, p)
			}
		}
	}
	if spec.MinClusters != nil && len(placed) < int(*spec.MinClusters) {
		add("", fmt.Sprintf("minClusters %d", *spec.MinClusters),
			"placement selects %d cluster(s), fewer than %s requires", len(placed), p)
	}
	if spec.MaxClusters != nil && len(placed) > int(*spec.MaxClusters) {
		add("", fmt.Sprintf("maxClusters %d", *spec.MaxClusters),
			"placement selects %d cluster(s), more than %s allows", len(placed), p)
	}
	if len(spec.DeniedOverridePaths) > 0 {
		for _, o := range obj.Overrides {
			for _, co := range o.ClusterOverrides {
				if prefix := typesvalidation.CoveringPrefix(co.Path, spec.DeniedOverridePaths); prefix != "" {
					add("", "deniedOverridePaths "+prefix,
						"override for %s changes %q, which %s denies", overrideTarget(o), co.Path, p)
				}
			}
			for _, path := range overrides.TypedPaths(strings.TrimPrefix(obj.Kind, "Federated"), &o.TypedOverriders) {
				if prefix := overrides.Overlapping(path, spec.DeniedOverridePaths); prefix != "" {
					add("", "deniedOverridePaths "+prefix,
						"typed overriders for %s change %q, which %s denies", overrideTarget(o), path, p)
				}
			}
		}
	}
	if len(spec.DeniedTolerationKeys) > 0 && obj.Placement != nil {
		for _, t := range obj.Placement.Tolerations {
			switch {
			case t.Key == "" && t.Operator == corev1beta1.TolerationOpExists:
				add("", "deniedTolerationKeys",
					"spec.placement.tolerations tolerates every taint, including %s, which %s denies", strings.Join(spec.DeniedTolerationKeys, ", "), p)
			case slices.Contains(spec.DeniedTolerationKeys, t.Key):
				add("", "deniedTolerationKeys "+t.Key,
					"spec.placement.tolerations tolerates the taint %s, which %s denies", t.Key, p)
			}
		}
	}
	return out
}

// overrideTarget names whom an override entry is for, as messages say it:
// `cluster "a"` or `clusters matching region=eu`.
func overrideTarget(o typesv1beta1.Override) string {
	if o.ClusterSelector != nil {
		return "clusters matching " + metav1.FormatLabelSelector(o.ClusterSelector)
	}
	return fmt.Sprintf("cluster %q", o.ClusterName)
}

// clusterSet is a ClusterSet with its selector parsed once.
type clusterSet struct {
	set      *v1alpha1.ClusterSet
	selector labels.Selector
	rule     string
}

// compile parses a cluster set's selector; a selector that does not parse
// matches nothing. fieldName names the set in rules.
func compile(set *v1alpha1.ClusterSet, fieldName string) clusterSet {
	cs := clusterSet{set: set, rule: fieldName}
	if set != nil && set.ClusterSelector != nil {
		if sel, err := metav1.LabelSelectorAsSelector(set.ClusterSelector); err == nil {
			cs.selector = sel
		}
	}
	return cs
}

// has reports whether the named cluster is in the set, and the rule that
// put it there: "<field>.names" or "<field>.clusterSelector <selector>".
// A cluster that does not exist has no labels, so only names can match it.
func (cs clusterSet) has(name string, clusterLabels map[string]map[string]string) (string, bool) {
	if cs.set == nil {
		return "", false
	}
	if slices.Contains(cs.set.Names, name) {
		return cs.rule + ".names", true
	}
	if cs.selector != nil {
		if lbls, known := clusterLabels[name]; known && cs.selector.Matches(labels.Set(lbls)) {
			return cs.rule + ".clusterSelector " + metav1.FormatLabelSelector(cs.set.ClusterSelector), true
		}
	}
	return "", false
}

// maxViolatingObjects bounds Tally.Violating.
const maxViolatingObjects = 20

// Tally is what a policy's status reports.
type Tally struct {
	// Selected is the number of objects the policy selects.
	Selected int32
	// Violations is the number of selected objects that break it.
	Violations int32
	// Violating names the first violating objects (at most 20), sorted.
	Violating []string
}

// Count evaluates every object and tallies, per policy (keyed by
// Policy.String()), the objects it selects and those that violate it,
// whatever its enforcement. Every policy has an entry.
func Count(policies []Policy, objects []Object, clusters []Cluster) map[string]*Tally {
	tallies := make(map[string]*Tally, len(policies))
	for _, p := range policies {
		tallies[p.String()] = &Tally{}
	}
	for _, obj := range objects {
		v := Evaluate(policies, obj, clusters)
		for _, p := range v.Selecting {
			tallies[p.String()].Selected++
		}
		violated := sets.New[string]()
		for _, x := range v.Violations {
			violated.Insert(x.Policy.String())
		}
		for key := range violated {
			t := tallies[key]
			t.Violations++
			t.Violating = append(t.Violating, obj.String())
		}
	}
	for _, t := range tallies {
		slices.Sort(t.Violating)
		if len(t.Violating) > maxViolatingObjects {
			t.Violating = t.Violating[:maxViolatingObjects]
		}
	}
	return tallies
}
