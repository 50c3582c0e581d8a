package webhook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// federated decodes a federated object from YAML.
func federated(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

// deployment returns a FederatedDeployment YAML with the given spec lines
// (indented by four spaces under spec).
func deployment(ns, name, spec string) string {
	return fmt.Sprintf(`apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: %s, namespace: %s, labels: {app: web}}
spec:
  template: {apiVersion: apps/v1, kind: Deployment, spec: {replicas: 1}}
%s`, name, ns, spec)
}

// TestFederatedObjectRules checks every federated-object rule through the
// generic handler: create, update and merge patch.
func TestFederatedObjectRules(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "fed", nil)
	tests := []struct {
		name      string
		spec      string
		patch     string
		fragments []string
	}{
		{"bad cluster name", "  placement: {clusters: [{name: Cluster_1}]}", `{"spec":{"placement":{"clusters":[{"name":"Cluster_1"}]}}}`,
			[]string{`spec.placement.clusters[0].name: Invalid value: "Cluster_1"`}},
		{"duplicate cluster", "  placement: {clusters: [{name: c1}, {name: c1}]}", `{"spec":{"placement":{"clusters":[{"name":"c1"},{"name":"c1"}]}}}`,
			[]string{`spec.placement.clusters[1].name: Duplicate value: "c1"`}},
		{"bad selector", "  placement: {clusterSelector: {matchLabels: {'a b': c}}}", `{"spec":{"placement":{"clusterSelector":{"matchLabels":{"a b":"c"}}}}}`,
			[]string{"spec.placement.clusterSelector.matchLabels: Invalid value"}},
		{"duplicate override cluster", "  overrides: [{clusterName: c1}, {clusterName: c1}]", `{"spec":{"overrides":[{"clusterName":"c1"},{"clusterName":"c1"}]}}`,
			[]string{`spec.overrides[1].clusterName: Duplicate value: "c1"`}},
		{"duplicate path", "  overrides: [{clusterName: c1, clusterOverrides: [{path: /spec/replicas, value: 1}, {path: /spec/replicas, value: 2}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/spec/replicas","value":1},{"path":"/spec/replicas","value":2}]}]}}`,
			[]string{`spec.overrides[0].clusterOverrides[1].path: Duplicate value: "/spec/replicas"`}},
		{"forbidden path", "  overrides: [{clusterName: c1, clusterOverrides: [{path: /metadata/name, value: x}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/kind","value":"Pod"}]}]}}`,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change"}},
		{"resourceVersion override", "  overrides: [{clusterName: c1, clusterOverrides: [{path: /metadata/resourceVersion, value: '1'}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/resourceVersion","value":"1"}]}]}}`,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /metadata/resourceVersion", "remove this override"}},
		{"ownerReferences override", "  overrides: [{clusterName: c1, clusterOverrides: [{op: add, path: /metadata/ownerReferences, value: [{apiVersion: v1, kind: ConfigMap, name: gone, uid: x}]}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"add","path":"/metadata/ownerReferences/-","value":{"kind":"X"}}]}]}}`,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /metadata/ownerReferences"}},
		{"uid, generation and managedFields overrides", "  overrides: [{clusterName: c1, clusterOverrides: [{path: /metadata/uid, value: u}, {path: /metadata/generation, value: 2}, {op: remove, path: /metadata/managedFields}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/uid","value":"u"}]}]}}`,
			[]string{"clusterOverrides[0].path: Forbidden: overrides may not change /metadata/uid", "clusterOverrides[1].path: Forbidden: overrides may not change /metadata/generation",
				"clusterOverrides[2].path: Forbidden: overrides may not change /metadata/managedFields"}},
		{"not a pointer", "  overrides: [{clusterName: c1, clusterOverrides: [{path: spec/replicas, value: 1}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/a~2","value":1}]}]}}`,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Invalid value", "must be a JSON pointer"}},
		{"add without value", "  overrides: [{clusterName: c1, clusterOverrides: [{op: add, path: /spec/paused}]}]",
			`{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"replace","path":"/spec/paused"}]}]}}`,
			[]string{"spec.overrides[0].clusterOverrides[0].value: Required value"}},
		{"template kind", "  template: {apiVersion: apps/v1, kind: StatefulSet}", `{"spec":{"template":{"kind":"StatefulSet"}}}`,
			[]string{`spec.template.kind: Invalid value: "StatefulSet": must be "Deployment"`}},
		{"template apiVersion", "  template: {apiVersion: extensions/v1beta1, kind: Deployment}", `{"spec":{"template":{"apiVersion":"extensions/v1beta1"}}}`,
			[]string{`spec.template.apiVersion: Invalid value: "extensions/v1beta1": must be "apps/v1"`}},
		{"all at once", "  placement: {clusters: [{name: c1}, {name: c1}]}\n  overrides: [{clusterName: c1, clusterOverrides: [{path: /kind, value: x}, {op: add, path: /a}]}]",
			`{"spec":{"placement":{"clusters":[{"name":"c1"},{"name":"c1"}]},"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/kind","value":"x"},{"op":"add","path":"/a"}]}]}}`,
			[]string{"spec.placement.clusters[1].name: Duplicate", "clusterOverrides[0].path: Forbidden"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("web-%d", i)
			err := e.client.Create(ctx, federated(t, deployment(ns, name, tt.spec)))
			expectRejected(t, err, tt.fragments...)

			good := federated(t, deployment(ns, name, "  placement: {clusters: [{name: c1}]}"))
			if err := e.client.Create(ctx, good); err != nil {
				t.Fatalf("valid object refused: %v", err)
			}
			t.Cleanup(func() { _ = e.client.Delete(ctx, good) })
			bad := federated(t, deployment(ns, name, tt.spec))
			bad.SetResourceVersion(good.GetResourceVersion())
			expectRejected(t, e.client.Update(ctx, bad), tt.fragments...)
			err = e.client.Patch(ctx, good.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(tt.patch)))
			expectRejected(t, err, tt.fragments[0])
		})
	}
}

