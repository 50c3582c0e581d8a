package scheduling

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// ReplicasPath is the override path the scheduler owns.
const ReplicasPath = "/spec/replicas"

// Apply writes a replica result (cluster → replicas) into a federated
// object's spec (reference §3.5 step 7): placement.clusters becomes the
// result's clusters, zero-replica ones included; every cluster of the
// result gets a /spec/replicas override with its number; clusters outside
// the result lose their /spec/replicas override and keep their others. It
// reports whether the spec changed; an unchanged spec is left untouched.
// Override values are compared as JSON numbers, so 5 and 5.0 are equal.
func Apply(spec *typesv1beta1.FederatedSpec, result map[string]int64) bool {
	changed := applyPlacement(spec, result)
	return applyOverrides(spec, result) || changed
}

func applyPlacement(spec *typesv1beta1.FederatedSpec, result map[string]int64) bool {
	want := slices.Sorted(maps.Keys(result))
	if spec.Placement != nil && spec.Placement.Clusters != nil {
		have := make([]string, len(spec.Placement.Clusters))
		for i, c := range spec.Placement.Clusters {
			have[i] = c.Name
		}
		slices.Sort(have)
		if slices.Equal(slices.Compact(have), want) {
			return false
		}
	}
	if spec.Placement == nil {
		spec.Placement = &typesv1beta1.Placement{}
	}
	spec.Placement.Clusters = make([]typesv1beta1.ClusterReference, len(want))
	for i, name := range want {
		spec.Placement.Clusters[i] = typesv1beta1.ClusterReference{Name: name}
	}
	return true
}

func applyOverrides(spec *typesv1beta1.FederatedSpec, result map[string]int64) bool {
	changed := false
	seen := map[string]bool{}
	kept := spec.Overrides[:0:0]
	for _, o := range spec.Overrides {
		replicas, scheduled := result[o.ClusterName]
		if scheduled && !seen[o.ClusterName] {
			seen[o.ClusterName] = true
			var set bool
			o.ClusterOverrides, set = setReplicas(o.ClusterOverrides, replicas)
			changed = changed || set
		} else {
			var removed bool
			o.ClusterOverrides, removed = removeReplicas(o.ClusterOverrides)
			changed = changed || removed
			if removed && len(o.ClusterOverrides) == 0 {
				continue
			}
		}
		kept = append(kept, o)
	}
	for _, name := range slices.Sorted(maps.Keys(result)) {
		if !seen[name] {
			kept = append(kept, typesv1beta1.Override{ClusterName: name,
				ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: ReplicasPath, Value: number(result[name])}}})
			changed = true
		}
	}
	if changed {
		spec.Overrides = kept
	}
	return changed
}

// setReplicas makes the first /spec/replicas operation replace the value
// with n (dropping any later ones), or appends one.
func setReplicas(ops []typesv1beta1.ClusterOverride, n int64) ([]typesv1beta1.ClusterOverride, bool) {
	out := make([]typesv1beta1.ClusterOverride, 0, len(ops)+1)
	found, changed := false, false
	for _, op := range ops {
		if op.Path != ReplicasPath {
			out = append(out, op)
			continue
		}
		if found {
			changed = true
			continue
		}
		found = true
		if op.Op == typesv1beta1.OverrideOpRemove || !sameNumber(op.Value, n) {
			op.Op, op.Value, changed = typesv1beta1.OverrideOpDefault, number(n), true
		}
		out = append(out, op)
	}
	if !found {
		out = append(out, typesv1beta1.ClusterOverride{Path: ReplicasPath, Value: number(n)})
		changed = true
	}
	if !changed {
		return ops, false
	}
	return out, true
}

// removeReplicas drops the /spec/replicas operations.
func removeReplicas(ops []typesv1beta1.ClusterOverride) ([]typesv1beta1.ClusterOverride, bool) {
	out := slices.DeleteFunc(slices.Clone(ops), func(op typesv1beta1.ClusterOverride) bool { return op.Path == ReplicasPath })
	if len(out) == len(ops) {
		return ops, false
	}
	return out, true
}

func number(n int64) *apiextensionsv1.JSON {
	return &apiextensionsv1.JSON{Raw: []byte(strconv.FormatInt(n, 10))}
}

// sameNumber reports whether a JSON value is the number n, compared as
// float64 as KubeFed did.
func sameNumber(v *apiextensionsv1.JSON, n int64) bool {
	if v == nil {
		return false
	}
	var f float64
	return json.Unmarshal(v.Raw, &f) == nil && f == float64(n)
}

// Scheduled returns the replicas the first /spec/replicas override of a
// cluster gives it, or -1 when it has none (or its value is not a number).
func Scheduled(spec *typesv1beta1.FederatedSpec, cluster string) int64 {
	for _, o := range spec.Overrides {
		if o.ClusterName != cluster {
			continue
		}
		for _, op := range o.ClusterOverrides {
			if op.Path != ReplicasPath || op.Op == typesv1beta1.OverrideOpRemove || op.Value == nil {
				continue
			}
			var f float64
			if json.Unmarshal(op.Value.Raw, &f) != nil {
				return -1
			}
			return int64(f)
		}
	}
	return -1
}
