package placement

import (
	"k8s.io/apimachinery/pkg/util/sets"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Unknown returns the names spec.placement.clusters lists that are not
// joined clusters, sorted and without repeats: Selected drops them, so the
// object silently goes nowhere there until such a cluster joins. A
// placement by selector names no cluster and so has none.
func Unknown(p *typesv1beta1.Placement, clusters []Cluster) []string {
	if p == nil || len(p.Clusters) == 0 {
		return nil
	}
	joined := sets.New[string]()
	for _, c := range clusters {
		joined.Insert(c.Name)
	}
	unknown := sets.New[string]()
	for _, ref := range p.Clusters {
		if !joined.Has(ref.Name) {
			unknown.Insert(ref.Name)
		}
	}
	return sets.List(unknown)
}