// TestFederatedNamespaceName checks that a FederatedNamespace must be named
// after its namespace.
func TestFederatedNamespaceName(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "fedns", nil)
	doc := `apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: %s, namespace: %s}
spec: {placement: {clusters: []}}`
	expectDeniedByWebhook(t, e.client.Create(ctx, federated(t, fmt.Sprintf(doc, "other", ns))),
		"metadata.name: Invalid value: \"other\": the name of a federated namespace must match the name of its containing namespace")
	if err := e.client.Create(ctx, federated(t, fmt.Sprintf(doc, ns, ns))); err != nil {
		t.Fatalf("valid FederatedNamespace refused: %v", err)
	}
}

// TestFinalizerOverrideIsAdmitted checks that finalizers stay overridable,
// as in KubeFed, while the other server-owned metadata is refused.
func TestFinalizerOverrideIsAdmitted(t *testing.T) {
	e := hostEnv
	ns := labeledNamespace(t, e.client, "finalizer", nil)
	obj := federated(t, deployment(ns, "web", "  overrides: [{clusterName: c1, clusterOverrides: [{op: add, path: /metadata/finalizers, value: [example.com/keep]}]}]"))
	if err := e.client.Create(context.Background(), obj); err != nil {
		t.Fatalf("a finalizer override was refused: %v", err)
	}
}

// TestKubectlApplyPrintsFieldPath checks what a user sees.
func TestKubectlApplyPrintsFieldPath(t *testing.T) {
	e := hostEnv
	ns := labeledNamespace(t, e.client, "apply", nil)
	file := filepath.Join(t.TempDir(), "bad.yaml")
	doc := deployment(ns, "web", "  overrides: [{clusterName: c1, clusterOverrides: [{path: /metadata/namespace, value: prod}]}]")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r := testkit.Kubectl(t, shared.KubeconfigPath(), nil, "apply", "-f", file)
	if r.Err == nil {
		t.Fatalf("kubectl apply admitted a forbidden override:\n%s", r.Stdout)
	}
	for _, f := range []string{"denied the request", "spec.overrides[0].clusterOverrides[0].path", "Forbidden"} {
		if !strings.Contains(r.Stderr, f) {
			t.Errorf("kubectl's error %q does not contain %q", r.Stderr, f)
		}
	}
}

