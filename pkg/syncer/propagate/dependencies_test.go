package propagate

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// TestDependencyTemplateOfAClaim drops what names the host's volume and
// node, and the host object's identity and status, keeping content,
// labels and other annotations.
func TestDependencyTemplateOfAClaim(t *testing.T) {
	host := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]interface{}{"name": "data", "namespace": "shop", "uid": "u1", "resourceVersion": "9",
			"labels":      map[string]interface{}{"app": "db"},
			"annotations": map[string]interface{}{"pv.kubernetes.io/bind-completed": "yes", "volume.kubernetes.io/selected-node": "n1", "team": "data"}},
		"spec":   map[string]interface{}{"volumeName": "pv-host", "accessModes": []interface{}{"ReadWriteOnce"}},
		"status": map[string]interface{}{"phase": "Bound"},
	}}
	want := map[string]interface{}{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]interface{}{"labels": map[string]interface{}{"app": "db"}, "annotations": map[string]interface{}{"team": "data"}},
		"spec":     map[string]interface{}{"accessModes": []interface{}{"ReadWriteOnce"}},
	}
	if got := dependencyTemplate(host); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if host.GetAnnotations()["pv.kubernetes.io/bind-completed"] == "" || host.Object["status"] == nil {
		t.Error("the host object (a cache's) was changed")
	}
}

// TestDependencyObjectWithoutAHostObject renders nothing: an empty
// template under the dependency's identity, so that events still name it.
func TestDependencyObjectWithoutAHostObject(t *testing.T) {
	gvk := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	obj := dependencyObject(Key{Type: "configmaps", Namespace: "shop", Name: "gone"}, gvk, nil, false)
	template, _, _ := unstructured.NestedMap(obj.Object, "spec", "template")
	if obj.GroupVersionKind() != gvk || obj.GetNamespace() != "shop" || obj.GetName() != "gone" || len(template) != 0 {
		t.Errorf("got %v", obj.Object)
	}
}

// TestPullsReturnWhatTheLastPassQueued lets a pass that drops a
// dependency queue it once more.
func TestPullsReturnWhatTheLastPassQueued(t *testing.T) {
	p := newPulls()
	web := Key{Type: "deployments.apps", Namespace: "shop", Name: "web"}
	a, b := Key{Type: "configmaps", Namespace: "shop", Name: "a"}, Key{Type: "configmaps", Namespace: "shop", Name: "b"}
	if old := p.swap(web, []Key{a, b}); old != nil {
		t.Fatalf("first pass: %v", old)
	}
	if old := p.swap(web, []Key{b}); !reflect.DeepEqual(old, []Key{a, b}) {
		t.Fatalf("second pass: %v", old)
	}
	if old := p.swap(web, nil); !reflect.DeepEqual(old, []Key{b}) || len(p.keys) != 0 {
		t.Fatalf("gone: %v, kept %v", old, p.keys)
	}
}

// TestLandedIsWhereTheWorkloadRuns leaves out the clusters a policy denies,
// those with an untolerated taint, and those replica scheduling gives no
// replicas.
func TestLandedIsWhereTheWorkloadRuns(t *testing.T) {
	placed := placement.Result{Clusters: sets.New("a", "b", "c", "d", "e"),
		Denied: map[string]string{"b": "denied"}, Tainted: map[string]string{"c": "k=v:NoSchedule"}}
	replicas := func(n string) typesv1beta1.ClusterOverride {
		return typesv1beta1.ClusterOverride{Path: "/spec/replicas", Value: &apiextensionsv1.JSON{Raw: []byte(n)}}
	}
	spec := &typesv1beta1.FederatedSpec{Overrides: []typesv1beta1.Override{
		{ClusterName: "d", ClusterOverrides: []typesv1beta1.ClusterOverride{replicas("0")}},
		{ClusterName: "e", ClusterOverrides: []typesv1beta1.ClusterOverride{replicas("2")}},
	}}
	if got := landed(placed, spec); !got.Equal(sets.New("a", "e")) {
		t.Errorf("landed in %v, want a and e", sets.List(got))
	}
}
