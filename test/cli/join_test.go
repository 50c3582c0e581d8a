package cli

import (
	"context"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/federate"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

const kubefedNS = core.DefaultKubeFedSystemNamespace

// TestJoinAndUnjoin walks a member through dry run, join, rejoin and unjoin,
// checking every object §6 of the KubeFed reference names.
func TestJoinAndUnjoin(t *testing.T) {
	host := hostClient(t)
	member := clusterClient(t, "member1")
	ctx := context.Background()
	sa := "member1-host"

	t.Run("dry run prints the host Secret and KubeFedCluster and creates nothing", func(t *testing.T) {
		for _, mode := range []string{"--dry-run", "--dry-run=server"} {
			r := fed(t, "join", "member1", mode, "-o", "yaml")
			if r.Err != nil {
				t.Fatalf("join %s: %v\n%s", mode, r.Err, r.Stderr)
			}
			out := r.Stdout
			for _, want := range []string{"---", "kind: Secret", "kind: KubeFedCluster", "name: member1", "apiEndpoint: " + shared.Cluster("member1").Server} {
				if !strings.Contains(out, want) {
					t.Errorf("join %s output lacks %q:\n%s", mode, want, out)
				}
			}
			objs, err := federate.ReadObjects(strings.NewReader(out))
			if err != nil || len(objs) != 2 {
				t.Fatalf("join %s printed %d objects, %v:\n%s", mode, len(objs), err, out)
			}
			// The KubeFedCluster names the Secret printed with it.
			if ref, _, _ := unstructured.NestedString(objs[1].Object, "spec", "secretRef", "name"); ref == "" || ref != objs[0].GetName() {
				t.Errorf("join %s: secretRef %q, Secret %q", mode, ref, objs[0].GetName())
			}
			suffix := " (dry run)"
			if mode == "--dry-run=server" {
				suffix = " (server dry run)"
			}
			if !strings.Contains(r.Stderr, `serviceaccount/`+sa+` created in cluster "member1"`+suffix) {
				t.Errorf("join %s does not list the member's objects:\n%s", mode, r.Stderr)
			}
			assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member1")
			assertGone(t, member, &corev1.ServiceAccount{}, kubefedNS, sa)
			assertNoHostSecret(t, host, "member1-")
		}
	})

	var secretName string
	t.Run("join creates the member and host objects", func(t *testing.T) {
		start := time.Now()
		r := fed(t, "join", "member1", "--cluster-labels", "env=prod,team=web", "--region", "eu", "--zone", "eu-1")
		if r.Err != nil {
			t.Fatalf("join: %v\n%s", r.Err, r.Stderr)
		}
		out := r.Stdout
		if strings.Contains(r.Stderr, "enforce-mountable-secrets") || strings.Contains(r.Stderr, "deprecated") {
			t.Errorf("join triggered an API server warning about its own objects:\n%s", r.Stderr)
		}
		t.Logf("FIGURE: kubectl fed join member1 took %s (through kubectl plugin dispatch, local member)", time.Since(start).Round(time.Millisecond))
		for _, want := range []string{
			`serviceaccount/member1-host created in cluster "member1"`,
			`clusterrolebinding.rbac.authorization.k8s.io/kubefed-controller-manager:member1-host created in cluster "member1"`,
			`kubefedcluster.core.kubefed.io/member1 created in cluster "host"`,
			`Cluster "member1" joined`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("join output lacks %q:\n%s", want, out)
			}
		}
		gotSA := &corev1.ServiceAccount{}
		mustGet(t, member, gotSA, kubefedNS, sa)
		if _, set := gotSA.Annotations["kubernetes.io/enforce-mountable-secrets"]; set || gotSA.AutomountServiceAccountToken == nil || *gotSA.AutomountServiceAccountToken {
			t.Errorf("service account = %+v", gotSA)
		}
		token := &corev1.Secret{}
		mustGet(t, member, token, kubefedNS, sa)
		if token.Type != corev1.SecretTypeServiceAccountToken || token.Annotations[corev1.ServiceAccountNameKey] != sa {
			t.Errorf("token secret = %+v", token.ObjectMeta)
		}
		role := &rbacv1.ClusterRole{}
		mustGet(t, member, role, "", "kubefed-controller-manager:"+sa)
		types, err := grant.EnabledTypes(ctx, host, kubefedNS)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(role.Rules, grant.ClusterRules(types)) || role.Labels[grant.Label] != grant.LabelValue {
			t.Errorf("cluster role = %+v, want the grant of the enabled types %+v", role, types)
		}
		binding := &rbacv1.ClusterRoleBinding{}
		mustGet(t, member, binding, "", "kubefed-controller-manager:"+sa)
		if binding.RoleRef.Name != role.Name || binding.Subjects[0].Name != sa || binding.Subjects[0].Namespace != kubefedNS {
			t.Errorf("cluster role binding = %+v", binding)
		}

		kfc := &corev1beta1.KubeFedCluster{}
		mustGet(t, host, kfc, kubefedNS, "member1")
		if kfc.Spec.APIEndpoint != shared.Cluster("member1").Server || string(kfc.Spec.CABundle) != string(shared.Cluster("member1").CAData()) {
			t.Errorf("KubeFedCluster spec = %+v", kfc.Spec)
		}
		wantLabels := map[string]string{"env": "prod", "team": "web", "topology.kubernetes.io/region": "eu", "topology.kubernetes.io/zone": "eu-1"}
		for k, v := range wantLabels {
			if kfc.Labels[k] != v {
				t.Errorf("KubeFedCluster label %s = %q, want %q (labels %v)", k, kfc.Labels[k], v, kfc.Labels)
			}
		}
		secretName = kfc.Spec.SecretRef.Name
		if !strings.HasPrefix(secretName, "member1-") {
			t.Errorf("host secret %q is not generated from member1-", secretName)
		}
		hostSecret := &corev1.Secret{}
		mustGet(t, host, hostSecret, kubefedNS, secretName)
		if string(hostSecret.Data["token"]) != string(token.Data["token"]) {
			t.Error("the host secret's token is not the member's service-account token")
		}

		// The credentials the control plane gets really work in the member.
		cfg := &rest.Config{Host: kfc.Spec.APIEndpoint, BearerToken: string(hostSecret.Data["token"]),
			TLSClientConfig: rest.TLSClientConfig{CAData: kfc.Spec.CABundle}}
		if _, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("listing the member's pods with the joined credentials: %v", err)
		}
	})

	t.Run("joining again is refused", func(t *testing.T) {
		mustFail(t, fed(t, "join", "member1"), "federated cluster member1 already exists in host cluster", "--error-on-existing=false")
	})

	t.Run("joining again with --error-on-existing=false updates", func(t *testing.T) {
		out := mustFed(t, "join", "member1", "--error-on-existing=false", "--cluster-labels", "env=staging")
		if !strings.Contains(out, `kubefedcluster.core.kubefed.io/member1 updated in cluster "host"`) {
			t.Errorf("rejoin output:\n%s", out)
		}
		kfc := &corev1beta1.KubeFedCluster{}
		mustGet(t, host, kfc, kubefedNS, "member1")
		if kfc.Spec.SecretRef.Name != secretName {
			t.Errorf("rejoin switched the host secret from %s to %s", secretName, kfc.Spec.SecretRef.Name)
		}
		if kfc.Labels["env"] != "staging" {
			t.Errorf("labels after rejoin = %v", kfc.Labels)
		}
	})

	t.Run("joining again with nothing to change prints unchanged", func(t *testing.T) {
		out := mustFed(t, "join", "member1", "--error-on-existing=false", "--cluster-labels", "env=staging")
		for _, want := range []string{
			`kubefedcluster.core.kubefed.io/member1 unchanged in cluster "host"`,
			`serviceaccount/member1-host unchanged in cluster "member1"`,
			`Cluster "member1" unchanged`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("second rejoin output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, " updated ") || strings.Contains(out, " created ") {
			t.Errorf("second rejoin reports a change:\n%s", out)
		}
	})

	t.Run("unjoin dry run deletes nothing", func(t *testing.T) {
		out := mustFed(t, "unjoin", "member1", "--dry-run")
		if !strings.Contains(out, `serviceaccount/member1-host deleted in cluster "member1" (dry run)`) {
			t.Errorf("unjoin dry-run output:\n%s", out)
		}
		out = mustFed(t, "unjoin", "member1", "--dry-run=server")
		if !strings.Contains(out, `serviceaccount/member1-host deleted in cluster "member1" (server dry run)`) || !strings.Contains(out, `kubefedcluster.core.kubefed.io/member1 deleted in cluster "host" (server dry run)`) {
			t.Errorf("unjoin --dry-run=server output:\n%s", out)
		}
		mustGet(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member1")
		mustGet(t, member, &corev1.ServiceAccount{}, kubefedNS, sa)
	})

	t.Run("unjoin removes the member and host objects", func(t *testing.T) {
		out := mustFed(t, "unjoin", "member1")
		if !strings.Contains(out, `kubefedcluster.core.kubefed.io/member1 deleted in cluster "host"`) {
			t.Errorf("unjoin output:\n%s", out)
		}
		assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member1")
		assertGone(t, host, &corev1.Secret{}, kubefedNS, secretName)
		assertGone(t, member, &rbacv1.ClusterRole{}, "", "kubefed-controller-manager:"+sa)
		assertGone(t, member, &rbacv1.ClusterRoleBinding{}, "", "kubefed-controller-manager:"+sa)
		assertGone(t, member, &corev1.ServiceAccount{}, kubefedNS, sa)
		ns := &corev1.Namespace{}
		if err := member.Get(ctx, client.ObjectKey{Name: kubefedNS}, ns); err == nil && ns.DeletionTimestamp == nil {
			t.Errorf("the member's namespace %s is not being deleted", kubefedNS)
		}
	})

	t.Run("unjoin of an unknown cluster", func(t *testing.T) {
		mustFail(t, fed(t, "unjoin", "nosuchcluster"), `Failed to get kubefed cluster "nosuchcluster"`, "kubectl get kubefedclusters")
		if out := mustFed(t, "unjoin", "nosuchcluster", "--ignore-not-found"); out != "" {
			t.Errorf("unjoin --ignore-not-found of an unknown cluster printed %q", out)
		}
	})
}

// TestJoinFailuresLeaveNothingBehind checks that a join that fails, early or
// half-way, leaves no object in the host and says where it failed.
func TestJoinFailuresLeaveNothingBehind(t *testing.T) {
	host := hostClient(t)
	member := clusterClient(t, "member2")
	ctx := context.Background()

	t.Run("unreachable member", func(t *testing.T) {
		kubeconfig := kubeconfigWithDeadContext(t)
		mustFail(t, fedWith(t, kubeconfig, "join", "dead"), `in cluster "dead"`, "kubectl --context dead get --raw /healthz")
		assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "dead")
		assertNoHostSecret(t, host, "dead-")
	})

	t.Run("unknown member context", func(t *testing.T) {
		mustFail(t, fed(t, "join", "nowhere"), `context "nowhere" not found in the kubeconfig`, "--cluster-context")
		assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "nowhere")
	})

	t.Run("the host refuses the KubeFedCluster", func(t *testing.T) {
		// A host user who may write secrets but not KubeFedClusters gets as far as
		// the last step; everything created before it is deleted again.
		limited := "limited-joiner"
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: limited}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"core.kubefed.io"}, Resources: []string{"kubefedconfigs", "kubefedclusters"}, Verbs: []string{"get"}},
			// join grants the member what the enabled types need, so it lists them.
			{APIGroups: []string{"core.kubefed.io"}, Resources: []string{"federatedtypeconfigs"}, Verbs: []string{"list"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "create", "delete"}},
		}}
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: limited},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: limited},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: limited}},
		}
		for _, obj := range []client.Object{role, binding} {
			if err := host.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = host.Delete(context.Background(), obj) })
		}
		mustFail(t, fed(t, "join", "member2", "--as", limited),
			`join failed at step "write the KubeFedCluster member2" in cluster "host"`, "forbidden", "were deleted again")
		assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member2")
		assertNoHostSecret(t, host, "member2-")
		assertGone(t, member, &corev1.ServiceAccount{}, kubefedNS, "member2-host")
		assertGone(t, member, &rbacv1.ClusterRole{}, "", "kubefed-controller-manager:member2-host")
	})

	t.Run("a name an inventory profile uses", func(t *testing.T) {
		if err := testkit.InstallInventoryCRDs(ctx, shared.Host().RESTConfig()); err != nil {
			t.Fatal(err)
		}
		inv := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "inventory-")
		setInventory := func(cfg *corev1beta1.InventoryConfig) {
			testkit.Eventually(t, "the KubeFedConfig's inventory", func(ctx context.Context) (bool, error) {
				kfc := &corev1beta1.KubeFedConfig{}
				if err := host.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: core.KubeFedConfigName}, kfc); err != nil {
					return false, err
				}
				kfc.Spec.Inventory = cfg
				return host.Update(ctx, kfc) == nil, nil
			})
		}
		setInventory(&corev1beta1.InventoryConfig{Namespace: inv})
		t.Cleanup(func() { setInventory(nil) })
		profile := &inventoryv1alpha1.ClusterProfile{ObjectMeta: metav1.ObjectMeta{Namespace: inv, Name: "member2"},
			Spec: inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: "ocm"}}}
		if err := host.Create(ctx, profile); err != nil {
			t.Fatal(err)
		}
		mustFail(t, fed(t, "join", "member2"), "already used by ClusterProfile "+inv+"/member2", `cluster manager "ocm"`, "join under another name")
		assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member2")
		assertNoHostSecret(t, host, "member2-")
	})

	t.Run("invalid names", func(t *testing.T) {
		mustFail(t, fed(t, "join", "Member_2", "--cluster-context", "member2"), `invalid cluster name "Member_2"`)
		mustFail(t, fed(t, "join", "member2", "--host-cluster-name", "a:b"), `--host-cluster-name "a:b" must not contain '/' or ':'`)
		mustFail(t, fed(t, "join", "member2", "--cluster-labels", "bad key=x"), "invalid cluster label")
		mustFail(t, fed(t, "join"), "CLUSTER_NAME is required", "kubectl fed join -h")
		mustFail(t, fed(t, "join", "member2", "--dry-run=all"), `invalid --dry-run value "all"`)
	})
}

