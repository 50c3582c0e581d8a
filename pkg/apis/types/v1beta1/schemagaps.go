package v1beta1

import (
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// MissingFields lists, as paths such as "status.clusters[].message", the
// fields that want declares and have does not, so that the API server would
// drop them from objects of have's schema. A field under one that have keeps
// whole (x-kubernetes-preserve-unknown-fields) is not missing; under a
// missing field only the missing field itself is listed. The paths are
// sorted; prefix is prepended to them ("" at the root).
func MissingFields(have, want *apiextensionsv1.JSONSchemaProps, prefix string) []string {
	var missing []string
	collectMissing(have, want, prefix, &missing)
	sort.Strings(missing)
	return missing
}

func collectMissing(have, want *apiextensionsv1.JSONSchemaProps, path string, missing *[]string) {
	if want == nil || have == nil || (have.XPreserveUnknownFields != nil && *have.XPreserveUnknownFields) {
		return
	}
	for name, wantProp := range want.Properties {
		child := name
		if path != "" {
			child = path + "." + name
		}
		haveProp, ok := have.Properties[name]
		if !ok {
			if have.AdditionalProperties == nil || !have.AdditionalProperties.Allows {
				*missing = append(*missing, child)
			}
			continue
		}
		collectMissing(&haveProp, &wantProp, child, missing)
	}
	if want.Items != nil && want.Items.Schema != nil && have.Items != nil && have.Items.Schema != nil {
		collectMissing(have.Items.Schema, want.Items.Schema, path+"[]", missing)
	}
}

// StatusFieldsMissing lists the status fields the syncer writes that the
// schema of a federated CRD (one created by KubeFed, say) lacks, so that the
// API server drops them: e.g. "status.clusters[].message". It looks at the
// CRD's storage version; a CRD without a schema lacks nothing.
func StatusFieldsMissing(crd *apiextensionsv1.CustomResourceDefinition) []string {
	for _, v := range crd.Spec.Versions {
		if !v.Storage || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		want := statusSchema()
		have, ok := v.Schema.OpenAPIV3Schema.Properties["status"]
		if !ok {
			return MissingFields(v.Schema.OpenAPIV3Schema, &apiextensionsv1.JSONSchemaProps{
				Properties: map[string]apiextensionsv1.JSONSchemaProps{"status": want}}, "")
		}
		return MissingFields(&have, &want, "status")
	}
	return nil
}