// policyFixture creates two clusters (eu-prod-1 with region=eu, us-prod-1
// with region=us) in the control plane namespace.
func policyFixture(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	for name, region := range map[string]string{"eu-prod-1": "eu", "us-prod-1": "us"} {
		c := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: name, Labels: map[string]string{"region": region}},
			Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://" + name + ".example.com", SecretRef: corev1beta1.LocalSecretReference{Name: name}}}
		if err := e.client.Create(ctx, c); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

// createPolicy creates a FederationPolicy. The webhook sees it once its
// informer has it, so callers poll for its effect.
func createPolicy(t *testing.T, e *env, p *policyv1alpha1.FederationPolicy) {
	t.Helper()
	if err := e.client.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyDeny checks that a Deny policy rejects with a message naming
// the object, the cluster, the policy and the rule, through the real cache.
func TestPolicyDeny(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	policyFixture(t, e)
	ns := labeledNamespace(t, e.client, "shop", nil)
	createPolicy(t, e, &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "eu-only"},
		Spec: policyv1alpha1.FederationPolicySpec{DeniedClusters: &policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}}}})
	// Until the webhook sees the policy an attempt is admitted: each
	// attempt uses a name of its own, so none waits for an earlier one's
	// deletion (a finalizer can hold it).
	attempt := 0
	testkit.Eventually(t, "the Deny policy to reject", func(ctx context.Context) (bool, error) {
		attempt++
		name := fmt.Sprintf("web-%d", attempt)
		err := e.client.Create(ctx, federated(t, deployment(ns, name, "  placement: {clusterSelector: {}}")))
		if err == nil {
			return false, nil
		}
		return rejectedWith(err, fmt.Sprintf(`FederatedDeployment %s/%s: placement selects cluster "eu-prod-1", which FederationPolicy %s/eu-only denies (deniedClusters.clusterSelector region=eu)`, ns, name, ns))
	})
	if err := e.client.Create(ctx, federated(t, deployment(ns, "us", "  placement: {clusters: [{name: us-prod-1}]}"))); err != nil {
		t.Fatalf("an allowed placement was refused: %v", err)
	}
}

// TestPolicyWarnShowsInKubectl checks that a Warn policy admits and kubectl
// prints the warning.
func TestPolicyWarnShowsInKubectl(t *testing.T) {
	e := hostEnv
	policyFixture(t, e)
	ns := labeledNamespace(t, e.client, "warn", nil)
	createPolicy(t, e, &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "few"},
		Spec: policyv1alpha1.FederationPolicySpec{MaxClusters: ptr[int32](1), Enforcement: policyv1alpha1.EnforcementWarn}})
	dir := t.TempDir()
	want := fmt.Sprintf("placement selects 2 cluster(s), more than FederationPolicy %s/few allows (maxClusters 1)", ns)
	var r testkit.Result
	testkit.Eventually(t, "kubectl to print the policy warning", func(ctx context.Context) (bool, error) {
		file := filepath.Join(dir, "fd.yaml")
		doc := deployment(ns, "web", "  placement: {clusters: [{name: eu-prod-1}, {name: us-prod-1}]}")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			return false, err
		}
		r = testkit.Kubectl(t, shared.KubeconfigPath(), nil, "apply", "-f", file)
		if r.Err != nil {
			return false, fmt.Errorf("%v: %s", r.Err, r.Stderr)
		}
		return strings.Contains(r.Stderr, want), nil
	})
	if !strings.Contains(r.Stderr, want) {
		t.Fatalf("kubectl's warning %q does not contain %q", r.Stderr, want)
	}
}

