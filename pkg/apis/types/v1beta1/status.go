package v1beta1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// StatusOf decodes the status of a federated object of any Federated<Kind>
// read as unstructured: the one typed reader of status.clusters (the
// syncer's records, eviction and drain read it through this; ClusterOf
// reads one cluster's entry alone). An object
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

// ClusterOf returns the named cluster's entry in a federated object's
// status.clusters, or nil when the status lists none (the first one when
// it lists several, as FederatedStatus.Cluster does). It decodes only that
// entry, not the whole status as StatusOf does, for readers that look at
// one cluster of many objects (e.g. which statuses report on a cluster
// whose readiness changed). On an object StatusOf decodes it returns what
// StatusOf(obj).Cluster(name) does; it errors, naming the object and the
// field, when the status, status.clusters or an entry is not of its type,
// or when an entry's name is not a string.
func ClusterOf(obj *unstructured.Unstructured, name string) (*ClusterStatus, error) {
	entry, field, err := clusterEntry(obj.Object, name)
	if err == nil && entry != nil {
		status := &ClusterStatus{}
		if err = runtime.DefaultUnstructuredConverter.FromUnstructured(entry, status); err == nil {
			return status, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %s: %w", obj.GetKind(), qualified(obj), field, err)
	}
	return nil, nil
}

// clusterEntry finds the named cluster's entry in obj's status.clusters
// without decoding any: the entry (nil when there is none; an empty map
// for a null entry, which decodes as an entry named "") and its field path,
// or an error and the path of the value that is not of its type.
func clusterEntry(obj map[string]interface{}, name string) (map[string]interface{}, string, error) {
	status, isMap := obj["status"].(map[string]interface{})
	switch {
	case obj["status"] == nil:
		return nil, "", nil
	case !isMap:
		return nil, "status", fmt.Errorf("is a %T, not an object", obj["status"])
	case status["clusters"] == nil:
		return nil, "", nil
	}
	list, isList := status["clusters"].([]interface{})
	if !isList {
		return nil, "status.clusters", fmt.Errorf("is a %T, not a list", status["clusters"])
	}
	for i, raw := range list {
		field := func() string { return fmt.Sprintf("status.clusters[%d]", i) } // only for errors: no work per entry
		if raw == nil {
			if name == "" {
				return map[string]interface{}{}, field(), nil
			}
			continue
		}
		entry, isMap := raw.(map[string]interface{})
		if !isMap {
			return nil, field(), fmt.Errorf("is a %T, not an object", raw)
		}
		entryName, isString := entry["name"].(string)
		if !isString && entry["name"] != nil {
			return nil, field() + ".name", fmt.Errorf("is a %T, not a string", entry["name"])
		}
		if entryName == name {
			return entry, field(), nil
		}
	}
	return nil, "", nil
}
