package plan_test

import (
	"bytes"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/yaml"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/plan"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

const federatedWeb = `
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata:
          labels: {app: web}
        spec:
          serviceAccountName: web
          containers:
          - name: web
            image: shop/web:1.0
            envFrom:
            - configMapRef: {name: web-config}
            volumeMounts:
            - {name: tls, mountPath: /tls}
          volumes:
          - name: tls
            secret: {secretName: web-tls}
  overrides:
  - clusterName: eu1
    clusterOverrides:
    - {path: /spec/replicas, value: 5}
  - clusterName: bad1
    clusterOverrides:
    - {path: /spec/missing/field, value: 1}
`

// scene plans federatedWeb as the syncer does (propagation.PlanCluster)
// on four clusters: eu1 (new, with a policy per region and its own
// replicas override), us1 (up to date), bad1 (an override that does not
// apply) and ap1 (not placed), with a ClusterOverridePolicy per region and
// an OverridePolicy of the namespace that selects the object.
func scene(t *testing.T) (propagation.Input, []propagation.Member, []propagation.ClusterPlan) {
	t.Helper()
	fed := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(federatedWeb), &fed.Object); err != nil {
		t.Fatal(err)
	}
	var policies []overrides.Policy
	for _, region := range []string{"eu", "us"} {
		policies = append(policies, overrides.FromClusterOverridePolicy(&policyv1alpha1.ClusterOverridePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "registry-" + region},
			Spec: policyv1alpha1.ClusterOverridePolicySpec{OverridePolicySpec: policyv1alpha1.OverridePolicySpec{
				TargetClusters:  &policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": region}}},
				TypedOverriders: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Value: region + ".example.com"}}}}}}))
	}
	policies = append(policies, overrides.FromOverridePolicy(&policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "owner"},
		Spec: policyv1alpha1.OverridePolicySpec{
			ResourceSelector: &policyv1alpha1.OverrideResourceSelector{ResourceSelector: policyv1alpha1.ResourceSelector{Kinds: []string{"FederatedDeployment"}}},
			ClusterOverrides: []typesv1beta1.ClusterOverride{{Op: typesv1beta1.OverrideOpAdd, Path: "/metadata/labels/owner", Value: &apiextensionsv1.JSON{Raw: []byte(`"shop"`)}}},
			TypedOverriders:  typesv1beta1.TypedOverriders{Env: []typesv1beta1.EnvOverrider{{Name: "REGION", Value: "any", ContainerNames: []string{"web"}}}},
		}}))
	policies = append(policies, overrides.FromOverridePolicy(&policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "elsewhere"},
		Spec:       policyv1alpha1.OverridePolicySpec{TypedOverriders: typesv1beta1.TypedOverriders{Labels: []typesv1beta1.MapOverrider{{Key: "x", Value: "y"}}}}}))
	in := propagation.Input{
		Federated:        fed,
		Target:           schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
		Placement:        placement.Result{Clusters: sets.New("eu1", "us1", "bad1")},
		OverridePolicies: overrides.Select(policies, overrides.Object{Kind: fed.GetKind(), Namespace: "shop", Name: "web"}),
	}
	seen := []propagation.Member{
		{Name: "ap1", Labels: map[string]string{"region": "ap"}, Ready: true, Synced: true},
		{Name: "bad1", Ready: true, Synced: true},
		{Name: "eu1", Labels: map[string]string{"region": "eu"}, Ready: true, Synced: true},
		{Name: "us1", Labels: map[string]string{"region": "us"}, Ready: true, Synced: true},
	}
	current, err := propagation.Render(fed, in.Target, in.Destination(seen[3]), nil)
	if err != nil {
		t.Fatal(err)
	}
	current.SetResourceVersion("42")
	seen[3].Observed = current
	var plans []propagation.ClusterPlan
	for _, m := range seen {
		plans = append(plans, propagation.PlanCluster(in, m))
	}
	return in, seen, plans
}

func TestObjectPlanGolden(t *testing.T) {
	in, seen, plans := scene(t)
	doc := plan.ObjectsOf(in, seen, plans, false)
	var table bytes.Buffer
	if err := plan.PrintObjectPlan(&table, doc); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/objects.txt", table.String())
	var data bytes.Buffer
	if err := cli.PrintData(&data, "yaml", doc); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/objects.yaml", data.String())
}

// TestObjectPlanShowsWhatTheSyncerWrites: the member object of each
// cluster the syncer writes to is the plan's Desired, byte for byte, and
// the override sets listed are those Render applies, policies first.
func TestObjectPlanShowsWhatTheSyncerWrites(t *testing.T) {
	in, seen, plans := scene(t)
	doc := plan.ObjectsOf(in, seen, plans, true)
	byCluster := map[string]plan.ClusterObject{}
	for _, c := range doc.Clusters {
		byCluster[c.Cluster] = c
	}
	eu := byCluster["eu1"]
	if eu.Action != string(propagation.Create) || eu.Member == nil {
		t.Fatalf("eu1: %+v, want a Create with the member object", eu)
	}
	if got, want := eu.Member.Object, plans[2].Desired.Object; !equalYAML(t, got, want) {
		t.Errorf("eu1's member object differs from the plan's Desired")
	}
	var sources []string
	for _, s := range eu.Overrides {
		sources = append(sources, s.Source)
	}
	if got, want := strings.Join(sources, "; "), "ClusterOverridePolicy registry-eu; OverridePolicy shop/owner; spec.overrides[0]"; got != want {
		t.Errorf("eu1's override sources: %s, want %s", got, want)
	}
	if us := byCluster["us1"]; !us.UpToDate || us.Member == nil || us.Overrides[0].Source != "ClusterOverridePolicy registry-us" {
		t.Errorf("us1: %+v, want up to date with its object and the us registry policy first", us)
	}
	if bad := byCluster["bad1"]; bad.Status != string(typesv1beta1.ApplyOverridesFailed) || bad.Member != nil || len(bad.Overrides) != 2 {
		t.Errorf("bad1: %+v, want ApplyOverridesFailed, no object, and the two sets that were to apply", bad)
	}
	if ap := byCluster["ap1"]; ap.Placed || ap.Member != nil || ap.Overrides != nil || ap.Dependencies != nil {
		t.Errorf("ap1: %+v, want nothing for a cluster not placed", ap)
	}
	if got, want := strings.Join(eu.Dependencies, ", "), "ConfigMap/web-config, Secret/web-tls, ServiceAccount/web"; got != want {
		t.Errorf("eu1's dependencies: %s, want %s", got, want)
	}
}

func equalYAML(t *testing.T, a, b interface{}) bool {
	t.Helper()
	x, err := yaml.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(x) == string(y)
}
