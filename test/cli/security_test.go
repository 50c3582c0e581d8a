package cli

import (
	"context"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

const crbType = "clusterrolebindings.rbac.authorization.k8s.io"

// memberCredentials is a clientset of a member with the token that join
// stored in the host for the cluster: what the syncer uses.
func memberCredentials(t *testing.T, host client.Client, name string) *kubernetes.Clientset {
	t.Helper()
	ctx := context.Background()
	kfc := &corev1beta1.KubeFedCluster{}
	mustGet(t, host, kfc, kubefedNS, name)
	secret := &corev1.Secret{}
	mustGet(t, host, secret, kubefedNS, kfc.Spec.SecretRef.Name)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: kfc.Spec.APIEndpoint, BearerToken: string(secret.Data[core.ClusterSecretTokenKey]),
		TLSClientConfig: rest.TLSClientConfig{CAData: kfc.Spec.CABundle}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		t.Fatalf("the joined credentials cannot list pods (scheduling reads): %v", err)
	}
	return cs
}

// canI asks the member whether the credentials may do verb on a resource.
func canI(t *testing.T, cs kubernetes.Interface, verb, group, resource string) bool {
	t.Helper()
	review, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(context.Background(), &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return review.Status.Allowed
}

// TestDefaultGrantFollowsTheEnabledTypes joins member2 with the default
// grant while secrets and clusterrolebindings are not enabled: its
// credentials cannot read a Secret of a namespace nothing federates nor
// create ClusterRoleBindings. Enabling the types extends the member's grant
// (enable says so), disabling them takes it back; a --cluster-admin rejoin
// warns and grants everything, and enable leaves that grant alone.
func TestDefaultGrantFollowsTheEnabledTypes(t *testing.T) {
	host := hostClient(t)
	ctx := context.Background()
	stopSyncer := fakeSyncer(t, host)
	t.Cleanup(stopSyncer)
	for _, typ := range []string{"secrets", crbType} {
		if r := fed(t, "disable", typ); r.Err != nil {
			t.Fatalf("kubectl fed disable %s: %v\n%s", typ, r.Err, r.Stderr)
		}
	}
	mustFed(t, "enable", "configmaps")
	mustFed(t, "join", "member2")
	t.Cleanup(func() { fed(t, "unjoin", "member2", "--force") })
	admin := testkit.Clientset(t, shared.Cluster("member2").RESTConfig())
	ns := testkit.CreateNamespace(t, admin, "unfederated-")
	if _, err := admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "private"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	creds := memberCredentials(t, host, "member2")
	readSecret := func() error {
		_, err := creds.CoreV1().Secrets(ns).Get(ctx, "private", metav1.GetOptions{})
		return err
	}
	if err := readSecret(); !apierrors.IsForbidden(err) {
		t.Errorf("the default grant reads Secret %s/private although secrets are not enabled: %v", ns, err)
	}
	if canI(t, creds, "create", rbacv1.GroupName, "clusterrolebindings") {
		t.Error("the default grant may create ClusterRoleBindings although they are not enabled")
	}
	if !canI(t, creds, "delete", "", "configmaps") {
		t.Error("the default grant may not delete ConfigMaps although they are enabled")
	}

	out := mustFed(t, "enable", "secrets", crbType)
	if !strings.Contains(out, `clusterrole.rbac.authorization.k8s.io/kubefed-controller-manager:member2-host updated in cluster "member2"`) {
		t.Errorf("enable did not report the member's grant:\n%s", out)
	}
	testkit.Eventually(t, "the member credentials to read the Secret once secrets are enabled", func(context.Context) (bool, error) {
		return readSecret() == nil, nil
	})
	if !canI(t, creds, "create", rbacv1.GroupName, "clusterrolebindings") {
		t.Error("the grant does not cover clusterrolebindings once they are enabled")
	}

	for _, typ := range []string{"secrets", crbType} {
		mustFed(t, "disable", typ)
	}
	testkit.Eventually(t, "the Secret to be unreadable again once secrets are disabled", func(context.Context) (bool, error) {
		return apierrors.IsForbidden(readSecret()), nil
	})
	if canI(t, creds, "create", rbacv1.GroupName, "clusterrolebindings") {
		t.Error("disable did not take clusterrolebindings out of the grant")
	}

	r := fed(t, "join", "member2", "--error-on-existing=false", "--cluster-admin")
	if r.Err != nil || !strings.Contains(r.Stderr, `Warning: --cluster-admin grants the control plane every verb on every resource of cluster "member2"`) {
		t.Fatalf("join --cluster-admin: err=%v\nstderr:\n%s", r.Err, r.Stderr)
	}
	if !canI(t, creds, "create", rbacv1.GroupName, "clusterrolebindings") {
		t.Error("--cluster-admin does not grant everything")
	}
	mustFed(t, "enable", "configmaps")
	role := &rbacv1.ClusterRole{}
	mustGet(t, clusterClient(t, "member2"), role, "", "kubefed-controller-manager:member2-host")
	if _, ok := role.Labels[grant.Label]; ok || role.Rules[0].Resources[0] != "*" {
		t.Errorf("enable rewrote a --cluster-admin grant: %+v", role)
	}
}

// TestUnjoinLeavesNothing joins member2 and unjoins it, without and with
// --force: every object join created in the member is gone, and a member
// object the control plane managed stays but is released (no managed label).
func TestUnjoinLeavesNothing(t *testing.T) {
	host := hostClient(t)
	member := clusterClient(t, "member2")
	ctx := context.Background()
	mustFed(t, "enable", "configmaps")
	admin := testkit.Clientset(t, shared.Cluster("member2").RESTConfig())
	ns := testkit.CreateNamespace(t, admin, "released-")
	for _, args := range [][]string{{"unjoin", "member2"}, {"unjoin", "member2", "--force"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			mustFed(t, "join", "member2")
			copyOf := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "propagated",
				Labels: map[string]string{core.ManagedByKubeFedLabelKey: core.ManagedByKubeFedLabelValue}}}
			if err := member.Create(ctx, copyOf); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = member.Delete(ctx, copyOf) })

			out := mustFed(t, args...)
			for _, want := range []string{
				`1 configmaps released in cluster "member2" (managed label removed)`,
				`clusterrole.rbac.authorization.k8s.io/kubefed-controller-manager:member2-host deleted in cluster "member2"`,
				`clusterrolebinding.rbac.authorization.k8s.io/kubefed-controller-manager:member2-host deleted in cluster "member2"`,
				`serviceaccount/member2-host deleted in cluster "member2"`,
				`kubefedcluster.core.kubefed.io/member2 deleted in cluster "host"`,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("unjoin output lacks %q:\n%s", want, out)
				}
			}
			released := &corev1.ConfigMap{}
			mustGet(t, member, released, ns, "propagated")
			if _, ok := released.Labels[core.ManagedByKubeFedLabelKey]; ok {
				t.Errorf("the member copy is still labelled managed: %v", released.Labels)
			}
			roles, bindings := &rbacv1.ClusterRoleList{}, &rbacv1.ClusterRoleBindingList{}
			for _, list := range []client.ObjectList{roles, bindings} {
				if err := member.List(ctx, list); err != nil {
					t.Fatal(err)
				}
			}
			for _, r := range roles.Items {
				if strings.Contains(r.Name, "member2-host") {
					t.Errorf("ClusterRole %s left behind", r.Name)
				}
			}
			for _, b := range bindings.Items {
				if strings.Contains(b.Name, "member2-host") {
					t.Errorf("ClusterRoleBinding %s left behind", b.Name)
				}
			}
			assertGone(t, member, &corev1.ServiceAccount{}, kubefedNS, "member2-host")
			if err := member.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: "member2-host"}, &corev1.Secret{}); err == nil {
				nsObj := &corev1.Namespace{}
				if err := member.Get(ctx, client.ObjectKey{Name: kubefedNS}, nsObj); err != nil || nsObj.DeletionTimestamp == nil {
					t.Errorf("the token Secret %s/member2-host is left behind in a namespace that is not being deleted", kubefedNS)
				}
			}
			assertGone(t, host, &corev1beta1.KubeFedCluster{}, kubefedNS, "member2")
			assertNoHostSecret(t, host, "member2-")
		})
	}
}
