package overrides

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// FuzzApply applies an arbitrary operation to a Deployment: it must never
// panic, and a failed override must leave the object as it was. The seeds
// run in every plain `go test`.
func FuzzApply(f *testing.F) {
	for _, seed := range []struct{ op, path, value string }{
		{"", "/metadata/labels", `{"a":"b"}`},
		{"add", "/spec/template/spec/containers/-", `{"name":"x"}`},
		{"remove", "/spec/template/spec/containers/0", ``},
		{"replace", "/spec/template/spec/containers/9/image", `"x"`},
		{"add", "/spec/replicas/x", `1`},
		{"replace", "/", `null`},
		{"add", "/a~1b~0/c", `[1,2]`},
		{"remove", "/kind", ``},
		{"move", "", `{`},
	} {
		f.Add(seed.op, seed.path, seed.value)
	}
	f.Fuzz(func(t *testing.T, op, path, value string) {
		o := typesv1beta1.ClusterOverride{Op: typesv1beta1.OverrideOp(op), Path: path}
		if value != "" {
			o.Value = &apiextensionsv1.JSON{Raw: []byte(value)}
		}
		obj := deployment()
		if err := Apply(obj, []typesv1beta1.ClusterOverride{o}); err != nil && !reflect.DeepEqual(obj, deployment()) {
			t.Errorf("a failed override (%v) changed the object", err)
		}
	})
}

// FuzzTyped applies arbitrary typed overriders, selected by an arbitrary
// selector entry, to every pod-template kind and to a ConfigMap: it must
// never panic, and a failure must leave the object as it was.
func FuzzTyped(f *testing.F) {
	for _, seed := range []struct{ component, op, value, container, selectorKey, selectorOp string }{
		{"Registry", "", "eu.example.com", "", "region", "In"},
		{"Tag", "add", "1.0", "app", "", "Exists"},
		{"Digest", "remove", "", "init", "a b", "Near"},
		{"Repository", "remove", "", "nope", "region", "NotIn"},
		{"Host", "append", "@@", "", "", ""},
	} {
		f.Add(seed.component, seed.op, seed.value, seed.container, seed.selectorKey, seed.selectorOp)
	}
	f.Fuzz(func(t *testing.T, component, op, value, container, selectorKey, selectorOp string) {
		var names []string
		if container != "" {
			names = []string{container}
		}
		typed := typesv1beta1.TypedOverriders{
			Image:       []typesv1beta1.ImageOverrider{{ContainerNames: names, Component: typesv1beta1.ImageComponent(component), Operation: typesv1beta1.OverriderOperation(op), Value: value}},
			Command:     []typesv1beta1.ArgsOverrider{{ContainerNames: names, Operation: typesv1beta1.OverriderOperation(op), Values: []string{value}}},
			Args:        []typesv1beta1.ArgsOverrider{{Operation: typesv1beta1.OverriderOperation(op), Values: []string{value}}},
			Env:         []typesv1beta1.EnvOverrider{{ContainerNames: names, Operation: typesv1beta1.OverriderOperation(op), Name: value, Value: value}},
			Labels:      []typesv1beta1.MapOverrider{{Operation: typesv1beta1.OverriderOperation(op), Key: value, Value: value}},
			Annotations: []typesv1beta1.MapOverrider{{Operation: typesv1beta1.OverriderOperation(op), Key: container, Value: value}},
		}
		entry := typesv1beta1.Override{ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: selectorKey, Operator: metav1.LabelSelectorOperator(selectorOp), Values: []string{value}}}}, TypedOverriders: typed}
		sets, err := ForCluster([]typesv1beta1.Override{entry}, "Deployment", Destination{Cluster: "c", Labels: map[string]string{selectorKey: value}})
		if err != nil {
			sets = []Set{{Source: "s", Typed: &typed}} // apply them anyway: the syncer must not panic on what admission refuses
		}
		_ = ParseImage(value).String()
		for kind, apiVersion := range podKinds {
			obj := workload(apiVersion, kind)
			if err := ApplySets(obj, sets); err != nil && !reflect.DeepEqual(obj, workload(apiVersion, kind)) {
				t.Errorf("%s: a failed overrider (%v) changed the object", kind, err)
			}
		}
		cm := configMap()
		if err := ApplySets(cm, sets); err != nil && !reflect.DeepEqual(cm, configMap()) {
			t.Errorf("ConfigMap: a failed overrider (%v) changed the object", err)
		}
	})
}
