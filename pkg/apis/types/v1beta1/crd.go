package v1beta1

import (
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// TargetType describes the type a Federated<Kind> wraps, as discovery (or
// the target's CRD) reports it. It is an input, not an API type.
//
// +kubebuilder:object:generate=false
type TargetType struct {
	// Group is the API group; empty for the core group.
	Group string
	// Version is the API version, e.g. v1.
	Version string
	// Kind is the camel-cased kind, e.g. Deployment.
	Kind string
	// PluralName is the plural resource name, e.g. deployments. When empty
	// it is derived from Kind with corev1beta1.PluralName.
	PluralName string
	// Scope is Namespaced or Cluster.
	Scope apiextensionsv1.ResourceScope
	// ShortNames are the target's short names, e.g. deploy.
	ShortNames []string
	// Scalable is true when the target's schema has an integer
	// spec.replicas; the federated type then gets spec.retainReplicas.
	Scalable bool
}

// plural returns the target's plural name, derived from its kind if unset.
func (t TargetType) plural() string {
	if t.PluralName != "" {
		return t.PluralName
	}
	return corev1beta1.PluralName(t.Kind)
}

// APIResource returns the target type as a FederatedTypeConfig's
// targetType.
func (t TargetType) APIResource() corev1beta1.APIResource {
	return corev1beta1.APIResource{
		Group:      t.Group,
		Version:    t.Version,
		Kind:       t.Kind,
		PluralName: t.plural(),
		Scope:      t.Scope,
	}
}

// FederatedKind returns the kind of the federated type of a target kind:
// "Federated<Kind>".
func FederatedKind(kind string) string {
	return "Federated" + kind
}

// FederatedPluralName returns the plural name of the federated type of a
// target plural name: "federated<plural>".
func FederatedPluralName(plural string) string {
	return "federated" + plural
}

// FederatedShortNames returns the short names of the federated type: each
// target short name prefixed with "f" (deploy gives fdeploy).
func FederatedShortNames(shortNames []string) []string {
	if len(shortNames) == 0 {
		return nil
	}
	out := make([]string, 0, len(shortNames))
	for _, s := range shortNames {
		out = append(out, "f"+s)
	}
	return out
}

// FederatedScope returns the scope of the federated type of a target: the
// target's scope, except that FederatedNamespace (target: core-group
// namespaces) is Namespaced, because a FederatedNamespace lives in the
// namespace it federates.
func FederatedScope(targetGroup, targetPlural string, targetScope apiextensionsv1.ResourceScope) apiextensionsv1.ResourceScope {
	if targetGroup == "" && targetPlural == "namespaces" {
		return apiextensionsv1.NamespaceScoped
	}
	return targetScope
}

// FederatedAPIResource returns the federated type of a target as a
// FederatedTypeConfig's federatedType. An empty group or version means
// DefaultFederatedGroup or DefaultFederatedVersion.
func FederatedAPIResource(target TargetType, federatedGroup, federatedVersion string) corev1beta1.APIResource {
	if federatedGroup == "" {
		federatedGroup = DefaultFederatedGroup
	}
	if federatedVersion == "" {
		federatedVersion = DefaultFederatedVersion
	}
	plural := target.plural()
	return corev1beta1.APIResource{
		Group:      federatedGroup,
		Version:    federatedVersion,
		Kind:       FederatedKind(target.Kind),
		PluralName: FederatedPluralName(plural),
		Scope:      FederatedScope(target.Group, plural, target.Scope),
	}
}

// FederatedCRD returns the CustomResourceDefinition of the federated type of
// target, in federatedGroup/federatedVersion (DefaultFederatedGroup and
// DefaultFederatedVersion when empty). It is named
// "federated<plural>.<group>", has kind Federated<Kind>, one served and
// storage version with the status subresource, and the generic federated
// schema: spec (required) with template, placement, overrides and, for
// scalable targets, retainReplicas; status with observedGeneration,
// conditions, clusters and aggregated. The target's own schema is not embedded.
//
// The inputs are not validated; check them (e.g. with the
// FederatedTypeConfig rules) before creating the CRD.
func FederatedCRD(target TargetType, federatedGroup, federatedVersion string) *apiextensionsv1.CustomResourceDefinition {
	fed := FederatedAPIResource(target, federatedGroup, federatedVersion)
	return &apiextensionsv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{
			APIVersion: apiextensionsv1.SchemeGroupVersion.String(),
			Kind:       "CustomResourceDefinition",
		},
		ObjectMeta: metav1.ObjectMeta{Name: fed.QualifiedName()},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: fed.Group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural:     fed.PluralName,
				Singular:   strings.ToLower(fed.Kind),
				Kind:       fed.Kind,
				ListKind:   fed.Kind + "List",
				ShortNames: FederatedShortNames(target.ShortNames),
			},
			Scope: fed.Scope,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name:    fed.Version,
				Served:  true,
				Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{
					OpenAPIV3Schema: FederatedSchema(target.Scalable),
				},
				Subresources: &apiextensionsv1.CustomResourceSubresources{
					Status: &apiextensionsv1.CustomResourceSubresourceStatus{},
				},
			}},
		},
	}
}

// FederatedSchema returns the OpenAPI schema of a Federated<Kind>. Only a
// scalable target's federated type has spec.retainReplicas.
func FederatedSchema(scalable bool) *apiextensionsv1.JSONSchemaProps {
	root := objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"apiVersion": stringSchema(),
		"kind":       stringSchema(),
		"metadata":   {Type: "object"},
		"spec":       specSchema(scalable),
		"status":     statusSchema(),
	}, "spec")
	return &root
}

