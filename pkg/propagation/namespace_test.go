package propagation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestUnmanaged(t *testing.T) {
	obj := func(name string, labels object, extra object) *unstructured.Unstructured {
		o := object{"metadata": object{"name": name, "labels": labels}}
		for k, v := range extra {
			o[k] = v
		}
		return &unstructured.Unstructured{Object: o}
	}
	owned := obj("web-5d8f", nil, nil)
	owned.SetOwnerReferences([]metav1.OwnerReference{{Kind: "Deployment", Name: "web"}})
	configMaps, secrets := schema.GroupResource{Resource: "configmaps"}, schema.GroupResource{Resource: "secrets"}
	cases := []struct {
		name     string
		resource schema.GroupResource
		obj      *unstructured.Unstructured
		want     bool
	}{
		{"a ConfigMap nobody federated", configMaps, obj("theirs", nil, nil), true},
		{"a managed ConfigMap", configMaps, obj("ours", object{"kubefed.io/managed": "true"}, nil), false},
		{"a ConfigMap labeled unmanaged", configMaps, obj("kept", object{"kubefed.io/managed": "false"}, nil), true},
		{"the root CA every namespace gets", configMaps, obj("kube-root-ca.crt", nil, nil), false},
		{"the default ServiceAccount", schema.GroupResource{Resource: "serviceaccounts"}, obj("default", nil, nil), false},
		{"a ReplicaSet owned by a Deployment", schema.GroupResource{Group: "apps", Resource: "replicasets"}, owned, false},
		{"an event", schema.GroupResource{Resource: "events"}, obj("x.17", nil, nil), false},
		{"endpoints", schema.GroupResource{Resource: "endpoints"}, obj("web", nil, nil), false},
		{"a token Secret", secrets, obj("t", nil, object{"type": "kubernetes.io/service-account-token"}), false},
		{"an opaque Secret", secrets, obj("s", nil, object{"type": "Opaque"}), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Unmanaged(tc.resource, tc.obj); got != tc.want {
				t.Errorf("Unmanaged = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDerived(t *testing.T) {
	if !Derived(schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}) || Derived(schema.GroupResource{Resource: "configmaps"}) {
		t.Error("Derived: endpointslices must be derived, configmaps not")
	}
}
