package syncer

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

func TestCustomResourceTypeIsPropagated(t *testing.T) {
	ctx := context.Background()
	for _, c := range shared.Clusters {
		if err := testkit.InstallCRDs(ctx, c.RESTConfig(), fixtures.ExampleCRD("Widget")); err != nil {
			t.Fatalf("installing the Widget CRD in %s: %v", c.Name, err)
		}
	}
	target := typesv1beta1.TargetType{Group: "example.com", Version: "v1", Kind: "Widget", PluralName: "widgets", Scope: apiextensionsv1.NamespaceScoped}
	if err := federation.Enable(ctx, target); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("enabling widgets: %v", err)
	}
	ns := federatedNamespace(t)
	fw := federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedWidget"}, ns, "gear", object{
		"template":  object{"spec": object{"teeth": int64(12)}},
		"placement": everywhere,
		"overrides": []interface{}{object{"clusterName": "member2", "clusterOverrides": []interface{}{object{"path": "/spec/teeth", "value": int64(24)}}}},
	})
	testkit.Eventually(t, "creating the FederatedWidget once its CRD is served", func(ctx context.Context) (bool, error) {
		err := hostClient.Create(ctx, fw.DeepCopy())
		return err == nil, nil
	})
	widgets := schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}
	for cluster, teeth := range map[string]int64{"member1": 12, "member2": 24} {
		member := dynamic.NewForConfigOrDie(shared.Cluster(cluster).RESTConfig())
		testkit.Eventually(t, "the widget in "+cluster, func(ctx context.Context) (bool, error) {
			w, err := member.Resource(widgets).Namespace(ns).Get(ctx, "gear", metav1.GetOptions{})
			if err != nil {
				return false, client.IgnoreNotFound(err)
			}
			got, _, _ := unstructured.NestedInt64(w.Object, "spec", "teeth")
			return got == teeth && w.GetLabels()[core.ManagedByKubeFedLabelKey] == "true", nil
		})
	}
	propagationCondition(t, fw, "True", "")
}

func TestObjectLabeledManagedFalseIsLeftAlone(t *testing.T) {
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	if _, err := m1.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "opted-out", Labels: map[string]string{core.ManagedByKubeFedLabelKey: "false"}},
		Data:       map[string]string{"owner": "team"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fcm := federated(federatedConfigMapKind, ns, "opted-out", object{"template": object{"data": object{"owner": "federation"}}, "placement": onClusters("member1")})
	create(t, fcm)
	waitClusterStatus(t, fcm, "member1", "ManagedLabelFalse", core.ManagedByKubeFedLabelKey+"=false")
	propagationCondition(t, fcm, "False", "CheckClusters")
	cm, err := m1.CoreV1().ConfigMaps(ns).Get(context.Background(), "opted-out", metav1.GetOptions{})
	if err != nil || cm.Data["owner"] != "team" {
		t.Errorf("the member object labeled %s=false was changed: %v %v", core.ManagedByKubeFedLabelKey, cm.Data, err)
	}
}

func TestDeleteOptionOrphansTheMembersDependents(t *testing.T) {
	ns := federatedNamespace(t)
	labels := object{"app": "legacy"}
	fdeploy := federated(federatedDeploymentKind, ns, "legacy", object{
		"template": object{"spec": object{"replicas": int64(1), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{object{"name": "legacy", "image": "legacy:1"}}}}}},
		"placement": onClusters("member1"),
	})
	fdeploy.SetAnnotations(map[string]string{core.DeleteOptionAnnotation: `{"propagationPolicy":"Orphan"}`})
	create(t, fdeploy)
	m1 := memberClient(t, "member1")
	var replicaSet string
	testkit.Eventually(t, "the member deployment's ReplicaSet", func(ctx context.Context) (bool, error) {
		list, err := m1.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=legacy"})
		if err != nil || len(list.Items) == 0 {
			return false, err
		}
		replicaSet = list.Items[0].Name
		return true, nil
	})
	if err := hostClient.Delete(context.Background(), fdeploy); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the member deployment deleted", func(ctx context.Context) (bool, error) {
		_, err := m1.AppsV1().Deployments(ns).Get(ctx, "legacy", metav1.GetOptions{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	rs, err := m1.AppsV1().ReplicaSets(ns).Get(context.Background(), replicaSet, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the ReplicaSet was deleted with its deployment despite propagationPolicy Orphan: %v", err)
	}
	if len(rs.OwnerReferences) != 0 {
		t.Errorf("the orphaned ReplicaSet still has owners %v", rs.OwnerReferences)
	}
}
