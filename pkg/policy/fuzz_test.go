package policy

import (
	"encoding/json"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// FuzzEvaluate decodes arbitrary JSON as a policy spec and a federated
// spec and evaluates them (as a namespaced and as a cluster-wide policy)
// against a fixed fleet: no input may panic. The seeds run in every plain
// `go test`.
func FuzzEvaluate(f *testing.F) {
	seeds := [][2]string{
		{`{"deniedClusters":{"clusterSelector":{"matchLabels":{"region":"eu"}}}}`, `{"placement":{"clusterSelector":{}}}`},
		{`{"allowedClusters":{"names":["us-dev-1"]},"minClusters":2,"maxClusters":1,"enforcement":"Warn"}`, `{"placement":{"clusters":[{"name":"x"}]}}`},
		{`{"deniedOverridePaths":["/","","/spec/"]}`, `{"overrides":[{"clusterName":"a","clusterOverrides":[{"path":""},{"path":"/spec"}]}]}`},
		{`{"resourceSelector":{"kinds":["FederatedDeployment"],"labelSelector":{"matchExpressions":[{"key":"app","operator":"Bad"}]}}}`, `{}`},
		{`{"deniedClusters":{"clusterSelector":{"matchExpressions":[{"key":"","operator":"In"}]}},"defaultPlacement":{}}`, `{"placement":{}}`},
		{`{"minClusters":-5,"maxClusters":-1}`, `{"placement":{"clusters":[]}}`},
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, policyJSON, specJSON []byte) {
		var ps v1alpha1.FederationPolicySpec
		var fs typesv1beta1.FederatedSpec
		if json.Unmarshal(policyJSON, &ps) != nil || json.Unmarshal(specJSON, &fs) != nil {
			return
		}
		cluster := &v1alpha1.ClusterFederationPolicy{Spec: v1alpha1.ClusterFederationPolicySpec{FederationPolicySpec: ps}}
		if ps.ResourceSelector != nil {
			cluster.Spec.NamespaceSelector = ps.ResourceSelector.LabelSelector
		}
		policies := []Policy{ns("fuzz", ps), FromClusterFederationPolicy(cluster)}
		obj := web(fs.Placement)
		obj.Overrides = fs.Overrides
		v := Evaluate(policies, obj, clusters)
		for _, c := range clusters {
			v.ClusterDenied(c.Name)
		}
		DefaultPlacement(policies, obj)
	})
}
