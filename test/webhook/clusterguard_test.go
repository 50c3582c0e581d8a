package webhook

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// rejoinMessage is the refusal of a connection change that is not a re-join.
const rejoinMessage = "Forbidden: the connection of a joined cluster (apiEndpoint, secretRef, caBundle, proxyURL, disabledTLSValidations) changes only by joining it again: kubectl fed join guarded --error-on-existing=false"

// joinedCluster creates, as `kubectl fed join` does, a token Secret and a
// KubeFedCluster "guarded" with the joined-at annotation.
func joinedCluster(t *testing.T, c client.Client) *corev1beta1.KubeFedCluster {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"guarded-token", "other-token"} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: name}, Data: map[string][]byte{"token": []byte(name)}}
		if err := c.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(ctx, s) })
	}
	kfc := &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "guarded", Annotations: map[string]string{core.JoinedAtAnnotation: "2026-01-01T00:00:00Z"}},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://member.example:6443", CABundle: []byte("ca"),
			SecretRef: corev1beta1.LocalSecretReference{Name: "guarded-token"}},
	}
	if err := c.Create(ctx, kfc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, kfc) })
	return kfc
}

// TestJoinedClusterConnectionChangesOnlyByRejoin changes each connection
// field of a joined cluster without a re-join (refused, naming the field),
// then its labels (admitted), then the endpoint in a re-join (admitted).
func TestJoinedClusterConnectionChangesOnlyByRejoin(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	kfc := joinedCluster(t, e.client)
	for field, change := range map[string]func(*corev1beta1.KubeFedClusterSpec){
		"spec.apiEndpoint": func(s *corev1beta1.KubeFedClusterSpec) { s.APIEndpoint = "https://attacker.example:6443" },
		"spec.secretRef":   func(s *corev1beta1.KubeFedClusterSpec) { s.SecretRef.Name = "other-token" },
		"spec.caBundle":    func(s *corev1beta1.KubeFedClusterSpec) { s.CABundle = []byte("attacker-ca") },
		"spec.proxyURL":    func(s *corev1beta1.KubeFedClusterSpec) { s.ProxyURL = "http://attacker.example:3128" },
		"spec.disabledTLSValidations": func(s *corev1beta1.KubeFedClusterSpec) {
			s.DisabledTLSValidations = []corev1beta1.TLSValidation{"SubjectName"}
		},
	} {
		t.Run(field, func(t *testing.T) {
			update := kfc.DeepCopy()
			change(&update.Spec)
			err := e.client.Update(ctx, update)
			expectDeniedByWebhook(t, err, field+": "+rejoinMessage)
			t.Logf("refused: %v", err)
		})
	}
	labelled := kfc.DeepCopy()
	labelled.Labels = map[string]string{"env": "prod"}
	if err := e.client.Update(ctx, labelled); err != nil {
		t.Fatalf("a label change was refused: %v", err)
	}
	rejoin := labelled.DeepCopy()
	rejoin.Annotations[core.JoinedAtAnnotation] = "2026-01-02T00:00:00Z"
	rejoin.Spec.APIEndpoint = "https://member-moved.example:6443"
	if err := e.client.Update(ctx, rejoin); err != nil {
		t.Fatalf("a re-join was refused: %v", err)
	}
}

