package syncer

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// setInsecureSwitch sets the KubeFedConfig's allowInsecureClusterConnections.
func setInsecureSwitch(ctx context.Context, on bool) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg := &corev1beta1.KubeFedConfig{}
		if err := hostClient.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: core.KubeFedConfigName}, cfg); err != nil {
			return err
		}
		cfg.Spec.AllowInsecureClusterConnections = on
		return hostClient.Update(ctx, cfg)
	})
}

// condition returns the cluster's condition of a type, or nil.
func condition(kfc *corev1beta1.KubeFedCluster, t corev1beta1.ClusterConditionType) *corev1beta1.ClusterCondition {
	for i := range kfc.Status.Conditions {
		if kfc.Status.Conditions[i].Type == t {
			return &kfc.Status.Conditions[i]
		}
	}
	return nil
}

// TestInsecureClusterIsRefusedUntilAllowedThenWarned joins member1 a second
// time as "insecure" with every TLS validation disabled (as a KubeFedCluster
// written before this rule, or past the webhook): with the KubeFedConfig's
// allowInsecureClusterConnections off the syncer does not connect (the
// token is not sent) and says why; with it on the cluster is Ready and
// carries the InsecureConnection warning, which goes when the switch is
// turned off again.
func TestInsecureClusterIsRefusedUntilAllowedThenWarned(t *testing.T) {
	ctx := context.Background()
	secret := &corev1.Secret{}
	if err := hostClient.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: "member1-token"}, secret); err != nil {
		t.Fatal(err)
	}
	copyOf := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: "insecure-token"}, Data: secret.Data}
	kfc := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: "insecure"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: shared.Cluster("member1").Server, SecretRef: corev1beta1.LocalSecretReference{Name: copyOf.Name},
			DisabledTLSValidations: []corev1beta1.TLSValidation{corev1beta1.TLSAll}}}
	for _, obj := range []client.Object{copyOf, kfc} {
		if err := hostClient.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = hostClient.Delete(ctx, obj) })
	}
	t.Cleanup(func() { _ = setInsecureSwitch(ctx, false) })
	read := func(ctx context.Context) (*corev1beta1.KubeFedCluster, error) {
		got := &corev1beta1.KubeFedCluster{}
		return got, hostClient.Get(ctx, types.NamespacedName{Namespace: kubefedNamespace, Name: "insecure"}, got)
	}

	testkit.Eventually(t, "the insecure cluster to be refused while the switch is off", func(ctx context.Context) (bool, error) {
		got, err := read(ctx)
		if err != nil {
			return false, err
		}
		c := condition(got, corev1beta1.ClusterConfigMalformed)
		return c != nil && c.Status == corev1.ConditionTrue && !got.Status.IsReady() &&
			strings.Contains(c.Message, "TLS validations are disabled (*), and the KubeFedConfig does not set spec.allowInsecureClusterConnections"), nil
	})
	got, _ := read(ctx)
	t.Logf("switch off: %s", condition(got, corev1beta1.ClusterConfigMalformed).Message)

	if err := setInsecureSwitch(ctx, true); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the insecure cluster to be Ready with the warning once allowed", func(ctx context.Context) (bool, error) {
		got, err := read(ctx)
		if err != nil {
			return false, err
		}
		c := condition(got, corev1beta1.ClusterInsecureConnection)
		return got.Status.IsReady() && c != nil && c.Status == corev1.ConditionTrue && c.Reason == "InsecureConnectionAllowed", nil
	})
	got, _ = read(ctx)
	t.Logf("switch on: %s", condition(got, corev1beta1.ClusterInsecureConnection).Message)

	if err := setInsecureSwitch(ctx, false); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the warning to go and the cluster to be refused again", func(ctx context.Context) (bool, error) {
		got, err := read(ctx)
		if err != nil {
			return false, err
		}
		return condition(got, corev1beta1.ClusterInsecureConnection) == nil && condition(got, corev1beta1.ClusterConfigMalformed) != nil, nil
	})
}
