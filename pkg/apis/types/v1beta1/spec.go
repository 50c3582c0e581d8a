package v1beta1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// SpecOf decodes the spec of a federated object of any Federated<Kind>
// read as unstructured. An object without a spec has an empty one. The
// error names the object and the field that does not decode.
func SpecOf(obj *unstructured.Unstructured) (*FederatedSpec, error) {
	spec := &FederatedSpec{}
	raw, found, err := unstructured.NestedMap(obj.Object, "spec")
	if err == nil && found {
		err = runtime.DefaultUnstructuredConverter.FromUnstructured(raw, spec)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: spec: %w; fix the object's spec", obj.GetKind(), qualified(obj), err)
	}
	return spec, nil
}

func qualified(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}
