package overrides

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func nsPolicy(ns, name string, spec policyv1alpha1.OverridePolicySpec) Policy {
	return FromOverridePolicy(&policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec})
}

func clusterPolicy(name string, nsSelector *metav1.LabelSelector, spec policyv1alpha1.OverridePolicySpec) Policy {
	return FromClusterOverridePolicy(&policyv1alpha1.ClusterOverridePolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1alpha1.ClusterOverridePolicySpec{NamespaceSelector: nsSelector, OverridePolicySpec: spec}})
}

var web = Object{Kind: "FederatedDeployment", Namespace: "shop", Name: "web", Labels: map[string]string{"app": "web"}, NamespaceLabels: map[string]string{"team": "shop"}}

func TestSelects(t *testing.T) {
	sel := func(k, v string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
	}
	rs := func(kinds, names []string, labels *metav1.LabelSelector) policyv1alpha1.OverridePolicySpec {
		return policyv1alpha1.OverridePolicySpec{ResourceSelector: &policyv1alpha1.OverrideResourceSelector{
			ResourceSelector: policyv1alpha1.ResourceSelector{Kinds: kinds, LabelSelector: labels}, Names: names}}
	}
	cases := []struct {
		name   string
		policy Policy
		obj    Object
		want   bool
	}{
		{"namespaced, same namespace", nsPolicy("shop", "p", policyv1alpha1.OverridePolicySpec{}), web, true},
		{"namespaced, other namespace", nsPolicy("other", "p", policyv1alpha1.OverridePolicySpec{}), web, false},
		{"namespaced, cluster-scoped object", nsPolicy("shop", "p", policyv1alpha1.OverridePolicySpec{}), Object{Kind: "FederatedClusterRole", Name: "r"}, false},
		{"cluster-wide, everywhere", clusterPolicy("c", nil, policyv1alpha1.OverridePolicySpec{}), web, true},
		{"cluster-wide, cluster-scoped object", clusterPolicy("c", nil, policyv1alpha1.OverridePolicySpec{}), Object{Kind: "FederatedClusterRole", Name: "r"}, true},
		{"cluster-wide, namespace matches", clusterPolicy("c", sel("team", "shop"), policyv1alpha1.OverridePolicySpec{}), web, true},
		{"cluster-wide, namespace does not match", clusterPolicy("c", sel("team", "ops"), policyv1alpha1.OverridePolicySpec{}), web, false},
		{"cluster-wide with a namespace selector, cluster-scoped object", clusterPolicy("c", &metav1.LabelSelector{}, policyv1alpha1.OverridePolicySpec{}),
			Object{Kind: "FederatedClusterRole", Name: "r"}, false},
		{"kind", nsPolicy("shop", "p", rs([]string{"FederatedDeployment"}, nil, nil)), web, true},
		{"other kind", nsPolicy("shop", "p", rs([]string{"FederatedSecret"}, nil, nil)), web, false},
		{"name", nsPolicy("shop", "p", rs(nil, []string{"api", "web"}, nil)), web, true},
		{"other name", nsPolicy("shop", "p", rs(nil, []string{"api"}, nil)), web, false},
		{"labels", nsPolicy("shop", "p", rs(nil, nil, sel("app", "web"))), web, true},
		{"other labels", nsPolicy("shop", "p", rs(nil, nil, sel("app", "db"))), web, false},
		{"a selector that does not parse selects nothing", nsPolicy("shop", "p", rs(nil, nil,
			&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}})), web, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.policy.Selects(tc.obj); got != tc.want {
				t.Errorf("Selects = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSelectOrder(t *testing.T) {
	none := policyv1alpha1.OverridePolicySpec{}
	policies := []Policy{nsPolicy("shop", "b", none), clusterPolicy("z", nil, none), nsPolicy("other", "a", none), nsPolicy("shop", "a", none), clusterPolicy("m", nil, none)}
	var got []string
	for _, p := range Select(policies, web) {
		got = append(got, p.String())
	}
	want := []string{"ClusterOverridePolicy m", "ClusterOverridePolicy z", "OverridePolicy shop/a", "OverridePolicy shop/b"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// replicas is a policy spec that sets /spec/replicas, for clusters.
func replicas(n string, clusters *policyv1alpha1.ClusterSet) policyv1alpha1.OverridePolicySpec {
	return policyv1alpha1.OverridePolicySpec{TargetClusters: clusters,
		ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value(n)}}}
}

func TestPoliciesThenTheObjectsOwn(t *testing.T) {
	eu := &policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}}
	policies := Select([]Policy{
		nsPolicy("shop", "eu", replicas("4", eu)),
		clusterPolicy("all", nil, replicas("2", nil)),
		nsPolicy("shop", "named", replicas("6", &policyv1alpha1.ClusterSet{Names: []string{"us1"}})),
	}, web)
	own := []typesv1beta1.Override{{ClusterName: "eu2", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("9")}}}}
	for cluster, tc := range map[string]struct {
		labels  map[string]string
		want    int64
		sources []string
	}{
		"eu1": {map[string]string{"region": "eu"}, 4, []string{"ClusterOverridePolicy all", "OverridePolicy shop/eu"}},
		"eu2": {map[string]string{"region": "eu"}, 9, []string{"ClusterOverridePolicy all", "OverridePolicy shop/eu", "spec.overrides[0]"}},
		"us1": {map[string]string{"region": "us"}, 6, []string{"ClusterOverridePolicy all", "OverridePolicy shop/named"}},
		"us2": {map[string]string{"region": "us"}, 2, []string{"ClusterOverridePolicy all"}},
	} {
		sets, err := ForCluster(own, "Deployment", Destination{Cluster: cluster, Labels: tc.labels, Policies: policies})
		if err != nil {
			t.Fatal(err)
		}
		var sources []string
		for _, s := range sets {
			sources = append(sources, s.Source)
		}
		if !reflect.DeepEqual(sources, tc.sources) {
			t.Errorf("%s: sets %v, want %v", cluster, sources, tc.sources)
		}
		d := deployment()
		if err := ApplySets(d, sets); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); got != tc.want {
			t.Errorf("%s: replicas %d, want %d", cluster, got, tc.want)
		}
	}
}

