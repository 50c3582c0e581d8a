// Package overrides applies a federated object's overrides, JSON-patch
// operations for one cluster or for the clusters a label selector matches,
// to the object rendered for one member cluster, with KubeFed's semantics. It is pure: an invalid override is an error for that
// cluster only. The rules an override must follow are the validation
// package's, so the syncer refuses exactly what admission refuses, with the
// same messages.
package overrides

import (
	"fmt"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
)

// Destination is the member cluster an object is rendered for: its
// KubeFedCluster's name and labels, which override entries select on.
type Destination struct {
	// Cluster is the KubeFedCluster's name.
	Cluster string
	// Labels are the KubeFedCluster's labels.
	Labels map[string]string
	// Policies are the override policies that select the federated object,
	// in the order they apply (Select's result); each applies here when it
	// targets the cluster.
	Policies []Policy
	// DeniedPaths are the deniedOverridePaths of the federation policies
	// that select the federated object: what override policies produce may
	// not touch them (the object's own overrides are judged at admission).
	DeniedPaths []string
}

// Set is one group of overriders that applies to a cluster: an entry of
// spec.overrides that names or selects it.
type Set struct {
	// Source names where the set comes from, as messages show it, e.g.
	// "spec.overrides[2]".
	Source string
	// Patches are the JSON-patch operations, applied in order.
	Patches []typesv1beta1.ClusterOverride
	// Typed are the typed overriders, applied after Patches; nil when
	// there are none.
	Typed *typesv1beta1.TypedOverriders
}

// policySets returns the sets of the destination's policies that target
// it, checked as admission checks a policy and against dest.DeniedPaths
// (typed overriders by the paths they change in an object of kind).
func policySets(dest Destination, kind string) ([]Set, error) {
	var sets []Set
	for _, p := range dest.Policies {
		ok, err := p.targets(dest)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		spec := field.NewPath("spec")
		errs := append(typesvalidation.ValidatePatches(p.Spec.ClusterOverrides, spec.Child("clusterOverrides")),
			typesvalidation.ValidateTypedOverriders(&p.Spec.TypedOverriders, spec)...)
		if len(errs) > 0 {
			return nil, fmt.Errorf("%s: %w", p, errs.ToAggregate())
		}
		paths := TypedPaths(kind, &p.Spec.TypedOverriders)
		for _, co := range p.Spec.ClusterOverrides {
			paths = append(paths, co.Path)
		}
		for _, path := range paths {
			if denied := Overlapping(path, dest.DeniedPaths); denied != "" {
				return nil, fmt.Errorf("%s changes %s, which a federation policy's deniedOverridePaths %s denies for this object", p, path, denied)
			}
		}
		sets = append(sets, Set{Source: p.String(), Patches: p.Spec.ClusterOverrides, Typed: typed(&p.Spec.TypedOverriders)})
	}
	return sets, nil
}

// Overlapping returns the first of prefixes that covers path or lies below
// it (a typed overrider changes a whole container list, so a denied path
// inside it is touched), or "" if none does.
func Overlapping(path string, prefixes []string) string {
	if prefix := typesvalidation.CoveringPrefix(path, prefixes); prefix != "" {
		return prefix
	}
	for _, prefix := range prefixes {
		if strings.HasPrefix(prefix, path+"/") {
			return prefix
		}
	}
	return ""
}

// ForCluster returns the sets of overriders that apply to the destination
// for a federated object whose target kind is kind: first those of the
// override policies that target it (dest.Policies, in order), then the
// object's own override entries that apply, in list order: those naming
// it (clusterName) and those whose clusterSelector matches its labels. The entries are checked with the
// rules admission applies (typesvalidation.ValidateClusterOverrides): at
// most one entry names the cluster, no path twice in an entry, no path at
// or below one the syncer or the member's API server owns, a known op and
// a value for add and replace. A selector that does not parse is an error
// for every cluster, since whom it selects cannot be told.
func ForCluster(overrides []typesv1beta1.Override, kind string, dest Destination) ([]Set, error) {
	sets, err := policySets(dest, kind)
	if err != nil || len(overrides) == 0 {
		return sets, err
	}
	applies := make([]bool, len(overrides))
	var errs field.ErrorList
	path := field.NewPath("spec", "overrides")
	for i, o := range overrides {
		ok, err := Selects(o, dest)
		if err != nil {
			errs = append(errs, field.Invalid(path.Index(i).Child("clusterSelector"), field.OmitValueType{}, err.Error()))
		}
		applies[i] = ok
	}
	errs = append(errs, typesvalidation.ValidateClusterOverrides(overrides, func(i int) bool { return applies[i] }, path)...)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	for i, o := range overrides {
		if applies[i] {
			sets = append(sets, Set{Source: path.Index(i).String(), Patches: o.ClusterOverrides, Typed: typed(&overrides[i].TypedOverriders)})
		}
	}
	return sets, nil
}

