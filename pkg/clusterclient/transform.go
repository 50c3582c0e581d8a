package clusterclient

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// StripManagedFields is a cache transform that drops metadata.managedFields
// from cached objects. The syncer never reads them, and they are a large
// part of a small object's memory; updates sent without them leave the
// server's managed fields as they are.
func StripManagedFields(obj interface{}) (interface{}, error) {
	if accessor, err := meta.Accessor(obj); err == nil {
		accessor.SetManagedFields(nil)
	}
	return obj, nil
}

// trimPod is the transform of pod caches: it keeps what replica scheduling
// reads of a pod (name, namespace, labels, deletion, status phase and
// conditions) and drops the rest, pod specs being most of a pod's size.
func trimPod(obj interface{}) (interface{}, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	trimmed := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": u.GetAPIVersion(), "kind": u.GetKind()}}
	trimmed.SetNamespace(u.GetNamespace())
	trimmed.SetName(u.GetName())
	trimmed.SetUID(u.GetUID())
	trimmed.SetResourceVersion(u.GetResourceVersion())
	trimmed.SetLabels(u.GetLabels())
	trimmed.SetDeletionTimestamp(u.GetDeletionTimestamp())
	if phase, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "phase"); found {
		_ = unstructured.SetNestedField(trimmed.Object, phase, "status", "phase")
	}
	if conditions, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions"); found {
		_ = unstructured.SetNestedField(trimmed.Object, conditions, "status", "conditions")
	}
	return trimmed, nil
}
