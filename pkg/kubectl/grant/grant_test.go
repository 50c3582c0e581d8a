package grant

import (
	"reflect"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

func TestRules(t *testing.T) {
	types := []corev1beta1.APIResource{
		{Group: "apps", PluralName: "deployments", Scope: corev1beta1.NamespaceScoped},
		{Group: "", PluralName: "secrets", Scope: corev1beta1.NamespaceScoped},
		{Group: "", PluralName: "configmaps", Scope: corev1beta1.NamespaceScoped},
		{Group: "", PluralName: "namespaces", Scope: corev1beta1.ClusterScoped},
		{Group: "rbac.authorization.k8s.io", PluralName: "clusterrolebindings", Scope: corev1beta1.ClusterScoped},
	}
	all := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	read := []string{"get", "list", "watch"}
	scheduling := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets"}, Verbs: read},
	}
	for _, tc := range []struct {
		name       string
		types      []corev1beta1.APIResource
		namespaced bool
		want       []rbacv1.PolicyRule
	}{
		{"no types: scheduling reads only", nil, false, scheduling},
		{"cluster scope: every type, grouped and sorted", types, false, append([]rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"configmaps", "namespaces", "secrets"}, Verbs: all},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: all},
			{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterrolebindings"}, Verbs: all},
		}, scheduling...)},
		{"namespaced scope: namespaced types only", types, true, append([]rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"configmaps", "secrets"}, Verbs: all},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: all},
		}, scheduling...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Rules(tc.types, tc.namespaced); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Rules =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	storageClasses := rbacv1.PolicyRule{APIGroups: []string{"storage.k8s.io"}, Resources: []string{"storageclasses"}, Verbs: read}
	if got, want := ClusterRules(nil), append(scheduling, storageClasses, HealthRule()); !reflect.DeepEqual(got, want) {
		t.Errorf("ClusterRules = %+v, want Rules, the StorageClass read and the health rule: %+v", got, want)
	}
}

func TestMemberContext(t *testing.T) {
	raw := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{"a": {Server: "https://a:6443"}, "b": {Server: "https://b:6443"}},
		Contexts: map[string]*clientcmdapi.Context{"m1": {Cluster: "a"}, "other": {Cluster: "b"}, "admin@b": {Cluster: "b"}},
	}
	for _, tc := range []struct{ name, endpoint, want string }{
		{"m1", "https://a:6443", "m1"},
		{"m2", "https://b:6443", "admin@b"},
		{"m1", "https://b:6443", "admin@b"},
		{"m3", "https://c:6443", ""},
	} {
		kfc := &corev1beta1.KubeFedCluster{}
		kfc.Name, kfc.Spec.APIEndpoint = tc.name, tc.endpoint
		if got := MemberContext(raw, kfc); got != tc.want {
			t.Errorf("MemberContext(%s at %s) = %q, want %q", tc.name, tc.endpoint, got, tc.want)
		}
	}
}
