package policy_test

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// The syncer's run-time check: evaluate the policies against the clusters
// that exist now and skip every cluster a Deny policy forbids, reporting
// the policy in that cluster's status.
func ExampleVerdict_ClusterDenied() {
	euOnly := &v1alpha1.FederationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "eu-only"},
		Spec: v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{
			ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}}},
	}
	obj := policy.Object{Kind: "FederatedDeployment", Namespace: "shop", Name: "web",
		Placement: &typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}}}
	clusters := []policy.Cluster{
		{Name: "us-1", Labels: map[string]string{"region": "us"}},
		{Name: "eu-2", Labels: map[string]string{"region": "eu"}}, // joined after admission
	}
	verdict := policy.Evaluate([]policy.Policy{policy.FromFederationPolicy(euOnly)}, obj, clusters)
	for _, c := range policy.PlacedClusters(obj.Placement, clusters) {
		if v, denied := verdict.ClusterDenied(c); denied {
			fmt.Printf("%s: PolicyDenied by %s (%s)\n", c, v.Policy, v.Rule)
			continue
		}
		fmt.Printf("%s: propagate\n", c)
	}
	// Output:
	// eu-2: PolicyDenied by FederationPolicy shop/eu-only (deniedClusters.clusterSelector region=eu)
	// us-1: propagate
}