// TestPlacementWarningsShowInKubectl checks that kubectl apply admits, with
// warnings on stderr, a placement naming a cluster that is not joined (a
// typo among good names) and an object in a namespace that is not
// federated (the webhook runs for a Cluster-scoped control plane); once
// the namespace is federated only the cluster warning is left.
func TestPlacementWarningsShowInKubectl(t *testing.T) {
	e := hostEnv
	policyFixture(t, e)
	ns := labeledNamespace(t, e.client, "warnings", nil)
	dir := t.TempDir()
	apply := func(doc string) testkit.Result {
		file := filepath.Join(dir, "obj.yaml")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return testkit.Kubectl(t, shared.KubeconfigPath(), nil, "apply", "-f", file)
	}
	unknown := func(name string) string {
		return fmt.Sprintf(`Warning: FederatedDeployment %s/%s: spec.placement.clusters names "us-prdo-1", which is not joined: nothing goes there until it joins (kubectl fed join); joined clusters: `, ns, name)
	}
	notFederated := func(name string) string {
		return fmt.Sprintf(`Warning: FederatedDeployment %s/%s: namespace %q is not federated, so this object goes to no cluster until it is; to federate it: kubectl fed federate namespace %s`, ns, name, ns, ns)
	}
	typo := "  placement: {clusters: [{name: us-prod-1}, {name: us-prdo-1}]}"
	i := 0
	var r testkit.Result
	testkit.Eventually(t, "kubectl to print both warnings", func(context.Context) (bool, error) {
		i++
		name := fmt.Sprintf("web-%d", i)
		if r = apply(deployment(ns, name, typo)); r.Err != nil {
			return false, fmt.Errorf("refused: %v: %s", r.Err, r.Stderr)
		}
		if !strings.Contains(r.Stderr, unknown(name)) || !strings.Contains(r.Stderr, notFederated(name)) {
			return false, fmt.Errorf("stderr: %s", r.Stderr)
		}
		return true, nil
	})
	if !strings.Contains(r.Stdout, "created") || !strings.Contains(r.Stderr, "eu-prod-1, us-prod-1") {
		t.Fatalf("want the object created and the joined clusters named; stdout %q, stderr %q", r.Stdout, r.Stderr)
	}

	if r := apply(fmt.Sprintf("apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata: {name: %s, namespace: %s}\nspec: {placement: {clusterSelector: {}}}\n", ns, ns)); r.Err != nil {
		t.Fatalf("federating the namespace: %v: %s", r.Err, r.Stderr)
	}
	testkit.Eventually(t, "the namespace warning to go once the namespace is federated", func(context.Context) (bool, error) {
		i++
		name := fmt.Sprintf("web-%d", i)
		if r = apply(deployment(ns, name, typo)); r.Err != nil {
			return false, fmt.Errorf("refused: %v: %s", r.Err, r.Stderr)
		}
		if strings.Contains(r.Stderr, "is not federated") || !strings.Contains(r.Stderr, unknown(name)) {
			return false, fmt.Errorf("stderr: %s", r.Stderr)
		}
		return true, nil
	})
	if r := apply(deployment(ns, "good", "  placement: {clusters: [{name: us-prod-1}]}")); r.Err != nil || strings.Contains(r.Stderr, "Warning") {
		t.Fatalf("a placement of joined clusters in a federated namespace: %v, stderr %q", r.Err, r.Stderr)
	}
}

