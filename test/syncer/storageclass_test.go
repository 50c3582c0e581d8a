package syncer

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestMissingStorageClassOfAClaimIsReported: a Deployment that follows its
// dependencies mounts a PersistentVolumeClaim whose StorageClass member1
// lacks. The claim is copied there, and the Deployment's Propagation
// condition is False, DependencyNotFound, naming the claim, the class, the
// cluster and the fix; once the class is created in member1, the
// condition turns True.
func TestMissingStorageClassOfAClaimIsReported(t *testing.T) {
	ctx := context.Background()
	claims := typesv1beta1.TargetType{Version: "v1", Kind: "PersistentVolumeClaim", PluralName: "persistentvolumeclaims", Scope: apiextensionsv1.NamespaceScoped}
	if err := federation.Enable(ctx, claims); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	class := "fast-" + ns // the members are shared: a class of this test only
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &class,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := testkit.Clientset(t, shared.Host().RESTConfig()).CoreV1().PersistentVolumeClaims(ns).Create(ctx, claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	db := followingDeployment(ns, "db", onClusters("member1"), nil, nil)
	podSpec := db.Object["spec"].(object)["template"].(object)["spec"].(object)["template"].(object)["spec"].(object)
	podSpec["volumes"] = []interface{}{object{"name": "data", "persistentVolumeClaim": object{"claimName": "data"}}}
	create(t, db)

	live := propagationCondition(t, db, "False", "DependencyNotFound")
	message := conditionMessage(live)
	for _, want := range []string{"PersistentVolumeClaim " + ns + "/data", `StorageClass "` + class + `"`, `cluster "member1"`, "create StorageClass"} {
		if !strings.Contains(message, want) {
			t.Errorf("DependencyNotFound message %q does not contain %q", message, want)
		}
	}
	testkit.Eventually(t, "the claim's copy in member1", func(ctx context.Context) (bool, error) {
		copied, err := m1.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil && copied.Spec.StorageClassName != nil && *copied.Spec.StorageClassName == class, err
	})

	if _, err := m1.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: class}, Provisioner: "example.com/none"}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m1.StorageV1().StorageClasses().Delete(context.Background(), class, metav1.DeleteOptions{})
	})
	propagationCondition(t, db, "True", "")
}
