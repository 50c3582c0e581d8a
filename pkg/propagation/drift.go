package propagation

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// RenderedHash identifies what the federated object asks of one cluster:
// the hash of the object Render returns for it without a member object
// (template, identity, overrides, managed label; no retained fields). It
// changes exactly when the federated object's template or the cluster's
// overrides change, including a field removed from the template.
func RenderedHash(rendered *unstructured.Unstructured) string {
	return hashJSON(rendered.Object)
}

// SyncedVersion is the record kept, per cluster, of the syncer's last
// write to a member object (or of its last check that found it up to
// date): the member object's version as the API server returned it and
// the rendered hash, separated by a space.
func SyncedVersion(member *unstructured.Unstructured, renderedHash string) string {
	return ObjectVersion(member) + " " + renderedHash
}

// Verdict says what to do with a member object that exists.
type Verdict struct {
	// Update is set when the member object must be rewritten.
	Update bool
	// Drifted is set when the member object was changed by someone else
	// since the syncer last wrote or checked it.
	Drifted bool
	// Version is the record to keep when no update is needed.
	Version string
}

// Check decides whether the member object observed must be rewritten to
// desired (the object Render returns for it, with the member's own fields
// retained). rendered is RenderedHash for the cluster; recorded is the
// SyncedVersion kept at the last write or check, "" when none is known.
//
// With a record, the member object is rewritten when the federated object
// changed (another rendered hash) or the member object did (another
// version: a changed resourceVersion, or generation for types that have
// one, where only spec changes count; for those, labels and annotations
// are compared too). So any change by someone else is reverted, including
// fields the template does not set, while status updates and the fields
// the API server defaults cost nothing. Without a record (a federated
// object written before records were kept), the member object is rewritten
// only when it lacks something desired holds, and the check becomes the
// record.
func Check(desired, observed *unstructured.Unstructured, rendered, recorded string) Verdict {
	if recorded == "" {
		if UpToDate(desired, observed) {
			return Verdict{Version: SyncedVersion(observed, rendered)}
		}
		return Verdict{Update: true}
	}
	version, hash, _ := strings.Cut(recorded, " ")
	switch {
	case hash != rendered:
		return Verdict{Update: true}
	case version != ObjectVersion(observed):
		return Verdict{Update: true, Drifted: true}
	case observed.GetGeneration() != 0 && !sameMetadata(desired, observed):
		return Verdict{Update: true, Drifted: true}
	}
	return Verdict{Version: recorded}
}

// sameMetadata compares the labels and annotations (nil and empty alike),
// which do not move a generation.
func sameMetadata(desired, observed *unstructured.Unstructured) bool {
	return maps.Equal(desired.GetLabels(), observed.GetLabels()) && maps.Equal(desired.GetAnnotations(), observed.GetAnnotations())
}

// ignoredInChanges are the fields every write moves, or that the syncer
// never writes.
var ignoredInChanges = []string{"metadata.resourceVersion", "metadata.generation", "metadata.managedFields", "status"}

// ChangedFields lists the fields whose values differ between two versions
// of an object, as sorted dotted paths (list elements as [i]); the
// resourceVersion, generation, managed fields and status are left out. Given
// a member object before and after the syncer's update, it names what the
// update reverted.
func ChangedFields(before, after *unstructured.Unstructured) []string {
	var out []string
	diff("", before.Object, after.Object, &out)
	sort.Strings(out)
	return out
}

func diff(path string, a, b interface{}, out *[]string) {
	switch av := a.(type) {
	case map[string]interface{}:
		bv, ok := b.(map[string]interface{})
		if !ok {
			*out = append(*out, path)
			return
		}
		for k := range keys(av, bv) {
			if p := join(path, k); !slices.Contains(ignoredInChanges, p) {
				diff(p, av[k], bv[k], out)
			}
		}
	case []interface{}:
		bv, ok := b.([]interface{})
		if !ok || len(av) != len(bv) {
			*out = append(*out, path)
			return
		}
		for i := range av {
			diff(path+"["+strconv.Itoa(i)+"]", av[i], bv[i], out)
		}
	default:
		if !contains(a, b) || !contains(b, a) {
			*out = append(*out, path)
		}
	}
}

func keys(a, b map[string]interface{}) map[string]struct{} {
	out := map[string]struct{}{}
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
