package syncer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

type object = map[string]interface{}

var federatedConfigMapKind = metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedConfigMap"}

// federated returns a federated object of kind in namespace.
func federated(kind metav1.GroupVersionKind, namespace, name string, spec object) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: object{"spec": spec}}
	obj.SetAPIVersion(kind.Group + "/" + kind.Version)
	obj.SetKind(kind.Kind)
	obj.SetNamespace(namespace)
	obj.SetName(name)
	return obj
}

func onClusters(names ...string) object {
	list := []interface{}{}
	for _, n := range names {
		list = append(list, object{"name": n})
	}
	return object{"clusters": list}
}

var everywhere = object{"clusterSelector": object{}}

// federatedNamespace creates a host namespace federated to every member
// and returns its name.
func federatedNamespace(t *testing.T) string {
	t.Helper()
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "prop-")
	create(t, federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedNamespace"}, ns, ns,
		object{"placement": everywhere}))
	return ns
}

func create(t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	if err := hostClient.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
}

// mutate changes a host object with retries on conflict.
func mutate(t *testing.T, obj *unstructured.Unstructured, change func(*unstructured.Unstructured)) {
	t.Helper()
	testkit.Eventually(t, "updating "+obj.GetName(), func(ctx context.Context) (bool, error) {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(obj.GroupVersionKind())
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
			return false, err
		}
		change(live)
		err := hostClient.Update(ctx, live)
		return err == nil, client.IgnoreNotFound(err)
	})
}

// memberConfigMap polls member cluster for a ConfigMap until check accepts
// it (nil when absent) and returns how long that took.
func memberConfigMap(t *testing.T, cluster, ns, name, what string, check func(*corev1.ConfigMap) bool) time.Duration {
	t.Helper()
	start := time.Now()
	c := memberClient(t, cluster)
	testkit.Eventually(t, what+" in "+cluster, func(ctx context.Context) (bool, error) {
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return check(nil), nil
		}
		return err == nil && check(cm), err
	})
	return time.Since(start)
}

func hasData(key, value string) func(*corev1.ConfigMap) bool {
	return func(cm *corev1.ConfigMap) bool {
		return cm != nil && cm.Data[key] == value && cm.Labels[core.ManagedByKubeFedLabelKey] == "true"
	}
}

func absent(cm *corev1.ConfigMap) bool { return cm == nil }

// propagationCondition polls the federated object until its Propagation
// condition has the status and reason wanted for its current generation.
func propagationCondition(t *testing.T, obj *unstructured.Unstructured, status, reason string) *unstructured.Unstructured {
	t.Helper()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	testkit.Eventually(t, "Propagation="+status+" "+reason+" on "+obj.GetName(), func(ctx context.Context) (bool, error) {
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
			return false, err
		}
		decoded, err := typesv1beta1.StatusOf(live)
		if err != nil {
			return false, err
		}
		for _, c := range decoded.Conditions {
			if c.Type == typesv1beta1.PropagationConditionType && string(c.Status) == status && string(c.Reason) == reason {
				return decoded.ObservedGeneration == live.GetGeneration(), nil
			}
		}
		return false, nil
	})
	return live
}