// TestJoinNamespacedControlPlaneAndSelfJoin joins the host itself to a
// namespace-scoped control plane: namespaced RBAC plus health-check rules,
// and unjoin keeps the host's own namespace.
func TestJoinNamespacedControlPlaneAndSelfJoin(t *testing.T) {
	host := hostClient(t)
	ns := "fed-scoped"
	createKubeFed(t, host, ns, apiextensionsv1.NamespaceScoped)
	out := mustFed(t, "join", "self", "--cluster-context", fleet.HostName, "--kubefed-namespace", ns)
	if !strings.Contains(out, "role.rbac.authorization.k8s.io/kubefed-controller-manager:self-host created") {
		t.Errorf("join output:\n%s", out)
	}
	sa := "self-host"
	mustGet(t, host, &rbacv1.Role{}, ns, "kubefed-controller-manager:"+sa)
	mustGet(t, host, &rbacv1.RoleBinding{}, ns, "kubefed-controller-manager:"+sa)
	health := &rbacv1.ClusterRole{}
	mustGet(t, host, health, "", "kubefed-controller-manager:"+ns+":healthcheck-"+sa)
	if health.Rules[0].NonResourceURLs[0] != "/healthz" || health.Rules[0].Verbs[0] != "get" {
		t.Errorf("health-check rules = %+v (the verb is deliberately lowercase get, which RBAC matches)", health.Rules)
	}
	assertGone(t, host, &rbacv1.ClusterRole{}, "", "kubefed-controller-manager:"+sa)

	mustFed(t, "unjoin", "self", "--cluster-context", fleet.HostName, "--kubefed-namespace", ns)
	got := &corev1.Namespace{}
	mustGet(t, host, got, "", ns)
	if got.DeletionTimestamp != nil {
		t.Error("unjoin of the host itself deleted the host's KubeFed namespace")
	}
	assertGone(t, host, &corev1beta1.KubeFedCluster{}, ns, "self")
	assertGone(t, host, &rbacv1.Role{}, ns, "kubefed-controller-manager:"+sa)
}

