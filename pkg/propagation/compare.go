package propagation

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// serverOwnedMetadata are metadata fields the member API server sets, which
// a rendered object carries only to make an update conditional.
var serverOwnedMetadata = []string{"resourceVersion"}

// UpToDate reports whether the member's object already holds everything the
// rendered object says: every field of desired is present in observed with
// an equal value. Fields only observed has (defaults and values the member
// fills in, such as a Service's cluster IP) do not count, so a member is not
// rewritten in a loop over them; lists must have the same length and match
// element by element.
func UpToDate(desired, observed *unstructured.Unstructured) bool {
	want := desired.DeepCopy()
	for _, f := range serverOwnedMetadata {
		unstructured.RemoveNestedField(want.Object, "metadata", f)
	}
	return contains(observed.Object, want.Object)
}

// contains reports whether have holds want: maps recursively by key, lists
// element by element, numbers by value whatever their Go type.
func contains(have, want interface{}) bool {
	switch w := want.(type) {
	case map[string]interface{}:
		h, ok := have.(map[string]interface{})
		if !ok {
			return len(w) == 0 && have == nil
		}
		for k, wv := range w {
			hv, found := h[k]
			if !found {
				if wv == nil || isEmpty(wv) {
					continue
				}
				return false
			}
			if !contains(hv, wv) {
				return false
			}
		}
		return true
	case []interface{}:
		h, ok := have.([]interface{})
		if !ok {
			return len(w) == 0 && have == nil
		}
		if len(h) != len(w) {
			return false
		}
		for i := range w {
			if !contains(h[i], w[i]) {
				return false
			}
		}
		return true
	case int64, float64, int, int32:
		wf, wok := number(w)
		hf, hok := number(have)
		return wok && hok && wf == hf
	default:
		return have == want
	}
}

// isEmpty reports whether a value is an empty map or list, which the API
// server drops.
func isEmpty(v interface{}) bool {
	switch x := v.(type) {
	case map[string]interface{}:
		return len(x) == 0
	case []interface{}:
		return len(x) == 0
	}
	return false
}

func number(v interface{}) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}
