// Package scheme builds the one runtime.Scheme that every binary and test
// of kubectl-fed uses: Kubernetes' built-in kinds, CustomResourceDefinitions
// and the statically typed KubeFed kinds. It lives outside pkg/apis because
// it needs client-go's scheme, which API packages must not import.
package scheme

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis"
)

// New returns a new scheme with the built-in kinds, CustomResourceDefinitions,
// the cluster inventory's kinds (ClusterProfile, PlacementDecision) and
// every statically typed kind of kubectl-fed. The Federated<Kind> types
// are not in it: they are handled as unstructured objects.
func New() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, inventoryv1alpha1.AddToScheme, apis.AddToScheme} {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("building the scheme: %w", err)
		}
	}
	return s, nil
}
