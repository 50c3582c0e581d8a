package integration

import (
	"context"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// The member cluster runs a real kube-controller-manager, so the controllers
// that `kubectl fed join` and propagation rely on are there.

func TestMemberFillsServiceAccountTokenSecret(t *testing.T) {
	client := clientset(t, "member1")
	ns := testkit.CreateNamespace(t, client, "token-")
	ctx := context.Background()
	if _, err := client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "joiner"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "joiner-token",
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "joiner"},
		},
		Type: corev1.SecretTypeServiceAccountToken,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var secret *corev1.Secret
	testkit.Eventually(t, "the token controller to fill the secret", func(ctx context.Context) (bool, error) {
		var err error
		secret, err = client.CoreV1().Secrets(ns).Get(ctx, "joiner-token", metav1.GetOptions{})
		return err == nil && len(secret.Data[corev1.ServiceAccountTokenKey]) > 0, err
	})
	if len(secret.Data[corev1.ServiceAccountRootCAKey]) == 0 {
		t.Error("the token secret has no ca.crt")
	}

	// The token authenticates against the member as that service account.
	cfg := shared.Cluster("member1").RESTConfig()
	cfg.CertData, cfg.KeyData = nil, nil
	cfg.BearerToken = string(secret.Data[corev1.ServiceAccountTokenKey])
	asJoiner, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	review, err := asJoiner.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("self subject review with the token: %v", err)
	}
	if want := "system:serviceaccount:" + ns + ":joiner"; review.Status.UserInfo.Username != want {
		t.Errorf("token authenticates as %q, want %q", review.Status.UserInfo.Username, want)
	}
}

func TestMemberFinalizesNamespaceDeletion(t *testing.T) {
	client := clientset(t, "member1")
	ns := testkit.CreateNamespace(t, client, "doomed-")
	ctx := context.Background()
	if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "content"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "namespace "+ns+" to be deleted", func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), ignoreNotFound(err)
	})
}

func TestMemberCollectsGarbage(t *testing.T) {
	client := clientset(t, "member1")
	ns := testkit.CreateNamespace(t, client, "gc-")
	ctx := context.Background()
	owner, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "owner"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "dependent", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID,
		}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().ConfigMaps(ns).Delete(ctx, owner.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the garbage collector to delete the dependent secret", func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().Secrets(ns).Get(ctx, "dependent", metav1.GetOptions{})
		return apierrors.IsNotFound(err), ignoreNotFound(err)
	})
}

func TestKubernetesVersionIsPinned(t *testing.T) {
	for _, c := range shared.Clusters {
		v, err := clientset(t, c.Name).Discovery().ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		if v.GitVersion != "v1.37.2" {
			t.Errorf("cluster %s reports %s, want v1.37.2 (set through ldflags by make tools)", c.Name, v.GitVersion)
		}
	}
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