// waitNamespace waits until a member has the namespace ns.
func waitNamespace(t *testing.T, member kubernetes.Interface, ns string) {
	t.Helper()
	testkit.Eventually(t, "namespace "+ns+" in the member", func(ctx context.Context) (bool, error) {
		_, err := member.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
}

func TestClustersBecomeReadyWithVersionAndRegion(t *testing.T) {
	for _, m := range shared.Members() {
		testkit.Eventually(t, m.Name+" ready", func(ctx context.Context) (bool, error) {
			kfc := &corev1beta1.KubeFedCluster{}
			if err := hostClient.Get(ctx, types.NamespacedName{Namespace: kubefedNamespace, Name: m.Name}, kfc); err != nil {
				return false, err
			}
			return kfc.Status.IsReady() && kfc.Status.KubernetesVersion == "v1.37.2" &&
				kfc.Status.Region != nil && *kfc.Status.Region == "region-"+m.Name, nil
		})
	}
}

func TestTypesAreServed(t *testing.T) {
	for _, name := range []string{"namespaces", "configmaps"} {
		testkit.Eventually(t, name+" Running", func(ctx context.Context) (bool, error) {
			ftc := &corev1beta1.FederatedTypeConfig{}
			if err := hostClient.Get(ctx, types.NamespacedName{Namespace: kubefedNamespace, Name: name}, ftc); err != nil {
				return false, err
			}
			return ftc.Status.PropagationController == corev1beta1.ControllerStatusRunning && ftc.Status.ObservedGeneration == ftc.Generation &&
				len(ftc.Finalizers) == 1 && ftc.Finalizers[0] == core.FederatedTypeConfigFinalizer, nil
		})
	}
}

func TestConfigMapLifecycle(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "settings", object{
		"template":  object{"data": object{"color": "blue"}},
		"placement": onClusters("member1", "no-such-cluster"),
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "settings", "created", hasData("color", "blue"))
	// The name of a cluster that is not joined is dropped, as in KubeFed,
	// but the status says so instead of a green Propagation.
	live := propagationCondition(t, fcm, "False", "UnknownCluster")
	if conditions, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions"); !strings.Contains(fmt.Sprint(conditions), "not joined: no-such-cluster") {
		t.Errorf("the Propagation condition does not name the unknown cluster: %v", conditions)
	}
	memberConfigMap(t, "member2", ns, "settings", "not created", absent)

	mutate(t, fcm, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, "green", "spec", "template", "data", "color")
	})
	t.Logf("template update reached member1 in %s", memberConfigMap(t, "member1", ns, "settings", "updated", hasData("color", "green")))

	mutate(t, fcm, func(o *unstructured.Unstructured) { o.Object["spec"].(object)["placement"] = everywhere })
	memberConfigMap(t, "member2", ns, "settings", "placed by selector", hasData("color", "green"))

	// Out-of-band changes are reverted.
	m1 := memberClient(t, "member1")
	cm, err := m1.CoreV1().ConfigMaps(ns).Get(context.Background(), "settings", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["color"] = "red"
	if _, err := m1.CoreV1().ConfigMaps(ns).Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("out-of-band edit reverted in %s", memberConfigMap(t, "member1", ns, "settings", "edit reverted", hasData("color", "green")))
	if err := memberClient(t, "member2").CoreV1().ConfigMaps(ns).Delete(context.Background(), "settings", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	memberConfigMap(t, "member2", ns, "settings", "recreated after out-of-band delete", hasData("color", "green"))

	mutate(t, fcm, func(o *unstructured.Unstructured) { o.Object["spec"].(object)["placement"] = onClusters("member2") })
	memberConfigMap(t, "member1", ns, "settings", "removed when unplaced", absent)

	if err := hostClient.Delete(context.Background(), fcm); err != nil {
		t.Fatal(err)
	}
	memberConfigMap(t, "member2", ns, "settings", "deleted with the federated object", absent)
	testkit.Eventually(t, "the federated object to go", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(fcm), fcm.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}

// TestPlacementOnNoJoinedClusterIsNotGreen: a placement that names only
// clusters that are not joined, or a selector that matches none, is its own
// state in the status, never a green Propagation over 0 clusters.
func TestPlacementOnNoJoinedClusterIsNotGreen(t *testing.T) {
	ns := federatedNamespace(t)
	typo := federated(federatedConfigMapKind, ns, "typo", object{"template": object{"data": object{"a": "b"}}, "placement": onClusters("member9")})
	create(t, typo)
	propagationCondition(t, typo, "False", "UnknownCluster")
	nowhere := federated(federatedConfigMapKind, ns, "nowhere", object{"template": object{"data": object{"a": "b"}},
		"placement": object{"clusterSelector": object{"matchLabels": object{"no-cluster-has": "this"}}}})
	create(t, nowhere)
	propagationCondition(t, nowhere, "False", "NoClusters")
	mutate(t, typo, func(o *unstructured.Unstructured) { o.Object["spec"].(object)["placement"] = onClusters("member1") })
	memberConfigMap(t, "member1", ns, "typo", "created once the name is fixed", hasData("a", "b"))
	propagationCondition(t, typo, "True", "")
}

func TestNamespaceNotFederated(t *testing.T) {
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "unfederated-")
	fcm := federated(federatedConfigMapKind, ns, "lonely", object{"placement": everywhere})
	create(t, fcm)
	propagationCondition(t, fcm, "False", "NamespaceNotFederated")
	memberConfigMap(t, "member1", ns, "lonely", "not created", absent)
}

func TestInvalidOverrideFailsOnlyThatCluster(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "overridden", object{
		"template":  object{"data": object{"size": "s"}},
		"placement": everywhere,
		"overrides": []interface{}{
			object{"clusterName": "member1", "clusterOverrides": []interface{}{object{"path": "/data/size", "value": "xl"},
				object{"op": "add", "path": "/metadata/annotations", "value": object{"tier": "gold"}}}},
			// The parent /data/missing does not exist: still an error (only a
			// missing last key is set by replace, as in KubeFed).
			object{"clusterName": "member2", "clusterOverrides": []interface{}{object{"path": "/data/missing/deeper", "value": "x"}}},
		},
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "overridden", "overridden", func(cm *corev1.ConfigMap) bool {
		return hasData("size", "xl")(cm) && cm.Annotations["tier"] == "gold"
	})
	propagationCondition(t, fcm, "False", "CheckClusters")
	waitClusterStatus(t, fcm, "member2", "ApplyOverridesFailed", "/data/missing")
	waitClusterStatus(t, fcm, "member1", "", "") // OK
}

// TestReplaceOverrideSetsMissingLabels is KubeFed's e2e update step: an
// override {path: /metadata/labels, value: {...}} with no op (so replace)
// on a template without labels sets the labels, as KubeFed did.
func TestReplaceOverrideSetsMissingLabels(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "relabeled", object{
		"template":  object{"data": object{"a": "b"}},
		"placement": onClusters("member1"),
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "relabeled", "created", hasData("a", "b"))
	mutate(t, fcm, func(o *unstructured.Unstructured) {
		o.Object["spec"].(object)["overrides"] = []interface{}{object{"clusterName": "member1", "clusterOverrides": []interface{}{
			object{"path": "/metadata/labels", "value": object{"updated": "yes"}}}}}
	})
	memberConfigMap(t, "member1", ns, "relabeled", "labelled by the override", func(cm *corev1.ConfigMap) bool {
		return cm != nil && cm.Labels["updated"] == "yes" && cm.Labels[core.ManagedByKubeFedLabelKey] == core.ManagedByKubeFedLabelValue
	})
	propagationCondition(t, fcm, "True", "")
}

func TestOrphaningLeavesMemberObjectsUnlabeled(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "kept", object{"template": object{"data": object{"a": "b"}}, "placement": everywhere})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "kept", "created", hasData("a", "b"))
	mutate(t, fcm, func(o *unstructured.Unstructured) {
		o.SetAnnotations(map[string]string{core.OrphanManagedResourcesAnnotation: "true"})
	})
	if err := hostClient.Delete(context.Background(), fcm); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"member1", "member2"} {
		memberConfigMap(t, m, ns, "kept", "kept and unlabeled", func(cm *corev1.ConfigMap) bool {
			_, labeled := cm.Labels[core.ManagedByKubeFedLabelKey]
			return cm != nil && cm.Data["a"] == "b" && !labeled
		})
	}
}

