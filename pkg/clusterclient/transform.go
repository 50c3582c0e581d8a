package clusterclient

import "k8s.io/apimachinery/pkg/api/meta"

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
