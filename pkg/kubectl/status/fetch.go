package status

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// ListTypes returns the enabled types: the FederatedTypeConfigs in the
// KubeFed namespace.
func ListTypes(ctx context.Context, host *cli.Cluster, kubefedNS string) ([]Type, error) {
	list := &corev1beta1.FederatedTypeConfigList{}
	if err := host.Client.List(ctx, list, client.InNamespace(kubefedNS)); err != nil {
		return nil, fmt.Errorf("listing the FederatedTypeConfigs in namespace %s of the host cluster (context %q): %w", kubefedNS, host.Name, err)
	}
	out := make([]Type, 0, len(list.Items))
	for _, ftc := range list.Items {
		out = append(out, Type{Config: ftc, Target: schema.GroupKind{Group: ftc.Spec.TargetType.Group, Kind: ftc.Spec.TargetType.Kind}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Config.Name < out[j].Config.Name })
	return out, nil
}

// namesOf returns the names a type answers to without discovery: the
// FederatedTypeConfig's name and the target's and federated type's plural,
// group-qualified plural, and kind.
func namesOf(t Type) []string {
	target, fed := t.Config.Spec.TargetType, t.Config.Spec.FederatedType
	return []string{
		t.Config.Name,
		target.PluralName, target.QualifiedName(), strings.ToLower(target.Kind),
		fed.PluralName, fed.QualifiedName(), strings.ToLower(fed.Kind),
	}
}

// ResolveType finds the enabled type that name refers to: the names of
// namesOf first, then anything discovery resolves (short names, singular
// names) to a target or federated type.
func ResolveType(ctx context.Context, host *cli.Cluster, kubefedNS, name string) (Type, error) {
	types, err := ListTypes(ctx, host, kubefedNS)
	if err != nil {
		return Type{}, err
	}
	lower := strings.ToLower(name)
	var matches []Type
	for _, t := range types {
		for _, n := range namesOf(t) {
			if n == lower || n == name {
				matches = append(matches, t)
				break
			}
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	r, err := apiresource.Lookup(host.Discovery, "", name)
	if err != nil {
		if apiresource.IsNotFound(err) {
			return Type{}, fmt.Errorf("%w List the enabled types with: kubectl fed status", err)
		}
		return Type{}, err
	}
	for _, t := range types {
		if t.Config.Spec.TargetType.QualifiedName() == r.QualifiedName() || t.Config.Spec.FederatedType.QualifiedName() == r.QualifiedName() {
			return t, nil
		}
	}
	return Type{}, fmt.Errorf("type %s is not enabled for federation: there is no FederatedTypeConfig %s in namespace %s of the host cluster (context %q); enable it with: kubectl fed enable %s",
		r.QualifiedName(), r.QualifiedName(), kubefedNS, host.Name, r.QualifiedName())
}

// federatedGVK returns the group, version and kind of t's federated type.
func federatedGVK(t Type) schema.GroupVersionKind {
	fed := t.Config.Spec.FederatedType
	return schema.GroupVersionKind{Group: fed.Group, Version: fed.Version, Kind: fed.Kind}
}

// namespaced reports whether t's federated objects live in namespaces.
func namespaced(t Type) bool {
	return t.Config.Spec.FederatedType.Scope != "Cluster"
}

// ListObjects lists the federated objects of t in namespace (all when "")
// that selector matches (all when nil).
func ListObjects(ctx context.Context, host *cli.Cluster, t Type, namespace string, selector labels.Selector) (*unstructured.UnstructuredList, error) {
	list := &unstructured.UnstructuredList{}
	gvk := federatedGVK(t)
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	var opts []client.ListOption
	if namespace != "" && namespaced(t) {
		opts = append(opts, client.InNamespace(namespace))
	}
	if selector != nil && !selector.Empty() {
		opts = append(opts, client.MatchingLabelsSelector{Selector: selector})
	}
	if err := host.Client.List(ctx, list, opts...); err != nil {
		return nil, fmt.Errorf("listing %s in the host cluster (context %q): %w", t.Config.Spec.FederatedType.QualifiedName(), host.Name, err)
	}
	return list, nil
}

// Open is how a command on a federated type starts: it connects to the
// host cluster (--context) and resolves the enabled type that typeName
// names (ResolveType).
func Open(ctx context.Context, flags *cli.Flags, typeName string) (*cli.Cluster, Type, error) {
	host, err := flags.Host()
	if err != nil {
		return nil, Type{}, err
	}
	t, err := ResolveType(ctx, host, flags.KubeFedNamespace, typeName)
	if err != nil {
		return nil, Type{}, err
	}
	return host, t, nil
}

// OpenObject is how a command on one federated object starts: Open, then
// the federated object name of the type in namespace (GetObject).
func OpenObject(ctx context.Context, flags *cli.Flags, typeName, namespace, name string) (*cli.Cluster, Type, *unstructured.Unstructured, error) {
	host, t, err := Open(ctx, flags, typeName)
	if err != nil {
		return nil, Type{}, nil, err
	}
	obj, err := GetObject(ctx, host, t, namespace, name)
	if err != nil {
		return nil, Type{}, nil, err
	}
	return host, t, obj, nil
}

// GetObject reads one federated object of t in namespace (a
// FederatedNamespace in the namespace it federates, whatever namespace
// says); not found is an error that says how to list them.
func GetObject(ctx context.Context, host *cli.Cluster, t Type, namespace, name string) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(federatedGVK(t))
	key := client.ObjectKey{Name: name}
	where := ""
	if isNamespaceType(t) {
		namespace = name
	}
	if namespaced(t) {
		key.Namespace = namespace
		where = fmt.Sprintf(" in namespace %s", namespace)
	}
	if err := host.Client.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s %q not found%s of the host cluster (context %q): list them with: kubectl fed status %s",
				t.Config.Spec.FederatedType.Kind, name, where, host.Name, t.Config.Name)
		}
		return nil, fmt.Errorf("reading %s %q%s: %w", t.Config.Spec.FederatedType.Kind, name, where, err)
	}
	return obj, nil
}

