package overrides

import (
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func value(raw string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(raw)} }

func deployment() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "web", "labels": map[string]interface{}{"app": "web"}},
		"spec": map[string]interface{}{"replicas": int64(3), "template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "nginx", "image": "nginx"}}}}},
	}}
}

// configMap is a template without labels, as KubeFed's e2e fixtures have.
func configMap() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"name": "cm", "namespace": "ns"},
		"data":     map[string]interface{}{"a": "b"},
	}}
}

func TestApply(t *testing.T) {
	cases := []struct {
		name    string
		obj     func() *unstructured.Unstructured
		ops     []typesv1beta1.ClusterOverride
		path    []string
		want    interface{}
		wantErr string
	}{
		// KubeFed's e2e update step: replace (no op) of labels on a template without labels.
		{name: "replace sets labels missing from the template", obj: configMap,
			ops:  []typesv1beta1.ClusterOverride{{Path: "/metadata/labels", Value: value(`{"foo":"bar"}`)}},
			path: []string{"metadata", "labels"}, want: map[string]interface{}{"foo": "bar"}},
		{name: "replace of labels the template has", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Op: "replace", Path: "/metadata/labels", Value: value(`{"foo":"bar"}`)}},
			path: []string{"metadata", "labels"}, want: map[string]interface{}{"foo": "bar"}},
		{name: "replace sets a missing key of a nested map", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Path: "/spec/template/metadata", Value: value(`{"labels":{"app":"web"}}`)}},
			path: []string{"spec", "template", "metadata", "labels", "app"}, want: "web"},
		{name: "replace sets a missing key in an existing map", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Path: "/metadata/labels/tier", Value: value(`"edge"`)}},
			path: []string{"metadata", "labels"}, want: map[string]interface{}{"app": "web", "tier": "edge"}},
		{name: "replace with a missing parent fails", obj: configMap,
			ops:     []typesv1beta1.ClusterOverride{{Path: "/metadata/labels/foo", Value: value(`"bar"`)}},
			wantErr: "override 0 (replace /metadata/labels/foo): /metadata/labels does not exist; add it first (op: add, path: /metadata/labels)"},
		{name: "add with a missing parent fails", obj: configMap,
			ops:     []typesv1beta1.ClusterOverride{{Op: "add", Path: "/spec/template/x", Value: value(`1`)}},
			wantErr: "/spec does not exist"},
		{name: "op defaults to replace", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("5")}},
			path: []string{"spec", "replicas"}, want: int64(5)},
		{name: "numbers stay int64 as in unstructured objects", obj: configMap,
			ops:  []typesv1beta1.ClusterOverride{{Op: "add", Path: "/data", Value: value(`{"n": 3, "f": 1.5}`)}},
			path: []string{"data"}, want: map[string]interface{}{"n": int64(3), "f": 1.5}},
		{name: "add a map", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Op: "add", Path: "/metadata/annotations", Value: value(`{"foo":"bar"}`)}},
			path: []string{"metadata", "annotations"}, want: map[string]interface{}{"foo": "bar"}},
		{name: "remove", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/metadata/labels/app"}},
			path: []string{"metadata", "labels"}, want: map[string]interface{}{}},
		{name: "remove of a missing key fails", obj: configMap, ops: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/data/missing"}},
			wantErr: "/data/missing does not exist, so it cannot be removed"},
		{name: "replace in a list", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Op: "replace", Path: "/spec/template/spec/containers/0/image", Value: value(`"nginx:1.25"`)}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{map[string]interface{}{"name": "nginx", "image": "nginx:1.25"}}},
		{name: "replace sets a missing key of a list element", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/0/args", Value: value(`["-v"]`)}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{map[string]interface{}{"name": "nginx", "image": "nginx", "args": []interface{}{"-v"}}}},
		{name: "replace out of range fails", obj: deployment,
			ops:     []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/1", Value: value(`{"name":"x"}`)}},
			wantErr: "index 1 is out of range: /spec/template/spec/containers has 1 elements"},
		{name: "replace below an index out of range fails", obj: deployment,
			ops:     []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/3/image", Value: value(`"x"`)}},
			wantErr: "index 3 is out of range"},
		{name: "replace of - fails", obj: deployment,
			ops:     []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/-", Value: value(`{"name":"x"}`)}},
			wantErr: `"-" is not an index`},
		{name: "add appends with -", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Op: "add", Path: "/spec/template/spec/containers/-", Value: value(`{"name":"sidecar"}`)}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{map[string]interface{}{"name": "nginx", "image": "nginx"}, map[string]interface{}{"name": "sidecar"}}},
		{name: "add inserts at an index", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Op: "add", Path: "/spec/template/spec/containers/0", Value: value(`{"name":"init"}`)}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{map[string]interface{}{"name": "init"}, map[string]interface{}{"name": "nginx", "image": "nginx"}}},
		{name: "add at the length appends", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Op: "add", Path: "/spec/template/spec/containers/1", Value: value(`{"name":"last"}`)}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{map[string]interface{}{"name": "nginx", "image": "nginx"}, map[string]interface{}{"name": "last"}}},
		{name: "add past the length fails", obj: deployment,
			ops:     []typesv1beta1.ClusterOverride{{Op: "add", Path: "/spec/template/spec/containers/2", Value: value(`{"name":"x"}`)}},
			wantErr: "index 2 is out of range"},
		{name: "remove from a list", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/spec/template/spec/containers/0"}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{}},
		{name: "remove out of range fails", obj: deployment,
			ops: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/spec/template/spec/containers/1"}}, wantErr: "index 1 is out of range"},
		{name: "negative index fails", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/-1/image", Value: value(`"x"`)}},
			wantErr: `"-1" is not an index`},
		{name: "leading zero is not an index", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/00/image", Value: value(`"x"`)}},
			wantErr: `"00" is not an index`},
		{name: "below a scalar fails", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas/x", Value: value(`1`)}},
			wantErr: `/spec/replicas is not an object or an array, so it has no "x"`},
		{name: "escaped tokens", obj: deployment,
			ops:  []typesv1beta1.ClusterOverride{{Op: "add", Path: "/metadata/labels/example.com~1tier~0x", Value: value(`"gold"`)}},
			path: []string{"metadata", "labels", "example.com/tier~x"}, want: "gold"},
		{name: "ops apply in order", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("5")}, {Op: "add", Path: "/spec/paused", Value: value("true")}},
			path: []string{"spec", "paused"}, want: true},
		{name: "a later op sees an earlier one", obj: configMap,
			ops: []typesv1beta1.ClusterOverride{{Op: "add", Path: "/metadata/labels", Value: value(`{}`)},
				{Path: "/metadata/labels/foo", Value: value(`"bar"`)}},
			path: []string{"metadata", "labels"}, want: map[string]interface{}{"foo": "bar"}},
		{name: "a failing later op leaves the object as it was", obj: configMap,
			ops: []typesv1beta1.ClusterOverride{{Path: "/data/a", Value: value(`"changed"`)},
				{Op: "remove", Path: "/data/nope"}},
			wantErr: "override 1 (remove /data/nope)"},
		{name: "removing the kind fails", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/kind"}}, wantErr: "not a valid object"},
		{name: "not a pointer fails", obj: deployment, ops: []typesv1beta1.ClusterOverride{{Path: "spec", Value: value(`1`)}}, wantErr: "must be a JSON pointer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.obj()
			err := Apply(obj, tc.ops)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
				}
				if !reflect.DeepEqual(obj, tc.obj()) {
					t.Error("a failed override changed the object")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _, _ := unstructured.NestedFieldNoCopy(obj.Object, tc.path...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%v = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}
}

func TestForCluster(t *testing.T) {
	ok := []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("5")}}
	cases := []struct {
		name      string
		overrides []typesv1beta1.Override
		want      []typesv1beta1.ClusterOverride
		sources   []string
		wantErr   string
	}{
		{name: "the cluster's entry", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: ok}, {ClusterName: "b"}}, want: ok},
		{name: "no entry", overrides: []typesv1beta1.Override{{ClusterName: "b", ClusterOverrides: ok}}},
		{name: "another cluster's problem does not matter", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: ok},
			{ClusterName: "b", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/kind"}}}}, want: ok},
		{name: "duplicate cluster", overrides: []typesv1beta1.Override{{ClusterName: "a"}, {ClusterName: "a"}}, wantErr: "spec.overrides[1].clusterName"},
		{name: "duplicate path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: append(ok, ok...)}},
			wantErr: `spec.overrides[0].clusterOverrides[1].path: Duplicate value: "/spec/replicas"`},
		{name: "forbidden path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/metadata/namespace"}}}},
			wantErr: `spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /metadata/namespace`},
		{name: "below a forbidden path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/metadata/name/x"}}}},
			wantErr: `overrides may not change /metadata/name: the syncer sets it`},
		{name: "server-owned path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/metadata/resourceVersion", Value: value(`"1"`)}}}},
			wantErr: `overrides may not change /metadata/resourceVersion`},
		{name: "replace without a value", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/x"}}}},
			wantErr: `spec.overrides[0].clusterOverrides[0].value: Required value: op "replace" needs a value`},
		{name: "unknown op", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Op: "move", Path: "/x"}}}},
			wantErr: `clusterOverrides[0].op: Unsupported value: "move"`},
		{name: "a matching selector", overrides: []typesv1beta1.Override{{ClusterSelector: eu, ClusterOverrides: ok}}, want: ok},
		{name: "a selector that does not match", overrides: []typesv1beta1.Override{{ClusterSelector: us, ClusterOverrides: ok}}},
		{name: "an empty selector matches every cluster", overrides: []typesv1beta1.Override{{ClusterSelector: &metav1.LabelSelector{}, ClusterOverrides: ok}}, want: ok},
		{name: "every matching entry, in list order", overrides: []typesv1beta1.Override{
			{ClusterSelector: eu, ClusterOverrides: ok}, {ClusterSelector: us, ClusterOverrides: other}, {ClusterName: "a", ClusterOverrides: other}},
			want: append(append([]typesv1beta1.ClusterOverride{}, ok...), other...), sources: []string{"spec.overrides[0]", "spec.overrides[2]"}},
		{name: "entries may repeat a path across entries", overrides: []typesv1beta1.Override{{ClusterSelector: eu, ClusterOverrides: ok}, {ClusterName: "a", ClusterOverrides: ok}},
			want: append(append([]typesv1beta1.ClusterOverride{}, ok...), ok...)},
		{name: "a selector that does not parse fails every cluster", overrides: []typesv1beta1.Override{{ClusterSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "region", Operator: "Near"}}}}},
			wantErr: `spec.overrides[0].clusterSelector: Invalid value: "Near" is not a valid label selector operator`},
		{name: "name and selector both set", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterSelector: us}},
			wantErr: "give either clusterName or clusterSelector, not both"},
		{name: "a problem in a matching selector entry", overrides: []typesv1beta1.Override{{ClusterSelector: eu, ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/kind"}}}},
			wantErr: "spec.overrides[0].clusterOverrides[0].path: Forbidden"},
		{name: "a problem in a selector entry that does not match does not matter", overrides: []typesv1beta1.Override{{ClusterSelector: us, ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/kind"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sets, err := ForCluster(tc.overrides, "Deployment", Destination{Cluster: "a", Labels: map[string]string{"region": "eu"}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			var got []typesv1beta1.ClusterOverride
			var sources []string
			for _, s := range sets {
				got = append(got, s.Patches...)
				sources = append(sources, s.Source)
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
			if tc.sources != nil && !reflect.DeepEqual(sources, tc.sources) {
				t.Errorf("sources %v, want %v", sources, tc.sources)
			}
		})
	}
}

var (
	eu    = &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}
	us    = &metav1.LabelSelector{MatchLabels: map[string]string{"region": "us"}}
	other = []typesv1beta1.ClusterOverride{{Op: "add", Path: "/spec/paused", Value: value("true")}}
)

func TestApplySets(t *testing.T) {
	sets := []Set{
		{Source: "spec.overrides[0]", Patches: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("5")}}},
		{Source: "spec.overrides[3]", Patches: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("7")}}},
	}
	obj := deployment()
	if err := ApplySets(obj, sets); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); got != 7 {
		t.Errorf("replicas %d, want 7: the later set wins", got)
	}
	failing := append(sets, Set{Source: "spec.overrides[4]", Patches: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/nope"}}})
	obj = deployment()
	err := ApplySets(obj, failing)
	if err == nil || !strings.HasPrefix(err.Error(), "spec.overrides[4]: override 0 (remove /nope)") {
		t.Errorf("error %v, want one naming spec.overrides[4]", err)
	}
	if !reflect.DeepEqual(obj, deployment()) {
		t.Error("a failed set left the object changed")
	}
}
