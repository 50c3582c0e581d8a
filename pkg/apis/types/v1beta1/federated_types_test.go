package v1beta1

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestFederatedSpecFromUnstructured(t *testing.T) {
	obj := map[string]interface{}{
		"template": map[string]interface{}{"spec": map[string]interface{}{"replicas": int64(3)}},
		"placement": map[string]interface{}{
			"clusters":        []interface{}{},
			"clusterSelector": map[string]interface{}{"matchLabels": map[string]interface{}{"foo": "bar"}},
		},
		"overrides": []interface{}{map[string]interface{}{
			"clusterName": "cluster2",
			"clusterOverrides": []interface{}{
				map[string]interface{}{"path": "/spec/replicas", "value": int64(5)},
				map[string]interface{}{"op": "remove", "path": "/metadata/labels/app"},
			},
		}},
	}
	spec, err := SpecOf(&unstructured.Unstructured{Object: map[string]interface{}{"spec": obj}})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Template == nil || string(spec.Template.Raw) != `{"spec":{"replicas":3}}` {
		t.Errorf("template = %v", spec.Template)
	}
	if spec.Placement == nil || spec.Placement.Clusters == nil || len(spec.Placement.Clusters) != 0 {
		t.Errorf("placement.clusters = %#v, want an empty, non-nil list", spec.Placement)
	}
	if got := spec.Placement.ClusterSelector.MatchLabels["foo"]; got != "bar" {
		t.Errorf("matchLabels[foo] = %q", got)
	}
	overrides := spec.Overrides[0].ClusterOverrides
	if overrides[0].Op != OverrideOpDefault || string(overrides[0].Value.Raw) != "5" {
		t.Errorf("first override = %+v", overrides[0])
	}
	if overrides[1].Op != OverrideOpRemove || overrides[1].Value != nil {
		t.Errorf("second override = %+v", overrides[1])
	}

	// An empty cluster list survives encoding; a nil one is omitted.
	for _, tt := range []struct {
		placement Placement
		want      string
	}{
		{placement: Placement{Clusters: []ClusterReference{}}, want: `{"clusters":[]}`},
		{placement: Placement{}, want: `{}`},
	} {
		data, err := json.Marshal(tt.placement)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != tt.want {
			t.Errorf("encoded placement = %s, want %s", data, tt.want)
		}
		back, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&tt.placement)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := back["clusters"]; ok != (tt.placement.Clusters != nil) {
			t.Errorf("ToUnstructured(%+v) = %v", tt.placement, back)
		}
	}
}

func TestSpecOf(t *testing.T) {
	empty, err := SpecOf(&unstructured.Unstructured{Object: map[string]interface{}{"kind": "FederatedConfigMap"}})
	if err != nil || empty.Placement != nil || empty.Template != nil || empty.Overrides != nil {
		t.Errorf("no spec: %+v, %v; want an empty spec", empty, err)
	}
	bad := &unstructured.Unstructured{Object: map[string]interface{}{"kind": "FederatedConfigMap",
		"metadata": map[string]interface{}{"name": "c", "namespace": "ns"},
		"spec":     map[string]interface{}{"placement": map[string]interface{}{"clusters": "member1"}}}}
	if _, err := SpecOf(bad); err == nil || !strings.Contains(err.Error(), "FederatedConfigMap ns/c: spec:") {
		t.Errorf("bad placement: %v; want an error naming the object and spec", err)
	}
	notMap := &unstructured.Unstructured{Object: map[string]interface{}{"kind": "FederatedConfigMap", "spec": "x",
		"metadata": map[string]interface{}{"name": "c"}}}
	if _, err := SpecOf(notMap); err == nil || !strings.Contains(err.Error(), "FederatedConfigMap c: spec:") {
		t.Errorf("spec not an object: %v", err)
	}
}