// kubeconfigWithDeadContext writes a copy of the fleet's kubeconfig with a
// context "dead" whose server accepts no connections.
func kubeconfigWithDeadContext(t *testing.T) string {
	t.Helper()
	cfg := shared.Kubeconfig().DeepCopy()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dead := cfg.Clusters["member1"].DeepCopy()
	dead.Server = "https://" + addr
	cfg.Clusters["dead"] = dead
	ctx := cfg.Contexts["member1"].DeepCopy()
	ctx.Cluster = "dead"
	cfg.Contexts["dead"] = ctx
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustGet(t testing.TB, c client.Client, obj client.Object, ns, name string) {
	t.Helper()
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		t.Fatalf("getting %T %s/%s: %v", obj, ns, name, err)
	}
}

func assertGone(t testing.TB, c client.Client, obj client.Object, ns, name string) {
	t.Helper()
	err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
	if !apierrors.IsNotFound(err) {
		t.Errorf("%T %s/%s: got err=%v, want NotFound", obj, ns, name, err)
	}
}

func assertNoHostSecret(t testing.TB, host client.Client, prefix string) {
	t.Helper()
	list := &corev1.SecretList{}
	if err := host.List(context.Background(), list, client.InNamespace(kubefedNS)); err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Items {
		if strings.HasPrefix(s.Name, prefix) {
			t.Errorf("host secret %s was left behind", s.Name)
		}
	}
}