// specSchema is the schema of a federated object's spec.
func specSchema(scalable bool) apiextensionsv1.JSONSchemaProps {
	props := map[string]apiextensionsv1.JSONSchemaProps{
		"template":  preserveUnknownObjectSchema(),
		"placement": placementSchema(),
		"overrides": arraySchema(overrideSchema()),
	}
	if scalable {
		props["retainReplicas"] = apiextensionsv1.JSONSchemaProps{Type: "boolean"}
	}
	return objectSchema(props)
}

// placementSchema is the schema of spec.placement.
func placementSchema() apiextensionsv1.JSONSchemaProps {
	return objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"clusters": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"name": stringSchema(),
		}, "name")),
		"clusterSelector": labelSelectorSchema(),
		"tolerations": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"key":      stringSchema(),
			"operator": {Type: "string", Pattern: "^(Exists|Equal)?$"},
			"value":    stringSchema(),
			"effect":   {Type: "string", Pattern: "^(NoSchedule|NoExecute)?$"},
		})),
	})
}

// labelSelectorSchema is the schema of a metav1.LabelSelector.
func labelSelectorSchema() apiextensionsv1.JSONSchemaProps {
	return objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"matchLabels": stringMapSchema(),
		"matchExpressions": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"key":      stringSchema(),
			"operator": stringSchema(),
			"values":   arraySchema(stringSchema()),
		}, "key", "operator")),
	})
}

// overrideSchema is the schema of one entry of spec.overrides.
func overrideSchema() apiextensionsv1.JSONSchemaProps {
	props := TypedOverridersSchema()
	props["clusterName"] = stringSchema()
	props["clusterSelector"] = labelSelectorSchema()
	props["clusterOverrides"] = arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"op":    {Type: "string", Pattern: "^(add|remove|replace)?$"},
		"path":  stringSchema(),
		"value": {XPreserveUnknownFields: ptrTo(true)},
	}, "path"))
	return objectSchema(props)
}

// TypedOverridersSchema returns the properties of TypedOverriders. The
// values of enumerations are left to admission, whose messages say more.
func TypedOverridersSchema() map[string]apiextensionsv1.JSONSchemaProps {
	names := arraySchema(stringSchema())
	args := arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"containerNames": names,
		"operation":      stringSchema(),
		"values":         arraySchema(stringSchema()),
	}, "values"))
	keyed := arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"operation": stringSchema(),
		"key":       stringSchema(),
		"value":     stringSchema(),
	}, "key"))
	return map[string]apiextensionsv1.JSONSchemaProps{
		"image": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"containerNames": names,
			"component":      stringSchema(),
			"operation":      stringSchema(),
			"value":          stringSchema(),
		}, "component")),
		"command": args,
		"args":    args,
		"env": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"containerNames": names,
			"operation":      stringSchema(),
			"name":           stringSchema(),
			"value":          stringSchema(),
		}, "name")),
		"labels":      keyed,
		"annotations": keyed,
	}
}

// statusSchema is the schema of a federated object's status.
func statusSchema() apiextensionsv1.JSONSchemaProps {
	return objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
		"observedGeneration": {Type: "integer", Format: "int64"},
		"conditions": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"type":               stringSchema(),
			"status":             stringSchema(),
			"reason":             stringSchema(),
			"message":            stringSchema(),
			"lastUpdateTime":     dateTimeSchema(),
			"lastTransitionTime": dateTimeSchema(),
		}, "type", "status")),
		"clusters": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"name":         stringSchema(),
			"status":       stringSchema(),
			"message":      stringSchema(),
			"remoteStatus": preserveUnknownObjectSchema(),
			"version":      stringSchema(),
		}, "name")),
		"aggregated": aggregatedSchema(),
	})
}

// aggregatedSchema is the schema of status.aggregated.
func aggregatedSchema() apiextensionsv1.JSONSchemaProps {
	props := map[string]apiextensionsv1.JSONSchemaProps{
		"loadBalancer": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
			"cluster": stringSchema(),
			"ingress": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
				"ip":       stringSchema(),
				"hostname": stringSchema(),
				"ipMode":   stringSchema(),
				"ports": arraySchema(objectSchema(map[string]apiextensionsv1.JSONSchemaProps{
					"port":     int32Schema(),
					"protocol": stringSchema(),
					"error":    stringSchema(),
				}, "port", "protocol")),
			})),
		}, "cluster")),
	}
	for _, name := range []string{
		"clustersReady", "clustersTotal",
		"replicas", "readyReplicas", "availableReplicas", "updatedReplicas",
		"desiredNumberScheduled", "numberReady",
		"active", "succeeded", "failed",
	} {
		props[name] = int32Schema()
	}
	return objectSchema(props, "clustersReady", "clustersTotal")
}

// objectSchema is an object with the given properties and required keys.
func objectSchema(props map[string]apiextensionsv1.JSONSchemaProps, required ...string) apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{Type: "object", Properties: props, Required: required}
}

// arraySchema is an array of items.
func arraySchema(items apiextensionsv1.JSONSchemaProps) apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{
		Type:  "array",
		Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &items},
	}
}

// stringSchema is a string.
func stringSchema() apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{Type: "string"}
}

// int32Schema is a 32-bit integer.
func int32Schema() apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{Type: "integer", Format: "int32"}
}

// dateTimeSchema is an RFC 3339 date-time string.
func dateTimeSchema() apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{Type: "string", Format: "date-time"}
}

// stringMapSchema is a map of strings to strings.
func stringMapSchema() apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{
		Type: "object",
		AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{
			Allows: true,
			Schema: &apiextensionsv1.JSONSchemaProps{Type: "string"},
		},
	}
}

// preserveUnknownObjectSchema is an object whose content is kept as is.
func preserveUnknownObjectSchema() apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptrTo(true)}
}

func ptrTo[T any](v T) *T {
	return &v
}
