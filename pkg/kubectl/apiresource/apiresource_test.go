package apiresource

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func discovered() []Resource {
	return FromDiscovery([]*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "configmaps", SingularName: "configmap", Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"}},
			{Name: "pods", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}},
			{Name: "pods/log", Kind: "Pod", Namespaced: true},
			{Name: "events", SingularName: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}},
			{Name: "namespaces", SingularName: "namespace", Kind: "Namespace", ShortNames: []string{"ns"}},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", SingularName: "deployment", Kind: "Deployment", Namespaced: true, ShortNames: []string{"deploy"}},
			{Name: "deployments/scale", Kind: "Scale", Namespaced: true},
		}},
		{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{
			{Name: "events", SingularName: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}},
		}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{
			{Name: "widgets", SingularName: "widget", Kind: "Widget", Namespaced: true},
		}},
		{GroupVersion: "other.io/v2", APIResources: []metav1.APIResource{
			{Name: "widgets", SingularName: "widget", Kind: "Widget"},
		}},
	})
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name    string
		want    string // qualified name
		wantErr string
	}{
		{name: "configmaps", want: "configmaps"},
		{name: "configmap", want: "configmaps"},
		{name: "ConfigMap", want: "configmaps"},
		{name: "CONFIGMAP", want: "configmaps"},
		{name: "cm", want: "configmaps"},
		{name: "deploy", want: "deployments.apps"},
		{name: "deployments.apps", want: "deployments.apps"},
		{name: "Deployment", want: "deployments.apps"},
		{name: "ns", want: "namespaces"},
		{name: "events", want: "events"}, // the core group wins
		{name: "events.events.k8s.io", want: "events.events.k8s.io"},
		{name: "widgets.other.io", want: "widgets.other.io"},
		{name: "widget", wantErr: `Multiple resources are matched by "widget": widgets.example.com, widgets.other.io. A group-qualified plural name must be provided.`},
		{name: "gadgets", wantErr: `Unable to find api resource named "gadgets".`},
		{name: "pods/log", wantErr: `Unable to find api resource named "pods/log".`},
	}
	resources := discovered()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Resolve(resources, c.name)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("Resolve(%q) error = %v, want %q", c.name, err, c.wantErr)
				}
				if strings.HasPrefix(c.wantErr, "Unable") != IsNotFound(err) {
					t.Errorf("IsNotFound(%v) = %v", err, IsNotFound(err))
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", c.name, err)
			}
			if got.QualifiedName() != c.want {
				t.Errorf("Resolve(%q) = %s, want %s", c.name, got.QualifiedName(), c.want)
			}
		})
	}
}

func TestFromDiscoveryNotesScaleAndDefaultsSingular(t *testing.T) {
	byName := map[string]Resource{}
	for _, r := range discovered() {
		byName[r.QualifiedName()] = r
	}
	if !byName["deployments.apps"].Scalable || byName["configmaps"].Scalable {
		t.Errorf("scale subresource not noted: %+v", byName)
	}
	if byName["pods"].Singular != "pod" {
		t.Errorf("singular of pods = %q, want pod", byName["pods"].Singular)
	}
	if _, ok := byName["pods/log"]; ok {
		t.Error("subresource pods/log listed as a resource")
	}
	tt := byName["deployments.apps"].TargetType()
	if tt.Group != "apps" || tt.PluralName != "deployments" || tt.Scope != "Namespaced" || !tt.Scalable || tt.ShortNames[0] != "deploy" {
		t.Errorf("TargetType = %+v", tt)
	}
}
