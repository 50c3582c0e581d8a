package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// explained is the part of `kubectl fed explain -o json` the tests read.
type explained struct {
	Placement string
	Clusters  []struct {
		Cluster, Source, Action, Status, Recorded, StoppedAt string
		RecordedMessage                                      string
		Steps                                                []struct{ Step, Result, Detail string }
	}
}

// explainJSON runs `kubectl fed explain TYPE NAME -n NS -o json`.
func explainJSON(t *testing.T, typ, ns, name string) explained {
	t.Helper()
	var e explained
	if err := json.Unmarshal([]byte(mustFed(t, "explain", typ, name, "-n", ns, "-o", "json")), &e); err != nil {
		t.Fatalf("explain -o json of %s %s: %v", typ, name, err)
	}
	return e
}

// clusterStatuses returns the per-cluster statuses of a federated object
// of kind ("OK" for the empty status), nil when it has none yet.
func clusterStatuses(t *testing.T, kind, ns, name string) map[string]string {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("types.kubefed.io/v1beta1")
	u.SetKind(kind)
	if err := host.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		t.Fatal(err)
	}
	entries, _, _ := unstructured.NestedSlice(u.Object, "status", "clusters")
	out := map[string]string{}
	for _, e := range entries {
		m := e.(map[string]any)
		s, _ := m["status"].(string)
		if s == "" {
			s = "OK"
		}
		out[m["name"].(string)] = s
	}
	return out
}

// waitAgreement waits until FederatedConfigMap ns/name's status holds
// want (cluster -> status) and explain computes the same for every
// cluster.
func waitAgreement(t *testing.T, ns, name string, want map[string]string) explained {
	t.Helper()
	return waitAgreementOf(t, "configmaps", "FederatedConfigMap", ns, name, want)
}

// waitAgreementOf is waitAgreement for federated kind of type typ.
func waitAgreementOf(t *testing.T, typ, kind, ns, name string, want map[string]string) explained {
	t.Helper()
	var e explained
	testkit.Eventually(t, "the status of "+kind+" "+name+" and explain's plan agreeing on "+asString(want), func(context.Context) (bool, error) {
		got := clusterStatuses(t, kind, ns, name)
		for c, s := range want {
			if got[c] != s {
				return false, nil
			}
		}
		e = explainJSON(t, typ, ns, name)
		for _, c := range e.Clusters {
			if c.Status != c.Recorded || (want[c.Cluster] != "" && c.Status != want[c.Cluster]) {
				return false, nil
			}
		}
		return true, nil
	})
	return e
}

