package doctor

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
)

// TestRender: the table of checks, then the fix of each check that is not
// ok (golden file; go test -update rewrites it).
func TestRender(t *testing.T) {
	checks := []Check{
		{Check: "crds", Name: "KubeFedCluster (core.kubefed.io/v1beta1)", Result: OK, Detail: "served"},
		{Check: "webhook", Name: "ValidatingWebhookConfiguration", Result: Warn, Detail: "neither exists", Fix: "deploy the webhook"},
		{Check: "syncer", Name: "Lease kube-federation-system/kubectl-fed-syncer", Result: Fail, Detail: "no syncer holds the Lease", Fix: "check the syncer"},
		{Check: "clusters", Name: "member1", Result: OK, Detail: "Ready; credentials and RBAC for 3 types ok"},
	}
	var out bytes.Buffer
	if err := Render(&out, checks); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/doctor.txt", out.String())
}

// member returns a member cluster of source, Ready or not, as
// members.Flags.List gives it (an inventory cluster stands in a
// KubeFedCluster of its ClusterProfile's namespace and name).
func member(name string, source clusterclient.Source, ready bool) members.Member {
	m := members.Member{Source: source}
	m.Cluster.Name, m.Cluster.Namespace = name, "kube-federation-system"
	if source == clusterclient.SourceInventory {
		m.Cluster.Namespace = "fleet"
	}
	if ready {
		m.Cluster.Status.Conditions = []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue}}
	}
	return m
}

// TestJudge: the check of a member from its access reviews, with the fix
// for where it comes from: a joined cluster is joined again; a cluster of
// the inventory is fixed at its ClusterProfile's access and the cluster's
// RBAC, never by kubectl fed join.
func TestJudge(t *testing.T) {
	joined, inventory := clusterclient.SourceJoined, clusterclient.SourceInventory
	refused := errors.New("Unauthorized")
	for _, tc := range []struct {
		name               string
		member             members.Member
		access             access
		result             string
		detail, fix, notIn string
	}{
		{"joined, all allowed", member("m1", joined, true), access{}, OK, "credentials and RBAC for 3 types ok", "", ""},
		{"inventory, all allowed", member("p1", inventory, true), access{}, OK, "credentials and RBAC for 3 types ok", "", ""},
		{"joined, credentials refused", member("m1", joined, true), access{refused: refused}, Fail, "not accepted", "kubectl fed join m1", ""},
		{"inventory, credentials refused", member("p1", inventory, true), access{refused: refused}, Fail, "not accepted",
			"ClusterProfile fleet/p1 give (status.accessProviders", "kubectl fed join"},
		{"inventory, unreachable", member("p1", inventory, true), access{unreachable: errors.New("timeout")}, Fail, "unreachable",
			"see the conditions of its ClusterProfile fleet/p1", "KubeFedCluster"},
		{"joined, verbs denied", member("m1", joined, true), access{denied: []string{"create deployments.apps"}}, Fail, "create deployments.apps",
			"kubectl fed enable TYPE", ""},
		{"inventory, verbs denied", member("p1", inventory, true), access{denied: []string{"create deployments.apps"}}, Fail, "create deployments.apps",
			"grant the syncer's identity", "kubectl fed join"},
		{"joined, answers but not Ready", member("m1", joined, false), access{}, Fail, "KubeFedCluster is not Ready", "kubectl fed status", ""},
		{"inventory, answers but not Ready", member("p1", inventory, false), access{}, Fail, "ClusterProfile fleet/p1 does not say it is ready",
			"conditions of its ClusterProfile fleet/p1", "KubeFedCluster"},
		{"joined, no StorageClass read: a warning", member("m1", joined, true), access{noStorageClasses: true}, Warn, "list storageclasses.storage.k8s.io",
			"kubectl fed join m1 --cluster-context CONTEXT --error-on-existing=false", ""},
		{"inventory, no StorageClass read: a warning", member("p1", inventory, true), access{noStorageClasses: true}, Warn, "list storageclasses.storage.k8s.io",
			"get, list and watch on storageclasses.storage.k8s.io", "kubectl fed join"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCheck(t, judge(tc.member, tc.access, 3), tc.member.Name(), tc.result, tc.detail, tc.fix, tc.notIn)
		})
	}
}

// TestNotConnected: a member this command cannot connect to. An inventory
// cluster without --clusterprofile-provider-file is a warning while its
// ClusterProfile says it is ready, a failure otherwise; with the file, a
// failure at its access providers; a joined cluster is joined again.
func TestNotConnected(t *testing.T) {
	joined, inventory := clusterclient.SourceJoined, clusterclient.SourceInventory
	err := errors.New("no connection")
	for _, tc := range []struct {
		name         string
		member       members.Member
		providerFile bool
		result       string
		detail, fix  string
		notIn        string
	}{
		{"joined", member("m1", joined, true), false, Fail, "no connection", "kubectl fed join m1", ""},
		{"inventory, ready, no provider file", member("p1", inventory, true), false, Warn, "ClusterProfile fleet/p1", "--clusterprofile-provider-file", "kubectl fed join"},
		{"inventory, not ready, no provider file", member("p1", inventory, false), false, Fail, "does not say it is ready",
			"conditions of its ClusterProfile fleet/p1", "kubectl fed join"},
		{"inventory, provider file", member("p1", inventory, true), true, Fail, "no connection", "access providers of its ClusterProfile fleet/p1", "kubectl fed join"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCheck(t, notConnected(tc.member, err, tc.providerFile), tc.member.Name(), tc.result, tc.detail, tc.fix, tc.notIn)
		})
	}
}

// wantCheck fails t unless c is the clusters check of cluster with the
// result, a detail containing detail, a fix containing fix, and neither
// containing notIn (when set).
func wantCheck(t *testing.T, c Check, cluster, result, detail, fix, notIn string) {
	t.Helper()
	if c.Check != "clusters" || c.Name != cluster || c.Result != result || !strings.Contains(c.Detail, detail) ||
		!strings.Contains(c.Fix, fix) || (notIn != "" && strings.Contains(c.Fix+c.Detail, notIn)) {
		t.Errorf("check = %+v, want result %s, detail with %q, fix with %q, neither with %q", c, result, detail, fix, notIn)
	}
}
