package dependencies

import (
	"k8s.io/apimachinery/pkg/util/sets"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// Denied returns the clusters of targets where a Deny policy keeps the
// copy of a dependency out, each with the violation's message (which names
// the policy). The copy is judged as the federated object a user would
// write for it: dependency names its federated kind (e.g. FederatedSecret),
// namespace, name, labels (the host object's) and its namespace's labels,
// and it is placed on exactly targets, the clusters its workloads land
// in. So a policy denying FederatedSecrets on a cluster keeps every
// Secret off it, federated by hand or pulled in by a workload; policies
// of the workloads' kinds play no part here (they place the workloads).
// Rules about the object as a whole (minClusters, maxClusters, override
// paths) keep no copy out: the copies go where the workloads need them.
func Denied(policies []policy.Policy, dependency policy.Object, targets sets.Set[string], clusters []policy.Cluster) map[string]string {
	if len(policies) == 0 || targets.Len() == 0 {
		return nil
	}
	placed := &typesv1beta1.Placement{}
	for _, name := range sets.List(targets) {
		placed.Clusters = append(placed.Clusters, typesv1beta1.ClusterReference{Name: name})
	}
	dependency.Placement, dependency.Overrides = placed, nil
	var judged []policy.Cluster
	for _, c := range clusters {
		if targets.Has(c.Name) {
			judged = append(judged, c)
		}
	}
	denied := policy.Evaluate(policies, dependency, judged).Denied(judged)
	if len(denied) == 0 {
		return nil
	}
	return denied
}
