package propagation

import (
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// MarkAdopted marks a member object the syncer is about to adopt (it
// existed before the syncer created it).
func MarkAdopted(desired *unstructured.Unstructured) {
	annotations := desired.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[core.AdoptedAnnotation] = core.AdoptedValue
	desired.SetAnnotations(annotations)
}

// Adopted reports whether the syncer adopted a member object.
func Adopted(member *unstructured.Unstructured) bool {
	return member.GetAnnotations()[core.AdoptedAnnotation] == core.AdoptedValue
}

// Releases reports whether a member object leaving the federation (its
// federated object deleted, or its cluster out of the placement) is
// released (left in place, unlabeled) instead of deleted: adopted objects
// are, unless the federated object asks with DeleteAdoptedAnnotation for
// them to be deleted.
func Releases(fed, member *unstructured.Unstructured) bool {
	return Adopted(member) && fed.GetAnnotations()[core.DeleteAdoptedAnnotation] != "true"
}

// OverrideFinalizers returns the finalizers of a member object that the
// cluster's overrides put there (rendered is Render's object for the
// cluster without a member object, whose only finalizers come from
// overrides). When the federated object is deleted, the syncer removes
// them, since nothing else would and the member object would never go.
func OverrideFinalizers(rendered, member *unstructured.Unstructured) []string {
	var out []string
	for _, f := range rendered.GetFinalizers() {
		if slices.Contains(member.GetFinalizers(), f) {
			out = append(out, f)
		}
	}
	return out
}
