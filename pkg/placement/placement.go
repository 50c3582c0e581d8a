// Package placement decides which member clusters a federated object goes
// to: its own placement ∩ its namespace's placement ∩ what federation
// policies allow ∩ the ready clusters ∩ the clusters whose taints the
// object tolerates, in one function (Compute) that propagation and replica
// scheduling share. It is pure: callers pass the
// clusters, placements and policy verdict they have read.
package placement

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// Cluster is what placement needs to know about a joined member cluster.
type Cluster struct {
	Name   string
	Labels map[string]string
	// Ready is set when the cluster is ready and the syncer can reach it.
	Ready bool
	// Taints are the cluster's taints in effect (a NoExecute taint waiting
	// for the eviction rate limit is given as NoSchedule).
	Taints []corev1beta1.Taint
}

// Selected returns the clusters a placement selects (reference §3.3 step 5):
//   - a clusters list, even an empty one, selects exactly the clusters named;
//   - otherwise the cluster selector selects by label: an absent selector
//     selects nothing and an empty one selects every cluster;
//
// names of clusters that are not joined are dropped. A nil placement selects
// nothing.
func Selected(p *typesv1beta1.Placement, clusters []Cluster) (sets.Set[string], error) {
	selected := sets.New[string]()
	if p == nil {
		return selected, nil
	}
	if p.Clusters != nil {
		named := sets.New[string]()
		for _, ref := range p.Clusters {
			named.Insert(ref.Name)
		}
		for _, c := range clusters {
			if named.Has(c.Name) {
				selected.Insert(c.Name)
			}
		}
		return selected, nil
	}
	if p.ClusterSelector == nil {
		return selected, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(p.ClusterSelector)
	if err != nil {
		return nil, fmt.Errorf("spec.placement.clusterSelector: %w", err)
	}
	for _, c := range clusters {
		if selector.Matches(labels.Set(c.Labels)) {
			selected.Insert(c.Name)
		}
	}
	return selected, nil
}

// Input is everything that decides where one federated object goes.
type Input struct {
	// Object is the federated object's spec.placement.
	Object *typesv1beta1.Placement
	// NamespacedTarget is set when the target type is namespaced, so that the
	// object's namespace placement restricts it.
	NamespacedTarget bool
	// NamespaceFederated is set when a FederatedNamespace exists for the
	// object's namespace; Namespace is then its spec.placement.
	NamespaceFederated bool
	Namespace          *typesv1beta1.Placement
	// NamespaceName names the object's namespace in messages.
	NamespaceName string
	// ClusterScopedControlPlane is set when the control plane serves all
	// namespaces (KubeFedConfig scope Cluster), where an object in a namespace
	// that is not federated goes nowhere.
	ClusterScopedControlPlane bool
	// Clusters are the joined member clusters.
	Clusters []Cluster
	// Denied maps each cluster a federation policy with enforcement Deny
	// forbids for the object to the violation's message.
	Denied map[string]string
	// Tolerations are tolerations beyond those of Object (a
	// ReplicaSchedulingPreference's); either tolerating a taint is enough.
	Tolerations []corev1beta1.Toleration
	// Holding are the clusters that hold the object now: a NoSchedule
	// taint keeps new placements away, not what is there.
	Holding sets.Set[string]
}

// ObjectInput is the Input of a federated object with spec spec in
// namespace: namespaceSpec is the spec of the namespace's
// FederatedNamespace, nil when there is none; clusters are the joined
// clusters, denied the clusters a Deny policy forbids
// (policy.Verdict.Denied) and holding the clusters that hold the object now
// (propagation.Recorded).
func ObjectInput(spec *typesv1beta1.FederatedSpec, namespace string, namespacedTarget, clusterScopedControlPlane bool,
	namespaceSpec *typesv1beta1.FederatedSpec, clusters []Cluster, denied map[string]string, holding sets.Set[string]) Input {
	in := Input{
		Object:                    spec.Placement,
		NamespacedTarget:          namespacedTarget,
		NamespaceName:             namespace,
		ClusterScopedControlPlane: clusterScopedControlPlane,
		Clusters:                  clusters,
		Denied:                    denied,
		Holding:                   holding,
	}
	if namespacedTarget && namespaceSpec != nil {
		in.NamespaceFederated, in.Namespace = true, namespaceSpec.Placement
	}
	return in
}

// Result is where the object goes.
type Result struct {
	// Clusters are the clusters the placements select: the object's
	// placement ∩ its namespace's.
	Clusters sets.Set[string]
	// Denied are the selected clusters a Deny policy forbids, with the
	// violation's message: nothing is written there.
	Denied map[string]string
	// NotReady are the selected clusters no policy forbids that are not
	// ready: nothing is written there until they are.
	NotReady sets.Set[string]
	// Tainted are the selected, allowed, ready clusters that do not hold
	// the object and have a taint it does not tolerate, with the taint
	// (key=value:Effect): it is not placed there.
	Tainted map[string]string
	// Evicting are the selected, allowed, ready clusters that hold the
	// object and have a NoExecute taint it does not tolerate, with the
	// taint. They stay targets (the object is kept and updated there)
	// until the caller's eviction gate removes them (Evict).
	Evicting map[string]corev1beta1.Taint
	// Targets are the clusters the object is written to: selected ∩ allowed
	// ∩ ready ∩ tolerated (or still held).
	Targets sets.Set[string]
	// Unknown lists, sorted, the names spec.placement.clusters gives that
	// are not joined clusters (they are dropped, as in KubeFed).
	Unknown []string
	// Reason is set when the placement is not what the object asks for:
	// NamespaceNotFederated (the object goes nowhere because its namespace
	// is not federated), UnknownCluster (it names clusters that are not
	// joined) or NoClusters (it selects clusters, but none remains). A
	// placement that selects nothing on purpose (none, or an empty clusters
	// list) has no reason. Message says why, and what to do.
	Reason  typesv1beta1.AggregateReason
	Message string
}

// Compute applies the object's placement and, for a namespaced target, its
// namespace's placement (reference §3.3 step 5), then keeps the clusters no
// Deny policy forbids, of those the ready ones, and of those the ones whose
// taints the object tolerates: a cluster with a taint it does not tolerate
// is Tainted when it does not hold the object, Evicting when it holds it
// and the taint is NoExecute, and a target otherwise (NoSchedule keeps
// what is there). Without taints the result is that of KubeFed.
func Compute(in Input) (Result, error) {
	own, err := Selected(in.Object, in.Clusters)
	if err != nil {
		return Result{}, err
	}
	res := Result{Clusters: own, Unknown: Unknown(in.Object, in.Clusters)}
	if in.NamespacedTarget {
		switch {
		case in.NamespaceFederated:
			namespace, err := Selected(in.Namespace, in.Clusters)
			if err != nil {
				return Result{}, fmt.Errorf("the FederatedNamespace's %w", err)
			}
			res.Clusters = own.Intersection(namespace)
		case in.ClusterScopedControlPlane:
			res.Clusters = sets.New[string]()
			res.Reason = typesv1beta1.NamespaceNotFederated
			res.Message = fmt.Sprintf("namespace %s is not federated, so the object goes nowhere: run kubectl fed federate namespace %s", in.NamespaceName, in.NamespaceName)
		}
	}
	res.Denied, res.NotReady, res.Targets = map[string]string{}, sets.New[string](), sets.New[string]()
	res.Tainted, res.Evicting = map[string]string{}, map[string]corev1beta1.Taint{}
	var tolerations []corev1beta1.Toleration
	if in.Object != nil {
		tolerations = in.Object.Tolerations
	}
	for _, c := range in.Clusters {
		switch message, denied := in.Denied[c.Name]; {
		case !res.Clusters.Has(c.Name):
		case denied:
			res.Denied[c.Name] = message
		case !c.Ready:
			res.NotReady.Insert(c.Name)
		default:
			noExecute, evicts := taints.Untolerated(c.Taints, corev1beta1.TaintNoExecute, tolerations, in.Tolerations)
			noSchedule, keeps := taints.Untolerated(c.Taints, corev1beta1.TaintNoSchedule, tolerations, in.Tolerations)
			switch held := in.Holding.Has(c.Name); {
			case evicts && held:
				res.Evicting[c.Name] = noExecute
				res.Targets.Insert(c.Name)
			case evicts:
				res.Tainted[c.Name] = taints.String(noExecute)
			case keeps && !held:
				res.Tainted[c.Name] = taints.String(noSchedule)
			default:
				res.Targets.Insert(c.Name)
			}
		}
	}
	if res.Reason == "" {
		res.Reason, res.Message = problem(in, own, res)
	}
	return res, nil
}

// problem returns UnknownCluster when the placement names clusters that are
// not joined, and NoClusters when it selects clusters (a non-empty list or a
// selector) but none remains; own is what the object's placement selects.
func problem(in Input, own sets.Set[string], res Result) (typesv1beta1.AggregateReason, string) {
	if len(res.Unknown) > 0 {
		return typesv1beta1.UnknownCluster, fmt.Sprintf("spec.placement.clusters names clusters that are not joined: %s; fix the names or join the clusters (kubectl fed join)",
			strings.Join(res.Unknown, ", "))
	}
	if res.Clusters.Len() > 0 || in.Object == nil || (in.Object.Clusters != nil && len(in.Object.Clusters) == 0) ||
		(in.Object.Clusters == nil && in.Object.ClusterSelector == nil) {
		return typesv1beta1.AggregateSuccess, ""
	}
	switch {
	case len(in.Clusters) == 0:
		return typesv1beta1.NoClusters, "no cluster is joined: join one with kubectl fed join"
	case own.Len() == 0:
		return typesv1beta1.NoClusters, fmt.Sprintf("spec.placement.clusterSelector matches none of the %d joined clusters; fix the selector or the clusters' labels", len(in.Clusters))
	}
	return typesv1beta1.NoClusters, fmt.Sprintf("the FederatedNamespace %s places none of the clusters the object's placement selects (%s); add them to the namespace's placement",
		in.NamespaceName, strings.Join(sets.List(own), ", "))
}

// Evict removes a cluster the object is evicted from: it is no longer
// selected, so the object is removed from it.
func (r *Result) Evict(cluster string) {
	r.Clusters.Delete(cluster)
	r.Targets.Delete(cluster)
	delete(r.Evicting, cluster)
}
