package v1beta1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// StatusOf decodes the status of a federated object of any Federated<Kind>
// read as unstructured: the one typed reader of status.clusters (the
// syncer's records, eviction and drain read it through this). An object
// without a status has an empty one. The error names the object and the
// field that does not decode.
func StatusOf(obj *unstructured.Unstructured) (*FederatedStatus, error) {
	status := &FederatedStatus{}
	raw, found, err := unstructured.NestedFieldNoCopy(obj.Object, "status")
	if err == nil && found && raw != nil {
		m, isMap := raw.(map[string]interface{})
		if !isMap {
			err = fmt.Errorf("is a %T, not an object", raw)
		} else {
			err = runtime.DefaultUnstructuredConverter.FromUnstructured(m, status)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: status: %w", obj.GetKind(), qualified(obj), err)
	}
	return status, nil
}

// Cluster returns the status entry of the named cluster, or nil when the
// status lists none.
func (s *FederatedStatus) Cluster(name string) *ClusterStatus {
	for i := range s.Clusters {
		if s.Clusters[i].Name == name {
			return &s.Clusters[i]
		}
	}
	return nil
}
