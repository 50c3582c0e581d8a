package v1beta1

import (
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// kubefedStyleCRD is a federated CRD shaped as KubeFed created them: its
// status clusters have no message, and there is no aggregated status.
func kubefedStyleCRD() *apiextensionsv1.CustomResourceDefinition {
	crd := FederatedCRD(TargetType{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps", Scope: apiextensionsv1.NamespaceScoped}, "", "")
	status := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"]
	clusters := status.Properties["clusters"]
	delete(clusters.Items.Schema.Properties, "message")
	status.Properties["clusters"] = clusters
	delete(status.Properties, "aggregated")
	crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"] = status
	return crd
}

func TestStatusFieldsMissing(t *testing.T) {
	current := FederatedCRD(TargetType{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps", Scope: apiextensionsv1.NamespaceScoped}, "", "")
	if got := StatusFieldsMissing(current); len(got) > 0 {
		t.Errorf("the current CRD lacks %v", got)
	}
	if got, want := StatusFieldsMissing(kubefedStyleCRD()), []string{"status.aggregated", "status.clusters[].message"}; !slices.Equal(got, want) {
		t.Errorf("KubeFed-style CRD: got %v, want %v", got, want)
	}
	noStatus := current.DeepCopy()
	delete(noStatus.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties, "status")
	if got := StatusFieldsMissing(noStatus); !slices.Equal(got, []string{"status"}) {
		t.Errorf("CRD without status: got %v, want [status]", got)
	}
}

func TestMissingFields(t *testing.T) {
	yes := true
	obj := func(props map[string]apiextensionsv1.JSONSchemaProps) *apiextensionsv1.JSONSchemaProps {
		return &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: props}
	}
	want := obj(map[string]apiextensionsv1.JSONSchemaProps{
		"a": *obj(map[string]apiextensionsv1.JSONSchemaProps{"b": {Type: "string"}, "c": {Type: "string"}}),
		"d": {Type: "string"},
	})
	for _, tc := range []struct {
		name string
		have *apiextensionsv1.JSONSchemaProps
		want []string
	}{
		{"same", want, nil},
		{"nested field missing", obj(map[string]apiextensionsv1.JSONSchemaProps{
			"a": *obj(map[string]apiextensionsv1.JSONSchemaProps{"b": {Type: "string"}}), "d": {Type: "string"}}), []string{"a.c"}},
		{"parent missing: only the parent is listed", obj(map[string]apiextensionsv1.JSONSchemaProps{"d": {Type: "string"}}), []string{"a"}},
		{"kept whole", &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: &yes}, nil},
		{"any properties allowed", &apiextensionsv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Allows: true}}, nil},
	} {
		if got := MissingFields(tc.have, want, ""); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
