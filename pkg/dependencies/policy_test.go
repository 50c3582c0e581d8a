package dependencies

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// TestDenied judges a Secret copy of namespace shop, labelled tier=db,
// bound for member1 and member2, against policies written for Secrets,
// for other kinds and for everything.
func TestDenied(t *testing.T) {
	in := func(name string, spec v1alpha1.FederationPolicySpec) policy.Policy {
		return policy.FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}, Spec: spec})
	}
	kinds := func(k ...string) *v1alpha1.ResourceSelector { return &v1alpha1.ResourceSelector{Kinds: k} }
	names := func(n ...string) *v1alpha1.ClusterSet { return &v1alpha1.ClusterSet{Names: n} }
	clusters := []policy.Cluster{{Name: "member1", Labels: map[string]string{"region": "eu"}},
		{Name: "member2", Labels: map[string]string{"region": "us"}}, {Name: "member3"}}
	secret := policy.Object{Kind: "FederatedSecret", Namespace: "shop", Name: "db", Labels: map[string]string{"tier": "db"}}
	cases := []struct {
		name     string
		policies []policy.Policy
		targets  []string
		want     []string // denied clusters
		names    string   // what each message names
	}{
		{"no policy", nil, []string{"member1", "member2"}, nil, ""},
		{"secrets denied on member2", []policy.Policy{in("no-secrets", v1alpha1.FederationPolicySpec{
			ResourceSelector: kinds("FederatedSecret"), DeniedClusters: names("member2")})},
			[]string{"member1", "member2"}, []string{"member2"}, "FederationPolicy shop/no-secrets"},
		{"by cluster selector", []policy.Policy{in("eu-only", v1alpha1.FederationPolicySpec{
			ResourceSelector: kinds("FederatedSecret"), AllowedClusters: &v1alpha1.ClusterSet{
				ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}}})},
			[]string{"member1", "member2"}, []string{"member2"}, "FederationPolicy shop/eu-only"},
		{"a policy of the workload's kind plays no part", []policy.Policy{in("no-deployments", v1alpha1.FederationPolicySpec{
			ResourceSelector: kinds("FederatedDeployment"), DeniedClusters: names("member2")})},
			[]string{"member1", "member2"}, nil, ""},
		{"a policy of every kind applies", []policy.Policy{in("nothing-on-1", v1alpha1.FederationPolicySpec{DeniedClusters: names("member1")})},
			[]string{"member1", "member2"}, []string{"member1"}, "FederationPolicy shop/nothing-on-1"},
		{"labels select", []policy.Policy{in("db", v1alpha1.FederationPolicySpec{ResourceSelector: &v1alpha1.ResourceSelector{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "db"}}}, DeniedClusters: names("member1", "member2")})},
			[]string{"member2"}, []string{"member2"}, "FederationPolicy shop/db"},
		{"labels do not select", []policy.Policy{in("web", v1alpha1.FederationPolicySpec{ResourceSelector: &v1alpha1.ResourceSelector{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}}}, DeniedClusters: names("member2")})},
			[]string{"member1", "member2"}, nil, ""},
		{"a denied cluster that is no target", []policy.Policy{in("no-secrets", v1alpha1.FederationPolicySpec{
			ResourceSelector: kinds("FederatedSecret"), DeniedClusters: names("member3")})},
			[]string{"member1", "member2"}, nil, ""},
		{"whole-object rules keep nothing out", []policy.Policy{in("spread", v1alpha1.FederationPolicySpec{
			ResourceSelector: kinds("FederatedSecret"), MinClusters: ptr(int32(3)), MaxClusters: ptr(int32(1))})},
			[]string{"member1", "member2"}, nil, ""},
		{"warn does not keep out", []policy.Policy{in("warn", v1alpha1.FederationPolicySpec{
			ResourceSelector: kinds("FederatedSecret"), DeniedClusters: names("member2"), Enforcement: v1alpha1.EnforcementWarn})},
			[]string{"member1", "member2"}, nil, ""},
		{"no targets", []policy.Policy{in("no-secrets", v1alpha1.FederationPolicySpec{DeniedClusters: names("member2")})},
			nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			denied := Denied(tc.policies, secret, sets.New(tc.targets...), clusters)
			if got := sets.List(sets.KeySet(denied)); !reflect.DeepEqual(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
				t.Fatalf("denied %v, want %v", got, tc.want)
			}
			for c, message := range denied {
				if !strings.Contains(message, tc.names) || !strings.Contains(message, "FederatedSecret shop/db") || !strings.Contains(message, c) {
					t.Errorf("message for %s %q does not name the copy, the cluster and %s", c, message, tc.names)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
