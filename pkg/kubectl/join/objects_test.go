package join

import (
	"reflect"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
)

func TestNames(t *testing.T) {
	sa := ServiceAccountName("member1", "host")
	if sa != "member1-host" {
		t.Errorf("ServiceAccountName = %q", sa)
	}
	if got := RoleName(sa); got != "kubefed-controller-manager:member1-host" {
		t.Errorf("RoleName = %q", got)
	}
	if got := HealthCheckRoleName("kube-federation-system", sa); got != "kubefed-controller-manager:kube-federation-system:healthcheck-member1-host" {
		t.Errorf("HealthCheckRoleName = %q", got)
	}
}

func TestValidateHostName(t *testing.T) {
	cases := []struct {
		name     string
		fromFlag bool
		wantErr  string
	}{
		{name: "host"},
		{name: "arn:aws:eks:eu/cluster", wantErr: "pass --host-cluster-name"},
		{name: "a/b", fromFlag: true, wantErr: `--host-cluster-name "a/b" must not contain`},
	}
	for _, c := range cases {
		err := ValidateHostName(c.name, c.fromFlag)
		if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("ValidateHostName(%q, %v) = %v, want %q", c.name, c.fromFlag, err, c.wantErr)
		}
	}
}

func TestClusterLabels(t *testing.T) {
	cases := []struct {
		name          string
		pairs         map[string]string
		region, zone  string
		want          map[string]string
		wantErrSubstr string
	}{
		{name: "none", want: nil},
		{name: "pairs", pairs: map[string]string{"env": "prod"}, want: map[string]string{"env": "prod"}},
		{name: "region and zone", pairs: map[string]string{"env": "prod"}, region: "eu", zone: "eu-1",
			want: map[string]string{"env": "prod", "topology.kubernetes.io/region": "eu", "topology.kubernetes.io/zone": "eu-1"}},
		{name: "same region twice", pairs: map[string]string{"topology.kubernetes.io/region": "eu"}, region: "eu",
			want: map[string]string{"topology.kubernetes.io/region": "eu"}},
		{name: "conflicting region", pairs: map[string]string{"topology.kubernetes.io/region": "us"}, region: "eu", wantErrSubstr: "set twice"},
		{name: "bad key", pairs: map[string]string{"bad key": "x"}, wantErrSubstr: "invalid cluster label"},
		{name: "bad value", pairs: map[string]string{"k": "not ok"}, wantErrSubstr: "invalid cluster label"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ClusterLabels(c.pairs, c.region, c.zone)
			if c.wantErrSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErrSubstr) {
					t.Fatalf("error = %v, want %q", err, c.wantErrSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("labels = %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("labels = %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestRBACObjects(t *testing.T) {
	cluster := rbacObjects(apiextensionsv1.ClusterScoped, "kf", "m-h", nil, true)
	if len(cluster) != 2 {
		t.Fatalf("cluster scope: %d objects", len(cluster))
	}
	role := cluster[0].(*rbacv1.ClusterRole)
	if role.Name != "kubefed-controller-manager:m-h" || role.Rules[1].NonResourceURLs[0] != "*" || role.Rules[1].Verbs[0] != "get" {
		t.Errorf("cluster role = %+v", role)
	}
	binding := cluster[1].(*rbacv1.ClusterRoleBinding)
	if binding.Subjects[0].Namespace != "kf" || binding.Subjects[0].Name != "m-h" || binding.RoleRef.Kind != "ClusterRole" {
		t.Errorf("cluster role binding = %+v", binding)
	}

	namespaced := rbacObjects(apiextensionsv1.NamespaceScoped, "kf", "m-h", nil, true)
	if len(namespaced) != 4 {
		t.Fatalf("namespaced scope: %d objects", len(namespaced))
	}
	if r := namespaced[0].(*rbacv1.Role); r.Namespace != "kf" || r.Rules[0].Resources[0] != "*" {
		t.Errorf("role = %+v", r)
	}
	health := namespaced[2].(*rbacv1.ClusterRole)
	if health.Name != "kubefed-controller-manager:kf:healthcheck-m-h" {
		t.Errorf("health-check role name = %q", health.Name)
	}
	// KubeFed spelt the verb "Get", which RBAC never matches.
	if health.Rules[0].Verbs[0] != "get" || health.Rules[1].Resources[0] != "nodes" || health.Rules[1].Verbs[0] != "list" {
		t.Errorf("health-check rules = %+v", health.Rules)
	}
	// StorageClasses are cluster-scoped: the namespace's Role cannot grant their read.
	if len(health.Rules) != 3 || !reflect.DeepEqual(health.Rules[2], grant.StorageClassRule()) {
		t.Errorf("the health-check ClusterRole of a namespaced control plane must grant the StorageClass read: %+v", health.Rules)
	}
	if len(role.Labels)+len(namespaced[0].GetLabels()) != 0 {
		t.Errorf("a --cluster-admin grant must not carry the grant label, which lets enable rewrite it")
	}
}

func TestRBACObjectsGrantOnlyTheEnabledTypes(t *testing.T) {
	types := []corev1beta1.APIResource{
		{Group: "", PluralName: "configmaps", Scope: corev1beta1.NamespaceScoped},
		{Group: "", PluralName: "namespaces", Scope: corev1beta1.ClusterScoped},
		{Group: "apps", PluralName: "deployments", Scope: corev1beta1.NamespaceScoped},
	}
	cluster := rbacObjects(apiextensionsv1.ClusterScoped, "kf", "m-h", types, false)
	role := cluster[0].(*rbacv1.ClusterRole)
	if role.Labels[grant.Label] != grant.LabelValue {
		t.Errorf("the grant role lacks its label: %v", role.Labels)
	}
	if !reflect.DeepEqual(role.Rules, grant.ClusterRules(types)) {
		t.Errorf("cluster role rules = %+v", role.Rules)
	}
	for _, r := range role.Rules {
		for _, res := range r.Resources {
			if res == "*" || res == "secrets" || res == "clusterrolebindings" {
				t.Errorf("the default grant includes %q: %+v", res, r)
			}
		}
	}
	namespaced := rbacObjects(apiextensionsv1.NamespaceScoped, "kf", "m-h", types, false)
	if r := namespaced[0].(*rbacv1.Role); !reflect.DeepEqual(r.Rules, grant.Rules(types, true)) || r.Labels[grant.Label] != grant.LabelValue {
		t.Errorf("role = %+v", r)
	}
}

func TestKubeFedCluster(t *testing.T) {
	entry := &clientcmdapi.Cluster{Server: "https://10.0.0.1:6443", CertificateAuthorityData: []byte("kubeconfig-ca")}
	kfc := KubeFedCluster("kf", "m", entry, "m-abcde", []byte("token-ca"), map[string]string{"env": "prod"})
	if kfc.Name != "m" || kfc.Namespace != "kf" || kfc.Spec.APIEndpoint != entry.Server || string(kfc.Spec.CABundle) != "kubeconfig-ca" ||
		kfc.Spec.SecretRef.Name != "m-abcde" || kfc.Labels["env"] != "prod" || kfc.Spec.ProxyURL != "" || kfc.Spec.DisabledTLSValidations != nil {
		t.Errorf("KubeFedCluster = %+v", kfc)
	}
	insecure := &clientcmdapi.Cluster{Server: "https://m", InsecureSkipTLSVerify: true, ProxyURL: "socks5://proxy:1080"}
	kfc = KubeFedCluster("kf", "m", insecure, "s", []byte("token-ca"), nil)
	if string(kfc.Spec.CABundle) != "token-ca" {
		t.Errorf("without kubeconfig CA data the token secret's CA is used; got %q", kfc.Spec.CABundle)
	}
	if len(kfc.Spec.DisabledTLSValidations) != 1 || kfc.Spec.DisabledTLSValidations[0] != corev1beta1.TLSAll || kfc.Spec.ProxyURL != "socks5://proxy:1080" {
		t.Errorf("insecure/proxied KubeFedCluster spec = %+v", kfc.Spec)
	}
}
