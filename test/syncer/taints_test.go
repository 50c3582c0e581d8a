package syncer

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// setTaints replaces a member's taints, as kubectl fed cordon and uncordon
// do.
func setTaints(t *testing.T, cluster string, list []corev1beta1.Taint) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := hostClient.Get(context.Background(), client.ObjectKey{Namespace: kubefedNamespace, Name: cluster}, kfc); err != nil {
			return err
		}
		kfc.Spec.Taints = list
		return hostClient.Update(context.Background(), kfc)
	})
	if err != nil {
		t.Fatalf("setting the taints of %s: %v", cluster, err)
	}
}

// TestCordonKeepsWhatIsThereAndPlacesNothingNew cordons member1 (a
// NoSchedule taint): an object placed before stays and is still updated,
// a new one goes only to member2 (member1 Tainted in its status), a
// toleration places it, and uncordon places the rest.
func TestCordonKeepsWhatIsThereAndPlacesNothingNew(t *testing.T) {
	ns := federatedNamespace(t)
	before := federated(federatedConfigMapKind, ns, "before", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, before)
	memberConfigMap(t, "member1", ns, "before", "placed before the cordon", hasData("a", "b"))

	t.Cleanup(func() { setTaints(t, "member1", nil) })
	setTaints(t, "member1", []corev1beta1.Taint{{Key: corev1beta1.TaintUnschedulable, Effect: corev1beta1.TaintNoSchedule}})
	after := federated(federatedConfigMapKind, ns, "after", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, after)
	memberConfigMap(t, "member2", ns, "after", "placed in the cluster that is not cordoned", hasData("a", "b"))
	waitClusterStatus(t, after, "member1", "Tainted", corev1beta1.TaintUnschedulable+":NoSchedule")
	memberConfigMap(t, "member1", ns, "after", "not placed in the cordoned cluster", absent)

	mutate(t, before, func(o *unstructured.Unstructured) { o.Object["spec"].(object)["template"] = object{"data": object{"a": "c"}} })
	memberConfigMap(t, "member1", ns, "before", "kept and updated in the cordoned cluster", hasData("a", "c"))

	tolerant := federated(federatedConfigMapKind, ns, "tolerant", object{"template": object{"data": object{"a": "b"}},
		"placement": object{"clusterSelector": object{}, "tolerations": []interface{}{object{"key": corev1beta1.TaintUnschedulable, "operator": "Exists"}}}})
	create(t, tolerant)
	memberConfigMap(t, "member1", ns, "tolerant", "placed with a toleration", hasData("a", "b"))

	setTaints(t, "member1", nil)
	memberConfigMap(t, "member1", ns, "after", "placed once uncordoned", hasData("a", "b"))
}