func TestPolicyFailures(t *testing.T) {
	image := policyv1alpha1.OverridePolicySpec{TypedOverriders: typesv1beta1.TypedOverriders{
		Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Value: "eu.example.com"}}}}
	cases := []struct {
		name    string
		dest    Destination
		wantErr string
	}{
		{name: "denied path", dest: Destination{Cluster: "a", Policies: []Policy{nsPolicy("shop", "p", replicas("1", nil))}, DeniedPaths: []string{"/spec"}},
			wantErr: "OverridePolicy shop/p changes /spec/replicas, which a federation policy's deniedOverridePaths /spec denies"},
		{name: "denied path inside what a typed overrider changes", dest: Destination{Cluster: "a", Policies: []Policy{nsPolicy("shop", "p", image)},
			DeniedPaths: []string{"/spec/template/spec/containers/0/image"}},
			wantErr: "changes /spec/template/spec/containers, which a federation policy's deniedOverridePaths /spec/template/spec/containers/0/image denies"},
		{name: "invalid overrider (admission bypassed)", dest: Destination{Cluster: "a", Policies: []Policy{nsPolicy("shop", "p",
			policyv1alpha1.OverridePolicySpec{ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/metadata/name", Value: value(`"x"`)}}})}},
			wantErr: "OverridePolicy shop/p: spec.clusterOverrides[0].path: Forbidden"},
		{name: "target selector that does not parse", dest: Destination{Cluster: "a", Policies: []Policy{nsPolicy("shop", "p", replicas("1",
			&policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}}))}},
			wantErr: "OverridePolicy shop/p: spec.targetClusters.clusterSelector"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ForCluster(nil, "Deployment", tc.dest)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
			}
		})
	}
	// A denied path a policy does not touch is no problem.
	if _, err := ForCluster(nil, "Deployment", Destination{Cluster: "a", Policies: []Policy{nsPolicy("shop", "p", image)}, DeniedPaths: []string{"/spec/replicas"}}); err != nil {
		t.Error(err)
	}
}
