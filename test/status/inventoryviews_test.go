package status

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestViewsShowInventoryClusters: a ClusterProfile of the inventory
// (edge1, reached as member1's API server through an access provider) is
// a member cluster to get, explain, describe and diff as to the syncer,
// shown with its source; without the access provider file, get shows its
// row with the reason and the fix. No syncer runs: the profile's
// KubeFedMemberReady condition is written as the syncer would.
func TestViewsShowInventoryClusters(t *testing.T) {
	ctx := context.Background()
	markClusters(t)
	const ns = "views-edge"
	useInventory(t, ns)
	member1 := shared.Cluster("member1")
	profile := &inventoryv1alpha1.ClusterProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "edge1"},
		Spec:       inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: "test-inventory"}},
	}
	if err := host.Create(ctx, profile); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.IgnoreNotFound(host.Delete(context.Background(), profile)) })
	profile.Status.AccessProviders = []inventoryv1alpha1.AccessProvider{{Name: "views-exec",
		Cluster: clientcmdv1.Cluster{Server: member1.Server, CertificateAuthorityData: member1.CAData()}}}
	meta.SetStatusCondition(&profile.Status.Conditions, metav1.Condition{Type: inventory.ConditionMemberReady, Status: metav1.ConditionTrue, Reason: "ClusterReady", Message: "/healthz responded with ok"})
	if err := host.Status().Update(ctx, profile); err != nil {
		t.Fatal(err)
	}
	providers := testkit.ExecProviderFile(t, "views-exec", member1.RESTConfig())

	// A ConfigMap of edge1 (member1's API server), and a federated one
	// placed on edge1 only, which the syncer would create there.
	m1 := memberClient(t, "member1")
	memberNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if err := m1.Create(ctx, memberNS); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m1.Delete(context.Background(), memberNS) })
	if err := m1.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "local"}, Data: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	fcm := &unstructured.Unstructured{Object: object{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": object{"namespace": ns, "name": "app"},
		"spec": object{"template": object{"data": object{"k": "v"}},
			"placement": object{"clusters": []any{object{"name": "edge1"}}}},
	}}
	fns := &unstructured.Unstructured{Object: object{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedNamespace",
		"metadata": object{"namespace": ns, "name": ns},
		"spec":     object{"placement": object{"clusters": []any{object{"name": "edge1"}}}},
	}}
	mustFed(t, "enable", "namespaces")
	for _, u := range []*unstructured.Unstructured{fns, fcm} {
		if err := host.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = host.Delete(context.Background(), u) })
	}

	// get: edge1's row beside member1's (the same API server), with
	// SOURCE in -o wide; without the provider file, a row with the reason.
	out := normalize(mustFed(t, "get", "configmaps", "local", "-n", ns, "-o", "wide", "--clusterprofile-provider-file", providers))
	for _, want := range []string{"CLUSTER | SOURCE | NAME | DATA | AGE", "edge1 | inventory | local | 1 | <age>", "member1 | joined | local | 1 | <age>"} {
		if !strings.Contains(out, want) {
			t.Errorf("get -o wide with the provider file lacks %q:\n%s", want, out)
		}
	}
	r := fed(t, "get", "configmaps", "local", "-n", ns, "-o", "wide")
	if r.Err == nil || !strings.Contains(normalize(r.Stdout), "edge1 | inventory | <no credentials>") ||
		!strings.Contains(r.Stderr, "--clusterprofile-provider-file") {
		t.Errorf("get without the provider file: exit %v, want 1 with edge1's row and the fix\n%s%s", r.Err, r.Stdout, r.Stderr)
	}

	// explain, describe and diff plan the object in edge1.
	var e explained
	if err := json.Unmarshal([]byte(mustFed(t, "explain", "configmap", "app", "-n", ns, "-o", "json", "--clusterprofile-provider-file", providers)), &e); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range e.Clusters {
		if c.Cluster == "edge1" {
			found = true
			if c.Source != "inventory" || c.Action != "Create" {
				t.Errorf("explain: edge1 is %+v, want source inventory and action Create", c)
			}
		}
	}
	if !found {
		t.Errorf("explain lacks edge1: %+v", e.Clusters)
	}
	text := mustFed(t, "describe", "configmap", "app", "-n", ns, "--clusterprofile-provider-file", providers)
	for _, want := range []string{"Placement: edge1", "Cluster edge1 (inventory):", "Decision:", "Create", "Cluster member1 (joined):"} {
		if !strings.Contains(text, want) {
			t.Errorf("describe lacks %q:\n%s", want, text)
		}
	}
	r = fed(t, "diff", "configmap", "app", "-n", ns, "--clusterprofile-provider-file", providers)
	var exit *exec.ExitError
	if !errors.As(r.Err, &exit) || exit.ExitCode() != 1 || !strings.Contains(r.Stdout, "edge1/") {
		t.Errorf("diff: exit %v, want 1 and edge1 gaining the object\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	mustFail(t, fed(t, "explain", "configmap", "app", "-n", ns, "--cluster", "edge2"), "no member cluster is named edge2", "edge1, member1, member2")

	// doctor checks edge1 too: with the provider file, its credentials and
	// RBAC; without, only its published readiness, as a warning that names
	// its ClusterProfile. (No syncer runs: doctor exits 1 on its Lease.)
	for _, tc := range []struct {
		args           []string
		result, detail string
	}{
		{[]string{"--clusterprofile-provider-file", providers}, "ok", "credentials and RBAC"},
		{nil, "warning", "ClusterProfile " + ns + "/edge1"},
	} {
		r := fed(t, append([]string{"doctor", "-o", "json"}, tc.args...)...)
		var checks []struct{ Check, Name, Result, Detail, Fix string }
		if err := json.Unmarshal([]byte(r.Stdout), &checks); err != nil {
			t.Fatalf("doctor %v -o json: %v\n%s%s", tc.args, err, r.Stdout, r.Stderr)
		}
		var edge1 []string
		for _, c := range checks {
			if c.Check == "clusters" && c.Name == "edge1" {
				edge1 = append(edge1, c.Result+": "+c.Detail+" (fix: "+c.Fix+")")
				if c.Result != tc.result || !strings.Contains(c.Detail, tc.detail) || strings.Contains(c.Fix, "kubectl fed join") {
					t.Errorf("doctor %v: edge1 is %+v, want %s with %q and no kubectl fed join in the fix", tc.args, c, tc.result, tc.detail)
				}
			}
		}
		if len(edge1) != 1 {
			t.Errorf("doctor %v: %d checks of edge1, want 1: %v\n%s", tc.args, len(edge1), edge1, r.Stdout)
		}
	}
}
