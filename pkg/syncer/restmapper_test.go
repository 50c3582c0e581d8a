package syncer

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// countingMapper answers every kind as namespaced, except those of
// missing, and counts the lookups.
type countingMapper struct {
	meta.RESTMapper
	lookups int
	missing string
}

func (c *countingMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	c.lookups++
	if gk.Kind == c.missing {
		return nil, errors.New("no matches for kind " + gk.Kind)
	}
	return &meta.RESTMapping{GroupVersionKind: gk.WithVersion(versions[0]), Scope: meta.RESTScopeNamespace}, nil
}

func TestFixedMappingsAreLookedUpOnceAndOthersEveryTime(t *testing.T) {
	for _, tc := range []struct {
		name        string
		gk          schema.GroupKind
		wantLookups int
	}{
		{"a policy kind", schema.GroupKind{Group: "policy.kubefed.io", Kind: "FederationPolicyList"}, 1},
		{"a core.kubefed.io kind", schema.GroupKind{Group: "core.kubefed.io", Kind: "KubeFedClusterList"}, 1},
		{"a federated type, whose CRD kubectl fed enable may re-create", schema.GroupKind{Group: "types.kubefed.io", Kind: "FederatedFoo"}, 3},
		{"a built-in kind", schema.GroupKind{Group: "apps", Kind: "Deployment"}, 3},
		{"a kind not installed yet", schema.GroupKind{Group: "policy.kubefed.io", Kind: "Missing"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counting := &countingMapper{missing: "Missing"}
			m := &fixedMappings{RESTMapper: counting, found: map[string]meta.RESTMapping{}}
			for range 3 {
				mapping, err := m.RESTMapping(tc.gk, "v1alpha1")
				if tc.gk.Kind == "Missing" {
					if err == nil {
						t.Fatalf("RESTMapping(%v) of a missing kind answered %+v", tc.gk, mapping)
					}
					continue
				}
				if err != nil || mapping.Scope != meta.RESTScopeNamespace || mapping.GroupVersionKind != tc.gk.WithVersion("v1alpha1") {
					t.Fatalf("RESTMapping(%v) = %+v, %v", tc.gk, mapping, err)
				}
			}
			if counting.lookups != tc.wantLookups {
				t.Errorf("3 lookups of %v asked the mapper %d times; want %d", tc.gk, counting.lookups, tc.wantLookups)
			}
		})
	}
}

func TestFixedMappingsKeepVersionsApart(t *testing.T) {
	m := &fixedMappings{RESTMapper: &countingMapper{}, found: map[string]meta.RESTMapping{}}
	gk := schema.GroupKind{Group: "core.kubefed.io", Kind: "KubeFedConfig"}
	for _, v := range []string{"v1beta1", "v1alpha1", "v1beta1"} {
		mapping, err := m.RESTMapping(gk, v)
		if err != nil || mapping.GroupVersionKind.Version != v {
			t.Fatalf("RESTMapping(%v, %s) = %+v, %v", gk, v, mapping, err)
		}
	}
}
