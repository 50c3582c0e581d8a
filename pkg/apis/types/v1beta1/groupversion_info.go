package v1beta1

import "k8s.io/apimachinery/pkg/runtime/schema"

const (
	// DefaultFederatedGroup is the default API group of generated
	// Federated<Kind> types.
	DefaultFederatedGroup = "types.kubefed.io"
	// DefaultFederatedVersion is the default API version of generated
	// Federated<Kind> types.
	DefaultFederatedVersion = "v1beta1"
)

// SchemeGroupVersion is the default group and version of generated
// Federated<Kind> types. There are no kinds to register: they are handled as
// unstructured objects.
var SchemeGroupVersion = schema.GroupVersion{Group: DefaultFederatedGroup, Version: DefaultFederatedVersion}