// Selects reports whether an override entry applies to the destination:
// it names the cluster, or its clusterSelector matches the cluster's
// labels. An entry with both applies when either does (admission refuses
// it, and ForCluster reports it for the clusters it reaches).
func Selects(o typesv1beta1.Override, dest Destination) (bool, error) {
	if o.ClusterName != "" && o.ClusterName == dest.Cluster {
		return true, nil
	}
	if o.ClusterSelector == nil {
		return false, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(o.ClusterSelector)
	if err != nil {
		return false, err
	}
	return selector.Matches(labels.Set(dest.Labels)), nil
}

// ApplySets applies the sets to obj in order: of each set, its JSON-patch
// operations (as Apply does), then its typed overriders (ApplyTyped). On
// error obj is left unchanged, and the error names the set that failed.
func ApplySets(obj *unstructured.Unstructured, sets []Set) error {
	if len(sets) == 0 {
		return nil
	}
	return applySets(obj, copyValue(obj.Object), sets)
}

// ApplySetsInPlace is ApplySets for an object the caller owns and drops on
// error (a freshly rendered one): it saves the copy, and on error obj may
// be partly changed.
func ApplySetsInPlace(obj *unstructured.Unstructured, sets []Set) error {
	if len(sets) == 0 {
		return nil
	}
	return applySets(obj, obj.Object, sets)
}

// applySets applies the sets to doc, obj's content or a copy of it, and
// makes the result obj's content.
func applySets(obj *unstructured.Unstructured, doc interface{}, sets []Set) error {
	kind := obj.GetKind()
	for _, set := range sets {
		var err error
		if doc, err = applyPatches(doc, set.Patches); err != nil {
			return fmt.Errorf("%s: %w", set.Source, err)
		}
		if set.Typed != nil {
			m, ok := doc.(map[string]interface{})
			if !ok {
				return fmt.Errorf("%s: the overridden object is not a valid object: it is not a JSON object", set.Source)
			}
			if err := applyTyped(m, kind, set.Typed); err != nil {
				return fmt.Errorf("%s: %w", set.Source, err)
			}
		}
	}
	return setObject(obj, doc)
}

// Apply applies the overrides to obj in order, with KubeFed's semantics:
// RFC 6902 add, remove and replace (an empty op means replace), except that
// replace of a key an existing object lacks sets it, as KubeFed did. It is
// an error when the parent of the path is missing or not an object or array,
// when an array index is out of range or negative, and when remove names a
// key that is not there. On error obj is left unchanged.
func Apply(obj *unstructured.Unstructured, ops []typesv1beta1.ClusterOverride) error {
	if len(ops) == 0 {
		return nil
	}
	doc, err := applyPatches(copyValue(obj.Object), ops)
	if err != nil {
		return err
	}
	return setObject(obj, doc)
}

// setObject makes doc, the result of overrides, obj's content when it is
// still an object with a kind.
func setObject(obj *unstructured.Unstructured, doc interface{}) error {
	result, ok := doc.(map[string]interface{})
	if !ok {
		return fmt.Errorf("the overridden object is not a valid object: it is not a JSON object")
	}
	if kind, _ := result["kind"].(string); kind == "" {
		return fmt.Errorf("the overridden object is not a valid object: it has no kind")
	}
	obj.Object = result
	return nil
}

// applyPatches applies JSON-patch operations to doc, which it changes,
// and returns the result.
func applyPatches(doc interface{}, ops []typesv1beta1.ClusterOverride) (interface{}, error) {
	for i, o := range ops {
		op := o.Op
		if op == typesv1beta1.OverrideOpDefault {
			op = typesv1beta1.OverrideOpReplace
		}
		var value interface{}
		if op != typesv1beta1.OverrideOpRemove && o.Value != nil {
			if err := utiljson.Unmarshal(o.Value.Raw, &value); err != nil {
				return nil, fmt.Errorf("override %d (%s %s): the value is not JSON: %w", i, op, o.Path, err)
			}
		}
		tokens, err := pointer(o.Path)
		if err != nil {
			return nil, fmt.Errorf("override %d (%s %s): %w", i, op, o.Path, err)
		}
		if doc, err = apply(doc, tokens, "", op, value); err != nil {
			return nil, fmt.Errorf("override %d (%s %s): %w", i, op, o.Path, err)
		}
	}
	return doc, nil
}

// pointer splits an RFC 6901 JSON pointer into its unescaped tokens.
func pointer(path string) ([]string, error) {
	if msg := typesvalidation.JSONPointerError(path); msg != "" {
		return nil, fmt.Errorf("the path %s", msg)
	}
	tokens := strings.Split(path[1:], "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

// apply runs one operation on the value node found at the pointer prefix
// at, with tokens the rest of the path, and returns the new node.
func apply(node interface{}, tokens []string, at string, op typesv1beta1.OverrideOp, value interface{}) (interface{}, error) {
	token, here := tokens[0], at+"/"+escape(tokens[0])
	last := len(tokens) == 1
	switch n := node.(type) {
	case map[string]interface{}:
		child, found := n[token]
		switch {
		case !last && !found:
			return nil, fmt.Errorf("%s does not exist; add it first (op: add, path: %s)", here, here)
		case !last:
			updated, err := apply(child, tokens[1:], here, op, value)
			if err != nil {
				return nil, err
			}
			n[token] = updated
		case op == typesv1beta1.OverrideOpRemove && !found:
			return nil, fmt.Errorf("%s does not exist, so it cannot be removed", here)
		case op == typesv1beta1.OverrideOpRemove:
			delete(n, token)
		default: // add, and replace, which sets a missing key as KubeFed did
			n[token] = value
		}
		return n, nil
	case []interface{}:
		if token == "-" && last && op == typesv1beta1.OverrideOpAdd {
			return append(n, value), nil
		}
		index, err := arrayIndex(token, at)
		if err != nil {
			return nil, err
		}
		limit := len(n) // add may insert at the end
		if !last || op != typesv1beta1.OverrideOpAdd {
			limit = len(n) - 1
		}
		if index > limit {
			return nil, fmt.Errorf("index %d is out of range: %s has %d elements", index, describe(at), len(n))
		}
		switch {
		case !last:
			updated, err := apply(n[index], tokens[1:], here, op, value)
			if err != nil {
				return nil, err
			}
			n[index] = updated
			return n, nil
		case op == typesv1beta1.OverrideOpAdd:
			n = append(n, nil)
			copy(n[index+1:], n[index:])
			n[index] = value
			return n, nil
		case op == typesv1beta1.OverrideOpRemove:
			return append(n[:index], n[index+1:]...), nil
		default:
			n[index] = value
			return n, nil
		}
	}
	return nil, fmt.Errorf("%s is not an object or an array, so it has no %q", describe(at), token)
}

// arrayIndex parses an array index token: digits without a leading zero.
func arrayIndex(token, at string) (int, error) {
	index, err := strconv.Atoi(token)
	if err != nil || index < 0 || token != strconv.Itoa(index) {
		return 0, fmt.Errorf("%s is an array: %q is not an index (0, 1, ...; \"-\" appends with op add)", describe(at), token)
	}
	return index, nil
}

func describe(at string) string {
	if at == "" {
		return "the object"
	}
	return at
}

func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// copyValue copies the maps and slices of a JSON-like value, so that a
// failed override leaves the original untouched; other values are shared.
func copyValue(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}
