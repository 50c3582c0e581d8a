package deploy

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestTeamWithEditCanFederate checks the manifests' user roles with a real
// user who has only Kubernetes' edit role in one namespace (impersonated
// with --as): the aggregated ClusterRoles and the federation reader let
// them federate and read the status there, and a missing permission
// elsewhere is an error naming the verb, resource and namespace.
func TestTeamWithEditCanFederate(t *testing.T) {
	kubeconfig := control.fleet.KubeconfigPath()
	clientset := testkit.Clientset(t, control.fleet.Host().RESTConfig())
	team := testkit.CreateNamespace(t, clientset, "team-")
	other := testkit.CreateNamespace(t, clientset, "other-")
	testkit.MustKubectl(t, kubeconfig, "-n", team, "create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice")
	for _, ns := range []string{team, other} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-config"}, Data: map[string]string{"k": "v"}}
		if _, err := clientset.CoreV1().ConfigMaps(ns).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// The aggregation controller adds the roles' rules to edit shortly
	// after the manifests are applied.
	var last testkit.Result
	testkit.Eventually(t, "alice's federate in her namespace", func(context.Context) (bool, error) {
		last = control.Fed("federate", "configmap", "web-config", "-n", team, "--as", "alice")
		return Holds(last.Err == nil, "%v: %s", last.Err, last.Stderr)
	})
	if !strings.Contains(last.Stdout, "federatedconfigmap.types.kubefed.io/web-config created") {
		t.Errorf("federate as alice:\n%s", last.Stdout)
	}
	r := control.Fed("status", "configmaps", "-n", team, "--as", "alice", "-o", "name")
	if r.Err != nil || !strings.Contains(r.Stdout, "web-config") {
		t.Errorf("status as alice: %v\n%s%s", r.Err, r.Stdout, r.Stderr)
	}
	for _, check := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "federateddeployments.types.kubefed.io"}, "yes"},
		{[]string{"create", "replicaschedulingpreferences.scheduling.kubefed.io"}, "yes"},
		{[]string{"get", "federationpolicies.policy.kubefed.io"}, "yes"},
		{[]string{"create", "federationpolicies.policy.kubefed.io"}, "no"},
	} {
		out := testkit.Kubectl(t, kubeconfig, nil, append([]string{"auth", "can-i", "-n", team, "--as", "alice"}, check.args...)...)
		if got := strings.TrimSpace(out.Stdout); got != check.want {
			t.Errorf("can alice %s in her namespace? %q, want %s", strings.Join(check.args, " "), got, check.want)
		}
	}
	r = control.Fed("federate", "configmap", "web-config", "-n", other, "--as", "alice")
	testkit.MustFail(t, r, `User "alice" cannot get resource "configmaps"`, `in the namespace "`+other+`"`)
}
