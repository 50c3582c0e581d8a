package scheme

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// TestNewKnowsEveryGroup checks that the scheme knows a kind of each group
// the binaries read: built-in, CRDs and each KubeFed group.
func TestNewKnowsEveryGroup(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []runtime.Object{
		&corev1.Namespace{}, &apiextensionsv1.CustomResourceDefinition{}, &corev1beta1.KubeFedCluster{},
		&schedulingv1alpha1.ReplicaSchedulingPreference{}, &policyv1alpha1.ClusterFederationPolicy{},
	} {
		if _, _, err := s.ObjectKinds(obj); err != nil {
			t.Errorf("%T: %v", obj, err)
		}
	}
}
