// Package placement decides which member clusters a federated object goes
// to: its own placement, intersected with its namespace's placement. It is
// pure: callers pass the clusters and placements they have read.
package placement

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Cluster is what placement needs to know about a joined member cluster.
type Cluster struct {
	Name   string
	Labels map[string]string
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
	// ClusterScopedControlPlane is set when the control plane serves all
	// namespaces (KubeFedConfig scope Cluster), where an object in a namespace
	// that is not federated goes nowhere.
	ClusterScopedControlPlane bool
	// Clusters are the joined member clusters.
	Clusters []Cluster
}

// Result is where the object goes.
type Result struct {
	Clusters sets.Set[string]
	// NamespaceNotFederated is set when the object goes nowhere because its
	// namespace is not federated (status reason NamespaceNotFederated).
	NamespaceNotFederated bool
}

// Compute applies the object's placement and, for a namespaced target, its
// namespace's placement (reference §3.3 step 5).
func Compute(in Input) (Result, error) {
	selected, err := Selected(in.Object, in.Clusters)
	if err != nil || !in.NamespacedTarget {
		return Result{Clusters: selected}, err
	}
	if !in.NamespaceFederated {
		if in.ClusterScopedControlPlane {
			return Result{Clusters: sets.New[string](), NamespaceNotFederated: true}, nil
		}
		return Result{Clusters: selected}, nil
	}
	namespace, err := Selected(in.Namespace, in.Clusters)
	if err != nil {
		return Result{}, fmt.Errorf("the FederatedNamespace's %w", err)
	}
	return Result{Clusters: selected.Intersection(namespace)}, nil
}
