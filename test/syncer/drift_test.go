package syncer

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// revertEvent waits for the event that reports a revert in namespace ns on
// the federated object name, naming every field in fields.
func revertEvent(t *testing.T, ns, name string, fields ...string) {
	t.Helper()
	host := testkit.Clientset(t, shared.Host().RESTConfig())
	testkit.Eventually(t, "the RevertedInCluster event naming "+strings.Join(fields, ", "), func(ctx context.Context) (bool, error) {
		events, err := host.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name + ",reason=RevertedInCluster"})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			named := true
			for _, f := range fields {
				named = named && strings.Contains(e.Message, f)
			}
			if named {
				return true, nil
			}
		}
		return false, nil
	})
}

// TestAddedFieldsAreRevertedInMembers changes member objects as a user with
// access to a member would, adding fields the template does not set, and
// checks that the syncer reverts them and says so.
func TestAddedFieldsAreRevertedInMembers(t *testing.T) {
	ns := federatedNamespace(t)
	create(t, federated(federatedConfigMapKind, ns, "settings", object{
		"template": object{"data": object{"a": "1"}}, "placement": everywhere}))
	memberConfigMap(t, "member1", ns, "settings", "the member copy", hasData("a", "1"))
	m1 := memberClient(t, "member1")
	if _, err := m1.CoreV1().ConfigMaps(ns).Patch(context.Background(), "settings", types.MergePatchType,
		[]byte(`{"data":{"extra":"added in the member"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	took := memberConfigMap(t, "member1", ns, "settings", "data.extra reverted", func(cm *corev1.ConfigMap) bool {
		_, extra := cm.Data["extra"]
		return cm != nil && !extra && cm.Data["a"] == "1"
	})
	t.Logf("data.extra added in member1 was reverted in %s", took.Round(time.Millisecond))
	revertEvent(t, ns, "settings", "data.extra", "member1")

	labels := object{"app": "web"}
	create(t, federated(federatedDeploymentKind, ns, "web", object{
		"template": object{"spec": object{"replicas": int64(0), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{object{"name": "web", "image": "web:1"}}}}}},
		"placement": onClusters("member1")}))
	testkit.Eventually(t, "the member deployment", func(ctx context.Context) (bool, error) {
		_, err := m1.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
	if _, err := m1.AppsV1().Deployments(ns).Patch(context.Background(), "web", types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"hostNetwork":true,"nodeSelector":{"disk":"ssd"}}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, "hostNetwork and nodeSelector reverted", func(ctx context.Context) (bool, error) {
		d, err := m1.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && !d.Spec.Template.Spec.HostNetwork && len(d.Spec.Template.Spec.NodeSelector) == 0, err
	})
	t.Logf("hostNetwork and nodeSelector added in member1 were reverted in %s", time.Since(start).Round(time.Millisecond))
	revertEvent(t, ns, "web", "spec.template.spec.hostNetwork", "spec.template.spec.nodeSelector")
}
