package deploy

import (
	"context"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// curlMetrics fetches the syncer's /metrics with curl (the syncer's
// certificate is self-signed, hence -k) and returns the HTTP status code and
// the body.
func curlMetrics(t *testing.T, url, token string) (string, string) {
	t.Helper()
	args := []string{"-sk", "--max-time", "10", "-w", "\n%{http_code}", url}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command("curl", args...).Output()
	if err != nil {
		t.Fatalf("curl %s: %v", url, err)
	}
	i := strings.LastIndex(string(out), "\n")
	return string(out)[i+1:], string(out)[:max(i, 0)]
}

// TestSyncerMetricsNeedAuthorization curls the syncer's /metrics served as
// the manifests serve it: without credentials it is refused (401), with a
// service account's token that lacks get on /metrics too (403), and served
// to a service account bound to ClusterRole kubefed-metrics-reader. The
// authorized one is a second service account: the syncer's authorizer
// caches a denial for 30 s, so a token once refused would wait that long.
func TestSyncerMetricsNeedAuthorization(t *testing.T) {
	kubeconfig := control.fleet.KubeconfigPath()
	if code, body := curlMetrics(t, control.SyncerMetrics, ""); code != "401" {
		t.Errorf("an unauthenticated curl of /metrics got %s, want 401:\n%.300s", code, body)
	}
	testkit.MustKubectl(t, kubeconfig, "-n", "default", "create", "serviceaccount", "metrics-stranger")
	stranger := strings.TrimSpace(testkit.MustKubectl(t, kubeconfig, "-n", "default", "create", "token", "metrics-stranger"))
	if code, body := curlMetrics(t, control.SyncerMetrics, stranger); code != "403" {
		t.Errorf("a curl of /metrics by an unauthorized service account got %s, want 403:\n%.300s", code, body)
	}
	testkit.MustKubectl(t, kubeconfig, "-n", "default", "create", "serviceaccount", "metrics-scraper")
	testkit.MustKubectl(t, kubeconfig, "create", "clusterrolebinding", "metrics-scraper", "--clusterrole=kubefed-metrics-reader", "--serviceaccount=default:metrics-scraper")
	token := strings.TrimSpace(testkit.MustKubectl(t, kubeconfig, "-n", "default", "create", "token", "metrics-scraper"))
	testkit.Eventually(t, "the authorized curl of /metrics to be served", func(context.Context) (bool, error) {
		code, body := curlMetrics(t, control.SyncerMetrics, token)
		return Holds(code == "200" && strings.Contains(body, "controller_runtime_reconcile_total"), "status %s, body %.200s", code, body)
	})
	if code, body := curlMetrics(t, control.SyncerMetrics, stranger); code != "403" {
		t.Errorf("a curl of /metrics by the unauthorized service account, after another was bound, got %s, want 403:\n%.300s", code, body)
	}
	NoDenials(t, control.SyncerLog)
}

// TestDefaultMemberGrantPropagatesEveryEnabledType federates an object of
// every enabled type (namespaces, configmaps, secrets, deployments.apps) to
// the members joined with join's default grant — which is exactly the
// enabled types, scheduling reads and health — and sees every copy arrive
// without a single RBAC denial in the syncer's log.
func TestDefaultMemberGrantPropagatesEveryEnabledType(t *testing.T) {
	kubeconfig := control.fleet.KubeconfigPath()
	ctx := context.Background()
	host, err := client.New(control.fleet.Host().RESTConfig(), client.Options{Scheme: cli.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	types, err := grant.EnabledTypes(ctx, host, KubeFedNamespace)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range control.fleet.Members() {
		member, err := client.New(m.RESTConfig(), client.Options{Scheme: cli.Scheme})
		if err != nil {
			t.Fatal(err)
		}
		role := &rbacv1.ClusterRole{}
		if err := member.Get(ctx, client.ObjectKey{Name: "kubefed-controller-manager:" + m.Name + "-host"}, role); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(role.Rules, grant.ClusterRules(types)) {
			t.Errorf("member %s grants %+v, want the grant of the enabled types %+v", m.Name, role.Rules, grant.ClusterRules(types))
		}
	}
	const ns = "grant-check"
	testkit.MustKubectl(t, kubeconfig, "create", "namespace", ns)
	testkit.MustKubectl(t, kubeconfig, "-n", ns, "create", "configmap", "settings", "--from-literal=mode=strict")
	testkit.MustKubectl(t, kubeconfig, "-n", ns, "create", "secret", "generic", "password", "--from-literal=p=s3cret")
	testkit.MustKubectl(t, kubeconfig, "-n", ns, "create", "deployment", "web", "--image=nginx", "--replicas=0")
	for _, args := range [][]string{{"namespace", ns}, {"configmap", "settings", "-n", ns}, {"secret", "password", "-n", ns}, {"deployments.apps", "web", "-n", ns}} {
		if r := control.Fed(append([]string{"federate"}, args...)...); r.Err != nil {
			t.Fatalf("kubectl fed federate %s: %v\n%s", strings.Join(args, " "), r.Err, r.Stderr)
		}
	}
	for _, m := range control.fleet.Members() {
		member := testkit.Clientset(t, m.RESTConfig())
		testkit.Eventually(t, "every federated object in "+m.Name, func(ctx context.Context) (bool, error) {
			if _, err := member.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			if _, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{}); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			secret, err := member.CoreV1().Secrets(ns).Get(ctx, "password", metav1.GetOptions{})
			if err != nil {
				return false, client.IgnoreNotFound(err)
			}
			if _, err := member.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			return Holds(string(secret.Data["p"]) == "s3cret" && secret.Type == corev1.SecretTypeOpaque, "secret %+v", secret.Data)
		})
	}
	NoDenials(t, control.SyncerLog)
}
