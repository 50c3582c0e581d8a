package policy

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

var clusters = []Cluster{
	{Name: "eu-prod-1", Labels: map[string]string{"region": "eu", "env": "prod"}},
	{Name: "us-prod-1", Labels: map[string]string{"region": "us", "env": "prod"}},
	{Name: "us-dev-1", Labels: map[string]string{"region": "us", "env": "dev"}},
}

func sel(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func names(n ...string) *typesv1beta1.Placement {
	p := &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{}}
	for _, name := range n {
		p.Clusters = append(p.Clusters, typesv1beta1.ClusterReference{Name: name})
	}
	return p
}

func ns(name string, spec v1alpha1.FederationPolicySpec) Policy {
	return FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}, Spec: spec})
}

func web(p *typesv1beta1.Placement) Object {
	return Object{Kind: "FederatedDeployment", Namespace: "shop", Name: "web",
		Labels: map[string]string{"app": "web"}, NamespaceLabels: map[string]string{"team": "shop"}, Placement: p}
}

func TestIssueExampleMessage(t *testing.T) {
	p := ns("eu-only", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{ClusterSelector: sel("region", "eu")}})
	v := Evaluate([]Policy{p}, web(&typesv1beta1.Placement{ClusterSelector: sel("env", "prod")}), clusters)
	want := []string{`FederatedDeployment shop/web: placement selects cluster "eu-prod-1", which FederationPolicy shop/eu-only denies (deniedClusters.clusterSelector region=eu)`}
	if got := Messages(v.WithEnforcement(v1alpha1.EnforcementDeny)); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if x, denied := v.ClusterDenied("eu-prod-1"); !denied || x.Policy.Name != "eu-only" || x.Rule != "deniedClusters.clusterSelector region=eu" {
		t.Fatalf("ClusterDenied(eu-prod-1) = %+v, %v", x, denied)
	}
	if _, denied := v.ClusterDenied("us-prod-1"); denied {
		t.Fatal("us-prod-1 must not be denied")
	}
}

