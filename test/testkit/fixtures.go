package testkit

import (
	"encoding/json"
	"fmt"
)

// LargeFederatedDeployment is the JSON of FederatedDeployment shop/web
// placed in `clusters` clusters (cluster-00, cluster-01, ...) with
// `overrides` annotation overrides for each: the object admission and
// propagation benchmarks measure.
func LargeFederatedDeployment(clusters, overrides int) []byte {
	var placed, perCluster []map[string]any
	for i := range clusters {
		name := fmt.Sprintf("cluster-%02d", i)
		placed = append(placed, map[string]any{"name": name})
		var ops []map[string]any
		for j := range overrides {
			ops = append(ops, map[string]any{"path": fmt.Sprintf("/spec/template/metadata/annotations/a%d", j), "value": name})
		}
		perCluster = append(perCluster, map[string]any{"clusterName": name, "clusterOverrides": ops})
	}
	raw, err := json.Marshal(map[string]any{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": map[string]any{"name": "web", "namespace": "shop", "labels": map[string]any{"app": "web"}},
		"spec": map[string]any{
			"template": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "spec": map[string]any{"replicas": 3,
				"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}}}}},
			"placement": map[string]any{"clusters": placed},
			"overrides": perCluster,
		},
	})
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return raw
}
