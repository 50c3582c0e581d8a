package propagation

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestUpToDate(t *testing.T) {
	desired := object{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": object{"name": "web", "namespace": "ns1", "resourceVersion": "7", "labels": object{"kubefed.io/managed": "true"}},
		"spec": object{"replicas": int64(3), "template": object{"spec": object{
			"containers": []interface{}{object{"name": "nginx", "image": "nginx"}}}}}}
	cases := []struct {
		name     string
		observed object
		want     bool
	}{
		{"identical", desired, true},
		{"server defaults and status do not count", object{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": object{"name": "web", "namespace": "ns1", "resourceVersion": "9", "uid": "u", "generation": int64(4),
				"labels": object{"kubefed.io/managed": "true"}, "annotations": object{"deployment.kubernetes.io/revision": "1"}},
			"spec": object{"replicas": float64(3), "strategy": object{"type": "RollingUpdate"}, "template": object{"spec": object{
				"containers": []interface{}{object{"name": "nginx", "image": "nginx", "imagePullPolicy": "Always"}}, "restartPolicy": "Always"}}},
			"status": object{"replicas": int64(3)}}, true},
		{"a changed value", object{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": object{"name": "web", "namespace": "ns1", "labels": object{"kubefed.io/managed": "true"}},
			"spec": object{"replicas": int64(5), "template": object{"spec": object{
				"containers": []interface{}{object{"name": "nginx", "image": "nginx"}}}}}}, false},
		{"a missing label", object{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": object{"name": "web", "namespace": "ns1"},
			"spec": object{"replicas": int64(3), "template": object{"spec": object{
				"containers": []interface{}{object{"name": "nginx", "image": "nginx"}}}}}}, false},
		{"an extra list element", object{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": object{"name": "web", "namespace": "ns1", "labels": object{"kubefed.io/managed": "true"}},
			"spec": object{"replicas": int64(3), "template": object{"spec": object{
				"containers": []interface{}{object{"name": "nginx", "image": "nginx"}, object{"name": "sidecar"}}}}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := UpToDate(&unstructured.Unstructured{Object: desired}, &unstructured.Unstructured{Object: tc.observed})
			if got != tc.want {
				t.Errorf("UpToDate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUpToDateIgnoresEmptyValuesTheServerDrops(t *testing.T) {
	desired := &unstructured.Unstructured{Object: object{"kind": "ConfigMap", "data": object{}, "metadata": object{"name": "c", "annotations": object{}}}}
	observed := &unstructured.Unstructured{Object: object{"kind": "ConfigMap", "metadata": object{"name": "c"}}}
	if !UpToDate(desired, observed) {
		t.Error("empty maps the server drops count as a difference")
	}
}