// ObjectFrom converts a federated object read from the host into the
// views' Object. A status that does not decode is reported in StatusError.
func ObjectFrom(u *unstructured.Unstructured) Object {
	o := Object{Namespace: u.GetNamespace(), Name: u.GetName(), Created: u.GetCreationTimestamp().Time, Generation: u.GetGeneration()}
	if status, err := typesv1beta1.StatusOf(u); err != nil {
		o.StatusError = "status cannot be read: " + err.Error()
	} else {
		o.Status = *status
	}
	serviceType, _, _ := unstructured.NestedString(u.Object, "spec", "template", "spec", "type")
	o.ServiceType = corev1.ServiceType(serviceType)
	return o
}

// ListEvents returns the events about an object (by UID) in a cluster.
func ListEvents(ctx context.Context, host *cli.Cluster, obj *unstructured.Unstructured) ([]Event, error) {
	list := &corev1.EventList{}
	opts := []client.ListOption{client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("involvedObject.uid", string(obj.GetUID()))}}
	if obj.GetNamespace() != "" {
		opts = append(opts, client.InNamespace(obj.GetNamespace()))
	}
	if err := host.Client.List(ctx, list, opts...); err != nil {
		return nil, fmt.Errorf("listing the events of %s %q: %w", obj.GetKind(), obj.GetName(), err)
	}
	out := make([]Event, 0, len(list.Items))
	for _, e := range list.Items {
		last := e.LastTimestamp.Time
		if last.IsZero() {
			last = e.EventTime.Time
		}
		if last.IsZero() {
			last = e.CreationTimestamp.Time
		}
		out = append(out, Event{Last: last, Type: e.Type, Reason: e.Reason, Message: e.Message, Count: e.Count})
	}
	return out, nil
}