// TestUnjoinUnreachableMember checks that unjoin stops before touching the
// host when the member cannot be reached, and that --force removes the
// host's objects anyway.
func TestUnjoinUnreachableMember(t *testing.T) {
	host := hostClient(t)
	member := clusterClient(t, "member2")
	out := mustFed(t, "join", "member2", "-o", "json")
	if !strings.Contains(out, `"kind": "KubeFedCluster"`) || !strings.Contains(out, `"apiEndpoint": "`+shared.Cluster("member2").Server+`"`) {
		t.Errorf("join -o json printed:\n%s", out)
	}
	dead := kubeconfigWithDeadContext(t)
	mustFail(t, fedWith(t, dead, "unjoin", "member2", "--cluster-context", "dead"),
		`unjoin of cluster "member2" failed in the member; nothing was deleted in the host cluster`, "--force")
	mustGet(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member2")

	r := fedWith(t, dead, "unjoin", "member2", "--cluster-context", "dead", "--force")
	if r.Err != nil || !strings.Contains(r.Stderr, "Warning: the member cluster was not fully cleaned up; removing the host's objects anyway (--force). Not removed:\n  - ") ||
		!strings.Contains(r.Stdout, `kubefedcluster.core.kubefed.io/member2 deleted in cluster "host"`) {
		t.Fatalf("unjoin --force: err=%v\nstdout:\n%s\nstderr:\n%s", r.Err, r.Stdout, r.Stderr)
	}
	assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member2")
	assertNoHostSecret(t, host, "member2-")
	// The member was not reached, so its objects are still there; a forced
	// unjoin through its real context cleans them up without a KubeFedCluster.
	mustGet(t, member, &corev1.ServiceAccount{}, kubefedNS, "member2-host")
	mustFed(t, "unjoin", "member2", "--force")
	assertGone(t, member, &corev1.ServiceAccount{}, kubefedNS, "member2-host")
}
