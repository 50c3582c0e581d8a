package federate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
)

// Placement returns spec.placement: the named clusters, the clusters a
// label selector matches, or (neither given) every cluster, which is an
// empty clusterSelector.
func Placement(clusters []string, selector string) (map[string]any, error) {
	switch {
	case len(clusters) > 0 && selector != "":
		return nil, errors.New("--clusters and --cluster-selector cannot be used together: a placement has either a list of clusters or a selector")
	case len(clusters) > 0:
		list := make([]any, 0, len(clusters))
		for _, c := range clusters {
			if errs := validation.IsDNS1123Subdomain(c); len(errs) > 0 {
				return nil, fmt.Errorf("invalid cluster name %q in --clusters: %s", c, strings.Join(errs, "; "))
			}
			list = append(list, map[string]any{"name": c})
		}
		return map[string]any{"clusters": list}, nil
	case selector != "":
		ls, err := metav1.ParseToLabelSelector(selector)
		if err != nil {
			return nil, fmt.Errorf("invalid --cluster-selector %q: %w", selector, err)
		}
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ls)
		if err != nil {
			return nil, err
		}
		return map[string]any{"clusterSelector": content}, nil
	}
	return map[string]any{"clusterSelector": map[string]any{"matchLabels": map[string]any{}}}, nil
}

// SelectorOverrides returns spec.overrides from --override values, each
// SELECTOR:PATH=VALUE: the JSON-patch replace of PATH (a JSON pointer) by
// VALUE (JSON, or else a string) in the clusters whose KubeFedCluster
// labels match SELECTOR (empty: every cluster). Values with the same
// selector make one entry, in the order given; entries follow the order in
// which their selectors first appear. The entries are checked as admission
// checks them.
func SelectorOverrides(values []string) ([]any, error) {
	var entries []typesv1beta1.Override
	index := map[string]int{}
	for _, v := range values {
		selector, patch, ok := strings.Cut(v, ":/")
		path, value, hasValue := strings.Cut(patch, "=")
		if !ok || !hasValue {
			return nil, fmt.Errorf("invalid --override %q: want SELECTOR:PATH=VALUE, e.g. region=eu:/spec/replicas=5", v)
		}
		ls, err := metav1.ParseToLabelSelector(selector)
		if err != nil {
			return nil, fmt.Errorf("invalid selector %q in --override %q: %w", selector, v, err)
		}
		raw := []byte(value)
		if !json.Valid(raw) {
			raw, _ = json.Marshal(value)
		}
		i, seen := index[selector]
		if !seen {
			i = len(entries)
			index[selector] = i
			entries = append(entries, typesv1beta1.Override{ClusterSelector: ls})
		}
		entries[i].ClusterOverrides = append(entries[i].ClusterOverrides, typesv1beta1.ClusterOverride{
			Path: "/" + path, Value: &apiextensionsv1.JSON{Raw: raw}})
	}
	if errs := typesvalidation.ValidateOverrides(entries, field.NewPath("spec", "overrides")); len(errs) > 0 {
		return nil, fmt.Errorf("invalid --override: %w", errs.ToAggregate())
	}
	out := make([]any, 0, len(entries))
	for _, e := range entries {
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&e)
		if err != nil {
			return nil, err
		}
		out = append(out, content)
	}
	return out, nil
}

