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

// OverridesOf decodes only spec.overrides of a federated object read as
// unstructured, which is cheaper than SpecOf when the template is not
// needed (rendering a member object for each cluster). The error names the
// object and the field.
func OverridesOf(obj *unstructured.Unstructured) ([]Override, error) {
	raw, found, err := unstructured.NestedFieldNoCopy(obj.Object, "spec", "overrides")
	if err != nil || !found || raw == nil {
		return nil, nil
	}
	spec := &FederatedSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(map[string]interface{}{"overrides": raw}, spec); err != nil {
		return nil, fmt.Errorf("%s %s: spec.overrides: %w; fix the object's spec", obj.GetKind(), qualified(obj), err)
	}
	return spec.Overrides, nil
}

func qualified(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}
