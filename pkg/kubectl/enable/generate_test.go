package enable

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestTypeConfig(t *testing.T) {
	ns := TypeConfig("kf", typesv1beta1.TargetType{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: apiextensionsv1.ClusterScoped}, "", "")
	if ns.Name != "namespaces" || ns.Namespace != "kf" || ns.Spec.Propagation != corev1beta1.PropagationEnabled {
		t.Errorf("FTC = %+v", ns)
	}
	if ns.Spec.TargetType.Scope != apiextensionsv1.ClusterScoped || ns.Spec.FederatedType.Scope != apiextensionsv1.NamespaceScoped {
		t.Errorf("FederatedNamespace must be namespaced while Namespace is not: %+v", ns.Spec)
	}
	d := TypeConfig("kf", typesv1beta1.TargetType{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: apiextensionsv1.NamespaceScoped}, "fed.example.io", "v2")
	want := corev1beta1.APIResource{Group: "fed.example.io", Version: "v2", Kind: "FederatedDeployment", PluralName: "federateddeployments", Scope: apiextensionsv1.NamespaceScoped}
	if d.Name != "deployments.apps" || d.Spec.FederatedType != want {
		t.Errorf("FTC = %s %+v", d.Name, d.Spec.FederatedType)
	}
}

func TestTypeConfigStatusCollection(t *testing.T) {
	tests := []struct {
		group, kind, plural string
		want                *corev1beta1.StatusCollectionMode
	}{
		{"apps", "Deployment", "deployments", ptr(corev1beta1.StatusCollectionEnabled)},
		{"apps", "ReplicaSet", "replicasets", ptr(corev1beta1.StatusCollectionEnabled)},
		{"apps", "StatefulSet", "statefulsets", ptr(corev1beta1.StatusCollectionEnabled)},
		{"apps", "DaemonSet", "daemonsets", ptr(corev1beta1.StatusCollectionEnabled)},
		{"batch", "Job", "jobs", ptr(corev1beta1.StatusCollectionEnabled)},
		{"", "Service", "services", ptr(corev1beta1.StatusCollectionEnabled)},
		{"", "ConfigMap", "configmaps", nil},
		{"batch", "CronJob", "cronjobs", nil},
		{"example.com", "Deployment", "deployments", nil},
	}
	for _, tt := range tests {
		ftc := TypeConfig("kf", typesv1beta1.TargetType{Group: tt.group, Version: "v1", Kind: tt.kind, PluralName: tt.plural, Scope: apiextensionsv1.NamespaceScoped}, "", "")
		got := ftc.Spec.StatusCollection
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("%s: statusCollection = %v, want %v", ftc.Name, deref(got), deref(tt.want))
		}
	}
}

func ptr[T any](v T) *T { return &v }

func deref(m *corev1beta1.StatusCollectionMode) string {
	if m == nil {
		return "<unset>"
	}
	return string(*m)
}

func TestEquivalent(t *testing.T) {
	res := func(group, version, plural string) corev1beta1.APIResource {
		return corev1beta1.APIResource{Group: group, Version: version, PluralName: plural}
	}
	for plural, gvs := range equivalentGroupVersions {
		first := strings.SplitN(gvs[0], "/", 2)
		for _, gv := range gvs[1:] {
			other := strings.SplitN(gv, "/", 2)
			if other[0] == first[0] {
				continue // same group: the same FTC name, not an equivalent type
			}
			if !Equivalent(res(first[0], first[1], plural), res(other[0], other[1], plural)) {
				t.Errorf("%s: %s is not equivalent to %s", plural, gv, gvs[0])
			}
		}
	}
	cases := []struct {
		a, b corev1beta1.APIResource
		want bool
	}{
		{res("apps", "v1", "deployments"), res("extensions", "v1beta1", "deployments"), true},
		{res("apps", "v1", "deployments"), res("apps", "v1", "deployments"), false},
		{res("apps", "v1", "deployments"), res("example.com", "v1", "deployments"), false},
		{res("networking.k8s.io", "v1", "ingresses"), res("extensions", "v1beta1", "ingresses"), false},
		{res("networking.k8s.io", "v1beta1", "ingresses"), res("extensions", "v1beta1", "ingresses"), true},
		{res("", "v1", "configmaps"), res("example.com", "v1", "configmaps"), false},
	}
	for _, c := range cases {
		if got := Equivalent(c.a, c.b); got != c.want {
			t.Errorf("Equivalent(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCRDScalable(t *testing.T) {
	crd := func(replicasType string) *apiextensionsv1.CustomResourceDefinition {
		return &apiextensionsv1.CustomResourceDefinition{Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{
				{Name: "v1"},
				{Name: "v2", Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": {Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"replicas": {Type: replicasType}}}},
				}}},
			},
		}}
	}
	if !CRDScalable(crd("integer"), "v2") || CRDScalable(crd("string"), "v2") || CRDScalable(crd("integer"), "v1") || CRDScalable(crd("integer"), "v3") {
		t.Error("CRDScalable must be true only for an integer spec.replicas in the requested version")
	}
}

func TestReadDirective(t *testing.T) {
	cases := []struct {
		name, content, wantErr string
		want                   EnableTypeDirectiveSpec
	}{
		{name: "defaults", content: "apiVersion: core.kubefed.io/v1beta1\nkind: EnableTypeDirective\nmetadata: {name: deployments.apps}\n",
			want: EnableTypeDirectiveSpec{FederatedGroup: "types.kubefed.io", FederatedVersion: "v1beta1"}},
		{name: "set", content: "apiVersion: core.kubefed.io/v1beta1\nkind: EnableTypeDirective\nmetadata: {name: widgets}\nspec: {targetVersion: v2, federatedGroup: f.io, federatedVersion: v1}\n",
			want: EnableTypeDirectiveSpec{TargetVersion: "v2", FederatedGroup: "f.io", FederatedVersion: "v1"}},
		{name: "wrong kind", content: "apiVersion: core.kubefed.io/v1beta1\nkind: Other\nmetadata: {name: x}\n", wantErr: "expected apiVersion core.kubefed.io/v1beta1 and kind EnableTypeDirective"},
		{name: "no name", content: "apiVersion: core.kubefed.io/v1beta1\nkind: EnableTypeDirective\n", wantErr: "metadata.name"},
		{name: "misspelt field", content: "apiVersion: core.kubefed.io/v1beta1\nkind: EnableTypeDirective\nmetadata: {name: x}\nspec: {federatedGrup: x}\n", wantErr: "federatedGrup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.yaml")
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := ReadDirective(path)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Spec != c.want {
				t.Errorf("spec = %+v, want %+v", d.Spec, c.want)
			}
		})
	}
}

func TestStopped(t *testing.T) {
	ftc := &corev1beta1.FederatedTypeConfig{}
	ftc.Generation = 2
	ftc.Status = corev1beta1.FederatedTypeConfigStatus{ObservedGeneration: 1, PropagationController: corev1beta1.ControllerStatusNotRunning}
	if Stopped(ftc) {
		t.Error("a status for an older generation counts as stopped")
	}
	ftc.Status.ObservedGeneration = 2
	if !Stopped(ftc) {
		t.Error("NotRunning at the current generation does not count as stopped")
	}
	ftc.Status.PropagationController = corev1beta1.ControllerStatusRunning
	if Stopped(ftc) {
		t.Error("Running counts as stopped")
	}
}