func TestEvaluate(t *testing.T) {
	n := func(v int32) *int32 { return &v }
	overrides := []typesv1beta1.Override{{ClusterName: "us-dev-1", ClusterOverrides: []typesv1beta1.ClusterOverride{
		{Path: "/spec/template/spec/hostNetwork"}, {Path: "/spec/replicas"}}}}
	tests := []struct {
		name      string
		policy    Policy
		obj       Object
		messages  []string
		selecting bool
	}{
		{"allowed by name", ns("p", v1alpha1.FederationPolicySpec{AllowedClusters: &v1alpha1.ClusterSet{Names: []string{"us-dev-1"}}}),
			web(names("us-dev-1")), nil, true},
		{"denied by name, even unknown", ns("p", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{Names: []string{"ghost"}}}),
			web(names("ghost")), []string{`placement selects cluster "ghost", which FederationPolicy shop/p denies (deniedClusters.names)`}, true},
		{"not allowed", ns("p", v1alpha1.FederationPolicySpec{AllowedClusters: &v1alpha1.ClusterSet{ClusterSelector: sel("region", "us")}}),
			web(names("eu-prod-1", "us-prod-1")), []string{`placement selects cluster "eu-prod-1", which FederationPolicy shop/p does not allow (allowedClusters)`}, true},
		{"empty selector selects all", ns("p", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{ClusterSelector: sel("env", "dev")}}),
			web(&typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}}),
			[]string{`"us-dev-1", which FederationPolicy shop/p denies (deniedClusters.clusterSelector env=dev)`}, true},
		{"no placement selects nothing", ns("p", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{}}}),
			web(nil), nil, true},
		{"min clusters", ns("p", v1alpha1.FederationPolicySpec{MinClusters: n(2)}), web(names("us-dev-1")),
			[]string{"placement selects 1 cluster(s), fewer than FederationPolicy shop/p requires (minClusters 2)"}, true},
		{"max clusters", ns("p", v1alpha1.FederationPolicySpec{MaxClusters: n(1)}), web(&typesv1beta1.Placement{ClusterSelector: sel("env", "prod")}),
			[]string{"placement selects 2 cluster(s), more than FederationPolicy shop/p allows (maxClusters 1)"}, true},
		{"denied override", ns("p", v1alpha1.FederationPolicySpec{DeniedOverridePaths: []string{"/spec/template/spec"}}),
			func() Object { o := web(names("us-dev-1")); o.Overrides = overrides; return o }(),
			[]string{`override for cluster "us-dev-1" changes "/spec/template/spec/hostNetwork", which FederationPolicy shop/p denies (deniedOverridePaths /spec/template/spec)`}, true},
		{"denied override of a selector entry", ns("p", v1alpha1.FederationPolicySpec{DeniedOverridePaths: []string{"/spec/template/spec"}}),
			func() Object {
				o := web(names("us-dev-1"))
				o.Overrides = []typesv1beta1.Override{{ClusterSelector: sel("region", "us"), ClusterOverrides: overrides[0].ClusterOverrides[:1]}}
				return o
			}(),
			[]string{`override for clusters matching region=us changes "/spec/template/spec/hostNetwork", which FederationPolicy shop/p denies (deniedOverridePaths /spec/template/spec)`}, true},
		{"denied override by a typed overrider", ns("p", v1alpha1.FederationPolicySpec{DeniedOverridePaths: []string{"/spec/template/spec/containers/0/image", "/metadata/labels/tier"}}),
			func() Object {
				o := web(names("us-dev-1"))
				o.Overrides = []typesv1beta1.Override{{ClusterName: "us-dev-1", TypedOverriders: typesv1beta1.TypedOverriders{
					Image:  []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageTag, Value: "2"}},
					Labels: []typesv1beta1.MapOverrider{{Key: "tier", Value: "gold"}, {Key: "team", Value: "a"}}}}}
				return o
			}(),
			[]string{`typed overriders for cluster "us-dev-1" change "/spec/template/spec/containers", which FederationPolicy shop/p denies (deniedOverridePaths /spec/template/spec/containers/0/image)`,
				`typed overriders for cluster "us-dev-1" change "/metadata/labels/tier", which FederationPolicy shop/p denies (deniedOverridePaths /metadata/labels/tier)`}, true},
		{"denied toleration key", ns("p", v1alpha1.FederationPolicySpec{DeniedTolerationKeys: []string{"team-a"}}),
			func() Object {
				o := web(names("us-dev-1"))
				o.Placement.Tolerations = []corev1beta1.Toleration{{Key: "team-a", Operator: corev1beta1.TolerationOpExists}, {Key: "other", Value: "x"}}
				return o
			}(),
			[]string{"spec.placement.tolerations tolerates the taint team-a, which FederationPolicy shop/p denies (deniedTolerationKeys team-a)"}, true},
		{"a toleration of every taint is denied too", ns("p", v1alpha1.FederationPolicySpec{DeniedTolerationKeys: []string{"team-a"}}),
			func() Object {
				o := web(names("us-dev-1"))
				o.Placement.Tolerations = []corev1beta1.Toleration{{Operator: corev1beta1.TolerationOpExists}}
				return o
			}(),
			[]string{"tolerates every taint, including team-a"}, true},
		{"other namespace", FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "p"},
			Spec: v1alpha1.FederationPolicySpec{MinClusters: n(9)}}), web(nil), nil, false},
		{"other kind", ns("p", v1alpha1.FederationPolicySpec{MinClusters: n(9), ResourceSelector: &v1alpha1.ResourceSelector{Kinds: []string{"FederatedSecret"}}}),
			web(nil), nil, false},
		{"kind and labels", ns("p", v1alpha1.FederationPolicySpec{MinClusters: n(1),
			ResourceSelector: &v1alpha1.ResourceSelector{Kinds: []string{"FederatedDeployment"}, LabelSelector: sel("app", "web")}}),
			web(nil), []string{"(minClusters 1)"}, true},
		{"other labels", ns("p", v1alpha1.FederationPolicySpec{MinClusters: n(1), ResourceSelector: &v1alpha1.ResourceSelector{LabelSelector: sel("app", "db")}}),
			web(nil), nil, false},
		{"cluster policy everywhere", FromClusterFederationPolicy(&v1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "all"},
			Spec: v1alpha1.ClusterFederationPolicySpec{FederationPolicySpec: v1alpha1.FederationPolicySpec{MaxClusters: n(0)}}}),
			web(names("us-dev-1")), []string{"more than ClusterFederationPolicy all allows (maxClusters 0)"}, true},
		{"cluster policy namespace selector", FromClusterFederationPolicy(&v1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "teams"},
			Spec: v1alpha1.ClusterFederationPolicySpec{NamespaceSelector: sel("team", "other"), FederationPolicySpec: v1alpha1.FederationPolicySpec{MaxClusters: n(0)}}}),
			web(names("us-dev-1")), nil, false},
		{"cluster policy namespace selector skips cluster-scoped", FromClusterFederationPolicy(&v1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "teams"},
			Spec: v1alpha1.ClusterFederationPolicySpec{NamespaceSelector: &metav1.LabelSelector{}, FederationPolicySpec: v1alpha1.FederationPolicySpec{MaxClusters: n(0)}}}),
			Object{Kind: "FederatedClusterRole", Name: "r", Placement: names("us-dev-1")}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate([]Policy{tt.policy}, tt.obj, clusters)
			if got := len(v.Selecting) == 1; got != tt.selecting {
				t.Fatalf("selecting = %v, want %v", got, tt.selecting)
			}
			got := Messages(v.Violations)
			if len(got) != len(tt.messages) {
				t.Fatalf("got %q, want %d messages like %q", got, len(tt.messages), tt.messages)
			}
			for i, m := range tt.messages {
				if !strings.Contains(got[i], m) {
					t.Errorf("message %q does not contain %q", got[i], m)
				}
			}
		})
	}
}

