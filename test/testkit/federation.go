package testkit

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// kubeFedScheme is the project's one scheme (package scheme): built-in
// kinds, CRDs and every KubeFed kind.
var kubeFedScheme = func() *runtime.Scheme {
	s, err := scheme.New()
	utilruntime.Must(err)
	return s
}()

// Federation sets up a federation on a fleet's host without the CLI, for
// tests of the syncer: CRDs, the KubeFed namespace, members and types.
type Federation struct {
	// Host reads and writes the host's objects, federation kinds included.
	Host client.Client
	// Namespace is the KubeFed namespace.
	Namespace string

	fleet *fleet.Fleet
}

// NewFederation installs the CRDs in crdDir and the KubeFed namespace on the
// fleet's host.
func NewFederation(ctx context.Context, f *fleet.Fleet, crdDir string) (*Federation, error) {
	host, err := client.New(f.Host().RESTConfig(), client.Options{Scheme: kubeFedScheme})
	if err != nil {
		return nil, err
	}
	crds, err := LoadCRDs(crdDir)
	if err != nil {
		return nil, err
	}
	if err := InstallCRDs(ctx, f.Host().RESTConfig(), crds...); err != nil {
		return nil, err
	}
	fed := &Federation{Host: host, Namespace: core.DefaultKubeFedSystemNamespace, fleet: f}
	err = host.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fed.Namespace}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	return fed, nil
}

// Join registers a member as `kubectl fed join` does, with a day-long token
// of a cluster-admin service account from the TokenRequest API. labels go
// on the KubeFedCluster.
func (fed *Federation) Join(ctx context.Context, member *fleet.Cluster, labels map[string]string) error {
	token, err := adminToken(ctx, member.RESTConfig(), "kubefed-"+member.Name)
	if err != nil {
		return fmt.Errorf("joining %s: %w", member.Name, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: fed.Namespace, Name: member.Name + "-token"},
		Data:       map[string][]byte{core.ClusterSecretTokenKey: []byte(token)},
	}
	if err := fed.Host.Create(ctx, secret); err != nil {
		return fmt.Errorf("joining %s: %w", member.Name, err)
	}
	return fed.Host.Create(ctx, &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: fed.Namespace, Name: member.Name, Labels: labels},
		Spec: corev1beta1.KubeFedClusterSpec{
			APIEndpoint: member.Server,
			CABundle:    member.CAData(),
			SecretRef:   corev1beta1.LocalSecretReference{Name: secret.Name},
		},
	})
}

// adminToken returns a token of a service account bound to cluster-admin.
func adminToken(ctx context.Context, cfg *rest.Config, name string) (string, error) {
	mc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	if _, err := mc.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		return "", err
	}
	if _, err := mc.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: metav1.NamespaceDefault, Name: name}},
	}, metav1.CreateOptions{}); err != nil {
		return "", err
	}
	day := int64(24 * 60 * 60)
	token, err := mc.CoreV1().ServiceAccounts(metav1.NamespaceDefault).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &day}}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return token.Status.Token, nil
}

// Enable installs the Federated<Kind> CRD of a target type and its
// FederatedTypeConfig, as `kubectl fed enable` does.
func (fed *Federation) Enable(ctx context.Context, target typesv1beta1.TargetType) error {
	if err := InstallCRDs(ctx, fed.fleet.Host().RESTConfig(), typesv1beta1.FederatedCRD(target, "", "")); err != nil {
		return err
	}
	api := target.APIResource()
	return fed.Host.Create(ctx, &corev1beta1.FederatedTypeConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: fed.Namespace, Name: api.QualifiedName()},
		Spec: corev1beta1.FederatedTypeConfigSpec{
			TargetType:    api,
			FederatedType: typesv1beta1.FederatedAPIResource(target, "", ""),
			Propagation:   corev1beta1.PropagationEnabled,
		},
	})
}
