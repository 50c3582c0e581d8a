package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestEnableAndDisable enables built-in and CRD types, checks the generated
// objects and the resolution errors, and disables them again while a
// stand-in for the syncer reports the propagation controller stopped.
func TestEnableAndDisable(t *testing.T) {
	host := hostClient(t)
	ctx := context.Background()
	installWidgetCRD(t, "example.com")

	t.Run("-o yaml prints the FederatedTypeConfig and CRD and creates nothing", func(t *testing.T) {
		out := mustFed(t, "enable", "cronjobs", "-o", "yaml")
		if !strings.HasPrefix(out, "---\n") || strings.Count(out, "\n---\n") != 1 {
			t.Errorf("want two documents, each starting with ---:\n%s", out)
		}
		for _, want := range []string{"kind: FederatedTypeConfig", "name: cronjobs.batch", "kind: CustomResourceDefinition", "name: federatedcronjobs.types.kubefed.io", "kind: FederatedCronJob"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
		}
		for _, unwanted := range []string{"\nstatus:", "creationTimestamp"} {
			if strings.Contains(out, unwanted) {
				t.Errorf("output has %q:\n%s", unwanted, out)
			}
		}
		assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "cronjobs.batch")
		assertGone(t, host, &apiextensionsv1.CustomResourceDefinition{}, "", "federatedcronjobs.types.kubefed.io")
	})

	t.Run("enable configmaps", func(t *testing.T) {
		out := mustFed(t, "enable", "configmaps")
		for _, want := range []string{
			"customresourcedefinition.apiextensions.k8s.io/federatedconfigmaps.types.kubefed.io created",
			"federatedtypeconfig.core.kubefed.io/configmaps created in namespace " + kubefedNS,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		ftc := &corev1beta1.FederatedTypeConfig{}
		mustGet(t, host, ftc, kubefedNS, "configmaps")
		want := corev1beta1.FederatedTypeConfigSpec{
			TargetType:    corev1beta1.APIResource{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps", Scope: "Namespaced"},
			FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedConfigMap", PluralName: "federatedconfigmaps", Scope: "Namespaced"},
			Propagation:   corev1beta1.PropagationEnabled,
		}
		if ftc.Spec.TargetType != want.TargetType || ftc.Spec.FederatedType != want.FederatedType || ftc.Spec.Propagation != want.Propagation {
			t.Errorf("FTC spec = %+v, want %+v", ftc.Spec, want)
		}
		if out := mustFed(t, "enable", "cm"); !strings.Contains(out, "federatedtypeconfig.core.kubefed.io/configmaps unchanged") {
			t.Errorf("enabling again by short name:\n%s", out)
		}
	})

	t.Run("enable deployments.apps gives a scalable federated type", func(t *testing.T) {
		mustFed(t, "enable", "deployments.apps")
		crd := &apiextensionsv1.CustomResourceDefinition{}
		mustGet(t, host, crd, "", "federateddeployments.types.kubefed.io")
		spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
		if _, ok := spec.Properties["retainReplicas"]; !ok {
			t.Error("FederatedDeployment has no spec.retainReplicas")
		}
		if crd.Spec.Names.ShortNames[0] != "fdeploy" {
			t.Errorf("short names = %v", crd.Spec.Names.ShortNames)
		}
	})

	t.Run("enable a CRD type by kind", func(t *testing.T) {
		mustFed(t, "enable", "Widget")
		ftc := &corev1beta1.FederatedTypeConfig{}
		mustGet(t, host, ftc, kubefedNS, "widgets.example.com")
		crd := &apiextensionsv1.CustomResourceDefinition{}
		mustGet(t, host, crd, "", "federatedwidgets.types.kubefed.io")
		if _, ok := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["retainReplicas"]; !ok {
			t.Error("the widget CRD has an integer spec.replicas, but FederatedWidget has no retainReplicas")
		}
	})

	t.Run("enable -f reads a KubeFed EnableTypeDirective", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "directive.yaml")
		directive := "apiVersion: core.kubefed.io/v1beta1\nkind: EnableTypeDirective\nmetadata:\n  name: secrets\nspec:\n  federatedGroup: federated.example.com\n"
		if err := os.WriteFile(path, []byte(directive), 0o644); err != nil {
			t.Fatal(err)
		}
		out := mustFed(t, "enable", "-f", path)
		if !strings.Contains(out, "customresourcedefinition.apiextensions.k8s.io/federatedsecrets.federated.example.com created") {
			t.Errorf("enable -f output:\n%s", out)
		}
		ftc := &corev1beta1.FederatedTypeConfig{}
		mustGet(t, host, ftc, kubefedNS, "secrets")
		if ftc.Spec.FederatedType.Group != "federated.example.com" {
			t.Errorf("federated type = %+v", ftc.Spec.FederatedType)
		}
		mustFail(t, fed(t, "enable", "secrets"), `Federation is already enabled for "secrets" with federated type "federatedsecrets.federated.example.com". Changing the federated type to "federatedsecrets.types.kubefed.io" is not supported.`)
		if out := mustFed(t, "enable", "jobs", "--dry-run"); !strings.Contains(out, "federatedtypeconfig.core.kubefed.io/jobs.batch created in namespace "+kubefedNS+" (dry run)") {
			t.Errorf("enable --dry-run output:\n%s", out)
		}
		// The API server judges a server-side dry run and persists nothing.
		if out := mustFed(t, "enable", "jobs", "--dry-run=server"); !strings.Contains(out, "customresourcedefinition.apiextensions.k8s.io/federatedjobs.types.kubefed.io created (server dry run)") ||
			!strings.Contains(out, "federatedtypeconfig.core.kubefed.io/jobs.batch created in namespace "+kubefedNS+" (server dry run)") {
			t.Errorf("enable --dry-run=server output:\n%s", out)
		}
		assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "jobs.batch")
		assertGone(t, host, &apiextensionsv1.CustomResourceDefinition{}, "", "federatedjobs.types.kubefed.io")
	})

	t.Run("resolution errors", func(t *testing.T) {
		mustFail(t, fed(t, "enable", "gadgets"), `Unable to find api resource named "gadgets".`, "kubectl api-resources")
		installWidgetCRD(t, "other.io")
		mustFail(t, fed(t, "enable", "widgets"),
			`Multiple resources are matched by "widgets": widgets.example.com, widgets.other.io. A group-qualified plural name must be provided.`)
		mustFail(t, fed(t, "enable", "secrets", "-o", "wide"), "Invalid value for --output")
		mustFail(t, fed(t, "enable"), "TYPE or -f FILENAME is required")
		// One unknown name among several changes nothing.
		mustFail(t, fed(t, "enable", "statefulsets", "gadgets"), `Unable to find api resource named "gadgets".`)
		assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "statefulsets.apps")
	})

	t.Run("disable keeps the CRD and waits for the controller to stop", func(t *testing.T) {
		stopSyncer := fakeSyncer(t, host)
		defer stopSyncer()
		out := mustFed(t, "disable", "configmaps")
		for _, want := range []string{
			`Disabled propagation for FederatedTypeConfig "` + kubefedNS + `/configmaps"`,
			`Propagation controller for FederatedTypeConfig "` + kubefedNS + `/configmaps" is stopped`,
			`federatedtypeconfig "` + kubefedNS + `/configmaps" deleted`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("disable output lacks %q:\n%s", want, out)
			}
		}
		assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "configmaps")
		mustGet(t, host, &apiextensionsv1.CustomResourceDefinition{}, "", "federatedconfigmaps.types.kubefed.io")
		if out := mustFed(t, "disable", "configmaps"); !strings.Contains(out, `FederatedTypeConfig "`+kubefedNS+`/configmaps" does not exist`) {
			t.Errorf("disabling again:\n%s", out)
		}
	})

	t.Run("disable --delete-crd refuses while federated objects exist", func(t *testing.T) {
		stopSyncer := fakeSyncer(t, host)
		defer stopSyncer()
		ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "widgets-")
		fw := &unstructured.Unstructured{}
		fw.SetAPIVersion("types.kubefed.io/v1beta1")
		fw.SetKind("FederatedWidget")
		fw.SetNamespace(ns)
		fw.SetName("w1")
		_ = unstructured.SetNestedField(fw.Object, map[string]any{}, "spec")
		if err := host.Create(ctx, fw); err != nil {
			t.Fatal(err)
		}
		mustFail(t, fed(t, "disable", "widgets.example.com", "--delete-crd"), `Cannot delete CRD "federatedwidgets.types.kubefed.io" while resource instances exist`)
		if err := host.Delete(ctx, fw); err != nil {
			t.Fatal(err)
		}
		out := mustFed(t, "disable", "widgets.example.com", "--delete-crd")
		if !strings.Contains(out, `customresourcedefinition "federatedwidgets.types.kubefed.io" deleted`) {
			t.Errorf("disable --delete-crd output:\n%s", out)
		}
		assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "widgets.example.com")
	})

	t.Run("disable --dry-run changes nothing", func(t *testing.T) {
		out := mustFed(t, "disable", "deployments.apps", "--dry-run")
		if !strings.Contains(out, `Disabled propagation for FederatedTypeConfig "`+kubefedNS+`/deployments.apps" (dry run)`) {
			t.Errorf("disable --dry-run output:\n%s", out)
		}
		ftc := &corev1beta1.FederatedTypeConfig{}
		mustGet(t, host, ftc, kubefedNS, "deployments.apps")
		if ftc.Spec.Propagation != corev1beta1.PropagationEnabled {
			t.Errorf("a dry run disabled propagation")
		}
		out = mustFed(t, "disable", "deployments.apps", "--dry-run=server")
		if !strings.Contains(out, `Disabled propagation for FederatedTypeConfig "`+kubefedNS+`/deployments.apps" (server dry run)`) ||
			!strings.Contains(out, `federatedtypeconfig "`+kubefedNS+`/deployments.apps" deleted (server dry run)`) {
			t.Errorf("disable --dry-run=server output:\n%s", out)
		}
		mustGet(t, host, ftc, kubefedNS, "deployments.apps")
		if ftc.Spec.Propagation != corev1beta1.PropagationEnabled {
			t.Errorf("a server-side dry run disabled propagation")
		}
	})

	t.Run("disable errors", func(t *testing.T) {
		mustFail(t, fed(t, "disable", "deployments.apps", "--version", "v1"), "--version flag valid only with --delete-crd")
		mustFail(t, fed(t, "disable", "deployments.apps", "--federated-group", "x.io"), "--federated-group flag valid only with --delete-crd")
		// No syncer runs, so the wait for the stopped controller times out.
		mustFail(t, fed(t, "disable", "deployments.apps", "--timeout", "1s"),
			`did not report its propagation controller stopped within 1s`, "check that the syncer runs")
		mustFail(t, fed(t, "disable", "gadgets"), `Unable to find api resource named "gadgets".`)
	})
}

