package propagation

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
)

func TestReleases(t *testing.T) {
	withAnnotations := func(a map[string]string) *unstructured.Unstructured {
		obj := &unstructured.Unstructured{Object: object{}}
		obj.SetAnnotations(a)
		return obj
	}
	created := withAnnotations(nil)
	adopted := withAnnotations(map[string]string{"team": "shop"})
	MarkAdopted(adopted)
	if !Adopted(adopted) || adopted.GetAnnotations()["team"] != "shop" {
		t.Fatalf("MarkAdopted gave annotations %v", adopted.GetAnnotations())
	}
	cases := []struct {
		name        string
		fed, member *unstructured.Unstructured
		want        bool
	}{
		{"created by the syncer: deleted", withAnnotations(nil), created, false},
		{"adopted: released", withAnnotations(nil), adopted, true},
		{"adopted, the federated object asks for deletion: deleted", withAnnotations(map[string]string{core.DeleteAdoptedAnnotation: "true"}), adopted, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Releases(tc.fed, tc.member); got != tc.want {
				t.Errorf("Releases = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverrideFinalizers(t *testing.T) {
	fed := &unstructured.Unstructured{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": object{"name": "c", "namespace": "ns1"},
		"spec": object{"template": object{"metadata": object{"finalizers": []interface{}{"template/ignored"}}},
			"overrides": []interface{}{object{"clusterName": "m1", "clusterOverrides": []interface{}{
				object{"op": "add", "path": "/metadata/finalizers", "value": []interface{}{"example.com/hold", "example.com/gone"}}}}}}}}
	target := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	member := &unstructured.Unstructured{Object: object{}}
	member.SetFinalizers([]string{"member/own", "example.com/hold"})
	for cluster, want := range map[string][]string{"m1": {"example.com/hold"}, "m2": nil} {
		rendered, err := Render(fed, target, overrides.Destination{Cluster: cluster}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := OverrideFinalizers(rendered, member); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: OverrideFinalizers = %v, want %v", cluster, got, want)
		}
	}
}
