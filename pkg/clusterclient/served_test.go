package clusterclient

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"
)

func TestServed(t *testing.T) {
	disco := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{Resources: []*metav1.APIResourceList{
		{GroupVersion: "example.io/v1", APIResources: []metav1.APIResource{{Name: "gadgets"}}},
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "configmaps"}}},
	}}}
	for _, tc := range []struct {
		gvr  schema.GroupVersionResource
		want bool
	}{
		{schema.GroupVersionResource{Group: "example.io", Version: "v1", Resource: "widgets"}, false}, // group served, resource not
		{schema.GroupVersionResource{Group: "other.io", Version: "v1", Resource: "widgets"}, false},   // group not served
		{schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, true},
	} {
		got, err := Served(disco, tc.gvr)
		if err != nil || got != tc.want {
			t.Errorf("Served(%s) = %v, %v; want %v", DescribeResource(tc.gvr), got, err, tc.want)
		}
	}
}
