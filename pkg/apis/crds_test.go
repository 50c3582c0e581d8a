package apis_test

// These tests check the generated CRD manifests' names and shapes. Whether
// an API server accepts them, and judges objects as intended, is tested
// against a real one in test/integration.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

const crdDir = "../../manifests/crds"

// loadCRDs reads every generated CRD manifest, keyed by kind.
func loadCRDs(t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no CRD manifests in %s; run make generate", crdDir)
	}
	crds := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crds[crd.Spec.Names.Kind] = crd
	}
	return crds
}

var wantCRDs = map[string]struct {
	name       string
	scope      apiextensionsv1.ResourceScope
	shortNames []string
	status     bool
}{
	"KubeFedCluster":              {name: "kubefedclusters.core.kubefed.io", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"kfc"}, status: true},
	"KubeFedConfig":               {name: "kubefedconfigs.core.kubefed.io", scope: apiextensionsv1.NamespaceScoped},
	"FederatedTypeConfig":         {name: "federatedtypeconfigs.core.kubefed.io", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"ftc"}, status: true},
	"PropagatedVersion":           {name: "propagatedversions.core.kubefed.io", scope: apiextensionsv1.NamespaceScoped, status: true},
	"ClusterPropagatedVersion":    {name: "clusterpropagatedversions.core.kubefed.io", scope: apiextensionsv1.ClusterScoped, status: true},
	"ReplicaSchedulingPreference": {name: "replicaschedulingpreferences.scheduling.kubefed.io", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"rsp"}, status: true},
	"FederationPolicy":            {name: "federationpolicies.policy.kubefed.io", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"fedpol"}, status: true},
	"ClusterFederationPolicy":     {name: "clusterfederationpolicies.policy.kubefed.io", scope: apiextensionsv1.ClusterScoped, shortNames: []string{"cfedpol"}, status: true},
	"OverridePolicy":              {name: "overridepolicies.policy.kubefed.io", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"ovpol"}, status: true},
	"ClusterOverridePolicy":       {name: "clusteroverridepolicies.policy.kubefed.io", scope: apiextensionsv1.ClusterScoped, shortNames: []string{"covpol"}, status: true},
}

func TestGeneratedCRDs(t *testing.T) {
	crds := loadCRDs(t)
	if len(crds) != len(wantCRDs) {
		t.Errorf("got %d CRDs, want %d", len(crds), len(wantCRDs))
	}
	for kind, want := range wantCRDs {
		crd, ok := crds[kind]
		if !ok {
			t.Errorf("no CRD for %s", kind)
			continue
		}
		if crd.Name != want.name || crd.Spec.Scope != want.scope || strings.Join(crd.Spec.Names.ShortNames, ",") != strings.Join(want.shortNames, ",") {
			t.Errorf("%s: name %q scope %q shortNames %v, want %q %q %v", kind, crd.Name, crd.Spec.Scope, crd.Spec.Names.ShortNames, want.name, want.scope, want.shortNames)
		}
		for _, v := range crd.Spec.Versions {
			hasStatus := v.Subresources != nil && v.Subresources.Status != nil
			if hasStatus != want.status {
				t.Errorf("%s %s: status subresource %v, want %v", kind, v.Name, hasStatus, want.status)
			}
		}
	}
}

func TestKubeFedClusterPrintColumns(t *testing.T) {
	crd := loadCRDs(t)["KubeFedCluster"]
	var got []string
	for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
		got = append(got, c.Name+"="+c.Type+":"+c.JSONPath)
	}
	want := []string{
		"age=date:.metadata.creationTimestamp",
		"ready=string:.status.conditions[?(@.type=='Ready')].status",
		"kubernetes-version=string:.status.kubernetesVersion",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("print columns = %v, want %v", got, want)
	}
}