// TestPolicyAuditAdmits checks that an Audit policy admits a violating
// object without a warning, and that the policy's status, which the
// syncer writes, counts it.
func TestPolicyAuditAdmits(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	runSyncer(t)
	ns := labeledNamespace(t, e.client, "audit", nil)
	p := &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "min"},
		Spec: policyv1alpha1.FederationPolicySpec{MinClusters: ptr[int32](1), Enforcement: policyv1alpha1.EnforcementAudit}}
	createPolicy(t, e, p)
	if err := e.client.Create(ctx, federated(t, deployment(ns, "web", "  placement: {clusters: []}"))); err != nil {
		t.Fatalf("Audit must admit: %v", err)
	}
	if err := e.client.Create(ctx, federated(t, deployment(ns, "ok", "  placement: {clusters: [{name: us-prod-1}]}"))); err != nil {
		t.Fatal(err)
	}
	want := policyv1alpha1.FederationPolicyStatus{ObservedGeneration: 1, Selected: 2, Violations: 1,
		ViolatingObjects: []string{"FederatedDeployment " + ns + "/web"}}
	testkit.Eventually(t, "the policy status to count the violation", func(ctx context.Context) (bool, error) {
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		if !reflect.DeepEqual(p.Status, want) {
			return false, fmt.Errorf("status %+v, want %+v", p.Status, want)
		}
		return true, nil
	})
}

