package propagation

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// derivedResources are made by members' controllers from other objects
// (or are records of what happened), so they never hold a namespace.
var derivedResources = map[schema.GroupResource]bool{
	{Resource: "events"}:                                    true,
	{Group: "events.k8s.io", Resource: "events"}:            true,
	{Resource: "endpoints"}:                                 true,
	{Group: "discovery.k8s.io", Resource: "endpointslices"}: true,
}

// Derived reports whether objects of a resource are made by members'
// controllers from other objects, or are records of what happened (events,
// endpoints): they never hold a namespace, so they need not be listed.
func Derived(resource schema.GroupResource) bool {
	return derivedResources[resource]
}

// Unmanaged reports whether an object found in a member namespace is one
// the federation neither manages nor caused, which must keep the namespace
// from being deleted: it lacks the managed label, is owned by no other
// object, and is not one members make in every namespace (events,
// endpoints, the kube-root-ca.crt ConfigMap, the default ServiceAccount,
// service account token Secrets).
func Unmanaged(resource schema.GroupResource, obj *unstructured.Unstructured) bool {
	switch {
	case derivedResources[resource],
		obj.GetLabels()[core.ManagedByKubeFedLabelKey] == core.ManagedByKubeFedLabelValue,
		len(obj.GetOwnerReferences()) > 0,
		resource == schema.GroupResource{Resource: "configmaps"} && obj.GetName() == "kube-root-ca.crt",
		resource == schema.GroupResource{Resource: "serviceaccounts"} && obj.GetName() == "default":
		return false
	case resource == schema.GroupResource{Resource: "secrets"}:
		secretType, _, _ := unstructured.NestedString(obj.Object, "type")
		return secretType != "kubernetes.io/service-account-token"
	}
	return true
}
