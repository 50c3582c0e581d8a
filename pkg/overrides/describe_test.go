package overrides

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestOverriders(t *testing.T) {
	cases := []struct {
		name string
		set  Set
		want []string
	}{
		{"none", Set{Source: "spec.overrides[0]"}, nil},
		{"patches, default op replace", Set{Patches: []typesv1beta1.ClusterOverride{
			{Path: "/spec/replicas", Value: &apiextensionsv1.JSON{Raw: []byte("5")}},
			{Op: typesv1beta1.OverrideOpAdd, Path: "/metadata/labels/tier", Value: &apiextensionsv1.JSON{Raw: []byte(`"web"`)}},
			{Op: typesv1beta1.OverrideOpRemove, Path: "/spec/paused"},
		}}, []string{"replace /spec/replicas = 5", `add /metadata/labels/tier = "web"`, "remove /spec/paused"}},
		{"typed, in the order they apply, after the patches", Set{
			Patches: []typesv1beta1.ClusterOverride{{Op: typesv1beta1.OverrideOpRemove, Path: "/spec/paused"}},
			Typed: &typesv1beta1.TypedOverriders{
				Annotations: []typesv1beta1.MapOverrider{{Operation: typesv1beta1.OverriderRemove, Key: "note"}},
				Labels:      []typesv1beta1.MapOverrider{{Key: "region", Value: "eu"}},
				Env: []typesv1beta1.EnvOverrider{{Name: "MODE", Value: "eu"},
					{Operation: typesv1beta1.OverriderRemove, Name: "DEBUG", ContainerNames: []string{"web"}}},
				Args:    []typesv1beta1.ArgsOverrider{{Operation: typesv1beta1.OverriderRemove, Values: []string{"--verbose"}}},
				Command: []typesv1beta1.ArgsOverrider{{Values: []string{"--region", "eu"}, ContainerNames: []string{"web", "sidecar"}}},
				Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Value: "eu.example.com"},
					{Component: typesv1beta1.ImageTag, Operation: typesv1beta1.OverriderRemove, ContainerNames: []string{"web"}}},
			}}, []string{
			"remove /spec/paused",
			"image registry: replace eu.example.com (all containers)",
			"image tag: remove (containers web)",
			`command: append ["--region" "eu"] (containers web, sidecar)`,
			`args: remove ["--verbose"] (all containers)`,
			"env: set MODE=eu (all containers)",
			"env: remove DEBUG (containers web)",
			"labels: replace region=eu",
			"annotations: remove note",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.set.Overriders(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Overriders =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