func TestExistingObjectIsAdopted(t *testing.T) {
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	if _, err := m1.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "preexisting"}, Data: map[string]string{"owner": "someone"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	create(t, federated(federatedConfigMapKind, ns, "preexisting", object{"template": object{"data": object{"owner": "federation"}}, "placement": onClusters("member1")}))
	memberConfigMap(t, "member1", ns, "preexisting", "adopted", hasData("owner", "federation"))
}

func TestUnlabeledObjectIsNeverDeleted(t *testing.T) {
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	if _, err := m1.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "bystander"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fcm := federated(federatedConfigMapKind, ns, "bystander", object{"placement": onClusters()})
	create(t, fcm)
	propagationCondition(t, fcm, "True", "") // the syncer has seen it: placed nowhere
	if _, err := m1.CoreV1().ConfigMaps(ns).Get(context.Background(), "bystander", metav1.GetOptions{}); err != nil {
		t.Errorf("the unlabeled member object was touched: %v", err)
	}
}

// setTypePropagation sets a FederatedTypeConfig's propagation and waits
// until its status says want for the current generation.
func setTypePropagation(t *testing.T, name string, mode corev1beta1.PropagationMode, want corev1beta1.ControllerStatus) {
	t.Helper()
	testkit.Eventually(t, name+" "+string(want), func(ctx context.Context) (bool, error) {
		ftc := &corev1beta1.FederatedTypeConfig{}
		if err := hostClient.Get(ctx, types.NamespacedName{Namespace: kubefedNamespace, Name: name}, ftc); err != nil {
			return false, err
		}
		if ftc.Spec.Propagation != mode {
			ftc.Spec.Propagation = mode
			return false, client.IgnoreNotFound(hostClient.Update(ctx, ftc))
		}
		return ftc.Status.PropagationController == want && ftc.Status.ObservedGeneration == ftc.Generation, nil
	})
}

func TestTypeCanBeDisabledAndEnabledAtRunTime(t *testing.T) {
	ns := federatedNamespace(t)
	setTypePropagation(t, "configmaps", corev1beta1.PropagationDisabled, corev1beta1.ControllerStatusNotRunning)
	create(t, federated(federatedConfigMapKind, ns, "later", object{"template": object{"data": object{"x": "1"}}, "placement": everywhere}))
	setTypePropagation(t, "configmaps", corev1beta1.PropagationEnabled, corev1beta1.ControllerStatusRunning)
	memberConfigMap(t, "member2", ns, "later", "propagated after re-enabling", hasData("x", "1"))
}
