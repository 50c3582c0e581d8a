package v1beta1

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestFederatedCRDNames(t *testing.T) {
	tests := []struct {
		name             string
		target           TargetType
		group, version   string
		wantName         string
		wantGroup        string
		wantVersion      string
		wantKind         string
		wantPlural       string
		wantSingular     string
		wantShortNames   []string
		wantScope        apiextensionsv1.ResourceScope
		wantFederatedRes string
	}{
		{
			name: "deployments.apps with defaults",
			target: TargetType{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments",
				Scope: apiextensionsv1.NamespaceScoped, ShortNames: []string{"deploy"}, Scalable: true},
			wantName:       "federateddeployments.types.kubefed.io",
			wantGroup:      "types.kubefed.io",
			wantVersion:    "v1beta1",
			wantKind:       "FederatedDeployment",
			wantPlural:     "federateddeployments",
			wantSingular:   "federateddeployment",
			wantShortNames: []string{"fdeploy"},
			wantScope:      apiextensionsv1.NamespaceScoped,
		},
		{
			name: "configmaps in a custom group and version",
			target: TargetType{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps",
				Scope: apiextensionsv1.NamespaceScoped, ShortNames: []string{"cm"}},
			group: "fed.example.com", version: "v1alpha1",
			wantName:       "federatedconfigmaps.fed.example.com",
			wantGroup:      "fed.example.com",
			wantVersion:    "v1alpha1",
			wantKind:       "FederatedConfigMap",
			wantPlural:     "federatedconfigmaps",
			wantSingular:   "federatedconfigmap",
			wantShortNames: []string{"fcm"},
			wantScope:      apiextensionsv1.NamespaceScoped,
		},
		{
			name: "namespaces become a namespaced FederatedNamespace",
			target: TargetType{Version: "v1", Kind: "Namespace", PluralName: "namespaces",
				Scope: apiextensionsv1.ClusterScoped, ShortNames: []string{"ns"}},
			wantName:       "federatednamespaces.types.kubefed.io",
			wantGroup:      "types.kubefed.io",
			wantVersion:    "v1beta1",
			wantKind:       "FederatedNamespace",
			wantPlural:     "federatednamespaces",
			wantSingular:   "federatednamespace",
			wantShortNames: []string{"fns"},
			wantScope:      apiextensionsv1.NamespaceScoped,
		},
		{
			name: "a non-core namespaces resource keeps its scope",
			target: TargetType{Group: "example.com", Version: "v1", Kind: "Namespace", PluralName: "namespaces",
				Scope: apiextensionsv1.ClusterScoped},
			wantName:     "federatednamespaces.types.kubefed.io",
			wantGroup:    "types.kubefed.io",
			wantVersion:  "v1beta1",
			wantKind:     "FederatedNamespace",
			wantPlural:   "federatednamespaces",
			wantSingular: "federatednamespace",
			wantScope:    apiextensionsv1.ClusterScoped,
		},
		{
			name: "clusterroles stay cluster-scoped",
			target: TargetType{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole",
				PluralName: "clusterroles", Scope: apiextensionsv1.ClusterScoped},
			wantName:     "federatedclusterroles.types.kubefed.io",
			wantGroup:    "types.kubefed.io",
			wantVersion:  "v1beta1",
			wantKind:     "FederatedClusterRole",
			wantPlural:   "federatedclusterroles",
			wantSingular: "federatedclusterrole",
			wantScope:    apiextensionsv1.ClusterScoped,
		},
		{
			name: "plural name derived from the kind",
			target: TargetType{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress",
				Scope: apiextensionsv1.NamespaceScoped, ShortNames: []string{"ing"}},
			wantName:       "federatedingresses.types.kubefed.io",
			wantGroup:      "types.kubefed.io",
			wantVersion:    "v1beta1",
			wantKind:       "FederatedIngress",
			wantPlural:     "federatedingresses",
			wantSingular:   "federatedingress",
			wantShortNames: []string{"fing"},
			wantScope:      apiextensionsv1.NamespaceScoped,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crd := FederatedCRD(tt.target, tt.group, tt.version)
			if crd.APIVersion != "apiextensions.k8s.io/v1" || crd.Kind != "CustomResourceDefinition" {
				t.Errorf("TypeMeta = %s %s", crd.APIVersion, crd.Kind)
			}
			if crd.Name != tt.wantName {
				t.Errorf("name = %q, want %q", crd.Name, tt.wantName)
			}
			if crd.Spec.Group != tt.wantGroup {
				t.Errorf("group = %q, want %q", crd.Spec.Group, tt.wantGroup)
			}
			names := crd.Spec.Names
			if names.Kind != tt.wantKind || names.ListKind != tt.wantKind+"List" {
				t.Errorf("kind, listKind = %q, %q, want %q, %qList", names.Kind, names.ListKind, tt.wantKind, tt.wantKind)
			}
			if names.Plural != tt.wantPlural || names.Singular != tt.wantSingular {
				t.Errorf("plural, singular = %q, %q, want %q, %q", names.Plural, names.Singular, tt.wantPlural, tt.wantSingular)
			}
			if !reflect.DeepEqual(names.ShortNames, tt.wantShortNames) {
				t.Errorf("shortNames = %v, want %v", names.ShortNames, tt.wantShortNames)
			}
			if crd.Spec.Scope != tt.wantScope {
				t.Errorf("scope = %q, want %q", crd.Spec.Scope, tt.wantScope)
			}
			if len(crd.Spec.Versions) != 1 {
				t.Fatalf("got %d versions, want 1", len(crd.Spec.Versions))
			}
			v := crd.Spec.Versions[0]
			if v.Name != tt.wantVersion || !v.Served || !v.Storage {
				t.Errorf("version = %q served=%v storage=%v, want %q served and storage", v.Name, v.Served, v.Storage, tt.wantVersion)
			}
			if v.Subresources == nil || v.Subresources.Status == nil || v.Subresources.Scale != nil {
				t.Errorf("subresources = %+v, want status only", v.Subresources)
			}
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				t.Fatal("no schema")
			}

			fed := FederatedAPIResource(tt.target, tt.group, tt.version)
			if fed.QualifiedName() != crd.Name || fed.Kind != names.Kind || fed.PluralName != names.Plural ||
				fed.Group != crd.Spec.Group || fed.Version != v.Name || fed.Scope != crd.Spec.Scope {
				t.Errorf("FederatedAPIResource = %+v does not match the CRD", fed)
			}
		})
	}
}

