package propagation

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
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
