package cli

import (
	"context"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestEnableUpgradesAKubeFedCreatedCRD migrates as a KubeFed user does: the
// federated CRD exists already, created by KubeFed without the status fields
// this project writes and without the override fields it adds; `kubectl fed enable` upgrades it and says what it
// added, and enabling again adds nothing.
func TestEnableUpgradesAKubeFedCreatedCRD(t *testing.T) {
	host := hostClient(t)
	target := typesv1beta1.TargetType{Version: "v1", Kind: "LimitRange", PluralName: "limitranges", Scope: apiextensionsv1.NamespaceScoped}
	old := testkit.KubeFedCRD(target)
	if err := testkit.InstallCRDs(context.Background(), shared.Host().RESTConfig(), old); err != nil {
		t.Fatal(err)
	}
	out := mustFed(t, "enable", "limitranges")
	want := "customresourcedefinition.apiextensions.k8s.io/federatedlimitranges.types.kubefed.io upgraded: its schema now declares spec.overrides[].annotations, spec.overrides[].args, spec.overrides[].clusterSelector, spec.overrides[].command, spec.overrides[].env, spec.overrides[].image, spec.overrides[].labels, status.aggregated, status.clusters[].message"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	mustGet(t, host, crd, "", old.Name)
	if missing := typesv1beta1.StatusFieldsMissing(crd); len(missing) > 0 {
		t.Errorf("after enable the CRD still lacks %v", missing)
	}
	if out := mustFed(t, "enable", "limitranges"); strings.Contains(out, "upgraded") {
		t.Errorf("enabling an upgraded type upgraded it again:\n%s", out)
	}
}
