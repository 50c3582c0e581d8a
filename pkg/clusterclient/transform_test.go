package clusterclient

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
)

func TestStripManagedFields(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]interface{}{}}
	obj.SetName("x")
	obj.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "syncer", Operation: metav1.ManagedFieldsOperationUpdate}})
	out, err := StripManagedFields(obj)
	if err != nil {
		t.Fatal(err)
	}
	stripped := out.(*unstructured.Unstructured)
	if stripped.GetManagedFields() != nil || stripped.GetName() != "x" {
		t.Errorf("managedFields %v name %q, want none and the name kept", stripped.GetManagedFields(), stripped.GetName())
	}
	tombstone := cache.DeletedFinalStateUnknown{Key: "ns/x", Obj: obj}
	if out, err := StripManagedFields(tombstone); err != nil || out.(cache.DeletedFinalStateUnknown).Key != "ns/x" {
		t.Errorf("a tombstone came back as %v, %v; want it unchanged", out, err)
	}
}
