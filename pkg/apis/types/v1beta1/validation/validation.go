// Package validation checks Federated<Kind> objects of any federated type:
// placement, overrides, the template's type and the FederatedNamespace name
// rule. It is pure: the webhook, the CLI and the syncer share it.
package validation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	apivalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// ForbiddenOverridePaths are the JSON pointers (and everything below them)
// that no override may touch: they identify the member object.
var ForbiddenOverridePaths = []string{"/metadata/name", "/metadata/namespace", "/metadata/generateName", "/kind"}

// ServerOwnedOverridePaths are the metadata fields (and everything below
// them) that the member's API server or its controllers own: no override
// may touch them. Finalizers stay overridable, as in KubeFed.
var ServerOwnedOverridePaths = []string{"/metadata/resourceVersion", "/metadata/uid", "/metadata/generation",
	"/metadata/managedFields", "/metadata/ownerReferences"}

// serverOwned says why each of ServerOwnedOverridePaths cannot be
// overridden.
var serverOwned = map[string]string{
	"/metadata/resourceVersion": "the member's API server sets it, and an overridden one makes every update of the member object conflict",
	"/metadata/uid":             "the member's API server sets it when it creates the object",
	"/metadata/generation":      "the member's API server sets it",
	"/metadata/managedFields":   "the member's API server records field ownership there",
	"/metadata/ownerReferences": "owners are objects of the member cluster, and an owner missing there makes the member's garbage collector delete the copy over and over",
}

// FederatedNamespaceNameMessage is the error for a FederatedNamespace that is
// not named after its namespace.
const FederatedNamespaceNameMessage = "the name of a federated namespace must match the name of its containing namespace"

// Object is the part of a Federated<Kind> that validation reads. It decodes
// from the JSON of any federated object.
type Object struct {
	// Metadata is the federated object's metadata.
	Metadata metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec holds template, placement and overrides.
	Spec v1beta1.FederatedSpec `json:"spec"`
}

// Decode decodes the JSON of a federated object.
func Decode(raw []byte) (*Object, error) {
	obj := &Object{}
	if err := json.Unmarshal(raw, obj); err != nil {
		return nil, fmt.Errorf("decoding federated object: %w", err)
	}
	return obj, nil
}

// ValidateFederatedObject validates a federated object. target is the
// target type of its FederatedTypeConfig, or nil when none is known; then
// the template's kind and apiVersion are not checked.
func ValidateFederatedObject(obj *Object, target *corev1beta1.APIResource) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if target != nil && target.Group == "" && target.PluralName == core.NamespacesTypeConfigName && obj.Metadata.Name != obj.Metadata.Namespace {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), obj.Metadata.Name, FederatedNamespaceNameMessage))
	}
	if obj.Spec.Template != nil && target != nil {
		errs = append(errs, validateTemplate(obj.Spec.Template.Raw, target, spec.Child("template"))...)
	}
	if obj.Spec.Placement != nil {
		errs = append(errs, ValidatePlacement(obj.Spec.Placement, spec.Child("placement"))...)
	}
	return append(errs, ValidateOverrides(obj.Spec.Overrides, spec.Child("overrides"))...)
}

// validateTemplate checks that the template is an object whose kind and
// apiVersion, when set, are the target's.
func validateTemplate(raw []byte, target *corev1beta1.APIResource, path *field.Path) field.ErrorList {
	var meta metav1.TypeMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return field.ErrorList{field.Invalid(path, string(raw), "must be an object")}
	}
	var errs field.ErrorList
	if meta.Kind != "" && meta.Kind != target.Kind {
		errs = append(errs, field.Invalid(path.Child("kind"), meta.Kind,
			fmt.Sprintf("must be %q, the kind of the FederatedTypeConfig's target type", target.Kind)))
	}
	if want := target.GroupVersion().String(); meta.APIVersion != "" && meta.APIVersion != want {
		errs = append(errs, field.Invalid(path.Child("apiVersion"), meta.APIVersion,
			fmt.Sprintf("must be %q, the group and version of the FederatedTypeConfig's target type", want)))
	}
	return errs
}