func TestFederatedCRDRetainReplicas(t *testing.T) {
	for _, scalable := range []bool{false, true} {
		crd := FederatedCRD(TargetType{Group: "apps", Version: "v1", Kind: "Deployment", Scope: apiextensionsv1.NamespaceScoped, Scalable: scalable}, "", "")
		spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
		prop, ok := spec.Properties["retainReplicas"]
		if ok != scalable {
			t.Errorf("scalable=%v: retainReplicas present=%v", scalable, ok)
		}
		if ok && prop.Type != "boolean" {
			t.Errorf("retainReplicas type = %q, want boolean", prop.Type)
		}
	}
}

// schemaAt walks properties (and array items, written as "[]") from the root.
func schemaAt(t *testing.T, root *apiextensionsv1.JSONSchemaProps, path ...string) apiextensionsv1.JSONSchemaProps {
	t.Helper()
	s := *root
	for i, p := range path {
		if p == "[]" {
			if s.Type != "array" || s.Items == nil || s.Items.Schema == nil {
				t.Fatalf("%v is not an array with items", path[:i])
			}
			s = *s.Items.Schema
			continue
		}
		next, ok := s.Properties[p]
		if !ok {
			t.Fatalf("no property %q at %v", p, path[:i])
		}
		s = next
	}
	return s
}

