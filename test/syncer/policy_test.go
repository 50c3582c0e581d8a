package syncer

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// labelCluster sets (or, with an empty value, removes) a label of a
// KubeFedCluster.
func labelCluster(t *testing.T, name, key, value string) {
	t.Helper()
	testkit.Eventually(t, "labeling "+name, func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := hostClient.Get(ctx, types.NamespacedName{Namespace: kubefedNamespace, Name: name}, kfc); err != nil {
			return false, err
		}
		if value == "" {
			delete(kfc.Labels, key)
		} else {
			kfc.Labels[key] = value
		}
		return hostClient.Update(ctx, kfc) == nil, nil
	})
}

// TestDenyPolicyIsEnforcedAtRunTime: once the syncer sees that a cluster
// matches a Deny policy's selector (e.g. it joined later with that label),
// objects the policy selects never reach it, and the status names the policy.
func TestDenyPolicyIsEnforcedAtRunTime(t *testing.T) {
	ns := federatedNamespace(t)
	policy := &unstructured.Unstructured{Object: object{
		"apiVersion": "policy.kubefed.io/v1alpha1", "kind": "FederationPolicy",
		"metadata": object{"namespace": ns, "name": "no-restricted"},
		"spec": object{"enforcement": "Deny",
			"deniedClusters": object{"clusterSelector": object{"matchLabels": object{"tier": "restricted"}}}},
	}}
	create(t, policy)
	labelCluster(t, "member2", "tier", "restricted")
	t.Cleanup(func() { labelCluster(t, "member2", "tier", "") })
	// The syncer learns the new label through a watch; a canary placed on
	// member2 alone shows when it has (it may reach member2 before that).
	canary := federated(federatedConfigMapKind, ns, "canary", object{"placement": onClusters("member2")})
	create(t, canary)
	waitClusterStatus(t, canary, "member2", "PolicyDenied", "")

	fcm := federated(federatedConfigMapKind, ns, "guarded", object{"template": object{"data": object{"k": "v"}}, "placement": everywhere})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "guarded", "created where allowed", hasData("k", "v"))
	message := waitClusterStatus(t, fcm, "member2", "PolicyDenied", "FederationPolicy "+ns+"/no-restricted")
	if !strings.Contains(message, "member2") {
		t.Errorf("PolicyDenied message %q does not name the cluster", message)
	}
	if _, err := memberClient(t, "member2").CoreV1().ConfigMaps(ns).Get(context.Background(), "guarded", metav1.GetOptions{}); err == nil {
		t.Error("the object reached the denied cluster")
	}
}
