package syncer

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestRegionOverride overrides by cluster selector: an entry selecting
// topology.kubernetes.io/region=region-member1 applies to member1 only; an
// entry with an empty selector applies everywhere, and a later entry naming
// member2 wins over it there, because every matching entry applies in list
// order.
func TestRegionOverride(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "regional", object{
		"template":  object{"data": object{"registry": "global.example.com", "tier": "standard"}},
		"placement": everywhere,
		"overrides": []interface{}{
			object{"clusterSelector": object{"matchLabels": object{"topology.kubernetes.io/region": "region-member1"}},
				"clusterOverrides": []interface{}{object{"path": "/data/registry", "value": "eu.example.com"}}},
			object{"clusterSelector": object{}, "clusterOverrides": []interface{}{object{"path": "/data/tier", "value": "gold"}}},
			object{"clusterName": "member2", "clusterOverrides": []interface{}{object{"path": "/data/tier", "value": "platinum"}}},
		},
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "regional", "overridden for its region", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "eu.example.com")(cm) && cm.Data["tier"] == "gold"
	})
	memberConfigMap(t, "member2", ns, "regional", "not overridden for another region", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "global.example.com")(cm) && cm.Data["tier"] == "platinum"
	})
	propagationCondition(t, fcm, "True", "")
}

// TestTypedOverriders changes a Deployment's image registry, args, env and
// labels in one region with typed overriders, and fails the other cluster
// with ApplyOverridesFailed when an overrider names a container the pod
// template does not have.
func TestTypedOverriders(t *testing.T) {
	ns := federatedNamespace(t)
	labels := object{"app": "typed"}
	fdeploy := federated(federatedDeploymentKind, ns, "typed", object{
		"template": object{"spec": object{"replicas": int64(0), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{
				object{"name": "web", "image": "nginx:1.27", "args": []interface{}{"-q"}}}}}}},
		"placement": everywhere,
		"overrides": []interface{}{
			object{"clusterSelector": object{"matchLabels": object{"topology.kubernetes.io/region": "region-member1"}},
				"image":  []interface{}{object{"component": "Registry", "value": "eu.example.com"}},
				"args":   []interface{}{object{"containerNames": []interface{}{"web"}, "values": []interface{}{"--region=eu"}}},
				"env":    []interface{}{object{"name": "REGION", "value": "eu"}},
				"labels": []interface{}{object{"key": "tier", "value": "gold"}}},
			object{"clusterName": "member2", "image": []interface{}{object{"containerNames": []interface{}{"sidecar"}, "component": "Tag", "value": "2"}}},
		},
	})
	create(t, fdeploy)
	m1 := memberClient(t, "member1")
	testkit.Eventually(t, "member1's deployment overridden", func(ctx context.Context) (bool, error) {
		d, err := m1.AppsV1().Deployments(ns).Get(ctx, "typed", metav1.GetOptions{})
		if err != nil {
			return false, client.IgnoreNotFound(err)
		}
		c := d.Spec.Template.Spec.Containers[0]
		return c.Image == "eu.example.com/nginx:1.27" && slices.Equal(c.Args, []string{"-q", "--region=eu"}) &&
			slices.Equal(c.Env, []corev1.EnvVar{{Name: "REGION", Value: "eu"}}) && d.Labels["tier"] == "gold", nil
	})
	waitClusterStatus(t, fdeploy, "member2", "ApplyOverridesFailed", `no container "sidecar" in the pod template (containers: web)`)
	if _, err := memberClient(t, "member2").AppsV1().Deployments(ns).Get(context.Background(), "typed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("member2's deployment: %v, want none: its overrides fail", err)
	}
}

// TestOverridePolicy: an OverridePolicy selecting two FederatedConfigMaps
// by name changes them in the clusters of region-member1 only, before the
// objects' own overrides, so an object's own override of the same field
// wins; its status counts the two objects it selects.
func TestOverridePolicy(t *testing.T) {
	ns := federatedNamespace(t)
	policy := &unstructured.Unstructured{Object: object{
		"apiVersion": "policy.kubefed.io/v1alpha1", "kind": "OverridePolicy",
		"metadata": object{"namespace": ns, "name": "eu-registry"},
		"spec": object{
			"resourceSelector": object{"kinds": []interface{}{"FederatedConfigMap"}, "names": []interface{}{"by-policy", "own-wins"}},
			"targetClusters":   object{"clusterSelector": object{"matchLabels": object{"topology.kubernetes.io/region": "region-member1"}}},
			"clusterOverrides": []interface{}{object{"path": "/data/registry", "value": "eu.example.com"}},
			"labels":           []interface{}{object{"key": "registry", "value": "eu"}},
		},
	}}
	create(t, policy)
	byPolicy := federated(federatedConfigMapKind, ns, "by-policy", object{"template": object{"data": object{"registry": "global.example.com"}}, "placement": everywhere})
	ownWins := federated(federatedConfigMapKind, ns, "own-wins", object{"template": object{"data": object{"registry": "global.example.com"}}, "placement": everywhere,
		"overrides": []interface{}{object{"clusterName": "member1", "clusterOverrides": []interface{}{object{"path": "/data/registry", "value": "own.example.com"}}}}})
	create(t, byPolicy)
	create(t, ownWins)
	memberConfigMap(t, "member1", ns, "by-policy", "overridden by the policy", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "eu.example.com")(cm) && cm.Labels["registry"] == "eu"
	})
	memberConfigMap(t, "member2", ns, "by-policy", "not targeted by the policy", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "global.example.com")(cm) && cm.Labels["registry"] == ""
	})
	memberConfigMap(t, "member1", ns, "own-wins", "the object's own override winning over the policy", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "own.example.com")(cm) && cm.Labels["registry"] == "eu"
	})
	testkit.Eventually(t, "the policy status to count the two objects", func(ctx context.Context) (bool, error) {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(policy.GroupVersionKind())
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(policy), live); err != nil {
			return false, err
		}
		selected, _, _ := unstructured.NestedInt64(live.Object, "status", "selected")
		return selected == 2, nil
	})
	// Deleting the policy takes its changes back.
	if err := hostClient.Delete(context.Background(), policy); err != nil {
		t.Fatal(err)
	}
	memberConfigMap(t, "member1", ns, "by-policy", "back to the template once the policy is gone", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "global.example.com")(cm) && cm.Labels["registry"] == ""
	})
}