// fakeSyncer stands in for the syncer's FederatedTypeConfig controller: it
// reports the propagation controller of every FederatedTypeConfig with
// propagation Disabled as NotRunning, at the current generation.
func fakeSyncer(t *testing.T, host client.Client) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = testkit.Poll(ctx, testkit.WaitTimeout, func(ctx context.Context) (bool, error) {
			list := &corev1beta1.FederatedTypeConfigList{}
			if err := host.List(ctx, list); err != nil {
				return false, nil
			}
			for i := range list.Items {
				ftc := &list.Items[i]
				if ftc.Spec.Propagation != corev1beta1.PropagationDisabled || ftc.Status.ObservedGeneration == ftc.Generation {
					continue
				}
				ftc.Status = corev1beta1.FederatedTypeConfigStatus{ObservedGeneration: ftc.Generation, PropagationController: corev1beta1.ControllerStatusNotRunning}
				_ = host.Status().Update(ctx, ftc)
			}
			return false, nil
		})
	}()
	return func() { cancel(); <-done }
}

// installWidgetCRD installs a namespaced Widget CRD in group with an
// integer spec.replicas.
func installWidgetCRD(t *testing.T, group string) {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets." + group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"replicas": {Type: "integer"},
						}},
					},
				}},
			}},
		},
	}
	if err := testkit.InstallCRDs(context.Background(), shared.Host().RESTConfig(), crd); err != nil {
		t.Fatal(err)
	}
}
