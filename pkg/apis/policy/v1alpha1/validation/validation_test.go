package validation

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestFederationPolicy(t *testing.T) {
	n := func(v int32) *int32 { return &v }
	badSel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "region", Operator: "Near"}}}
	tests := []struct {
		name     string
		spec     v1alpha1.FederationPolicySpec
		fragment string
	}{
		{"empty", v1alpha1.FederationPolicySpec{}, ""},
		{"full", v1alpha1.FederationPolicySpec{
			ResourceSelector:    &v1alpha1.ResourceSelector{Kinds: []string{"FederatedDeployment"}, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}},
			AllowedClusters:     &v1alpha1.ClusterSet{Names: []string{"c1"}, ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}},
			DeniedClusters:      &v1alpha1.ClusterSet{Names: []string{"c2"}},
			MinClusters:         n(1),
			MaxClusters:         n(3),
			DeniedOverridePaths: []string{"/spec/template/spec/hostNetwork"},
			DefaultPlacement:    &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "c1"}}},
			Enforcement:         v1alpha1.EnforcementWarn,
		}, ""},
		{"empty kind", v1alpha1.FederationPolicySpec{ResourceSelector: &v1alpha1.ResourceSelector{Kinds: []string{""}}}, "spec.resourceSelector.kinds[0]: Required value"},
		{"bad label selector", v1alpha1.FederationPolicySpec{ResourceSelector: &v1alpha1.ResourceSelector{LabelSelector: badSel}}, "spec.resourceSelector.labelSelector.matchExpressions[0].operator"},
		{"bad allowed name", v1alpha1.FederationPolicySpec{AllowedClusters: &v1alpha1.ClusterSet{Names: []string{"Bad_Name"}}}, `spec.allowedClusters.names[0]: Invalid value: "Bad_Name"`},
		{"bad denied selector", v1alpha1.FederationPolicySpec{DeniedClusters: &v1alpha1.ClusterSet{ClusterSelector: badSel}}, "spec.deniedClusters.clusterSelector.matchExpressions[0].operator"},
		{"negative min", v1alpha1.FederationPolicySpec{MinClusters: n(-1)}, "spec.minClusters: Invalid value: -1: must be greater than or equal to 0"},
		{"min above max", v1alpha1.FederationPolicySpec{MinClusters: n(3), MaxClusters: n(2)}, "spec.minClusters: Invalid value: 3: must be less than or equal to maxClusters"},
		{"bad pointer", v1alpha1.FederationPolicySpec{DeniedOverridePaths: []string{"spec"}}, `spec.deniedOverridePaths[0]: Invalid value: "spec": must be a JSON pointer`},
		{"bad default placement", v1alpha1.FederationPolicySpec{DefaultPlacement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "a"}, {Name: "a"}}}}, `spec.defaultPlacement.clusters[1].name: Duplicate value`},
		{"bad enforcement", v1alpha1.FederationPolicySpec{Enforcement: "Maybe"}, `spec.enforcement: Unsupported value: "Maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateFederationPolicy(&v1alpha1.FederationPolicy{Spec: tt.spec})
			if tt.fragment == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected: %v", errs.ToAggregate())
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tt.fragment) {
				t.Fatalf("errors %v do not contain %q", errs.ToAggregate(), tt.fragment)
			}
		})
	}
}

func TestClusterFederationPolicyNamespaceSelector(t *testing.T) {
	p := &v1alpha1.ClusterFederationPolicy{Spec: v1alpha1.ClusterFederationPolicySpec{
		NamespaceSelector:    &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpIn}}},
		FederationPolicySpec: v1alpha1.FederationPolicySpec{Enforcement: "Never"},
	}}
	errs := ValidateClusterFederationPolicy(p)
	msg := errs.ToAggregate().Error()
	for _, f := range []string{"spec.namespaceSelector.matchExpressions[0].values", "spec.enforcement: Unsupported value"} {
		if !strings.Contains(msg, f) {
			t.Errorf("%q does not contain %q", msg, f)
		}
	}
}

func TestOverridePolicy(t *testing.T) {
	p := &v1alpha1.OverridePolicy{Spec: v1alpha1.OverridePolicySpec{
		ResourceSelector: &v1alpha1.OverrideResourceSelector{ResourceSelector: v1alpha1.ResourceSelector{Kinds: []string{""},
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"a b": "c"}}}, Names: []string{"Web_1"}},
		TargetClusters:   &v1alpha1.ClusterSet{Names: []string{"EU"}},
		ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/kind", Value: &apiextensionsv1.JSON{Raw: []byte(`"x"`)}}},
		TypedOverriders:  typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: "Host", Value: "x"}}},
	}}
	msg := ValidateOverridePolicy(p).ToAggregate().Error()
	for _, want := range []string{"spec.resourceSelector.kinds[0]: Required value", "spec.resourceSelector.labelSelector.matchLabels: Invalid value",
		`spec.resourceSelector.names[0]: Invalid value: "Web_1"`, `spec.targetClusters.names[0]: Invalid value: "EU"`,
		"spec.clusterOverrides[0].path: Forbidden: overrides may not change /kind", `spec.image[0].component: Unsupported value: "Host"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	ok := &v1alpha1.ClusterOverridePolicy{Spec: v1alpha1.ClusterOverridePolicySpec{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "shop"}},
		OverridePolicySpec: v1alpha1.OverridePolicySpec{TargetClusters: &v1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}},
			TypedOverriders: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: "Registry", Value: "eu.example.com"}}}}}}
	if errs := ValidateClusterOverridePolicy(ok); len(errs) > 0 {
		t.Errorf("valid policy: %v", errs)
	}
	bad := &v1alpha1.ClusterOverridePolicy{Spec: v1alpha1.ClusterOverridePolicySpec{NamespaceSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}}}
	if errs := ValidateClusterOverridePolicy(bad); len(errs) != 1 || !strings.Contains(errs[0].Error(), "spec.namespaceSelector") {
		t.Errorf("bad namespace selector: %v", errs)
	}
}
