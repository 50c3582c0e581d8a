// Package apis registers every statically typed API group of kubectl-fed.
// The Federated<Kind> types of types.kubefed.io are generated at run time
// and handled as unstructured objects; they are not registered here.
package apis

import (
	"k8s.io/apimachinery/pkg/runtime"

	corev1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1alpha1"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// AddToSchemes lists the AddToScheme functions of every group and version.
var AddToSchemes = runtime.SchemeBuilder{
	corev1beta1.AddToScheme,
	corev1alpha1.AddToScheme,
	schedulingv1alpha1.AddToScheme,
	policyv1alpha1.AddToScheme,
}

// AddToScheme adds every statically typed kind of kubectl-fed to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	return AddToSchemes.AddToScheme(s)
}
