package scheduling

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestDependenciesFollowTheReplicas: a Deployment placed on both members
// follows its dependencies under a ReplicaSchedulingPreference. Its
// ConfigMap, copied to both members while each runs a replica, is removed
// from the one the preference places with 0 replicas (its own overrides
// keep it placed), and moves when the preference moves the replicas.
func TestDependenciesFollowTheReplicas(t *testing.T) {
	ns := newNamespace(t)
	host := testkit.Clientset(t, shared.Host().RESTConfig())
	if _, err := host.CoreV1().ConfigMaps(ns).Create(context.Background(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"v": "1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// An override of its own keeps a cluster without replicas placed (with
	// 0 replicas): the case the copies must leave out.
	var overrides []any
	for _, c := range []string{"member1", "member2"} {
		overrides = append(overrides, object{"clusterName": c, "clusterOverrides": []any{object{"path": "/metadata/annotations", "value": object{"note": "kept"}}}})
	}
	web := workload(deployments, ns, "web", clusters("member1", "member2"), overrides)
	web.SetAnnotations(map[string]string{core.PropagateDependenciesAnnotation: "true"})
	podSpec := web.Object["spec"].(object)["template"].(object)["spec"].(object)["template"].(object)["spec"].(object)
	podSpec["volumes"] = []any{object{"name": "settings", "configMap": object{"name": "settings"}}}
	create(t, web)
	// Before the preference, each member runs one replica and has the
	// copy. (A member keeps its placement with 0 replicas only once it
	// runs the workload: the preference must come after.)
	waitMemberReplicas(t, deployments, "member2", ns, "web", 1)
	waitCopy(t, "member2", ns, "settings", "Deployment/web")
	create(t, newRSP(deployments, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 2,
		Clusters: map[string]v1alpha1.ClusterPreferences{"member1": {Weight: 1}}}))
	waitPlan(t, deployments, ns, "web", map[string]int64{"member1": 2, "member2": 0})
	waitMemberReplicas(t, deployments, "member2", ns, "web", 0)
	waitCopy(t, "member1", ns, "settings", "Deployment/web")
	waitCopy(t, "member2", ns, "settings", "") // placed, but with 0 replicas

	testkit.Eventually(t, "the preference moving the replicas to member2", func(ctx context.Context) (bool, error) {
		rsp := &v1alpha1.ReplicaSchedulingPreference{}
		if err := hostClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, rsp); err != nil {
			return false, err
		}
		rsp.Spec.Clusters = map[string]v1alpha1.ClusterPreferences{"member2": {Weight: 1}}
		return hostClient.Update(ctx, rsp) == nil, nil
	})
	waitPlan(t, deployments, ns, "web", map[string]int64{"member1": 0, "member2": 2})
	waitCopy(t, "member2", ns, "settings", "Deployment/web")
	waitCopy(t, "member1", ns, "settings", "")
}

// waitCopy waits until cluster holds the syncer's copy of a ConfigMap,
// pulled in by pulledBy, or (pulledBy "") holds none.
func waitCopy(t *testing.T, cluster, ns, name, pulledBy string) {
	t.Helper()
	what := "no copy of ConfigMap " + name + " in " + cluster
	if pulledBy != "" {
		what = "the copy of ConfigMap " + name + " pulled in by " + pulledBy + " in " + cluster
	}
	cm := memberDynamic(t, cluster).Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace(ns)
	testkit.Eventually(t, what, func(ctx context.Context) (bool, error) {
		obj, err := cm.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return check(pulledBy == "", "absent")
		}
		if err != nil {
			return false, err
		}
		value, _, _ := unstructured.NestedString(obj.Object, "data", "v")
		return check(pulledBy != "" && value == "1" && obj.GetAnnotations()[core.DependencyOfAnnotation] == pulledBy,
			"present, data.v %q, %s %q", value, core.DependencyOfAnnotation, obj.GetAnnotations()[core.DependencyOfAnnotation])
	})
}