// ValidatePlacement checks that cluster names are valid and unique and that
// the selector parses.
func ValidatePlacement(p *v1beta1.Placement, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, c := range p.Clusters {
		namePath := path.Child("clusters").Index(i).Child("name")
		errs = append(errs, validateClusterName(c.Name, namePath)...)
		if seen.Has(c.Name) {
			errs = append(errs, field.Duplicate(namePath, c.Name))
		}
		seen.Insert(c.Name)
	}
	if p.ClusterSelector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(p.ClusterSelector,
			metav1validation.LabelSelectorValidationOptions{}, path.Child("clusterSelector"))...)
	}
	return errs
}

// ValidateOverrides checks the override entries: each names one cluster
// (clusterName, at most one entry per name) or selects clusters
// (clusterSelector, a valid label selector), not both; and each entry's
// patches are valid (ValidateEntry). Admission applies these rules to the
// whole list; the syncer applies them to the entries of one cluster
// (ValidateClusterOverrides).
func ValidateOverrides(overrides []v1beta1.Override, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, o := range overrides {
		errs = append(errs, validateOverrideTarget(o, names, path.Index(i))...)
		errs = append(errs, ValidateEntry(o, path.Index(i))...)
	}
	return errs
}

// ValidateClusterOverrides checks, with the rules of ValidateOverrides,
// only the entries that apply to a cluster (applies(i) for entry i): a
// problem in an entry for other clusters does not stop propagation to this
// one.
func ValidateClusterOverrides(overrides []v1beta1.Override, applies func(i int) bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, o := range overrides {
		if applies(i) {
			errs = append(errs, validateOverrideTarget(o, names, path.Index(i))...)
			errs = append(errs, ValidateEntry(o, path.Index(i))...)
		}
	}
	return errs
}

// validateOverrideTarget checks whom an entry is for: exactly one of
// clusterName and clusterSelector; names holds the cluster names of the
// entries before it.
func validateOverrideTarget(o v1beta1.Override, names sets.Set[string], p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case o.ClusterName != "" && o.ClusterSelector != nil:
		errs = append(errs, field.Invalid(p.Child("clusterSelector"), metav1.FormatLabelSelector(o.ClusterSelector),
			"give either clusterName or clusterSelector, not both; use a second entry for the other"))
	case o.ClusterSelector != nil:
		return metav1validation.ValidateLabelSelector(o.ClusterSelector, metav1validation.LabelSelectorValidationOptions{}, p.Child("clusterSelector"))
	case o.ClusterName == "":
		return field.ErrorList{field.Required(p.Child("clusterName"), "give clusterName (one cluster) or clusterSelector (the clusters whose labels match)")}
	}
	errs = append(errs, validateClusterName(o.ClusterName, p.Child("clusterName"))...)
	if names.Has(o.ClusterName) {
		errs = append(errs, field.Duplicate(p.Child("clusterName"), o.ClusterName))
	}
	names.Insert(o.ClusterName)
	return errs
}

// ValidateEntry checks what one override entry changes: each JSON-patch
// operation is valid (a JSON pointer outside the forbidden paths, a known
// op, a value for add and replace) and no path is patched twice in the
// entry.
func ValidateEntry(o v1beta1.Override, p *field.Path) field.ErrorList {
	return append(ValidatePatches(o.ClusterOverrides, p.Child("clusterOverrides")), ValidateTypedOverriders(&o.TypedOverriders, p)...)
}

