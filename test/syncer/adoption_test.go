package syncer

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestAdoptedNamespaceSurvivesTheDeletionOfItsFederatedNamespace federates
// a namespace that already exists in member1, holding a ConfigMap nobody
// federated: the syncer adopts it (and marks it adopted) and creates it in
// member2. Deleting the FederatedNamespace deletes member2's namespace, and
// leaves member1's in place, unlabeled, with its ConfigMap.
func TestAdoptedNamespaceSurvivesTheDeletionOfItsFederatedNamespace(t *testing.T) {
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "adopt-")
	m1, m2 := memberClient(t, "member1"), memberClient(t, "member2")
	if _, err := m1.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m1.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	if _, err := m1.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "theirs"}, Data: map[string]string{"owner": "member1's team"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fns := federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedNamespace"}, ns, ns,
		object{"placement": everywhere})
	create(t, fns)
	testkit.Eventually(t, "member1's namespace adopted and marked", func(ctx context.Context) (bool, error) {
		n, err := m1.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil && n.Labels[core.ManagedByKubeFedLabelKey] == "true" && n.Annotations[core.AdoptedAnnotation] == "true", err
	})
	waitNamespace(t, m2, ns)

	if err := hostClient.Delete(context.Background(), fns); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the FederatedNamespace deleted", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(fns), fns.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	testkit.Eventually(t, "member2's namespace, created by the syncer, deleted", func(ctx context.Context) (bool, error) {
		n, err := m2.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err) || (err == nil && n.DeletionTimestamp != nil), client.IgnoreNotFound(err)
	})
	n, err := m1.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil || n.DeletionTimestamp != nil {
		t.Fatalf("member1's adopted namespace: %v (deletion %v), want it left in place", err, n.DeletionTimestamp)
	}
	if _, managed := n.Labels[core.ManagedByKubeFedLabelKey]; managed || n.Annotations[core.AdoptedAnnotation] != "" {
		t.Errorf("member1's released namespace keeps labels %v annotations %v, want neither the managed label nor the adopted mark", n.Labels, n.Annotations)
	}
	if cm, err := m1.CoreV1().ConfigMaps(ns).Get(context.Background(), "theirs", metav1.GetOptions{}); err != nil || cm.Data["owner"] != "member1's team" {
		t.Errorf("the unmanaged ConfigMap in member1: %v %v, want it untouched", cm, err)
	}
}

// TestNamespaceHoldingUnmanagedObjectsIsNotDeleted adds a ConfigMap nobody
// federated to a namespace the syncer created in member1: deleting the
// FederatedNamespace leaves that namespace in place, and the status says
// what holds it; once the ConfigMap is gone, the deletion completes.
func TestNamespaceHoldingUnmanagedObjectsIsNotDeleted(t *testing.T) {
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	if _, err := m1.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "theirs"}, Data: map[string]string{"owner": "member1's team"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fns := federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedNamespace"}, ns, ns, nil)
	if err := hostClient.Delete(context.Background(), fns); err != nil {
		t.Fatal(err)
	}
	waitClusterStatus(t, fns, "member1", "WaitingForRemoval", "configmaps/theirs")
	if n, err := m1.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); err != nil || n.DeletionTimestamp != nil {
		t.Fatalf("member1's namespace: %v (deletion %v), want it kept while it holds configmaps/theirs", err, n.DeletionTimestamp)
	}
	if err := m1.CoreV1().ConfigMaps(ns).Delete(context.Background(), "theirs", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the FederatedNamespace deleted once nothing unmanaged is left", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(fns), fns.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}

// TestAdoptedObjectIsReleasedUnlessDeleteAdopted creates two ConfigMaps in
// member1 before their FederatedConfigMaps: both are adopted and marked.
// Deleting the first federated object leaves its ConfigMap in place,
// without the managed label and the adopted mark; the second carries
// kubefed.io/delete-adopted: "true", and deleting it deletes its ConfigMap,
// as KubeFed deleted every adopted object.
func TestAdoptedObjectIsReleasedUnlessDeleteAdopted(t *testing.T) {
	ctx := context.Background()
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	for _, name := range []string{"released", "deleted"} {
		if _, err := m1.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"owner": "member1's team"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		fcm := federated(federatedConfigMapKind, ns, name, object{"template": object{"data": object{"owner": "federation"}}, "placement": onClusters("member1")})
		if name == "deleted" {
			fcm.SetAnnotations(map[string]string{core.DeleteAdoptedAnnotation: "true"})
		}
		create(t, fcm)
		memberConfigMap(t, "member1", ns, name, "adopted and marked", func(cm *corev1.ConfigMap) bool {
			return hasData("owner", "federation")(cm) && cm.Annotations[core.AdoptedAnnotation] == core.AdoptedValue
		})
		if err := hostClient.Delete(ctx, fcm); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "the FederatedConfigMap "+name+" deleted", func(ctx context.Context) (bool, error) {
			err := hostClient.Get(ctx, client.ObjectKeyFromObject(fcm), fcm.DeepCopy())
			return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
		})
	}
	cm, err := m1.CoreV1().ConfigMaps(ns).Get(ctx, "released", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the adopted ConfigMap was not left in place: %v", err)
	}
	if _, managed := cm.Labels[core.ManagedByKubeFedLabelKey]; managed || cm.Annotations[core.AdoptedAnnotation] != "" {
		t.Errorf("the released ConfigMap keeps labels %v annotations %v, want neither the managed label nor the adopted mark", cm.Labels, cm.Annotations)
	}
	memberConfigMap(t, "member1", ns, "deleted", "the adopted ConfigMap of an object marked delete-adopted deleted", absent)
}