func TestFederatedSchemaShape(t *testing.T) {
	root := FederatedSchema(false)
	preserve := func(s apiextensionsv1.JSONSchemaProps) bool {
		return s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields
	}

	tests := []struct {
		path         []string
		wantType     string
		wantRequired []string
		wantPattern  string
		wantFormat   string
		wantPreserve bool
	}{
		{path: nil, wantType: "object", wantRequired: []string{"spec"}},
		{path: []string{"apiVersion"}, wantType: "string"},
		{path: []string{"kind"}, wantType: "string"},
		{path: []string{"metadata"}, wantType: "object"},
		{path: []string{"spec"}, wantType: "object"},
		{path: []string{"spec", "template"}, wantType: "object", wantPreserve: true},
		{path: []string{"spec", "placement"}, wantType: "object"},
		{path: []string{"spec", "placement", "clusters"}, wantType: "array"},
		{path: []string{"spec", "placement", "clusters", "[]"}, wantType: "object", wantRequired: []string{"name"}},
		{path: []string{"spec", "placement", "clusters", "[]", "name"}, wantType: "string"},
		{path: []string{"spec", "placement", "clusterSelector"}, wantType: "object"},
		{path: []string{"spec", "placement", "clusterSelector", "matchLabels"}, wantType: "object"},
		{path: []string{"spec", "placement", "clusterSelector", "matchExpressions", "[]"}, wantType: "object", wantRequired: []string{"key", "operator"}},
		{path: []string{"spec", "placement", "clusterSelector", "matchExpressions", "[]", "values", "[]"}, wantType: "string"},
		{path: []string{"spec", "placement", "tolerations", "[]", "effect"}, wantType: "string", wantPattern: "^(NoSchedule|NoExecute)?$"},
		{path: []string{"spec", "overrides", "[]"}, wantType: "object"},
		{path: []string{"spec", "overrides", "[]", "clusterName"}, wantType: "string"},
		{path: []string{"spec", "overrides", "[]", "clusterOverrides", "[]"}, wantType: "object", wantRequired: []string{"path"}},
		{path: []string{"spec", "overrides", "[]", "clusterOverrides", "[]", "op"}, wantType: "string", wantPattern: "^(add|remove|replace)?$"},
		{path: []string{"spec", "overrides", "[]", "clusterOverrides", "[]", "path"}, wantType: "string"},
		{path: []string{"spec", "overrides", "[]", "clusterOverrides", "[]", "value"}, wantType: "", wantPreserve: true},
		{path: []string{"status"}, wantType: "object"},
		{path: []string{"status", "observedGeneration"}, wantType: "integer", wantFormat: "int64"},
		{path: []string{"status", "conditions", "[]"}, wantType: "object", wantRequired: []string{"type", "status"}},
		{path: []string{"status", "conditions", "[]", "reason"}, wantType: "string"},
		{path: []string{"status", "conditions", "[]", "lastUpdateTime"}, wantType: "string", wantFormat: "date-time"},
		{path: []string{"status", "conditions", "[]", "lastTransitionTime"}, wantType: "string", wantFormat: "date-time"},
		{path: []string{"status", "clusters", "[]"}, wantType: "object", wantRequired: []string{"name"}},
		{path: []string{"status", "clusters", "[]", "status"}, wantType: "string"},
		{path: []string{"status", "clusters", "[]", "remoteStatus"}, wantType: "object", wantPreserve: true},
		{path: []string{"status", "clusters", "[]", "version"}, wantType: "string"},
		{path: []string{"status", "conditions", "[]", "message"}, wantType: "string"},
		{path: []string{"status", "aggregated"}, wantType: "object", wantRequired: []string{"clustersReady", "clustersTotal"}},
		{path: []string{"status", "aggregated", "clustersReady"}, wantType: "integer", wantFormat: "int32"},
		{path: []string{"status", "aggregated", "readyReplicas"}, wantType: "integer", wantFormat: "int32"},
		{path: []string{"status", "aggregated", "numberReady"}, wantType: "integer", wantFormat: "int32"},
		{path: []string{"status", "aggregated", "failed"}, wantType: "integer", wantFormat: "int32"},
		{path: []string{"status", "aggregated", "loadBalancer", "[]"}, wantType: "object", wantRequired: []string{"cluster"}},
		{path: []string{"status", "aggregated", "loadBalancer", "[]", "ingress", "[]", "ip"}, wantType: "string"},
		{path: []string{"status", "aggregated", "loadBalancer", "[]", "ingress", "[]", "ports", "[]"}, wantType: "object", wantRequired: []string{"port", "protocol"}},
	}
	for _, tt := range tests {
		s := schemaAt(t, root, tt.path...)
		if s.Type != tt.wantType {
			t.Errorf("%v: type = %q, want %q", tt.path, s.Type, tt.wantType)
		}
		if !reflect.DeepEqual(s.Required, tt.wantRequired) {
			t.Errorf("%v: required = %v, want %v", tt.path, s.Required, tt.wantRequired)
		}
		if s.Pattern != tt.wantPattern {
			t.Errorf("%v: pattern = %q, want %q", tt.path, s.Pattern, tt.wantPattern)
		}
		if s.Format != tt.wantFormat {
			t.Errorf("%v: format = %q, want %q", tt.path, s.Format, tt.wantFormat)
		}
		if preserve(s) != tt.wantPreserve {
			t.Errorf("%v: x-kubernetes-preserve-unknown-fields = %v, want %v", tt.path, preserve(s), tt.wantPreserve)
		}
	}

	labels := schemaAt(t, root, "spec", "placement", "clusterSelector", "matchLabels")
	if labels.AdditionalProperties == nil || labels.AdditionalProperties.Schema == nil || labels.AdditionalProperties.Schema.Type != "string" {
		t.Errorf("matchLabels is not a map of strings: %+v", labels.AdditionalProperties)
	}
	if _, ok := schemaAt(t, root, "spec").Properties["retainReplicas"]; ok {
		t.Error("retainReplicas present for a non-scalable target")
	}
}

