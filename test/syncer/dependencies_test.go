package syncer

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// followingDeployment is a FederatedDeployment that follows its
// dependencies, whose pod mounts the ConfigMaps volumes and takes env
// from envFrom.
func followingDeployment(ns, name string, placement object, volumes, envFrom []string) *unstructured.Unstructured {
	labels := object{"app": name}
	var vols, from []interface{}
	for _, v := range volumes {
		vols = append(vols, object{"name": v, "configMap": object{"name": v}})
	}
	for _, f := range envFrom {
		from = append(from, object{"configMapRef": object{"name": f}})
	}
	container := object{"name": "app", "image": "app:1"}
	if from != nil {
		container["envFrom"] = from
	}
	podSpec := object{"containers": []interface{}{container}}
	if vols != nil {
		podSpec["volumes"] = vols
	}
	d := federated(federatedDeploymentKind, ns, name, object{
		"template": object{"spec": object{"replicas": int64(1), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": podSpec}}},
		"placement": placement,
	})
	d.SetAnnotations(map[string]string{core.PropagateDependenciesAnnotation: "true"})
	return d
}

// hostConfigMap creates a ConfigMap on the host.
func hostConfigMap(t *testing.T, ns, name, value string) {
	t.Helper()
	if _, err := testkit.Clientset(t, shared.Host().RESTConfig()).CoreV1().ConfigMaps(ns).Create(context.Background(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"v": value}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// dependencyOf checks a member ConfigMap is the syncer's copy, with the
// value wanted, pulled in by the workloads named.
func dependencyOf(value, pulledBy string) func(*corev1.ConfigMap) bool {
	return func(cm *corev1.ConfigMap) bool {
		return hasData("v", value)(cm) && cm.Annotations[core.DependencyOfAnnotation] == pulledBy
	}
}

// TestDependenciesFollowTheirWorkload follows a Deployment's ConfigMaps:
// "settings" goes where the Deployment goes, carries the host's changes,
// moves with it and goes once no workload uses it; "shared" stays while a
// second Deployment still needs it. "explicit", which the user federates
// (to member2 only), and "theirs", a member1 object labeled managed=false,
// are never touched.
func TestDependenciesFollowTheirWorkload(t *testing.T) {
	ctx := context.Background()
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	waitNamespace(t, memberClient(t, "member2"), ns)
	hostConfigMap(t, ns, "settings", "1")
	hostConfigMap(t, ns, "shared", "s")
	hostConfigMap(t, ns, "explicit", "host")
	hostConfigMap(t, ns, "theirs", "host")
	create(t, federated(federatedConfigMapKind, ns, "explicit", object{"template": object{"data": object{"v": "federation"}}, "placement": onClusters("member2")}))
	if _, err := m1.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "theirs",
		Labels: map[string]string{core.ManagedByKubeFedLabelKey: core.UnmanagedByKubeFedLabelValue}}, Data: map[string]string{"v": "member1's"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	web := followingDeployment(ns, "web", onClusters("member1"), []string{"settings", "shared"}, []string{"explicit", "theirs"})
	create(t, web)
	create(t, followingDeployment(ns, "api", onClusters("member1"), []string{"shared"}, nil))
	took := memberConfigMap(t, "member1", ns, "settings", "settings copied with the workload", dependencyOf("1", "Deployment/web"))
	t.Logf("dependency placed in %s", took)
	memberConfigMap(t, "member1", ns, "shared", "shared pulled in by both", dependencyOf("s", "Deployment/api,Deployment/web"))
	memberConfigMap(t, "member2", ns, "settings", "settings not where the workload is not", absent)
	memberConfigMap(t, "member2", ns, "explicit", "the user's federated ConfigMap", hasData("v", "federation"))
	memberConfigMap(t, "member1", ns, "explicit", "the user's federated ConfigMap not placed where it is not", absent)

	hostClientset := testkit.Clientset(t, shared.Host().RESTConfig())
	host, err := hostClientset.CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host.Data["v"] = "2"
	if _, err := hostClientset.CoreV1().ConfigMaps(ns).Update(ctx, host, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	memberConfigMap(t, "member1", ns, "settings", "the host's change copied", dependencyOf("2", "Deployment/web"))

	mutate(t, web, func(u *unstructured.Unstructured) { u.Object["spec"].(object)["placement"] = onClusters("member2") })
	took = memberConfigMap(t, "member2", ns, "settings", "settings moved with the workload", dependencyOf("2", "Deployment/web"))
	memberConfigMap(t, "member1", ns, "settings", "settings removed where the workload left", absent)
	t.Logf("dependency moved in %s", took)
	memberConfigMap(t, "member2", ns, "shared", "shared moved with web", dependencyOf("s", "Deployment/web"))
	memberConfigMap(t, "member1", ns, "shared", "shared kept for api", dependencyOf("s", "Deployment/api"))

	mutate(t, web, func(u *unstructured.Unstructured) {
		podSpec, _, _ := unstructured.NestedMap(u.Object, "spec", "template", "spec", "template", "spec")
		podSpec["volumes"] = []interface{}{object{"name": "shared", "configMap": object{"name": "shared"}}}
		_ = unstructured.SetNestedMap(u.Object, podSpec, "spec", "template", "spec", "template", "spec")
	})
	memberConfigMap(t, "member2", ns, "settings", "settings removed once unused", absent)
	memberConfigMap(t, "member2", ns, "shared", "shared kept while web uses it", dependencyOf("s", "Deployment/web"))

	memberConfigMap(t, "member2", ns, "explicit", "the user's federated ConfigMap untouched", func(cm *corev1.ConfigMap) bool {
		return hasData("v", "federation")(cm) && cm.Annotations[core.DependencyOfAnnotation] == ""
	})
	theirs, err := m1.CoreV1().ConfigMaps(ns).Get(ctx, "theirs", metav1.GetOptions{})
	if err != nil || theirs.Data["v"] != "member1's" || theirs.Labels[core.ManagedByKubeFedLabelKey] != core.UnmanagedByKubeFedLabelValue ||
		theirs.Annotations[core.DependencyOfAnnotation] != "" {
		t.Errorf("member1's unmanaged ConfigMap: %+v %v, want it untouched", theirs, err)
	}
	memberConfigMap(t, "member2", ns, "theirs", "theirs copied where no unmanaged one is", dependencyOf("host", "Deployment/web"))
}

// TestDependencyMissingOnTheHostIsReported reports a ConfigMap missing on the host
// (DependencyNotFound) and a Secret, whose type the suite does not enable
// (DependencyTypeNotEnabled), each naming the object; once the ConfigMap
// is created on the host, it is propagated and the condition turns True.
func TestDependencyMissingOnTheHostIsReported(t *testing.T) {
	ns := federatedNamespace(t)
	waitNamespace(t, memberClient(t, "member1"), ns)
	missing := followingDeployment(ns, "missing", onClusters("member1"), []string{"later"}, nil)
	create(t, missing)
	live := propagationCondition(t, missing, "False", "DependencyNotFound")
	if message := conditionMessage(live); !strings.Contains(message, "ConfigMap "+ns+"/later") {
		t.Errorf("DependencyNotFound message %q does not name ConfigMap %s/later", message, ns)
	}
	memberConfigMap(t, "member1", ns, "later", "nothing to copy", absent)

	secret := followingDeployment(ns, "secret", onClusters("member1"), nil, nil)
	podSpec := secret.Object["spec"].(object)["template"].(object)["spec"].(object)["template"].(object)["spec"].(object)
	podSpec["imagePullSecrets"] = []interface{}{object{"name": "registry"}}
	create(t, secret)
	live = propagationCondition(t, secret, "False", "DependencyTypeNotEnabled")
	if message := conditionMessage(live); !strings.Contains(message, "Secret "+ns+"/registry") || !strings.Contains(message, "kubectl fed enable secrets") {
		t.Errorf("DependencyTypeNotEnabled message %q does not name Secret %s/registry and the fix", message, ns)
	}

	hostConfigMap(t, ns, "later", "now")
	memberConfigMap(t, "member1", ns, "later", "the ConfigMap copied once created", dependencyOf("now", "Deployment/missing"))
	propagationCondition(t, missing, "True", "")
}

// conditionMessage returns the Propagation condition's message.
func conditionMessage(obj *unstructured.Unstructured) string {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		if c := c.(object); c["type"] == "Propagation" {
			message, _ := c["message"].(string)
			return message
		}
	}
	return ""
}

// TestDependenciesByTheTypesDefault turns dependency following on for
// every FederatedDeployment (dependencyPropagation: Enabled on the
// FederatedTypeConfig): a Deployment without the annotation pulls its
// ConfigMap in, one annotated "false" does not.
func TestDependenciesByTheTypesDefault(t *testing.T) {
	setDependencyPropagation(t, ptr(corev1beta1.DependencyPropagationEnabled))
	t.Cleanup(func() { setDependencyPropagation(t, nil) })
	ns := federatedNamespace(t)
	waitNamespace(t, memberClient(t, "member1"), ns)
	hostConfigMap(t, ns, "by-default", "d")
	hostConfigMap(t, ns, "opted-out", "o")
	plain := followingDeployment(ns, "plain", onClusters("member1"), []string{"by-default"}, nil)
	plain.SetAnnotations(nil)
	create(t, plain)
	optOut := followingDeployment(ns, "opt-out", onClusters("member1"), []string{"opted-out"}, nil)
	optOut.SetAnnotations(map[string]string{core.PropagateDependenciesAnnotation: "false"})
	create(t, optOut)
	memberConfigMap(t, "member1", ns, "by-default", "the ConfigMap of a Deployment following by default", dependencyOf("d", "Deployment/plain"))
	propagationCondition(t, optOut, "True", "")
	if cm, err := memberClient(t, "member1").CoreV1().ConfigMaps(ns).Get(context.Background(), "opted-out", metav1.GetOptions{}); err == nil {
		t.Errorf("the ConfigMap of a Deployment annotated %s=false was propagated: %+v", core.PropagateDependenciesAnnotation, cm.ObjectMeta)
	}
}

// setDependencyPropagation sets the FederatedDeployments' default, with
// retries on conflict (the syncer writes the FederatedTypeConfig too).
func setDependencyPropagation(t *testing.T, mode *corev1beta1.DependencyPropagationMode) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ftc := &corev1beta1.FederatedTypeConfig{}
		if err := hostClient.Get(context.Background(), client.ObjectKey{Namespace: kubefedNamespace, Name: deploymentTarget.APIResource().QualifiedName()}, ftc); err != nil {
			return err
		}
		ftc.Spec.DependencyPropagation = mode
		return hostClient.Update(context.Background(), ftc)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDependencyKeptOutByItsKindsPolicy: a FederationPolicy denying
// FederatedConfigMaps on member2 keeps the copy of a ConfigMap a
// Deployment on both members pulls in off member2 too, and the
// Deployment's status names the ConfigMap, the cluster and the policy.
func TestDependencyKeptOutByItsKindsPolicy(t *testing.T) {
	ns := federatedNamespace(t)
	waitNamespace(t, memberClient(t, "member1"), ns)
	waitNamespace(t, memberClient(t, "member2"), ns)
	create(t, &unstructured.Unstructured{Object: object{
		"apiVersion": "policy.kubefed.io/v1alpha1", "kind": "FederationPolicy",
		"metadata": object{"namespace": ns, "name": "no-configmaps-on-2"},
		"spec": object{"resourceSelector": object{"kinds": []interface{}{federatedConfigMapKind.Kind}},
			"deniedClusters": object{"names": []interface{}{"member2"}}},
	}})
	// The syncer has the policy once it keeps a FederatedConfigMap off
	// member2: only then is the workload created (a copy written before
	// would be left as it is, like any object in a denied cluster).
	canary := federated(federatedConfigMapKind, ns, "canary", object{"placement": onClusters("member2")})
	create(t, canary)
	waitClusterStatus(t, canary, "member2", "PolicyDenied", "FederationPolicy "+ns+"/no-configmaps-on-2")

	hostConfigMap(t, ns, "settings", "1")
	web := followingDeployment(ns, "web", onClusters("member1", "member2"), []string{"settings"}, nil)
	create(t, web)
	memberConfigMap(t, "member1", ns, "settings", "the copy where the policy allows it", dependencyOf("1", "Deployment/web"))
	live := propagationCondition(t, web, "False", "DependencyDenied")
	message := conditionMessage(live)
	for _, part := range []string{"ConfigMap " + ns + "/settings", `"member2"`, "FederationPolicy " + ns + "/no-configmaps-on-2"} {
		if !strings.Contains(message, part) {
			t.Errorf("DependencyDenied message %q does not name %s", message, part)
		}
	}
	if cm, err := memberClient(t, "member2").CoreV1().ConfigMaps(ns).Get(context.Background(), "settings", metav1.GetOptions{}); err == nil {
		t.Errorf("the copy reached member2, which the policy denies for ConfigMaps: %+v", cm.ObjectMeta)
	}
	testkit.Eventually(t, "the Deployment in member2, which no policy denies it", func(ctx context.Context) (bool, error) {
		_, err := memberClient(t, "member2").AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
}

// TestDependencyRejectedByAMemberIsReported: member1 refuses ConfigMaps in
// the namespace (a ResourceQuota of none), so the copy of a Deployment's
// ConfigMap cannot be created there: the Deployment's status says so,
// naming the ConfigMap, the cluster and the member's error; once the
// quota is gone, the copy is created and the condition turns True.
func TestDependencyRejectedByAMemberIsReported(t *testing.T) {
	ctx := context.Background()
	ns := federatedNamespace(t)
	m1 := memberClient(t, "member1")
	waitNamespace(t, m1, ns)
	if _, err := m1.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "no-configmaps"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/configmaps": resource.MustParse("0")}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hostConfigMap(t, ns, "settings", "1")
	web := followingDeployment(ns, "web", onClusters("member1"), []string{"settings"}, nil)
	create(t, web)
	live := propagationCondition(t, web, "False", "DependencyPropagationFailed")
	message := conditionMessage(live)
	for _, part := range []string{"ConfigMap " + ns + "/settings", `"member1"`, "CreationFailed", "quota"} {
		if !strings.Contains(message, part) {
			t.Errorf("DependencyPropagationFailed message %q does not name %s", message, part)
		}
	}
	if err := m1.CoreV1().ResourceQuotas(ns).Delete(ctx, "no-configmaps", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	memberConfigMap(t, "member1", ns, "settings", "the copy once the member accepts it", dependencyOf("1", "Deployment/web"))
	propagationCondition(t, web, "True", "")
}