func asString(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// memberClient reads and writes a member cluster directly.
func memberClient(t *testing.T, name string) client.Client {
	t.Helper()
	return testkit.Client(t, shared.Cluster(name).RESTConfig())
}

// TestFleetViews runs the syncer and checks `kubectl fed get`, `explain`
// and `diff` on a fleet holding an override, a policy denial, a name that
// is not a joined cluster, an opted-out member object, an override that
// cannot apply, an unmanaged member object while adoption is disabled, a
// type a member does not serve, a member object held by a finalizer, a
// NoSchedule taint, a NoExecute taint a workload cannot leave (it runs
// ready nowhere else) and, last, a stopped member. explain must agree
// with the status the syncer writes for every cluster status these
// produce: OK, PolicyDenied, ManagedLabelFalse, ApplyOverridesFailed,
// AlreadyExists, CachedRetrievalFailed, WaitingForRemoval, Tainted,
// Evicting and ClusterNotReady. A write member1's API server refuses
// (CreationFailed) is shown with the member's message.
func TestFleetViews(t *testing.T) {
	ctx := context.Background()
	mustFed(t, "enable", "namespaces")
	// A custom type that member2 does not serve.
	gadgets := fixtures.ExampleCRD("Gadget")
	for _, c := range []string{fleet.HostName, "member1"} {
		if err := testkit.InstallCRDs(ctx, shared.Cluster(c).RESTConfig(), gadgets.DeepCopy()); err != nil {
			t.Fatalf("installing the Gadget CRD in %s: %v", c, err)
		}
	}
	mustFed(t, "enable", "gadgets.example.com")
	setAdoptResources(t, corev1beta1.AdoptResourcesDisabled)
	runSyncer(t)
	const ns = "views"
	createNamespace(t, ns)
	// Cleanups run last first: after member2 is back and before the
	// syncer stops, the namespace goes and the syncer releases its
	// federated objects, so that later tests count none of them.
	t.Cleanup(func() {
		_ = host.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		testkit.Eventually(t, "the FederatedConfigMaps of namespace "+ns+" deleted", func(ctx context.Context) (bool, error) {
			list := &unstructured.UnstructuredList{}
			list.SetAPIVersion("types.kubefed.io/v1beta1")
			list.SetKind("FederatedConfigMapList")
			if err := host.List(ctx, list, client.InNamespace(ns)); err != nil {
				return false, err
			}
			return len(list.Items) == 0, nil
		})
	})
	both := object{"clusters": []any{object{"name": "member1"}, object{"name": "member2"}}}
	fcm := func(name string, labels object, spec object) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: object{
			"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
			"metadata": object{"namespace": ns, "name": name, "labels": labels},
			"spec":     spec,
		}}
		return u
	}
	// optout exists in member1 labelled kubefed.io/managed=false.
	member1 := memberClient(t, "member1")
	if err := member1.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	if err := member1.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "optout",
		Labels: map[string]string{"kubefed.io/managed": "false"}}, Data: map[string]string{"k": "theirs"}}); err != nil {
		t.Fatal(err)
	}
	// taken exists in member1, not managed, and adoption is disabled.
	if err := member1.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "taken"}, Data: map[string]string{"k": "theirs"}}); err != nil {
		t.Fatal(err)
	}
	objects := []*unstructured.Unstructured{
		// The namespace tolerates the NoExecute taint of the eviction
		// below, so that member2 keeps it.
		{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedNamespace",
			"metadata": object{"namespace": ns, "name": ns}, "spec": object{"placement": object{"clusters": both["clusters"],
				"tolerations": []any{object{"key": "views-evict", "operator": "Exists"}}}}}},
		{Object: object{"apiVersion": "policy.kubefed.io/v1alpha1", "kind": "FederationPolicy",
			"metadata": object{"namespace": ns, "name": "guard"},
			"spec": object{"enforcement": "Deny",
				"resourceSelector": object{"labelSelector": object{"matchLabels": object{"guard": "yes"}}},
				"deniedClusters":   object{"names": []any{"member2"}}}}},
		fcm("plain", nil, object{
			"template":  object{"metadata": object{"labels": object{"app": "views"}}, "data": object{"k": "v"}},
			"placement": both,
			"overrides": []any{object{"clusterName": "member2", "clusterOverrides": []any{object{"path": "/data/k", "value": "v2"}}}},
		}),
		fcm("guarded", object{"guard": "yes"}, object{"template": object{"data": object{"k": "v"}}, "placement": both}),
		fcm("ghost", nil, object{"template": object{"data": object{"k": "v"}},
			"placement": object{"clusters": []any{object{"name": "member1"}, object{"name": "nowhere"}}}}),
		fcm("optout", nil, object{"template": object{"data": object{"k": "v"}}, "placement": object{"clusters": []any{object{"name": "member1"}}}}),
		fcm("badoverride", nil, object{"template": object{"data": object{"k": "v"}}, "placement": object{"clusters": []any{object{"name": "member1"}}},
			"overrides": []any{object{"clusterName": "member1", "clusterOverrides": []any{object{"op": "add", "path": "/spec/missing/x", "value": "v"}}}}}),
		fcm("taken", nil, object{"template": object{"data": object{"k": "v"}}, "placement": object{"clusters": []any{object{"name": "member1"}}}}),
		fcm("leaving", nil, object{"template": object{"data": object{"k": "v"}}, "placement": both}),
	}
	for _, u := range objects {
		if err := host.Create(ctx, u); err != nil {
			t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}

	// explain computes what the syncer reports, cluster by cluster.
	e := waitAgreement(t, ns, "plain", map[string]string{"member1": "OK", "member2": "OK"})
	text := mustFed(t, "explain", "configmap", "plain", "-n", ns)
	for _, want := range []string{"FederatedConfigMap views/plain", "overrides: spec.overrides[0]: replace /data/k=\"v2\""} {
		if !strings.Contains(text, want) {
			t.Errorf("explain of plain lacks %q:\n%s", want, text)
		}
	}
	t.Logf("kubectl fed explain configmap plain -n views:\n%s", text)
	e = waitAgreement(t, ns, "guarded", map[string]string{"member1": "OK", "member2": "PolicyDenied"})
	for _, c := range e.Clusters {
		if c.Cluster == "member2" && c.StoppedAt != "policy" {
			t.Errorf("guarded in member2 stopped at %q, want policy", c.StoppedAt)
		}
	}
	if text := mustFed(t, "explain", "configmap", "guarded", "-n", ns); !strings.Contains(text, "FederationPolicy views/guard") {
		t.Errorf("explain of guarded does not name the policy:\n%s", text)
	}
	e = waitAgreement(t, ns, "ghost", map[string]string{"member1": "OK"})
	if !strings.Contains(e.Placement, "UnknownCluster") || !strings.Contains(e.Placement, "nowhere") {
		t.Errorf("explain of ghost: placement %q does not name the unknown cluster", e.Placement)
	}
	waitAgreement(t, ns, "optout", map[string]string{"member1": "ManagedLabelFalse"})
	e = waitAgreement(t, ns, "badoverride", nil)
	if e.Clusters[0].Status == "OK" || e.Clusters[0].Status == "" {
		t.Errorf("badoverride in member1: status %q, want a failure to apply the override", e.Clusters[0].Status)
	}
	mustFail(t, fed(t, "explain", "configmap", "plain", "-n", ns, "--cluster", "nowhere"), "no member cluster is named nowhere", "member1, member2")
	e = waitAgreement(t, ns, "taken", map[string]string{"member1": "AlreadyExists"})
	if c := e.Clusters[0]; c.StoppedAt != "member object" {
		t.Errorf("taken in member1 stopped at %q, want member object", c.StoppedAt)
	}
	// A write member1's API server rejects (a ValidatingAdmissionPolicy):
	// CreationFailed with the member's message, in status, explain (as
	// recorded: a failed write cannot be computed in advance, the plan
	// says Create again) and describe.
	const refusal = "member1 refuses ConfigMaps named refused"
	refuseInMember1(t, refusal)
	if err := host.Create(ctx, fcm("refused", nil, object{"template": object{"data": object{"k": "v"}}, "placement": object{"clusters": []any{object{"name": "member1"}}}})); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "refused CreationFailed in member1", func(context.Context) (bool, error) {
		return clusterStatuses(t, "FederatedConfigMap", ns, "refused")["member1"] == "CreationFailed", nil
	})
	if c := explainJSON(t, "configmap", ns, "refused").Clusters[0]; c.Recorded != "CreationFailed" || !strings.Contains(c.RecordedMessage, refusal) || c.Action != "Create" {
		t.Errorf("explain of refused in member1: %+v, want action Create and recorded CreationFailed with the member's %q", c, refusal)
	}
	for _, args := range [][]string{{"status", "configmap", "refused", "-n", ns}, {"describe", "configmap", "refused", "-n", ns}} {
		if text := mustFed(t, args...); !strings.Contains(text, "CreationFailed") || !strings.Contains(text, refusal) {
			t.Errorf("kubectl fed %s lacks CreationFailed and the member's message:\n%s", strings.Join(args, " "), text)
		}
	}
	// A type member2 does not serve: CachedRetrievalFailed there.
	gadget := &unstructured.Unstructured{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedGadget",
		"metadata": object{"namespace": ns, "name": "cog"}, "spec": object{"template": object{"spec": object{"teeth": int64(8)}}, "placement": both}}}
	testkit.Eventually(t, "creating the FederatedGadget once its CRD is served", func(ctx context.Context) (bool, error) {
		return host.Create(ctx, gadget.DeepCopy()) == nil, nil
	})
	e = waitAgreementOf(t, "gadgets.example.com", "FederatedGadget", ns, "cog", map[string]string{"member1": "OK", "member2": "CachedRetrievalFailed"})
	for _, c := range e.Clusters {
		if c.Cluster == "member2" && c.StoppedAt != "type served" {
			t.Errorf("cog in member2 stopped at %q, want type served", c.StoppedAt)
		}
	}
	// doctor: a federated CRD older than enable writes is a warning, with
	// the fix.
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := host.Get(ctx, client.ObjectKey{Name: "federatedgadgets.types.kubefed.io"}, crd); err != nil {
		t.Fatal(err)
	}
	delete(crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"].Properties["clusters"].Items.Schema.Properties, "message")
	if err := host.Update(ctx, crd); err != nil {
		t.Fatal(err)
	}
	if c := doctor(t)["types/gadgets.example.com"]; c.Result != "warning" || !strings.Contains(c.Detail, "status.clusters[].message") ||
		!strings.Contains(c.Fix, "upgrade it: kubectl fed enable gadgets.example.com") {
		t.Errorf("doctor with an old FederatedGadget CRD: %+v, want a warning naming the field and the fix", c)
	}
	if err := host.Delete(ctx, gadget); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the FederatedGadget deleted", func(ctx context.Context) (bool, error) {
		err := host.Get(ctx, client.ObjectKeyFromObject(gadget), gadget.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	mustFed(t, "disable", "gadgets.example.com")
	// A member object held by a finalizer when the placement drops its
	// cluster: WaitingForRemoval until the finalizer goes.
	waitAgreement(t, ns, "leaving", map[string]string{"member1": "OK", "member2": "OK"})
	member2Client := memberClient(t, "member2")
	hold := []byte(`{"metadata":{"finalizers":["example.com/hold"]}}`)
	if err := member2Client.Patch(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leaving"}}, client.RawPatch(types.MergePatchType, hold)); err != nil {
		t.Fatal(err)
	}
	leaving := fcm("leaving", nil, nil)
	if err := host.Patch(ctx, leaving, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"placement":{"clusters":[{"name":"member1"}]}}}`))); err != nil {
		t.Fatal(err)
	}
	waitAgreement(t, ns, "leaving", map[string]string{"member1": "OK", "member2": "WaitingForRemoval"})
	if err := member2Client.Patch(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leaving"}}, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))); err != nil {
		t.Fatal(err)
	}
	waitAgreement(t, ns, "leaving", map[string]string{"member1": "OK", "member2": ""})
	// A NoSchedule taint the object does not tolerate: Tainted. An object
	// the syncer placed before it saw the taint keeps its copy (it holds
	// it), so objects are created until one is placed after.
	mustFed(t, "taint", "member2", "views=only:NoSchedule")
	tainted := true
	t.Cleanup(func() {
		if tainted {
			mustFed(t, "taint", "member2", "views-")
		}
	})
	late, tries := "", 0
	testkit.Eventually(t, "an object placed once the syncer saw member2's taint Tainted there", func(ctx context.Context) (bool, error) {
		if late == "" || clusterStatuses(t, "FederatedConfigMap", ns, late)["member2"] == "OK" {
			tries++
			late = fmt.Sprintf("late%d", tries)
			if err := host.Create(ctx, fcm(late, nil, object{"template": object{"data": object{"k": "v"}}, "placement": both})); err != nil {
				return false, err
			}
		}
		return clusterStatuses(t, "FederatedConfigMap", ns, late)["member2"] == "Tainted", nil
	})
	e = waitAgreement(t, ns, late, map[string]string{"member1": "OK", "member2": "Tainted"})
	mustFed(t, "taint", "member2", "views-")
	tainted = false
	for _, c := range e.Clusters {
		if c.Cluster == "member2" && c.StoppedAt != "taints" {
			t.Errorf("late in member2 stopped at %q, want taints", c.StoppedAt)
		}
	}
	// A Deployment following its dependencies: describe shows, per
	// cluster, the ConfigMap its pods need and the syncer copied.
	if err := host.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "stuck-env"}, Data: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	stuck := &unstructured.Unstructured{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": object{"namespace": ns, "name": "stuck", "annotations": object{"kubefed.io/propagate-dependencies": "true"}},
		"spec": object{"placement": both, "template": object{"spec": object{"replicas": int64(1),
			"selector": object{"matchLabels": object{"app": "stuck"}},
			"template": object{"metadata": object{"labels": object{"app": "stuck"}}, "spec": object{
				"nodeSelector": object{"views": "nowhere"}, "containers": []any{object{"name": "c", "image": "stuck:1",
					"envFrom": []any{object{"configMapRef": object{"name": "stuck-env"}}}}}}}}}}}}
	if err := host.Create(ctx, stuck); err != nil {
		t.Fatal(err)
	}
	waitAgreementOf(t, "deployments", "FederatedDeployment", ns, "stuck", map[string]string{"member1": "OK", "member2": "OK"})
	testkit.Eventually(t, "describe showing the dependency of stuck copied into both members", func(context.Context) (bool, error) {
		text := normalize(mustFed(t, "describe", "deployment", "stuck", "-n", ns))
		return strings.Contains(text, "Dependencies: followed") && strings.Count(text, "ConfigMap/stuck-env | copied") == 2, nil
	})
	// A NoExecute taint: the Deployment, which can run ready nowhere else
	// (its pods select no node), stays Evicting in member2, the eviction
	// gate waiting for it to run ready in member1; explain agrees. Once the
	// taint goes, the ConfigMaps it evicted are back in member2.
	mustFed(t, "taint", "member2", "views-evict=yes:NoExecute")
	evicting := true
	t.Cleanup(func() {
		if evicting {
			mustFed(t, "taint", "member2", "views-evict-")
		}
	})
	e = waitAgreementOf(t, "deployments", "FederatedDeployment", ns, "stuck", map[string]string{"member1": "OK", "member2": "Evicting"})
	for _, c := range e.Clusters {
		for _, s := range c.Steps {
			if c.Cluster == "member2" && s.Step == "taints" && s.Result != "evicting" {
				t.Errorf("stuck in member2: taints step %+v, want evicting", s)
			}
		}
	}
	mustFed(t, "taint", "member2", "views-evict-")
	evicting = false
	if err := host.Delete(ctx, stuck); err != nil {
		t.Fatal(err)
	}
	waitAgreement(t, ns, "plain", map[string]string{"member1": "OK", "member2": "OK"})

	// describe: the status view, then each cluster's decision, overrides
	// and member object.
	text = mustFed(t, "describe", "configmap", "plain", "-n", ns)
	for _, want := range []string{"Placement: member1, member2", "Cluster member2 (joined):", "Overrides:", `replace /data/k="v2"`, "Member object:", "managed, generation"} {
		if !strings.Contains(text, want) {
			t.Errorf("describe of plain lacks %q:\n%s", want, text)
		}
	}
	t.Logf("kubectl fed describe configmap plain -n views:\n%s", text)

	// get: one table across clusters, with the override applied in member2.
	out := mustFed(t, "get", "configmaps", "-n", ns, "-l", "app=views")
	for _, want := range []string{"CLUSTER | NAME | DATA | AGE", "member1 | plain | 1 | <age>", "member2 | plain | 1 | <age>"} {
		if !strings.Contains(normalize(out), want) {
			t.Errorf("get configmaps -l app=views lacks %q:\n%s", want, out)
		}
	}
	out = mustFed(t, "get", "configmaps", "-n", ns)
	if !strings.Contains(normalize(out), "member1 | guarded |") || strings.Contains(normalize(out), "member2 | guarded |") {
		t.Errorf("get configmaps: guarded should be in member1 only:\n%s", out)
	}
	if out := mustFed(t, "get", "configmap", "plain", "-n", ns, "-o", "yaml", "--clusters", "member2"); !strings.Contains(out, "# cluster: member2") || !strings.Contains(out, "k: v2") {
		t.Errorf("get -o yaml --clusters member2 lacks the cluster or the override:\n%s", out)
	}
	if out := mustFed(t, "get", "cm", "plain", "-n", ns, "-o", "name"); out != "member1 configmap/plain\nmember2 configmap/plain\n" {
		t.Errorf("get -o name = %q", out)
	}
	mustFail(t, fed(t, "get", "configmaps", "-n", ns, "--clusters", "member1,nowhere"), "no member cluster is named nowhere")

	// diff: nothing to do for plain; a file moving it to member1 with new
	// data updates member1 and deletes it from member2.
	if r := fed(t, "diff", "configmap", "plain", "-n", ns); r.Err != nil || r.Stdout != "" {
		t.Errorf("diff of a propagated object: %v\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	file := filepath.Join(t.TempDir(), "plain.yaml")
	changed := `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: plain, namespace: views}