func TestFederatedHelpers(t *testing.T) {
	if got := FederatedKind("Secret"); got != "FederatedSecret" {
		t.Errorf("FederatedKind = %q", got)
	}
	if got := FederatedPluralName("secrets"); got != "federatedsecrets" {
		t.Errorf("FederatedPluralName = %q", got)
	}
	if got := FederatedShortNames(nil); got != nil {
		t.Errorf("FederatedShortNames(nil) = %v, want nil", got)
	}
	if got := FederatedShortNames([]string{"deploy", "d"}); !reflect.DeepEqual(got, []string{"fdeploy", "fd"}) {
		t.Errorf("FederatedShortNames = %v", got)
	}
	target := TargetType{Group: "apps", Version: "v1", Kind: "ReplicaSet", Scope: apiextensionsv1.NamespaceScoped}
	if got := target.APIResource().QualifiedName(); got != "replicasets.apps" {
		t.Errorf("target QualifiedName = %q, want replicasets.apps", got)
	}
}

func TestFederatedCRDIsFresh(t *testing.T) {
	// Two calls must not share mutable state.
	a := FederatedCRD(TargetType{Version: "v1", Kind: "Secret", Scope: apiextensionsv1.NamespaceScoped}, "", "")
	b := FederatedCRD(TargetType{Version: "v1", Kind: "Secret", Scope: apiextensionsv1.NamespaceScoped}, "", "")
	a.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["placement"].Properties["clusters"].Items.Schema.Required[0] = "changed"
	if !reflect.DeepEqual(b, FederatedCRD(TargetType{Version: "v1", Kind: "Secret", Scope: apiextensionsv1.NamespaceScoped}, "", "")) {
		t.Error("mutating one CRD changed another")
	}
}

func TestPropagationStatusIsRecoverable(t *testing.T) {
	recoverable := []PropagationStatus{CreationFailed, UpdateFailed, DeletionFailed, LabelRemovalFailed,
		RetrievalFailed, ClientRetrievalFailed, CreationTimedOut, UpdateTimedOut, DeletionTimedOut, LabelRemovalTimedOut}
	terminal := []PropagationStatus{ClusterPropagationOK, WaitingForRemoval, ClusterNotReady, CachedRetrievalFailed,
		ComputeResourceFailed, ApplyOverridesFailed, AlreadyExists, FieldRetentionFailed, VersionRetrievalFailed, ManagedLabelFalse}
	for _, s := range recoverable {
		if !s.IsRecoverable() {
			t.Errorf("%q: IsRecoverable = false, want true", s)
		}
	}
	for _, s := range terminal {
		if s.IsRecoverable() {
			t.Errorf("%q: IsRecoverable = true, want false", s)
		}
	}
}
