package cli

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/plan"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestPlanShowsEachClustersMemberObject federates a Deployment to two
// members joined as plan-eu (region=eu) and plan-us (region=us), with a
// ClusterOverridePolicy for region eu, an OverridePolicy of its namespace
// and an override of its own for plan-eu, and runs `kubectl fed plan
// deployments NAME` through kubectl's plugin dispatch: the table lists the
// override sets of each cluster in the syncer's order under the policy or
// entry they come from, and -o yaml holds each cluster's member object
// with exactly those changes, and its dependencies. No syncer runs here:
// the clusters' Ready condition is written as the syncer's health check
// would.
func TestPlanShowsEachClustersMemberObject(t *testing.T) {
	host := hostClient(t)
	ctx := context.Background()
	mustFed(t, "enable", "deployments.apps", "namespaces")
	for _, c := range []struct{ name, context, region string }{{"plan-eu", "member1", "eu"}, {"plan-us", "member2", "us"}} {
		mustFed(t, "join", c.name, "--cluster-context", c.context, "--cluster-labels", "region="+c.region)
		t.Cleanup(func() { fed(t, "unjoin", c.name, "--cluster-context", c.context, "--force") })
		testkit.MarkClusterReady(t, host, kubefedNS, c.name)
	}
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "plan-")
	fedNS := manifest(t, "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata: {name: "+ns+", namespace: "+ns+"}\nspec: {placement: {clusterSelector: {}}}")
	fedDeploy := manifest(t, `
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: `+ns+`}
spec:
  template:
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - {name: web, image: "shop/web:1.0", envFrom: [{configMapRef: {name: web-config}}]}
  placement: {clusterSelector: {}}
  overrides:
  - clusterName: plan-eu
    clusterOverrides: [{path: /spec/replicas, value: 5}]
`)
	registry := &policyv1alpha1.ClusterOverridePolicy{ObjectMeta: metav1.ObjectMeta{Name: "plan-eu-registry"},
		Spec: policyv1alpha1.ClusterOverridePolicySpec{OverridePolicySpec: policyv1alpha1.OverridePolicySpec{
			ResourceSelector: &policyv1alpha1.OverrideResourceSelector{Names: []string{"web"}, ResourceSelector: policyv1alpha1.ResourceSelector{Kinds: []string{"FederatedDeployment"}}},
			TargetClusters:   &policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}},
			TypedOverriders:  typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Value: "eu.example.com"}}},
		}}}
	owner := &policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "owner"},
		Spec: policyv1alpha1.OverridePolicySpec{TypedOverriders: typesv1beta1.TypedOverriders{Labels: []typesv1beta1.MapOverrider{{Key: "owner", Value: "shop"}}}}}
	for _, obj := range []client.Object{fedNS, fedDeploy, registry, owner} {
		if err := host.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s %s: %v", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
		}
	}
	t.Cleanup(func() { _ = host.Delete(context.Background(), registry) })

	out := mustFed(t, "plan", "deployments", "web", "-n", ns)
	columns := strings.Join(strings.Fields(out), " ") // the table's rows, whatever the column widths
	for _, want := range []string{
		"CLUSTER PLACED ACTION STATUS OVERRIDES DEPENDENCIES",
		"plan-eu yes Create OK 3 ConfigMap/web-config",
		"plan-us yes Create OK 1 ConfigMap/web-config",
	} {
		if !strings.Contains(columns, want) {
			t.Errorf("kubectl fed plan deployments web lacks the row %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"Overrides in plan-eu, in the order they apply:\n" +
			"  ClusterOverridePolicy plan-eu-registry:\n    image registry: replace eu.example.com (all containers)\n" +
			"  OverridePolicy " + ns + "/owner:\n    labels: replace owner=shop\n" +
			"  spec.overrides[0]:\n    replace /spec/replicas = 5\n",
		"Overrides in plan-us, in the order they apply:\n  OverridePolicy " + ns + "/owner:\n    labels: replace owner=shop\n",
		"Dependencies are not followed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl fed plan deployments web lacks %q:\n%s", want, out)
		}
	}

	doc := planDocument(t, "plan", "deployments", "web", "-n", ns, "-o", "yaml")
	want := map[string]struct {
		image    string
		replicas int64
	}{"plan-eu": {"eu.example.com/shop/web:1.0", 5}, "plan-us": {"shop/web:1.0", 2}}
	if len(doc.Clusters) != len(want) {
		t.Fatalf("-o yaml lists %d clusters, want 2: %+v", len(doc.Clusters), doc.Clusters)
	}
	for _, c := range doc.Clusters {
		if c.Member == nil {
			t.Errorf("%s: no member object", c.Cluster)
			continue
		}
		var image string
		if containers, _, _ := unstructured.NestedSlice(c.Member.Object, "spec", "template", "spec", "containers"); len(containers) == 1 {
			image, _ = containers[0].(map[string]interface{})["image"].(string)
		}
		replicas, _, _ := unstructured.NestedInt64(c.Member.Object, "spec", "replicas")
		labels := c.Member.GetLabels()
		if image != want[c.Cluster].image || replicas != want[c.Cluster].replicas || labels["owner"] != "shop" || labels[core.ManagedByKubeFedLabelKey] != "true" ||
			c.Member.GetKind() != "Deployment" || c.Member.GetNamespace() != ns {
			t.Errorf("%s: member %s %s/%s with image %q, %d replicas, labels %v; want image %q, %d replicas, owner=shop and the managed label",
				c.Cluster, c.Member.GetKind(), c.Member.GetNamespace(), c.Member.GetName(), image, replicas, labels, want[c.Cluster].image, want[c.Cluster].replicas)
		}
		if strings.Join(c.Dependencies, ",") != "ConfigMap/web-config" {
			t.Errorf("%s: dependencies %v, want ConfigMap/web-config", c.Cluster, c.Dependencies)
		}
	}

	// The annotation turns dependency following on; -o json carries it.
	fedDeploy.SetAnnotations(map[string]string{core.PropagateDependenciesAnnotation: "true"})
	if err := host.Update(ctx, fedDeploy); err != nil {
		t.Fatal(err)
	}
	if doc := planDocument(t, "plan", "deployments", "web", "-n", ns, "-o", "json"); !doc.DependenciesFollowed {
		t.Error("-o json: dependenciesFollowed is false for an object annotated " + core.PropagateDependenciesAnnotation + "=true")
	}
	mustFail(t, fed(t, "plan", "deployments", "absent", "-n", ns), `"absent" not found`)
}

// manifest decodes one object's YAML.
func manifest(t *testing.T, data string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(data), &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

// planDocument runs kubectl fed ARGS and decodes its -o json|yaml output.
func planDocument(t *testing.T, args ...string) plan.ObjectPlan {
	t.Helper()
	var doc plan.ObjectPlan
	if err := yaml.Unmarshal([]byte(mustFed(t, args...)), &doc); err != nil {
		t.Fatalf("kubectl fed %s: %v", strings.Join(args, " "), err)
	}
	return doc
}
