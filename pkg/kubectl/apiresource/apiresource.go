// Package apiresource resolves the type names users type (plural,
// singular, kind, short name or plural.group) to the API resources a
// cluster serves, the way KubeFed's tools did.
package apiresource

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Resource is one API resource as discovery reports it.
type Resource struct {
	// Group is the API group; empty for the core group.
	Group string
	// Version is the API version.
	Version string
	// Kind is the camel-cased kind.
	Kind string
	// Plural is the resource name, e.g. deployments.
	Plural string
	// Singular is the singular name, e.g. deployment.
	Singular string
	// ShortNames are the short names, e.g. deploy.
	ShortNames []string
	// Namespaced is true for namespace-scoped resources.
	Namespaced bool
	// Verbs are the verbs the resource supports.
	Verbs []string
	// Scalable is true when the resource has a scale subresource.
	Scalable bool
}

// QualifiedName is "<plural>" for the core group, "<plural>.<group>"
// otherwise: the name of the resource's FederatedTypeConfig.
func (r Resource) QualifiedName() string {
	return corev1beta1.GroupQualifiedName(r.Plural, r.Group)
}

// GroupVersionKind returns the resource's group, version and kind.
func (r Resource) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// Scope is Namespaced or Cluster.
func (r Resource) Scope() apiextensionsv1.ResourceScope {
	if r.Namespaced {
		return apiextensionsv1.NamespaceScoped
	}
	return apiextensionsv1.ClusterScoped
}

// HasVerb reports whether the resource supports verb.
func (r Resource) HasVerb(verb string) bool {
	for _, v := range r.Verbs {
		if v == verb {
			return true
		}
	}
	return false
}

// TargetType is the resource as the target of a federated type.
func (r Resource) TargetType() typesv1beta1.TargetType {
	return typesv1beta1.TargetType{
		Group: r.Group, Version: r.Version, Kind: r.Kind, PluralName: r.Plural,
		Scope: r.Scope(), ShortNames: r.ShortNames, Scalable: r.Scalable,
	}
}

// FromDiscovery flattens discovery's resource lists, leaving out
// subresources but noting which resources have a scale subresource.
func FromDiscovery(lists []*metav1.APIResourceList) []Resource {
	var out []Resource
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		scalable := map[string]bool{}
		for _, r := range list.APIResources {
			if parent, sub, ok := strings.Cut(r.Name, "/"); ok && sub == "scale" {
				scalable[parent] = true
			}
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			singular := r.SingularName
			if singular == "" {
				singular = strings.ToLower(r.Kind)
			}
			out = append(out, Resource{
				Group: gv.Group, Version: gv.Version, Kind: r.Kind, Plural: r.Name, Singular: singular,
				ShortNames: r.ShortNames, Namespaced: r.Namespaced, Verbs: r.Verbs, Scalable: scalable[r.Name],
			})
		}
	}
	return out
}

// Discover lists the resources the cluster serves: the preferred version
// of each, or, with version set, the resources of that version in every
// group. Groups whose discovery fails (e.g. an aggregated API that is down)
// are left out.
func Discover(d discovery.DiscoveryInterface, version string) ([]Resource, error) {
	var lists []*metav1.APIResourceList
	var err error
	if version == "" {
		lists, err = d.ServerPreferredResources()
	} else {
		_, lists, err = d.ServerGroupsAndResources()
	}
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, fmt.Errorf("listing the API resources of the host cluster: %w", err)
	}
	resources := FromDiscovery(lists)
	if version == "" {
		return resources, nil
	}
	var out []Resource
	for _, r := range resources {
		if r.Version == version {
			out = append(out, r)
		}
	}
	return out, nil
}

// HasScale reports whether the cluster serves a scale subresource for r
// (discovery's preferred resources leave subresources out).
func HasScale(d discovery.DiscoveryInterface, r Resource) (bool, error) {
	list, err := d.ServerResourcesForGroupVersion(schema.GroupVersion{Group: r.Group, Version: r.Version}.String())
	if err != nil {
		return false, fmt.Errorf("listing the API resources of %s/%s: %w", r.Group, r.Version, err)
	}
	for _, res := range list.APIResources {
		if res.Name == r.Plural+"/scale" {
			return true, nil
		}
	}
	return false, nil
}

// NotFoundError is returned by Resolve when no resource matches.
type NotFoundError struct {
	// Name is the name that matched nothing.
	Name string
}

// Error returns KubeFed's message.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("Unable to find api resource named %q.", e.Name)
}

// IsNotFound reports whether err is (or wraps) a NotFoundError.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// Resolve finds the resource that name refers to: its plural, singular,
// kind (any case), a short name, or "<plural>.<group>". A match in the core
// group wins; otherwise several matches are an error asking for the
// group-qualified name.
func Resolve(resources []Resource, name string) (Resource, error) {
	var matches []Resource
	seen := map[string]bool{}
	for _, r := range resources {
		if !r.Matches(name) {
			continue
		}
		if r.Group == "" {
			return r, nil
		}
		if !seen[r.QualifiedName()] {
			seen[r.QualifiedName()] = true
			matches = append(matches, r)
		}
	}
	switch len(matches) {
	case 0:
		return Resource{}, &NotFoundError{Name: name}
	case 1:
		return matches[0], nil
	}
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, m.QualifiedName())
	}
	sort.Strings(names)
	return Resource{}, fmt.Errorf("Multiple resources are matched by %q: %s. A group-qualified plural name must be provided.", name, strings.Join(names, ", "))
}

// Matches reports whether name refers to the resource: its plural,
// singular, kind (any case), a short name or "<plural>.<group>".
func (r Resource) Matches(name string) bool {
	lower := strings.ToLower(name)
	if lower == r.Plural || lower == r.Singular || strings.EqualFold(name, r.Kind) || name == r.QualifiedName() {
		return true
	}
	for _, s := range r.ShortNames {
		if lower == s {
			return true
		}
	}
	return false
}

// Lookup discovers the resources a cluster serves (of version, or the
// preferred ones when version is "") and resolves name among them.
func Lookup(d discovery.DiscoveryInterface, version, name string) (Resource, error) {
	resources, err := Discover(d, version)
	if err != nil {
		return Resource{}, err
	}
	return Resolve(resources, name)
}
