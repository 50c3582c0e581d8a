package federate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
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
// the target without apiVersion, kind, status and any metadata but labels,
// and without the fields each cluster allocates for itself (a Service's
// cluster IPs and node ports, a ServiceAccount's secrets, a Namespace's
// finalizers). A federated Namespace lives in itself. The returned
// warnings name what was dropped that a user may miss (annotations).
func FederatedObject(target *unstructured.Unstructured, fed schema.GroupVersionKind, placement map[string]any) (*unstructured.Unstructured, []string) {
	tmpl := target.DeepCopy().Object
	gvk := target.GroupVersionKind()
	if gvk.Group == "" {
		switch gvk.Kind {
		case "Namespace":
			unstructured.RemoveNestedField(tmpl, "spec", "finalizers")
		case "ServiceAccount":
			delete(tmpl, "secrets")
		case "Service":
			cleanService(tmpl)
		}
	}
	var warnings []string
	if ann := target.GetAnnotations(); len(ann) > 0 {
		keys := make([]string, 0, len(ann))
		for k := range ann {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		warnings = append(warnings, fmt.Sprintf("the annotations of %s %q are not copied into the federated template: %s", strings.ToLower(gvk.Kind), target.GetName(), strings.Join(keys, ", ")))
	}
	for _, k := range []string{"apiVersion", "kind", "status", "metadata"} {
		delete(tmpl, k)
	}
	if labels := target.GetLabels(); len(labels) > 0 {
		l := make(map[string]any, len(labels))
		for k, v := range labels {
			l[k] = v
		}
		tmpl["metadata"] = map[string]any{"labels": l}
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
	return out, warnings
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
var excludedContentGroups = []string{"extensions", "core.kubefed.io", "scheduling.kubefed.io"}

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
