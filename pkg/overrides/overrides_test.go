package overrides

import (
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
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

func TestApply(t *testing.T) {
	cases := []struct {
		name    string
		ops     []typesv1beta1.ClusterOverride
		path    []string
		want    interface{}
		wantErr string
	}{
		{name: "op defaults to replace", ops: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("5")}},
			path: []string{"spec", "replicas"}, want: int64(5)},
		{name: "add a map", ops: []typesv1beta1.ClusterOverride{{Op: "add", Path: "/metadata/annotations", Value: value(`{"foo":"bar"}`)}},
			path: []string{"metadata", "annotations"}, want: map[string]interface{}{"foo": "bar"}},
		{name: "remove", ops: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/metadata/labels/app"}},
			path: []string{"metadata", "labels"}, want: map[string]interface{}{}},
		{name: "replace in a list", ops: []typesv1beta1.ClusterOverride{{Op: "replace", Path: "/spec/template/spec/containers/0/image", Value: value(`"nginx:1.25"`)}},
			path: []string{"spec", "template", "spec", "containers"}, want: []interface{}{map[string]interface{}{"name": "nginx", "image": "nginx:1.25"}}},
		{name: "ops apply in order", ops: []typesv1beta1.ClusterOverride{{Path: "/spec/replicas", Value: value("5")}, {Op: "add", Path: "/spec/paused", Value: value("true")}},
			path: []string{"spec", "paused"}, want: true},
		{name: "replace of a missing path fails", ops: []typesv1beta1.ClusterOverride{{Path: "/spec/missing", Value: value("1")}}, wantErr: "applying overrides"},
		{name: "negative index fails", ops: []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/-1/image", Value: value(`"x"`)}}, wantErr: "applying overrides"},
		{name: "removing the kind fails", ops: []typesv1beta1.ClusterOverride{{Op: "remove", Path: "/kind"}}, wantErr: "not a valid object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := deployment()
			err := Apply(obj, tc.ops)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
				}
				if !reflect.DeepEqual(obj, deployment()) {
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
		wantErr   string
	}{
		{name: "the cluster's entry", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: ok}, {ClusterName: "b"}}, want: ok},
		{name: "no entry", overrides: []typesv1beta1.Override{{ClusterName: "b", ClusterOverrides: ok}}},
		{name: "another cluster's problem does not matter", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: ok},
			{ClusterName: "b", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/kind"}}}}, want: ok},
		{name: "duplicate cluster", overrides: []typesv1beta1.Override{{ClusterName: "a"}, {ClusterName: "a"}}, wantErr: "spec.overrides[1].clusterName"},
		{name: "duplicate path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: append(ok, ok...)}},
			wantErr: `spec.overrides[0].clusterOverrides[1].path: "/spec/replicas" is overridden twice`},
		{name: "forbidden path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/metadata/namespace"}}}},
			wantErr: `"/metadata/namespace" may not be overridden`},
		{name: "below a forbidden path", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Path: "/metadata/name/x"}}}},
			wantErr: `the syncer sets /metadata/name`},
		{name: "unknown op", overrides: []typesv1beta1.Override{{ClusterName: "a", ClusterOverrides: []typesv1beta1.ClusterOverride{{Op: "move", Path: "/x"}}}},
			wantErr: `clusterOverrides[0].op: "move"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ForCluster(tc.overrides, "a")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
