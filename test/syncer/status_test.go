package syncer

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// readyState polls a federated object until check accepts its Ready
// condition and aggregated status for its current generation.
func readyState(t *testing.T, obj *unstructured.Unstructured, what string, check func(ready object, aggregated object) bool) *unstructured.Unstructured {
	t.Helper()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	testkit.Eventually(t, what+" on "+obj.GetName(), func(ctx context.Context) (bool, error) {
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
			return false, err
		}
		observed, _, _ := unstructured.NestedInt64(live.Object, "status", "observedGeneration")
		aggregated, _, _ := unstructured.NestedMap(live.Object, "status", "aggregated")
		conditions, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions")
		for _, c := range conditions {
			if c := c.(object); c["type"] == "Ready" {
				return observed == live.GetGeneration() && check(c, aggregated), nil
			}
		}
		return false, nil
	})
	return live
}

func TestMemberStatusIsCollectedAndAggregated(t *testing.T) {
	ns := federatedNamespace(t)
	labels := object{"app": "shop"}
	fdeploy := federated(federatedDeploymentKind, ns, "shop", object{
		"template": object{"spec": object{"replicas": int64(0), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{object{"name": "shop", "image": "shop:1"}}}}}},
		"placement": everywhere,
	})
	create(t, fdeploy)
	// Zero replicas are fully available as soon as each member's deployment
	// controller has observed the deployment.
	live := readyState(t, fdeploy, "Ready=True with 2/2 clusters", func(ready, aggregated object) bool {
		return ready["status"] == "True" && aggregated["clustersReady"] == int64(2) && aggregated["clustersTotal"] == int64(2)
	})
	for _, cluster := range []string{"member1", "member2"} {
		remote, found, _ := unstructured.NestedFieldNoCopy(remoteStatusOf(live, cluster), "observedGeneration")
		if !found || remote == nil {
			t.Errorf("%s: remoteStatus %v has no observedGeneration; the member status was not collected", cluster, remoteStatusOf(live, cluster))
		}
	}

	// The fleet has no nodes: two replicas per member never become ready,
	// and the Ready condition names both clusters.
	mutate(t, fdeploy, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, int64(2), "spec", "template", "spec", "replicas")
	})
	readyState(t, fdeploy, "Ready=False naming both members with 4 replicas summed", func(ready, aggregated object) bool {
		message, _ := ready["message"].(string)
		return ready["status"] == "False" && strings.Contains(message, "member1") && strings.Contains(message, "member2") &&
			aggregated["replicas"] == int64(4) && aggregated["clustersReady"] == int64(0)
	})
}

// remoteStatusOf returns a cluster's remoteStatus in a federated object's
// status (nil when there is none, or the status does not decode).
func remoteStatusOf(obj *unstructured.Unstructured, cluster string) object {
	status, err := typesv1beta1.StatusOf(obj)
	if err != nil {
		return nil
	}
	entry := status.Cluster(cluster)
	if entry == nil || entry.RemoteStatus == nil {
		return nil
	}
	var remote object
	if json.Unmarshal(entry.RemoteStatus.Raw, &remote) != nil {
		return nil
	}
	return remote
}

func TestStatusIsNotCollectedForTypesWithoutCollection(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "plain", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, fcm)
	live := propagationCondition(t, fcm, "True", "")
	if _, found, _ := unstructured.NestedMap(live.Object, "status", "aggregated"); found {
		t.Error("status.aggregated is set for configmaps, whose statusCollection is not Enabled")
	}
	if remoteStatusOf(live, "member1") != nil {
		t.Error("remoteStatus is set for configmaps, whose statusCollection is not Enabled")
	}
}

func TestNoPropagatedVersionsAreWrittenByDefault(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "unversioned", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, fcm)
	propagationCondition(t, fcm, "True", "")
	for _, kind := range []string{"PropagatedVersionList", "ClusterPropagatedVersionList"} {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(schema.GroupVersionKind{Group: corev1alpha1.SchemeGroupVersion.Group, Version: corev1alpha1.SchemeGroupVersion.Version, Kind: kind})
		if err := hostClient.List(context.Background(), list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 0 {
			t.Errorf("%d %s items exist; the syncer writes them only with --write-propagated-versions", len(list.Items), strings.TrimSuffix(kind, "List"))
		}
	}
}
