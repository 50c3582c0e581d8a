package integration

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// Where the generated CRDs and the KubeFed-style sample manifests are.
var (
	crdDir    = filepath.Join("..", "..", "manifests", "crds")
	sampleDir = filepath.Join("..", "..", "pkg", "apis", "testdata", "kubefed")
)

// Federated types the tests install from the CRD library.
var (
	deploymentTarget = fixtures.Deployments
	configMapTarget  = fixtures.ConfigMaps
)

// installCRDs installs the generated CRDs, FederatedDeployment and
// FederatedConfigMap on the host; TestMain runs it once for the package.
func installCRDs(ctx context.Context) error {
	crds, err := testkit.LoadCRDs(crdDir)
	if err != nil {
		return err
	}
	crds = append(crds, typesv1beta1.FederatedCRD(deploymentTarget, "", ""), typesv1beta1.FederatedCRD(configMapTarget, "", ""))
	return testkit.InstallCRDs(ctx, shared.Host().RESTConfig(), crds...)
}

func dynamicClient(t *testing.T, cluster string) dynamic.Interface {
	t.Helper()
	client, err := dynamic.NewForConfig(shared.Cluster(cluster).RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// TestFederatedObjectRoundTrips stores the §1.4 example through the real API
// server and reads back the same template, placement and overrides.
func TestFederatedObjectRoundTrips(t *testing.T) {
	ns := testkit.CreateNamespace(t, clientset(t, fleet.HostName), "roundtrip-")
	obj := readSample(t, "federateddeployment.yaml")
	delete(obj.Object, "status")
	obj.SetNamespace(ns)
	gvr := schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federateddeployments"}
	client := dynamicClient(t, fleet.HostName).Resource(gvr).Namespace(ns)
	if _, err := client.Create(context.Background(), obj, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil {
		t.Fatalf("creating the sample FederatedDeployment: %v", err)
	}
	got, err := client.Get(context.Background(), obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"template", "placement", "overrides", "retainReplicas"} {
		want, _, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", part)
		have, _, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", part)
		if !reflect.DeepEqual(want, have) {
			t.Errorf("spec.%s changed in storage:\nsent %v\ngot  %v", part, want, have)
		}
	}
}

// TestFederatedCRDsAreServed applies CRDs from the library for built-in and
// custom targets, in both scopes, and in a non-default federated group.
func TestFederatedCRDsAreServed(t *testing.T) {
	client, err := apiextensionsclient.NewForConfig(shared.Host().RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		target    typesv1beta1.TargetType
		group     string
		wantScope apiextensionsv1.ResourceScope
	}{
		{fixtures.Namespaces, "served.kubefed.io", apiextensionsv1.NamespaceScoped},
		{typesv1beta1.TargetType{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole", PluralName: "clusterroles", Scope: apiextensionsv1.ClusterScoped},
			"served.kubefed.io", apiextensionsv1.ClusterScoped},
		{typesv1beta1.TargetType{Group: "example.com", Version: "v1alpha1", Kind: "Widget", Scope: apiextensionsv1.NamespaceScoped, Scalable: true},
			"served.kubefed.io", apiextensionsv1.NamespaceScoped},
	}
	for _, tc := range cases {
		crd := typesv1beta1.FederatedCRD(tc.target, tc.group, "v1beta1")
		t.Run(crd.Name, func(t *testing.T) {
			if err := testkit.InstallCRDs(context.Background(), shared.Host().RESTConfig(), crd); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = client.ApiextensionsV1().CustomResourceDefinitions().Delete(context.Background(), crd.Name, metav1.DeleteOptions{})
			})
			got, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(context.Background(), crd.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Spec.Scope != tc.wantScope {
				t.Errorf("scope %s, want %s", got.Spec.Scope, tc.wantScope)
			}
			if !reflect.DeepEqual(got.Spec.Versions[0].Schema, crd.Spec.Versions[0].Schema) {
				t.Errorf("the API server changed the schema it was given")
			}
		})
	}
}

// TestKubectlResolvesShortNamesAndColumns uses the real kubectl against the
// host: the short names resolve and KubeFedCluster prints its columns.
func TestKubectlResolvesShortNamesAndColumns(t *testing.T) {
	for _, name := range []string{"kfc", "ftc", "rsp", "kubefedconfigs", "propagatedversions", "clusterpropagatedversions", "fdeploy", "fcm"} {
		// kubectl fails on a name discovery cannot resolve; otherwise it
		// prints a table, or nothing (and "No resources found" on stderr).
		out := kubectl(t, "get", name, "-A")
		if out != "" && !strings.HasPrefix(out, "NAMESPACE") && !strings.HasPrefix(out, "NAME") {
			t.Errorf("kubectl get %s -A printed:\n%s", name, out)
		}
	}
	ns := testkit.CreateNamespace(t, clientset(t, fleet.HostName), "columns-")
	cluster := readSample(t, "kubefedcluster.yaml")
	delete(cluster.Object, "status")
	cluster.SetNamespace(ns)
	gvr := schema.GroupVersionResource{Group: "core.kubefed.io", Version: "v1beta1", Resource: "kubefedclusters"}
	if _, err := dynamicClient(t, fleet.HostName).Resource(gvr).Namespace(ns).Create(context.Background(), cluster, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	header := strings.Fields(strings.SplitN(kubectl(t, "get", "kfc", "-n", ns), "\n", 2)[0])
	if want := []string{"NAME", "AGE", "READY", "KUBERNETES-VERSION"}; !reflect.DeepEqual(header, want) {
		t.Errorf("kubectl get kfc columns %v, want %v", header, want)
	}
}

// kubectl runs the pinned kubectl against the fleet's host context.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return testkit.MustKubectl(t, shared.KubeconfigPath(), append([]string{"--context", fleet.HostName}, args...)...)
}

// readSample reads one of the KubeFed-style sample manifests.
func readSample(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	return testkit.ReadManifest(t, filepath.Join(sampleDir, file))
}