// ValidateTypedOverriders checks typed overriders: known components and
// operations, the values each needs, valid container names, variable
// names, label keys and values, and no key under kubefed.io/, which the
// syncer owns. path is the path of the struct holding them.
func ValidateTypedOverriders(t *v1beta1.TypedOverriders, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, o := range t.Image {
		p := path.Child("image").Index(i)
		errs = append(errs, validateContainerNames(o.ContainerNames, p.Child("containerNames"))...)
		errs = append(errs, validateImage(o, p)...)
	}
	for _, list := range []struct {
		name      string
		overrides []v1beta1.ArgsOverrider
	}{{"command", t.Command}, {"args", t.Args}} {
		for i, o := range list.overrides {
			p := path.Child(list.name).Index(i)
			errs = append(errs, validateContainerNames(o.ContainerNames, p.Child("containerNames"))...)
			errs = append(errs, validateOperation(o.Operation, p.Child("operation"), v1beta1.OverriderAppend, v1beta1.OverriderRemove)...)
			if len(o.Values) == 0 {
				errs = append(errs, field.Required(p.Child("values"), "give the values to "+string(orDefault(o.Operation, v1beta1.OverriderAppend))))
			}
		}
	}
	for i, o := range t.Env {
		p := path.Child("env").Index(i)
		errs = append(errs, validateContainerNames(o.ContainerNames, p.Child("containerNames"))...)
		errs = append(errs, validateOperation(o.Operation, p.Child("operation"), v1beta1.OverriderSet, v1beta1.OverriderRemove)...)
		if o.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		for _, msg := range apivalidation.IsEnvVarName(o.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), o.Name, msg))
		}
	}
	for i, o := range t.Labels {
		p := path.Child("labels").Index(i)
		errs = append(errs, validateMapOverrider(o, p)...)
		if o.Operation != v1beta1.OverriderRemove {
			for _, msg := range apivalidation.IsValidLabelValue(o.Value) {
				errs = append(errs, field.Invalid(p.Child("value"), o.Value, msg))
			}
		}
	}
	for i, o := range t.Annotations {
		errs = append(errs, validateMapOverrider(o, path.Child("annotations").Index(i))...)
	}
	return errs
}

// validateImage checks the component, the operation and the value of an
// image overrider.
func validateImage(o v1beta1.ImageOverrider, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	components := []v1beta1.ImageComponent{v1beta1.ImageRegistry, v1beta1.ImageRepository, v1beta1.ImageTag, v1beta1.ImageDigest}
	if !slices.Contains(components, o.Component) {
		errs = append(errs, field.NotSupported(p.Child("component"), o.Component, components))
	}
	errs = append(errs, validateOperation(o.Operation, p.Child("operation"), v1beta1.OverriderReplace, v1beta1.OverriderAdd, v1beta1.OverriderRemove)...)
	switch {
	case o.Operation == v1beta1.OverriderRemove && o.Component == v1beta1.ImageRepository:
		errs = append(errs, field.Invalid(p.Child("operation"), o.Operation, "the repository of an image cannot be removed; replace it"))
	case o.Operation == v1beta1.OverriderRemove:
		if o.Value != "" {
			errs = append(errs, field.Invalid(p.Child("value"), o.Value, "remove takes no value"))
		}
	case o.Value == "":
		errs = append(errs, field.Required(p.Child("value"), fmt.Sprintf("the new %s", strings.ToLower(string(o.Component)))))
	case strings.ContainsAny(o.Value, " \t\n@") || (o.Component != v1beta1.ImageRegistry && o.Component != v1beta1.ImageRepository && strings.Contains(o.Value, "/")):
		errs = append(errs, field.Invalid(p.Child("value"), o.Value, "must be one part of an image reference: no spaces or @, and no / in a tag or digest"))
	case o.Component == v1beta1.ImageDigest && !strings.Contains(o.Value, ":"):
		errs = append(errs, field.Invalid(p.Child("value"), o.Value, "a digest is ALGORITHM:HEX, e.g. sha256:..."))
	case o.Component == v1beta1.ImageTag && strings.Contains(o.Value, ":"):
		errs = append(errs, field.Invalid(p.Child("value"), o.Value, "a tag has no \":\""))
	}
	return errs
}

// validateMapOverrider checks a label or annotation overrider: a
// qualified-name key outside kubefed.io/ and a known operation.
func validateMapOverrider(o v1beta1.MapOverrider, p *field.Path) field.ErrorList {
	errs := validateOperation(o.Operation, p.Child("operation"), v1beta1.OverriderReplace, v1beta1.OverriderAdd, v1beta1.OverriderRemove)
	for _, msg := range apivalidation.IsQualifiedName(o.Key) {
		errs = append(errs, field.Invalid(p.Child("key"), o.Key, msg))
	}
	if strings.HasPrefix(o.Key, "kubefed.io/") {
		errs = append(errs, field.Forbidden(p.Child("key"), "keys under kubefed.io/ belong to the syncer; use another key"))
	}
	if o.Operation == v1beta1.OverriderRemove && o.Value != "" {
		errs = append(errs, field.Invalid(p.Child("value"), o.Value, "remove takes no value"))
	}
	return errs
}

