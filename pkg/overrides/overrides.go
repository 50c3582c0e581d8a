// Package overrides applies a federated object's per-cluster overrides, RFC
// 6902 JSON patches, to the object rendered for one member cluster. It is
// pure: an invalid override is an error for that cluster only.
package overrides

import (
	"encoding/json"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
)

// ForCluster returns the overrides for one cluster, checked: the cluster
// named at most once, no path twice, no path at or below one the syncer
// forces (typesvalidation.ForbiddenOverridePaths), and an op that is add,
// remove or replace (empty means replace).
func ForCluster(overrides []typesv1beta1.Override, cluster string) ([]typesv1beta1.ClusterOverride, error) {
	var found []typesv1beta1.ClusterOverride
	seen := false
	for i, o := range overrides {
		if o.ClusterName != cluster {
			continue
		}
		if seen {
			return nil, fmt.Errorf("spec.overrides[%d].clusterName: cluster %q has more than one overrides entry; merge them into one", i, cluster)
		}
		seen = true
		paths := map[string]bool{}
		for j, op := range o.ClusterOverrides {
			field := fmt.Sprintf("spec.overrides[%d].clusterOverrides[%d]", i, j)
			if paths[op.Path] {
				return nil, fmt.Errorf("%s.path: %q is overridden twice for cluster %q", field, op.Path, cluster)
			}
			paths[op.Path] = true
			if forbidden := typesvalidation.CoveringPrefix(op.Path, typesvalidation.ForbiddenOverridePaths); forbidden != "" {
				return nil, fmt.Errorf("%s.path: %q may not be overridden: the syncer sets %s", field, op.Path, forbidden)
			}
			switch op.Op {
			case typesv1beta1.OverrideOpDefault, typesv1beta1.OverrideOpAdd, typesv1beta1.OverrideOpRemove, typesv1beta1.OverrideOpReplace:
			default:
				return nil, fmt.Errorf("%s.op: %q is not one of add, remove, replace", field, op.Op)
			}
		}
		found = o.ClusterOverrides
	}
	return found, nil
}

// operation is one RFC 6902 operation as JSON.
type operation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Apply applies the overrides to obj in place, in order. An empty op means
// replace. Negative array indexes are errors, as RFC 6902 says.
func Apply(obj *unstructured.Unstructured, ops []typesv1beta1.ClusterOverride) error {
	if len(ops) == 0 {
		return nil
	}
	patch := make([]operation, 0, len(ops))
	for _, o := range ops {
		op := operation{Op: string(o.Op), Path: o.Path}
		if op.Op == "" {
			op.Op = string(typesv1beta1.OverrideOpReplace)
		}
		if o.Value != nil && op.Op != string(typesv1beta1.OverrideOpRemove) {
			op.Value = o.Value.Raw
		} else if op.Op != string(typesv1beta1.OverrideOpRemove) {
			op.Value = json.RawMessage("null")
		}
		patch = append(patch, op)
	}
	patchJSON, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	decoded, err := jsonpatch.DecodePatch(patchJSON)
	if err != nil {
		return fmt.Errorf("decoding overrides: %w", err)
	}
	doc, err := obj.MarshalJSON()
	if err != nil {
		return err
	}
	options := jsonpatch.NewApplyOptions()
	options.SupportNegativeIndices = false
	patched, err := decoded.ApplyWithOptions(doc, options)
	if err != nil {
		return fmt.Errorf("applying overrides: %w", err)
	}
	result := &unstructured.Unstructured{}
	if err := result.UnmarshalJSON(patched); err != nil {
		return fmt.Errorf("the overridden object is not a valid object: %w", err)
	}
	obj.Object = result.Object
	return nil
}