spec:
  template: {metadata: {labels: {app: views}}, data: {k: new}}
  placement: {clusters: [{name: member1}]}
`
	if err := os.WriteFile(file, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	r := fed(t, "diff", "-f", file)
	var exit *exec.ExitError
	if !errors.As(r.Err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("diff -f with changes: exit %v, want 1\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"--- member1/live\n+++ member1/update", "-  k: v\n+  k: new", "--- member2/live\n+++ /dev/null", "-  k: v2"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("diff -f lacks %q:\n%s", want, r.Stdout)
		}
	}
	t.Logf("kubectl fed diff -f plain.yaml:\n%s", r.Stdout)

	// doctor: the CRDs, types and members pass; the syncer runs in process
	// without leader election, so no Lease is held, which fails with a fix.
	checks := doctor(t)
	for name, want := range map[string]string{"crds/KubeFedCluster (core.kubefed.io/v1beta1)": "ok", "types/configmaps": "ok",
		"clusters/member1": "ok", "clusters/member2": "ok", "syncer/Lease kube-federation-system/kubectl-fed-syncer": "failed",
		"webhook/answering": "ok"} {
		if got := checks[name]; got.Result != want {
			t.Errorf("doctor: %s = %+v, want %s", name, got, want)
		}
	}
	if checks["syncer/Lease kube-federation-system/kubectl-fed-syncer"].Fix == "" {
		t.Error("doctor: the failed syncer check has no fix")
	}

	// A stopped member: a row with the reason in get, ClusterNotReady in
	// the status and in explain, a failed check in doctor.
	member2 := shared.Cluster("member2")
	member2.StopAPIServer()
	t.Cleanup(func() {
		if err := member2.StartAPIServer(context.Background()); err != nil {
			t.Errorf("restarting member2's API server: %v", err)
		}
	})
	r = fed(t, "get", "configmaps", "-n", ns, "-l", "app=views", "--cluster-timeout", "3s")
	if r.Err == nil || !strings.Contains(normalize(r.Stdout), "member1 | plain |") || !strings.Contains(r.Stdout, "member2") ||
		!strings.Contains(r.Stdout, "<unreachable>") || !strings.Contains(r.Stderr, "cluster member2") {
		t.Errorf("get with member2 stopped: exit %v\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	t.Logf("kubectl fed get configmaps -n views -l app=views, member2 stopped:\n%s%s", r.Stdout, r.Stderr)
	waitAgreement(t, ns, "plain", map[string]string{"member1": "OK", "member2": "ClusterNotReady"})
	if r := fed(t, "diff", "configmap", "plain", "-n", ns, "--cluster-timeout", "3s"); r.Err != nil || r.Stdout != "" ||
		!strings.Contains(r.Stderr, "member2: Skip (ClusterNotReady)") {
		t.Errorf("diff with member2 stopped: exit %v, want 0 and member2 not ready on stderr\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	if text := mustFed(t, "describe", "configmap", "plain", "-n", ns, "--cluster-timeout", "3s"); !strings.Contains(text, "Skip (ClusterNotReady), stopped at ready") {
		t.Errorf("describe with member2 stopped lacks member2's decision:\n%s", text)
	}
	if c := doctor(t)["clusters/member2"]; c.Result != "failed" || c.Fix == "" {
		t.Errorf("doctor with member2 stopped: %+v, want failed with a fix", c)
	}
}

// check is one check of `kubectl fed doctor -o json`.
type check struct{ Result, Detail, Fix string }

// doctor runs `kubectl fed doctor -o json`, which must exit 1 (the tests'
// syncer holds no Lease), and returns the checks by "check/name".
func doctor(t *testing.T) map[string]check {
	t.Helper()
	r := fed(t, "doctor", "-o", "json", "--cluster-timeout", "3s")
	var exit *exec.ExitError
	if !errors.As(r.Err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("doctor: exit %v, want 1\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	var list []struct{ Check, Name, Result, Detail, Fix string }
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r.Stdout)
	}
	out := map[string]check{}
	for _, c := range list {
		out[c.Check+"/"+c.Name] = check{c.Result, c.Detail, c.Fix}
	}
	t.Logf("kubectl fed doctor -o json:\n%s", r.Stdout)
	return out
}

// setAdoptResources sets the KubeFedConfig's adoptResources until the test
// ends.
func setAdoptResources(t *testing.T, adopt corev1beta1.ResourceAdoption) {
	t.Helper()
	set := func(adopt corev1beta1.ResourceAdoption) error {
		ctx := context.Background()
		cfg := &corev1beta1.KubeFedConfig{}
		if err := host.Get(ctx, client.ObjectKey{Namespace: "kube-federation-system", Name: "kubefed"}, cfg); err != nil {
			return err
		}
		if cfg.Spec.SyncController == nil {
			cfg.Spec.SyncController = &corev1beta1.SyncControllerConfig{}
		}
		cfg.Spec.SyncController.AdoptResources = &adopt
		return host.Update(ctx, cfg)
	}
	if err := set(adopt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := set(corev1beta1.AdoptResourcesEnabled); err != nil {
			t.Errorf("setting adoptResources back to Enabled: %v", err)
		}
	})
}

// refuseInMember1 makes member1's API server reject ConfigMaps named
// "refused" with message (a ValidatingAdmissionPolicy and its binding,
// removed when the test ends), once it does.
func refuseInMember1(t *testing.T, message string) {
	t.Helper()
	ctx := context.Background()
	m1 := memberClient(t, "member1")
	fail := admissionregistrationv1.Fail
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "views-refuse"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.metadata.name != 'refused'", Message: message}},
		}}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: "views-refuse"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "views-refuse",
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}
	for _, obj := range []client.Object{policy, binding} {
		if err := m1.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m1.Delete(context.Background(), obj) })
	}
	testkit.Eventually(t, "member1's API server refusing ConfigMap refused", func(ctx context.Context) (bool, error) {
		probe := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceDefault, Name: "refused"}}
		err := m1.Create(ctx, probe, client.DryRunAll)
		return err != nil && strings.Contains(err.Error(), message), nil
	})
}
