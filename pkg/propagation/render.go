// Package propagation decides what each member cluster should hold for a
// federated object: it renders the member object (template, forced identity,
// retained fields, overrides, managed label). It is pure.
package propagation

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
)

// Error is a failure to render a member object, with the per-cluster status
// it puts in the federated object's status.
type Error struct {
	Status typesv1beta1.PropagationStatus
	Err    error
}

func (e *Error) Error() string { return string(e.Status) + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func fail(status typesv1beta1.PropagationStatus, err error) *Error {
	return &Error{Status: status, Err: err}
}

// Render returns the object the destination cluster should hold for the
// federated object fed, whose target type is target (reference §3.3
// ObjectForCluster, field retention and overrides: every entry of
// spec.overrides that names the cluster or selects it by its labels, in
// list order). observed is the member's current object, or nil when it
// does not exist yet. The result carries the managed label. It is the one
// function that renders member objects: the syncer's plan and the CLI's
// views call it. It is NewSource(fed, target).Render(dest, observed):
// rendering for many clusters, decode the source once instead.
//
// Unlike KubeFed, template annotations are propagated (except kubectl's
// last-applied record and kubefed.io/* ones); the keys propagated are
// recorded in PropagatedAnnotationsAnnotation so that removing one from the
// template removes it from the member, while annotations set by the
// member's own controllers are kept.
func Render(fed *unstructured.Unstructured, target schema.GroupVersionKind, dest overrides.Destination, observed *unstructured.Unstructured) (*unstructured.Unstructured, *Error) {
	return NewSource(fed, target).Render(dest, observed)
}

// Source is a federated object prepared for rendering its member object for
// each cluster: what rendering needs of it that does not depend on the
// cluster (its spec.overrides) is decoded once, by NewSource, instead of
// once per cluster. It is read-only, and safe for concurrent use.
type Source struct {
	fed       *unstructured.Unstructured
	target    schema.GroupVersionKind
	overrides []typesv1beta1.Override
	// err is the failure to decode spec.overrides, reported by each
	// Render where Render would find it.
	err error
}

// NewSource prepares the federated object fed, whose target type is target,
// for rendering (see Render). The federated object must not change while
// the source is used.
func NewSource(fed *unstructured.Unstructured, target schema.GroupVersionKind) *Source {
	own, err := typesv1beta1.OverridesOf(fed)
	return &Source{fed: fed, target: target, overrides: own, err: err}
}

// Federated returns the federated object the source renders.
func (s *Source) Federated() *unstructured.Unstructured { return s.fed }

// Render returns the object the destination cluster should hold; see the
// package's Render.
func (s *Source) Render(dest overrides.Destination, observed *unstructured.Unstructured) (*unstructured.Unstructured, *Error) {
	desired, err := fromTemplate(s.fed, s.target)
	if err != nil {
		return nil, fail(typesv1beta1.ComputeResourceFailed, err)
	}
	if observed != nil {
		if err := retain(s.fed, desired, observed); err != nil {
			return nil, fail(typesv1beta1.FieldRetentionFailed, err)
		}
	}
	sets, ferr := s.Overrides(dest)
	if ferr != nil {
		return nil, ferr
	}
	if err := overrides.ApplySetsInPlace(desired, sets); err != nil { // desired is a fresh copy, dropped on error
		return nil, fail(typesv1beta1.ApplyOverridesFailed, err)
	}
	labels := desired.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[core.ManagedByKubeFedLabelKey] = core.ManagedByKubeFedLabelValue
	desired.SetLabels(labels)
	return desired, nil
}

// Overrides returns the sets of overriders Render applies to the member
// object for the destination, in the order it applies them: those of the
// override policies that target the cluster (dest.Policies, in
// overrides.Select's order), then the object's own entries that name or
// select it, in list order (overrides.ForCluster). Each set names its
// source, so views can say which policy or entry changes what. It is
// NewSource(fed, target).Overrides(dest).
func Overrides(fed *unstructured.Unstructured, target schema.GroupVersionKind, dest overrides.Destination) ([]overrides.Set, *Error) {
	return NewSource(fed, target).Overrides(dest)
}

// Overrides returns the sets of overriders Render applies for the
// destination; see the package's Overrides.
func (s *Source) Overrides(dest overrides.Destination) ([]overrides.Set, *Error) {
	if s.err != nil {
		return nil, fail(typesv1beta1.ComputeResourceFailed, s.err)
	}
	sets, err := overrides.ForCluster(s.overrides, s.target.Kind, dest)
	if err != nil {
		return nil, fail(typesv1beta1.ApplyOverridesFailed, err)
	}
	return sets, nil
}

// fromTemplate builds the object from spec.template with the identity the
// syncer forces: name, namespace, kind, and apiVersion when the template has
// none. Finalizers are dropped, and so are annotations that must not travel.
func fromTemplate(fed *unstructured.Unstructured, target schema.GroupVersionKind) (*unstructured.Unstructured, error) {
	template, found, err := unstructured.NestedMap(fed.Object, "spec", "template")
	if err != nil {
		return nil, fmt.Errorf("spec.template: %w", err)
	}
	if !found || template == nil {
		template = map[string]interface{}{}
	}
	obj := &unstructured.Unstructured{Object: template}
	obj.SetName(fed.GetName())
	if isNamespace(target) {
		obj.SetNamespace("")
	} else {
		obj.SetNamespace(fed.GetNamespace())
	}
	obj.SetKind(target.Kind)
	if obj.GetAPIVersion() == "" {
		obj.SetAPIVersion(target.GroupVersion().String())
	}
	obj.SetFinalizers(nil)
	annotations := propagatedAnnotations(obj.GetAnnotations())
	if len(annotations) > 0 {
		annotations[core.PropagatedAnnotationsAnnotation] = strings.Join(sortedKeys(annotations), ",")
	}
	obj.SetAnnotations(annotations)
	for _, generated := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "ownerReferences", "managedFields", "selfLink", "generateName"} {
		unstructured.RemoveNestedField(obj.Object, "metadata", generated)
	}
	unstructured.RemoveNestedField(obj.Object, "status")
	return obj, nil
}

// propagatedAnnotations returns the template annotations that travel to
// members: all but kubectl's last-applied record and kubefed.io/* keys.
func propagatedAnnotations(template map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range template {
		if k == core.LastAppliedConfigAnnotation || strings.HasPrefix(k, "kubefed.io/") {
			continue
		}
		out[k] = v
	}
	return out
}

func isNamespace(gvk schema.GroupVersionKind) bool {
	return gvk.Group == "" && gvk.Kind == "Namespace"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != core.PropagatedAnnotationsAnnotation {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// previouslyPropagated returns the annotation keys the syncer propagated
// in its last write to the member object.
func previouslyPropagated(observed map[string]string) []string {
	list := observed[core.PropagatedAnnotationsAnnotation]
	if list == "" {
		return nil
	}
	return slices.DeleteFunc(strings.Split(list, ","), func(k string) bool { return k == "" })
}
