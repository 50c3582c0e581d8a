package failover

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	corev1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

func TestPropagatedVersionsAreWrittenWhenAsked(t *testing.T) {
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	memberName := shared.Members()[0].Name
	startSyncer(t, "versions")
	ns := federatedNamespace(t, dyn)
	fcm, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, "versioned"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	versions := dyn.Resource(corev1alpha1.SchemeGroupVersion.WithResource("propagatedversions")).Namespace(ns)

	// check polls until the PropagatedVersion records the template whose
	// data.name is dataName and the member object's current version.
	check := func(dataName string) {
		t.Helper()
		wantTemplate := md5Hex(`{"data":{"name":"` + dataName + `"}}` + "\n")
		testkit.Eventually(t, "PropagatedVersion configmap-versioned for data "+dataName, func(ctx context.Context) (bool, error) {
			pv, err := versions.Get(ctx, "configmap-versioned", metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			cm, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "versioned", metav1.GetOptions{})
			if err != nil || cm.Data["name"] != dataName {
				return false, nil
			}
			owners := pv.GetOwnerReferences()
			if len(owners) != 1 || owners[0].Kind != "FederatedConfigMap" || owners[0].Name != "versioned" || owners[0].UID != fcm.GetUID() {
				t.Fatalf("owner references %v, want the FederatedConfigMap", owners)
			}
			template, _, _ := unstructured.NestedString(pv.Object, "status", "templateVersion")
			overrides, _, _ := unstructured.NestedString(pv.Object, "status", "overridesVersion")
			clusters, _, _ := unstructured.NestedSlice(pv.Object, "status", "clusterVersions")
			if len(clusters) != 1 {
				return false, nil
			}
			entry := clusters[0].(map[string]interface{})
			return template == wantTemplate && overrides == md5Hex(`{"overrides":null}`+"\n") &&
				entry["clusterName"] == memberName && entry["version"] == "rv:"+cm.ResourceVersion, nil
		})
	}
	check("versioned")
	if _, err := versions.Get(context.Background(), "namespace-"+ns, metav1.GetOptions{}); err != nil {
		t.Errorf("the FederatedNamespace has no PropagatedVersion namespace-%s: %v", ns, err)
	}

	testkit.Eventually(t, "updating the template", func(ctx context.Context) (bool, error) {
		live, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Get(ctx, "versioned", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		_ = unstructured.SetNestedField(live.Object, "changed", "spec", "template", "data", "name")
		_, err = dyn.Resource(federatedConfigMaps).Namespace(ns).Update(ctx, live, metav1.UpdateOptions{})
		return err == nil, nil
	})
	check("changed")
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
