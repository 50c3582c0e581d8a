package typeconfig

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

func TestServedConditions(t *testing.T) {
	ftc := &corev1beta1.FederatedTypeConfig{ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.io"}, Spec: corev1beta1.FederatedTypeConfigSpec{
		TargetType:    corev1beta1.APIResource{Group: "example.io", Version: "v1", PluralName: "widgets"},
		FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", PluralName: "federatedwidgets"},
	}}
	for _, tc := range []struct {
		name                      string
		found                     servedTypes
		federated, target, phrase string
	}{
		{"not checked", servedTypes{}, "", "", ""},
		{"all served", servedTypes{checked: true}, "True", "True", "every ready member serve widgets.example.io/v1"},
		{"target missing in the host and a member", servedTypes{checked: true, targetMissingIn: []string{hostName, "member2"}}, "True", "False",
			"widgets.example.io/v1 is not served by the host, member2 (its CustomResourceDefinition is missing there)"},
		{"federated type missing", servedTypes{checked: true, federatedMissing: true}, "False", "True",
			"run `kubectl fed enable widgets.example.io`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]metav1.Condition{}
			for _, c := range tc.found.conditions(ftc) {
				got[c.Type] = c
			}
			if string(got[corev1beta1.FederatedTypeServed].Status) != tc.federated || string(got[corev1beta1.TargetTypeServed].Status) != tc.target {
				t.Fatalf("conditions %+v, want FederatedTypeServed %q TargetTypeServed %q", got, tc.federated, tc.target)
			}
			all := got[corev1beta1.FederatedTypeServed].Message + " " + got[corev1beta1.TargetTypeServed].Message
			if !strings.Contains(all, tc.phrase) {
				t.Errorf("messages %q do not say %q", all, tc.phrase)
			}
		})
	}
}

func TestSchemaCondition(t *testing.T) {
	ftc := &corev1beta1.FederatedTypeConfig{ObjectMeta: metav1.ObjectMeta{Name: "configmaps"}}
	if c := schemaCondition(ftc, "federatedconfigmaps.types.kubefed.io", nil); c.Status != metav1.ConditionTrue {
		t.Errorf("nothing missing: %+v", c)
	}
	c := schemaCondition(ftc, "federatedconfigmaps.types.kubefed.io", []string{"status.aggregated", "status.clusters[].message"})
	if c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "lacks status.aggregated, status.clusters[].message") ||
		!strings.Contains(c.Message, "kubectl fed enable configmaps") {
		t.Errorf("fields missing: %+v", c)
	}
}
