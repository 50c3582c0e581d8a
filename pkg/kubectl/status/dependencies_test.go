package status

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
)

// workload is a federated object whose pod template mounts the ConfigMaps
// named and pulls images with the Secret registry.
func workload(name string, follows string, configMaps ...string) *unstructured.Unstructured {
	var volumes []interface{}
	for _, cm := range configMaps {
		volumes = append(volumes, map[string]interface{}{"name": cm, "configMap": map[string]interface{}{"name": cm, "optional": cm == "flags"}})
	}
	obj := &unstructured.Unstructured{Object: map[string]interface{}{"spec": map[string]interface{}{"template": map[string]interface{}{
		"spec": map[string]interface{}{"template": map[string]interface{}{"spec": map[string]interface{}{
			"volumes": volumes, "imagePullSecrets": []interface{}{map[string]interface{}{"name": "registry"}}}}}}}}}
	obj.SetName(name)
	if follows != "" {
		obj.SetAnnotations(map[string]string{"kubefed.io/propagate-dependencies": follows})
	}
	return obj
}

// TestDependenciesTable shows web's dependencies and the workloads of its
// namespace that pull each in: api follows them through the type's
// default, batch opts out, and the StatefulSet db follows by annotation.
func TestDependenciesTable(t *testing.T) {
	enabled := corev1beta1.DependencyPropagationEnabled
	deploys := deployments
	deploys.Config.Spec.DependencyPropagation = &enabled
	statefulsets := Type{Config: corev1beta1.FederatedTypeConfig{ObjectMeta: metav1.ObjectMeta{Name: "statefulsets.apps"}},
		Target: schema.GroupKind{Group: "apps", Kind: "StatefulSet"}}
	web := workload("web", "", "settings", "shared", "flags")
	index := DependencyIndex([]Type{deploys, statefulsets}, map[string][]*unstructured.Unstructured{
		"deployments.apps":  {web, workload("api", "", "shared"), workload("batch", "false", "settings")},
		"statefulsets.apps": {workload("db", "true", "shared"), workload("cache", "", "settings")},
	})
	golden.Assert(t, "testdata/dependencies.txt", render(t, DependenciesTable(Followed(deploys, web), index), RenderOptions{}))
	if refs := Followed(deployments, web); refs != nil {
		t.Errorf("a workload of a type without the default and no annotation follows %v", refs)
	}
}