// FederatedObject converts a target object into its federated object of
// type fed (group, version and kind), placed by placement. The template is
// the target without apiVersion, kind, status and any metadata but labels
// and annotations (TemplateAnnotations), and without what each cluster
// assigns for itself: a Service's cluster IPs and node ports, a
// ServiceAccount's secrets, a Namespace's finalizers, a Pod's node and
// service-account token volume, a Job's generated selector and labels. A
// federated Namespace lives in itself. The returned warnings name what was
// dropped that a user may miss; a kind that must not be federated
// (Refused) is an error.
func FederatedObject(target *unstructured.Unstructured, fed schema.GroupVersionKind, placement map[string]any) (*unstructured.Unstructured, []string, error) {
	gvk := target.GroupVersionKind()
	if reason := Refused(gvk); reason != "" {
		return nil, nil, fmt.Errorf("%s %q cannot be federated: %s", gvk.Kind, target.GetName(), reason)
	}
	tmpl := target.DeepCopy().Object
	labels := target.GetLabels()
	switch {
	case gvk.Group == "" && gvk.Kind == "Namespace":
		unstructured.RemoveNestedField(tmpl, "spec", "finalizers")
	case gvk.Group == "" && gvk.Kind == "ServiceAccount":
		delete(tmpl, "secrets")
	case gvk.Group == "" && gvk.Kind == "Service":
		cleanService(tmpl)
	case gvk.Group == "" && gvk.Kind == "Pod":
		cleanPodSpec(tmpl, "spec")
	case gvk.Group == "batch" && gvk.Kind == "Job":
		labels = cleanJob(tmpl, labels)
	}
	annotations, dropped := TemplateAnnotations(target.GetAnnotations())
	var warnings []string
	if len(dropped) > 0 {
		warnings = append(warnings, fmt.Sprintf("these annotations of %s %q are not copied into the federated template (each cluster or the federation sets them): %s",
			strings.ToLower(gvk.Kind), target.GetName(), strings.Join(dropped, ", ")))
	}
	for _, k := range []string{"apiVersion", "kind", "status", "metadata"} {
		delete(tmpl, k)
	}
	metadata := map[string]any{}
	if len(labels) > 0 {
		metadata["labels"] = stringMap(labels)
	}
	if len(annotations) > 0 {
		metadata["annotations"] = stringMap(annotations)
	}
	if len(metadata) > 0 {
		tmpl["metadata"] = metadata
	}
	out := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"template": tmpl, "placement": runtime.DeepCopyJSONValue(placement)},
	}}
	out.SetGroupVersionKind(fed)
	out.SetName(target.GetName())
	out.SetNamespace(target.GetNamespace())
	if IsNamespace(target) {
		out.SetNamespace(target.GetName())
	}
	return out, warnings, nil
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// refusedGroups are the API groups of the federation's own configuration,
// which is not federated: each member would get a copy that nothing there
// serves or reads.
var refusedGroups = map[string]string{
	"core.kubefed.io":       "it configures the federation itself (joined clusters, enabled types, settings) on the host",
	"types.kubefed.io":      "it is a federated object already",
	"scheduling.kubefed.io": "a ReplicaSchedulingPreference schedules federated objects on the host; members do not serve it",
	"policy.kubefed.io":     "federation policies are read on the host; members do not serve them",
}

// Refused returns why objects of a kind must not be federated, or "".
func Refused(gvk schema.GroupVersionKind) string {
	return refusedGroups[gvk.Group]
}

// silentlySkippedAnnotations are prefixes of annotations a controller or
// kubectl owns: they are left out of the template without a warning.
var silentlySkippedAnnotations = []string{"deployment.kubernetes.io/", "kubectl.kubernetes.io/"}

// droppedAnnotations are prefixes (or whole keys) of annotations each
// cluster or the federation assigns for itself: they are left out of the
// template with a warning, since a user may have expected them to travel.
var droppedAnnotations = []string{
	"kubefed.io/", "pv.kubernetes.io/", "volume.kubernetes.io/", "volume.beta.kubernetes.io/",
	"control-plane.alpha.kubernetes.io/", "endpoints.kubernetes.io/", "kubernetes.io/service-account.",
	"batch.kubernetes.io/job-tracking", "deprecated.daemonset.template.generation",
}