// TestClusterTokenSecretMustBeReadableByTheAuthor gives a user the right to
// create and update KubeFedClusters but not to read Secrets: creating a
// cluster that names an existing token Secret is refused, and so is a
// re-join of a joined cluster; the message names the user and the Secret.
func TestClusterTokenSecretMustBeReadableByTheAuthor(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	kfc := joinedCluster(t, e.client)
	const user = "mallory"
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "cluster-editor"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{core.GroupName}, Resources: []string{"kubefedclusters"}, Verbs: []string{"get", "create", "update", "patch"}}}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "cluster-editor"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}}}
	for _, obj := range []client.Object{role, binding} {
		if err := e.client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.client.Delete(ctx, obj) })
	}
	cfg := rest.CopyConfig(shared.Host().RESTConfig())
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	mallory, err := client.New(cfg, client.Options{Scheme: e.client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := mallory.Get(ctx, client.ObjectKey{Namespace: kubeFedNS, Name: "guarded-token"}, &corev1.Secret{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the test user can read the token Secret (%v)", err)
	}
	stolen := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "stolen"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://attacker.example:6443", SecretRef: corev1beta1.LocalSecretReference{Name: "guarded-token"}}}
	err = mallory.Create(ctx, stolen)
	expectDeniedByWebhook(t, err, `spec.secretRef.name: Forbidden: user "mallory" cannot get Secret kube-federation-system/guarded-token: only someone who may read a cluster's token Secret may choose where its token is sent`)
	t.Logf("create refused: %v", err)

	moved := kfc.DeepCopy()
	moved.Annotations[core.JoinedAtAnnotation] = "2026-01-02T00:00:00Z"
	moved.Spec.APIEndpoint = "https://attacker.example:6443"
	err = mallory.Update(ctx, moved)
	expectDeniedByWebhook(t, err, `user "mallory" cannot get Secret kube-federation-system/guarded-token`)
	t.Logf("re-join refused: %v", err)

	labelled := kfc.DeepCopy()
	labelled.Labels = map[string]string{"team": "web"}
	if err := mallory.Update(ctx, labelled); err != nil {
		t.Fatalf("a label change by a cluster editor was refused: %v", err)
	}
}

// TestInsecureClusterConnectionsNeedTheSwitch creates clusters with an
// http:// endpoint and with disabled TLS validations: refused while the
// KubeFedConfig's allowInsecureClusterConnections is off, admitted once it
// is on.
func TestInsecureClusterConnectionsNeedTheSwitch(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	kfconfig := &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: core.KubeFedConfigName},
		Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped}}
	switch err := e.client.Create(ctx, kfconfig); {
	case apierrors.IsAlreadyExists(err):
		if err := e.client.Get(ctx, client.ObjectKeyFromObject(kfconfig), kfconfig); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = e.client.Get(ctx, client.ObjectKeyFromObject(kfconfig), kfconfig)
			kfconfig.Spec.AllowInsecureClusterConnections = false
			_ = e.client.Update(ctx, kfconfig)
		})
	case err != nil:
		t.Fatal(err)
	default:
		t.Cleanup(func() { _ = e.client.Delete(ctx, kfconfig) })
	}
	if kfconfig.Spec.AllowInsecureClusterConnections {
		t.Fatal("the KubeFedConfig already allows insecure connections")
	}
	clusters := map[string]corev1beta1.KubeFedClusterSpec{
		"spec.apiEndpoint: Forbidden: an http:// endpoint sends the member's token in clear text: use https://, or set spec.allowInsecureClusterConnections: true in the KubeFedConfig": {
			APIEndpoint: "http://member.example:8080", SecretRef: corev1beta1.LocalSecretReference{Name: "s"}},
		"spec.disabledTLSValidations: Forbidden: disabling TLS validations sends the member's token to a server whose identity is not checked: set caBundle to the member's CA instead, or set spec.allowInsecureClusterConnections: true in the KubeFedConfig": {
			APIEndpoint: "https://member.example:6443", SecretRef: corev1beta1.LocalSecretReference{Name: "s"}, DisabledTLSValidations: []corev1beta1.TLSValidation{corev1beta1.TLSAll}},
	}
	i := 0
	for message, spec := range clusters {
		i++
		kfc := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "insecure-" + string(rune('a'+i))}, Spec: spec}
		err := e.client.Create(ctx, kfc.DeepCopy())
		expectDeniedByWebhook(t, err, message)
		t.Logf("switch off, refused: %v", err)
	}

	kfconfig.Spec.AllowInsecureClusterConnections = true
	if err := e.client.Update(ctx, kfconfig); err != nil {
		t.Fatal(err)
	}
	i = 0
	for _, spec := range clusters {
		i++
		kfc := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "insecure-" + string(rune('a'+i))}, Spec: spec}
		// The webhook reads the KubeFedConfig from its cache: wait for the switch to reach it.
		testkit.Eventually(t, "the insecure cluster "+kfc.Name+" to be admitted with the switch on", func(ctx context.Context) (bool, error) {
			switch err := e.client.Create(ctx, kfc.DeepCopy()); {
			case err == nil, apierrors.IsAlreadyExists(err):
				return true, nil
			case apierrors.IsForbidden(err):
				return false, nil
			default:
				return false, err
			}
		})
		t.Cleanup(func() { _ = e.client.Delete(ctx, kfc) })
	}
}