func TestEnforcements(t *testing.T) {
	deny := v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{Names: []string{"us-dev-1"}}}
	warn, audit := *deny.DeepCopy(), *deny.DeepCopy()
	warn.Enforcement, audit.Enforcement = v1alpha1.EnforcementWarn, v1alpha1.EnforcementAudit
	v := Evaluate([]Policy{ns("w", warn), ns("a", audit), ns("d", deny)}, web(names("us-dev-1")), clusters)
	for e, want := range map[v1alpha1.Enforcement]string{v1alpha1.EnforcementDeny: "d", v1alpha1.EnforcementWarn: "w", v1alpha1.EnforcementAudit: "a"} {
		got := v.WithEnforcement(e)
		if len(got) != 1 || got[0].Policy.Name != want {
			t.Errorf("%s: got %+v", e, got)
		}
	}
	if x, denied := v.ClusterDenied("us-dev-1"); !denied || x.Policy.Name != "d" {
		t.Errorf("ClusterDenied = %+v, %v; want policy d", x, denied)
	}
}

func TestClusterJoiningLaterIsDenied(t *testing.T) {
	p := ns("eu-only", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{ClusterSelector: sel("region", "eu")}})
	obj := web(&typesv1beta1.Placement{ClusterSelector: sel("env", "dev")})
	if v := Evaluate([]Policy{p}, obj, clusters); len(v.Violations) != 0 {
		t.Fatalf("admission-time verdict must be clean, got %q", Messages(v.Violations))
	}
	later := append(clusters, Cluster{Name: "eu-dev-1", Labels: map[string]string{"region": "eu", "env": "dev"}})
	v := Evaluate([]Policy{p}, obj, later)
	if _, denied := v.ClusterDenied("eu-dev-1"); !denied {
		t.Fatal("a cluster that joins later and matches the denying selector must be denied")
	}
	if _, denied := v.ClusterDenied("us-dev-1"); denied {
		t.Fatal("us-dev-1 must stay allowed")
	}
}

func TestDefaultPlacementPrefersNamespacedPolicyThenName(t *testing.T) {
	cluster := FromClusterFederationPolicy(&v1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "a"},
		Spec: v1alpha1.ClusterFederationPolicySpec{FederationPolicySpec: v1alpha1.FederationPolicySpec{DefaultPlacement: names("us-prod-1")}}})
	second := ns("b", v1alpha1.FederationPolicySpec{DefaultPlacement: names("us-dev-1")})
	first := ns("a", v1alpha1.FederationPolicySpec{DefaultPlacement: &typesv1beta1.Placement{ClusterSelector: sel("env", "dev")}})
	none := ns("0", v1alpha1.FederationPolicySpec{})
	p, from := DefaultPlacement([]Policy{cluster, second, none, first}, web(nil))
	if from == nil || from.Name != "a" || from.Kind != v1alpha1.FederationPolicyKind || p.ClusterSelector == nil {
		t.Fatalf("got %+v from %v", p, from)
	}
	if p == first.Spec.DefaultPlacement {
		t.Fatal("DefaultPlacement must return a copy")
	}
	other := web(nil)
	other.Namespace = "other"
	if p, from := DefaultPlacement([]Policy{cluster, second}, other); from == nil || from.Kind != v1alpha1.ClusterFederationPolicyKind || p.Clusters[0].Name != "us-prod-1" {
		t.Fatalf("got %+v from %v", p, from)
	}
	if p, from := DefaultPlacement([]Policy{none}, web(nil)); p != nil || from != nil {
		t.Fatalf("got %+v from %v, want none", p, from)
	}
}

func TestCount(t *testing.T) {
	n := func(v int32) *int32 { return &v }
	audit := ns("audit", v1alpha1.FederationPolicySpec{MinClusters: n(2), Enforcement: v1alpha1.EnforcementAudit})
	other := FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "x"}})
	ok, bad := web(names("us-dev-1", "us-prod-1")), web(names("us-dev-1"))
	bad.Name = "bad"
	tallies := Count([]Policy{audit, other}, []Object{ok, bad}, clusters)
	got := tallies["FederationPolicy shop/audit"]
	if got.Selected != 2 || got.Violations != 1 || !reflect.DeepEqual(got.Violating, []string{"FederatedDeployment shop/bad"}) {
		t.Fatalf("audit tally %+v", got)
	}
	if got := tallies["FederationPolicy other/x"]; got.Selected != 0 || got.Violations != 0 {
		t.Fatalf("other tally %+v", got)
	}
}

// TestDenied: only violations of Deny policies about a listed cluster
// count, each with its message.
func TestDenied(t *testing.T) {
	deny := ns("deny", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{Names: []string{"a", "ghost"}}})
	warn := ns("warn", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{Names: []string{"b"}}, Enforcement: v1alpha1.EnforcementWarn})
	list := []Cluster{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	v := Evaluate([]Policy{deny, warn}, web(names("a", "b", "c", "ghost")), list)
	got := v.Denied(list)
	if len(got) != 1 || !strings.Contains(got["a"], "FederationPolicy shop/deny") {
		t.Errorf("Denied = %v, want a denied by FederationPolicy shop/deny only", got)
	}
}
