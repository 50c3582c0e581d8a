package join

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
)

// roleNamePrefix starts the names of the RBAC objects join creates.
const roleNamePrefix = "kubefed-controller-manager:"

// ServiceAccountName is the name of the service account, in the member's
// KubeFed namespace, whose token the control plane uses:
// "<cluster>-<host>".
func ServiceAccountName(cluster, host string) string {
	return cluster + "-" + host
}

// RoleName is the name of the (Cluster)Role and (Cluster)RoleBinding that
// grant the service account access to the member.
func RoleName(serviceAccount string) string {
	return roleNamePrefix + serviceAccount
}

// HealthCheckRoleName is the name of the ClusterRole and ClusterRoleBinding
// that let a namespace-scoped control plane probe the member's health.
func HealthCheckRoleName(namespace, serviceAccount string) string {
	return roleNamePrefix + namespace + ":healthcheck-" + serviceAccount
}

// ValidateHostName checks the name the member-side objects are named
// after: a host cluster name must not contain "/" or ":".
func ValidateHostName(name string, fromFlag bool) error {
	if !strings.ContainsAny(name, "/:") {
		return nil
	}
	if fromFlag {
		return fmt.Errorf("--host-cluster-name %q must not contain '/' or ':'", name)
	}
	return fmt.Errorf("the host cluster's context name %q contains '/' or ':': pass --host-cluster-name with a name without them", name)
}

// ValidateClusterName checks the name of the KubeFedCluster to create.
func ValidateClusterName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Errorf("invalid cluster name %q: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

// ClusterLabels returns the KubeFedCluster's labels: the --cluster-labels
// pairs plus topology.kubernetes.io/region and /zone when set, checked as
// Kubernetes labels.
func ClusterLabels(pairs map[string]string, region, zone string) (map[string]string, error) {
	labels := map[string]string{}
	for k, v := range pairs {
		labels[k] = v
	}
	for key, value := range map[string]string{corev1.LabelTopologyRegion: region, corev1.LabelTopologyZone: zone} {
		if value == "" {
			continue
		}
		if old, ok := labels[key]; ok && old != value {
			return nil, fmt.Errorf("label %s is set twice, to %q and %q", key, old, value)
		}
		labels[key] = value
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		errs := validation.IsQualifiedName(k)
		errs = append(errs, validation.IsValidLabelValue(labels[k])...)
		if len(errs) > 0 {
			return nil, fmt.Errorf("invalid cluster label %s=%s: %s", k, labels[k], strings.Join(errs, "; "))
		}
	}
	if len(labels) == 0 {
		return nil, nil
	}
	return labels, nil
}

// serviceAccount is the member's service account for the control plane.
// No pod runs as it, so its token is not mounted; it carries no
// kubernetes.io/enforce-mountable-secrets annotation, which the API server
// reports as deprecated.
func serviceAccount(namespace, name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		ObjectMeta:                   metav1.ObjectMeta{Name: name, Namespace: namespace},
		AutomountServiceAccountToken: new(false),
	}
}

// tokenSecret asks the member's token controller for a long-lived token of
// the service account.
func tokenSecret(namespace, serviceAccount string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: serviceAccount, Namespace: namespace,
			Annotations: map[string]string{corev1.ServiceAccountNameKey: serviceAccount},
		},
		Type: corev1.SecretTypeServiceAccountToken,
	}
}

// rbacObjects are the roles and bindings that give the service account the
// access the control plane needs. By default that is the grant of package
// grant: the enabled target types, reads for scheduling, the StorageClass
// read, the health endpoints — in a ClusterRole for a Cluster-scoped
// control plane; in a Role of the KubeFed namespace plus a health-check
// ClusterRole (which holds the cluster-scoped StorageClass read) for a
// Namespaced one. The type roles carry grant.Label so that enable and
// disable keep them in step. With clusterAdmin the grant is KubeFed's: every verb on every
// resource (of the KubeFed namespace for a Namespaced control plane). The
// health-check rule uses the verb "get" (KubeFed wrote "Get", which RBAC
// never matches).
func rbacObjects(scope apiextensionsv1.ResourceScope, namespace, sa string, types []corev1beta1.APIResource, clusterAdmin bool) []client.Object {
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: namespace}}
	all := rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}
	name := RoleName(sa)
	var labels map[string]string
	if !clusterAdmin {
		labels = map[string]string{grant.Label: grant.LabelValue}
	}
	if scope == corev1beta1.NamespaceScoped {
		rules := []rbacv1.PolicyRule{all}
		if !clusterAdmin {
			rules = grant.Rules(types, true)
		}
		health := HealthCheckRoleName(namespace, sa)
		return []client.Object{
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}, Rules: rules},
			&rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
				Subjects:   subjects,
			},
			&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: health}, Rules: []rbacv1.PolicyRule{
				grant.HealthRule(),
				{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list"}},
				grant.StorageClassRule(),
			}},
			&rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: health},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: health},
				Subjects:   subjects,
			},
		}
	}
	rules := []rbacv1.PolicyRule{all, {NonResourceURLs: []string{"*"}, Verbs: []string{"get"}}}
	if !clusterAdmin {
		rules = grant.ClusterRules(types)
	}
	return []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Rules: rules},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects:   subjects,
		},
	}
}

// KubeFedCluster builds the KubeFedCluster of a member from its kubeconfig
// cluster entry: the server is the apiEndpoint, the CA data the caBundle
// (else caFallback, the CA of the token secret), insecure-skip-tls-verify
// disables all TLS validations and proxy-url becomes proxyURL. The
// kubefed.io/joined-at annotation, set to now, marks the write as a join,
// which admission requires for a change of the connection fields.
func KubeFedCluster(namespace, name string, entry *clientcmdapi.Cluster, secretName string, caFallback []byte, labels map[string]string) *corev1beta1.KubeFedCluster {
	ca := entry.CertificateAuthorityData
	if len(ca) == 0 {
		ca = caFallback
	}
	kfc := &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels,
			Annotations: map[string]string{core.JoinedAtAnnotation: time.Now().UTC().Format(time.RFC3339Nano)}},
		Spec: corev1beta1.KubeFedClusterSpec{
			APIEndpoint: entry.Server,
			CABundle:    ca,
			SecretRef:   corev1beta1.LocalSecretReference{Name: secretName},
			ProxyURL:    entry.ProxyURL,
		},
	}
	if entry.InsecureSkipTLSVerify {
		kfc.Spec.DisabledTLSValidations = []corev1beta1.TLSValidation{corev1beta1.TLSAll}
	}
	return kfc
}
