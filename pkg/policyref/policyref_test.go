package policyref

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type spec struct{}

func TestCovers(t *testing.T) {
	prod := &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
	broken := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Bogus"}}}
	tests := []struct {
		name      string
		ref       Ref[spec]
		namespace string
		labels    map[string]string
		want      bool
	}{
		{"namespaced, own namespace", Ref[spec]{Namespace: "shop"}, "shop", nil, true},
		{"namespaced, other namespace", Ref[spec]{Namespace: "shop"}, "other", nil, false},
		{"namespaced, cluster-scoped object", Ref[spec]{Namespace: "shop"}, "", nil, false},
		{"cluster-wide without selector, cluster-scoped object", Ref[spec]{}, "", nil, true},
		{"cluster-wide, matching namespace", Ref[spec]{NamespaceSelector: prod}, "shop", map[string]string{"env": "prod"}, true},
		{"cluster-wide, other namespace", Ref[spec]{NamespaceSelector: prod}, "dev", map[string]string{"env": "dev"}, false},
		{"cluster-wide with selector, cluster-scoped object", Ref[spec]{NamespaceSelector: prod}, "", nil, false},
		{"selector that does not parse", Ref[spec]{NamespaceSelector: broken}, "shop", map[string]string{"env": "prod"}, false},
	}
	for _, tt := range tests {
		if got := tt.ref.Covers(tt.namespace, tt.labels); got != tt.want {
			t.Errorf("%s: Covers = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	if got := (Ref[spec]{Kind: "FederationPolicy", Namespace: "shop", Name: "eu"}).String(); got != "FederationPolicy shop/eu" {
		t.Errorf("namespaced: %q", got)
	}
	if got := (Ref[spec]{Kind: "ClusterOverridePolicy", Name: "eu"}).String(); got != "ClusterOverridePolicy eu" {
		t.Errorf("cluster-wide: %q", got)
	}
}