// validateOperation checks that op is empty (the first of allowed) or
// one of allowed.
func validateOperation(op v1beta1.OverriderOperation, p *field.Path, allowed ...v1beta1.OverriderOperation) field.ErrorList {
	if op == "" || slices.Contains(allowed, op) {
		return nil
	}
	return field.ErrorList{field.NotSupported(p, op, allowed)}
}

// orDefault returns op, or def when op is empty.
func orDefault(op, def v1beta1.OverriderOperation) v1beta1.OverriderOperation {
	if op == "" {
		return def
	}
	return op
}

// validateContainerNames requires container names (DNS-1123 labels), each
// once.
func validateContainerNames(names []string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, n := range names {
		for _, msg := range apivalidation.IsDNS1123Label(n) {
			errs = append(errs, field.Invalid(p.Index(i), n, msg))
		}
		if seen.Has(n) {
			errs = append(errs, field.Duplicate(p.Index(i), n))
		}
		seen.Insert(n)
	}
	return errs
}

// ValidatePatches checks a list of JSON-patch operations: each is valid and
// no path is patched twice.
func ValidatePatches(patches []v1beta1.ClusterOverride, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := sets.New[string]()
	for j, co := range patches {
		cp := path.Index(j)
		errs = append(errs, validateClusterOverride(&co, cp)...)
		if co.Path != "" && paths.Has(co.Path) {
			errs = append(errs, field.Duplicate(cp.Child("path"), co.Path))
		}
		paths.Insert(co.Path)
	}
	return errs
}

// validateClusterOverride checks one JSON-patch operation.
func validateClusterOverride(co *v1beta1.ClusterOverride, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	pathPath := path.Child("path")
	switch {
	case co.Path == "":
		errs = append(errs, field.Required(pathPath, ""))
	default:
		if msg := JSONPointerError(co.Path); msg != "" {
			errs = append(errs, field.Invalid(pathPath, co.Path, msg))
		} else if forbidden := CoveringPrefix(co.Path, ForbiddenOverridePaths); forbidden != "" {
			errs = append(errs, field.Forbidden(pathPath, fmt.Sprintf("overrides may not change %s: the syncer sets it from the federated object; remove this override", forbidden)))
		} else if owned := CoveringPrefix(co.Path, ServerOwnedOverridePaths); owned != "" {
			errs = append(errs, field.Forbidden(pathPath, fmt.Sprintf("overrides may not change %s: %s; remove this override", owned, serverOwned[owned])))
		}
	}
	switch co.Op {
	case v1beta1.OverrideOpDefault, v1beta1.OverrideOpAdd, v1beta1.OverrideOpReplace:
		if co.Value == nil {
			errs = append(errs, field.Required(path.Child("value"), fmt.Sprintf("op %q needs a value", opName(co.Op))))
		}
	case v1beta1.OverrideOpRemove:
	default:
		errs = append(errs, field.NotSupported(path.Child("op"), co.Op,
			[]v1beta1.OverrideOp{v1beta1.OverrideOpAdd, v1beta1.OverrideOpRemove, v1beta1.OverrideOpReplace}))
	}
	return errs
}

// opName returns the effective name of an op: empty means replace.
func opName(op v1beta1.OverrideOp) v1beta1.OverrideOp {
	if op == v1beta1.OverrideOpDefault {
		return v1beta1.OverrideOpReplace
	}
	return op
}

// JSONPointerError returns why p is not an RFC 6901 JSON pointer to a
// member of the document, or "" if it is one.
func JSONPointerError(p string) string {
	if !strings.HasPrefix(p, "/") {
		return `must be a JSON pointer starting with "/"`
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 == len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return `must be a JSON pointer: "~" must be followed by "0" or "1"`
		}
	}
	return ""
}

// CoveringPrefix returns the first of prefixes that equals p or is a parent
// of p in the JSON-pointer sense ("/spec" covers "/spec/replicas" but not
// "/specs"), or "" if none does.
func CoveringPrefix(p string, prefixes []string) string {
	for _, prefix := range prefixes {
		trimmed := strings.TrimSuffix(prefix, "/")
		if p == prefix || p == trimmed || strings.HasPrefix(p, trimmed+"/") {
			return prefix
		}
	}
	return ""
}

// validateClusterName requires a KubeFedCluster name: a DNS-1123
// subdomain.
func validateClusterName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	for _, msg := range apivalidation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}