// TestPolicyDefaultPlacement checks that an object without placement gets
// the default placement of the policy that selects it, and one with a
// placement keeps it.
func TestPolicyDefaultPlacement(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "default", nil)
	createPolicy(t, e, &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "us"},
		Spec: policyv1alpha1.FederationPolicySpec{
			ResourceSelector: &policyv1alpha1.ResourceSelector{Kinds: []string{"FederatedDeployment"}},
			DefaultPlacement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "us-prod-1"}}},
		}})
	// Each attempt uses a name of its own (see TestPolicyDeny).
	attempt := 0
	testkit.Eventually(t, "the default placement to be injected", func(ctx context.Context) (bool, error) {
		attempt++
		obj := federated(t, deployment(ns, fmt.Sprintf("web-%d", attempt), ""))
		if err := e.client.Create(ctx, obj); err != nil {
			return false, err
		}
		clusters, found, err := unstructured.NestedSlice(obj.Object, "spec", "placement", "clusters")
		if !found || err != nil {
			return false, err
		}
		if len(clusters) != 1 || clusters[0].(map[string]any)["name"] != "us-prod-1" {
			return false, fmt.Errorf("placement %v", clusters)
		}
		return true, nil
	})
	kept := federated(t, deployment(ns, "kept", "  placement: {clusters: [{name: eu-prod-1}]}"))
	if err := e.client.Create(ctx, kept); err != nil {
		t.Fatal(err)
	}
	if clusters, _, _ := unstructured.NestedSlice(kept.Object, "spec", "placement", "clusters"); len(clusters) != 1 || clusters[0].(map[string]any)["name"] != "eu-prod-1" {
		t.Fatalf("an explicit placement was changed: %v", clusters)
	}
	// An update that drops the placement is defaulted too (the mutating
	// webhook's match condition lets only updates that keep one pass by).
	if err := e.client.Patch(ctx, kept, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"placement":null}}`))); err != nil {
		t.Fatal(err)
	}
	if clusters, _, _ := unstructured.NestedSlice(kept.Object, "spec", "placement", "clusters"); len(clusters) != 1 || clusters[0].(map[string]any)["name"] != "us-prod-1" {
		t.Fatalf("an update without placement was not defaulted: %v", clusters)
	}
}

// TestInvalidPolicyRejected checks that policies are validated.
func TestInvalidPolicyRejected(t *testing.T) {
	e := hostEnv
	ns := labeledNamespace(t, e.client, "badpolicy", nil)
	p := &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
		Spec: policyv1alpha1.FederationPolicySpec{MinClusters: ptr[int32](3), MaxClusters: ptr[int32](2), DeniedOverridePaths: []string{"spec"}}}
	expectDeniedByWebhook(t, e.client.Create(context.Background(), p),
		"spec.minClusters: Invalid value: 3: must be less than or equal to maxClusters", `spec.deniedOverridePaths[0]: Invalid value: "spec"`)
	cp := &policyv1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "bad-cluster-policy"},
		Spec: policyv1alpha1.ClusterFederationPolicySpec{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn}}}}}
	expectDeniedByWebhook(t, e.client.Create(context.Background(), cp), "spec.namespaceSelector.matchExpressions[0].values")
}

// TestWebhookDownRefusesWrites registers the namespaced configurations of
// a namespace with a URL nothing listens on: with failurePolicy Fail every
// write in that namespace is refused and nothing is stored, while other
// namespaces are unaffected.
func TestWebhookDownRefusesWrites(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "down", nil)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	v, m := webhook.Configurations(webhook.ConfigOptions{URL: fmt.Sprintf("https://127.0.0.1:%d", port), Namespace: ns, TimeoutSeconds: 2})
	// Only namespaced kinds: cluster-scoped ones ignore namespaceSelector
	// and would be refused everywhere while this test runs.
	v.Webhooks = slices.DeleteFunc(v.Webhooks, func(w admissionregistrationv1.ValidatingWebhook) bool {
		return w.Name == "clusterfederationpolicies.policy.kubefed.io"
	})
	for _, obj := range []client.Object{v, m} {
		if err := e.client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.client.Delete(ctx, obj) })
	}
	cfg := &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubefed"}, Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.NamespaceScoped}}
	testkit.Eventually(t, "the API server to call the unreachable webhook", func(ctx context.Context) (bool, error) {
		err := e.client.Create(ctx, cfg.DeepCopy())
		if err == nil {
			return false, e.client.Delete(ctx, cfg.DeepCopy())
		}
		return rejectedWith(err, "failed calling webhook")
	})
	expectRejected := func(obj client.Object) {
		err := e.client.Create(ctx, obj)
		if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
			t.Fatalf("create of %T with the webhook down: %v, want failed calling webhook", obj, err)
		}
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(obj), obj); !apierrors.IsNotFound(err) {
			t.Fatalf("%T was half-written: %v", obj, err)
		}
	}
	expectRejected(federated(t, deployment(ns, "web", "  placement: {clusters: []}")))
	expectRejected(&policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}})
	other := labeledNamespace(t, e.client, "up", nil)
	if err := e.client.Create(ctx, federated(t, deployment(other, "web", "  placement: {clusters: []}"))); err != nil {
		t.Fatalf("a namespace the down configurations do not select was affected: %v", err)
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// TestSyncFinalizerAddedAtAdmission checks that the mutating webhook adds
// the syncer's finalizer to a created federated object while the type's
// status says a syncer runs it (saving the syncer a write per object), and
// not otherwise: without a syncer nothing would remove it. No syncer runs
// here; the test writes the status a syncer would and removes the
// finalizers itself.
func TestSyncFinalizerAddedAtAdmission(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ftcName := deployments.APIResource().QualifiedName()
	ns := labeledNamespace(t, e.client, "finalizer-at-admission", nil)
	var created []*unstructured.Unstructured
	t.Cleanup(func() {
		for _, obj := range created {
			patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))
			if err := e.client.Patch(ctx, obj, patch); client.IgnoreNotFound(err) != nil {
				t.Errorf("removing the finalizers of %s: %v", obj.GetName(), err)
			}
		}
	})
	attempt := 0
	// createUntil creates objects of names of their own until one has the
	// finalizer as wanted (the webhook sees a status change once its
	// informer has it).
	createUntil := func(what string, want bool) {
		t.Helper()
		testkit.Eventually(t, what, func(ctx context.Context) (bool, error) {
			attempt++
			obj := federated(t, deployment(ns, fmt.Sprintf("web-%d", attempt), "  placement: {clusters: []}"))
			if err := e.client.Create(ctx, obj); err != nil {
				return false, err
			}
			created = append(created, obj)
			got := slices.Contains(obj.GetFinalizers(), core.SyncControllerFinalizer)
			return got == want, nil
		})
	}
	setPropagationController(t, ftcName, corev1beta1.ControllerStatusRunning)
	t.Cleanup(func() { setPropagationController(t, ftcName, corev1beta1.ControllerStatusNotRunning) })
	createUntil("a created object to get the sync finalizer at admission", true)
	setPropagationController(t, ftcName, corev1beta1.ControllerStatusNotRunning)
	createUntil("a created object to get no finalizer once no syncer runs the type", false)
}