// TemplateAnnotations splits an object's annotations into those its
// federated template keeps (the users') and the sorted keys of those it
// drops with a warning; controller-owned ones (deployment.kubernetes.io/*,
// kubectl.kubernetes.io/*) are dropped silently.
func TemplateAnnotations(annotations map[string]string) (map[string]string, []string) {
	kept := map[string]string{}
	var dropped []string
	for k, v := range annotations {
		switch {
		case hasAnyPrefix(k, silentlySkippedAnnotations):
		case hasAnyPrefix(k, droppedAnnotations):
			dropped = append(dropped, k)
		default:
			kept[k] = v
		}
	}
	sort.Strings(dropped)
	return kept, dropped
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// cleanPodSpec drops what the cluster assigned to the pod spec at path:
// its node and the service-account token volume (kube-api-access-*)
// with its mounts, which admission injects again in each cluster.
func cleanPodSpec(obj map[string]any, path ...string) {
	spec, ok, _ := unstructured.NestedMap(obj, path...)
	if !ok {
		return
	}
	delete(spec, "nodeName")
	injected := map[string]bool{}
	if volumes, ok := spec["volumes"].([]any); ok {
		kept := []any{}
		for _, v := range volumes {
			if name, _, _ := unstructured.NestedString(asMap(v), "name"); strings.HasPrefix(name, "kube-api-access-") {
				injected[name] = true
				continue
			}
			kept = append(kept, v)
		}
		spec["volumes"] = kept
		if len(kept) == 0 {
			delete(spec, "volumes")
		}
	}
	for _, field := range []string{"initContainers", "containers", "ephemeralContainers"} {
		containers, ok := spec[field].([]any)
		if !ok {
			continue
		}
		for _, c := range containers {
			container := asMap(c)
			mounts, ok := container["volumeMounts"].([]any)
			if !ok {
				continue
			}
			kept := []any{}
			for _, m := range mounts {
				if name, _, _ := unstructured.NestedString(asMap(m), "name"); !injected[name] {
					kept = append(kept, m)
				}
			}
			container["volumeMounts"] = kept
			if len(kept) == 0 {
				delete(container, "volumeMounts")
			}
		}
	}
	_ = unstructured.SetNestedMap(obj, spec, path...)
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// jobGeneratedLabels are the labels the Job controller generates for its
// selector; each cluster's Job gets its own.
var jobGeneratedLabels = []string{"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"}

// cleanJob drops a Job's generated selector and the labels it matches
// (from the pod template and from the Job's labels, which returns), unless
// the Job sets its selector itself (manualSelector).
func cleanJob(obj map[string]any, labels map[string]string) map[string]string {
	if manual, _, _ := unstructured.NestedBool(obj, "spec", "manualSelector"); manual {
		return labels
	}
	unstructured.RemoveNestedField(obj, "spec", "selector")
	for _, k := range jobGeneratedLabels {
		unstructured.RemoveNestedField(obj, "spec", "template", "metadata", "labels", k)
	}
	if l, ok, _ := unstructured.NestedMap(obj, "spec", "template", "metadata", "labels"); ok && len(l) == 0 {
		unstructured.RemoveNestedField(obj, "spec", "template", "metadata", "labels")
	}
	out := map[string]string{}
	for k, v := range labels {
		out[k] = v
	}
	for _, k := range jobGeneratedLabels {
		delete(out, k)
	}
	return out
}

// Applied returns what applying desired (a fresh conversion of the target)
// makes of the existing federated object: existing with desired's
// template, and with desired's other spec fields named in also (placement,
// overrides: those the command's flags set); the rest, and the federated
// object's labels and annotations, are kept. changed reports whether it
// differs from existing.
func Applied(existing, desired *unstructured.Unstructured, also ...string) (*unstructured.Unstructured, bool) {
	out := existing.DeepCopy()
	changed := false
	for _, f := range append([]string{"template"}, also...) {
		want, _, _ := unstructured.NestedFieldCopy(desired.Object, "spec", f)
		have, _, _ := unstructured.NestedFieldNoCopy(existing.Object, "spec", f)
		if equality.Semantic.DeepEqual(want, have) {
			continue
		}
		changed = true
		if want == nil {
			unstructured.RemoveNestedField(out.Object, "spec", f)
			continue
		}
		_ = unstructured.SetNestedField(out.Object, want, "spec", f)
	}
	return out, changed
}

// IsNamespace reports whether obj is a core Namespace.
func IsNamespace(obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Namespace"
}

// UnjoinedWarnings returns one warning per cluster of --clusters that is
// not among the joined clusters (the federated object will not go there
// until it joins), or one when no cluster is joined at all.
func UnjoinedWarnings(placed, joined []string) []string {
	if len(joined) == 0 && len(placed) == 0 {
		return []string{"no cluster is joined to the federation yet, so the federated objects go nowhere until one joins: kubectl fed join CLUSTER"}
	}
	joinedNames := "none"
	if len(joined) > 0 {
		sort.Strings(joined)
		joinedNames = strings.Join(joined, ", ")
	}
	known := map[string]bool{}
	for _, c := range joined {
		known[c] = true
	}
	var out []string
	for _, c := range placed {
		if !known[c] {
			out = append(out, fmt.Sprintf("cluster %q in --clusters is not joined (joined clusters: %s): nothing goes there until it joins (kubectl fed join %s)", c, joinedNames, c))
		}
	}
	return out
}

// cleanService drops what each cluster allocates for a Service: its
// cluster IPs (except "None", which makes a headless Service) and node
// ports.
func cleanService(obj map[string]any) {
	if ip, _, _ := unstructured.NestedString(obj, "spec", "clusterIP"); ip != "None" {
		unstructured.RemoveNestedField(obj, "spec", "clusterIP")
		unstructured.RemoveNestedField(obj, "spec", "clusterIPs")
	}
	unstructured.RemoveNestedField(obj, "spec", "healthCheckNodePort")
	ports, found, _ := unstructured.NestedSlice(obj, "spec", "ports")
	if !found {
		return
	}
	for _, p := range ports {
		if port, ok := p.(map[string]any); ok {
			delete(port, "nodePort")
		}
	}
	_ = unstructured.SetNestedSlice(obj, ports, "spec", "ports")
}

// DefaultFederatedGVK is the federated type `enable` creates by default for
// a target kind: types.kubefed.io/v1beta1 Federated<Kind>.
func DefaultFederatedGVK(kind string) schema.GroupVersionKind {
	return typesv1beta1.SchemeGroupVersion.WithKind(typesv1beta1.FederatedKind(kind))
}

// FederatedGVK is the federated type of a FederatedTypeConfig.
func FederatedGVK(ftc *corev1beta1.FederatedTypeConfig) schema.GroupVersionKind {
	return ftc.Spec.FederatedType.GroupVersionKind()
}

// ReadObjects decodes every object of a multi-document YAML or JSON stream;
// v1 List objects are expanded into their items. Empty documents are
// skipped.
func ReadObjects(r io.Reader) ([]*unstructured.Unstructured, error) {
	decoder := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		obj := &unstructured.Unstructured{}
		err := decoder.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		if obj.IsList() {
			list, err := obj.ToList()
			if err != nil {
				return nil, fmt.Errorf("document %d: %w", doc, err)
			}
			for i := range list.Items {
				out = append(out, &list.Items[i])
			}
			continue
		}
		if obj.GetKind() == "" || obj.GetAPIVersion() == "" || obj.GetName() == "" {
			return nil, fmt.Errorf("document %d: apiVersion, kind and metadata.name are required", doc)
		}
		out = append(out, obj)
	}
}

// excludedContentTypes are never federated by --contents: the cluster
// makes or manages them, or they are federation's own bookkeeping.
var excludedContentTypes = []string{"endpoints", "events", "events.events.k8s.io", "propagatedversions.core.kubefed.io"}

// excludedContentGroups are API groups --contents never federates.
var excludedContentGroups = []string{"extensions", "core.kubefed.io", "scheduling.kubefed.io", "policy.kubefed.io"}

// SkipContentType reports whether --contents leaves out the objects of a
// resource: types it cannot list, excluded types and groups, federated
// types, and those the user names in --skip-api-resources (by name, kind,
// short name, plural.group or whole group).
func SkipContentType(r apiresource.Resource, federatedGroup string, skip []string) bool {
	if !r.Namespaced || !r.HasVerb("list") || !r.HasVerb("get") {
		return true
	}
	for _, name := range excludedContentTypes {
		if r.QualifiedName() == name {
			return true
		}
	}
	for _, g := range excludedContentGroups {
		if r.Group == g {
			return true
		}
	}
	if r.Group == federatedGroup && strings.HasPrefix(r.Kind, "Federated") {
		return true
	}
	for _, s := range skip {
		if r.Matches(s) || (r.Group != "" && s == r.Group) {
			return true
		}
	}
	return false
}

// SkipContentObject returns why --contents leaves out an object, or "":
// objects controlled by another object (their owner is federated
// instead), what every cluster makes for itself in each namespace (the
// root CA ConfigMap, the default ServiceAccount, service-account token
// Secrets), and names member clusters cannot take.
func SkipContentObject(obj *unstructured.Unstructured) string {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			return fmt.Sprintf("controlled by %s %s", ref.Kind, ref.Name)
		}
	}
	if errs := validation.IsDNS1123Subdomain(obj.GetName()); len(errs) > 0 {
		return "its name is not a DNS-1123 subdomain"
	}
	if obj.GroupVersionKind().Group != "" {
		return ""
	}
	switch kind, name := obj.GetKind(), obj.GetName(); {
	case kind == "ConfigMap" && name == "kube-root-ca.crt":
		return "every cluster publishes its own root CA"
	case kind == "ServiceAccount" && name == "default":
		return "every cluster creates its own default service account"
	case kind == "Secret":
		if t, _, _ := unstructured.NestedString(obj.Object, "type"); t == "kubernetes.io/service-account-token" {
			return "service-account tokens are issued by each cluster"
		}
	}
	return ""
}
