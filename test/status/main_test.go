// Package status tests `kubectl fed status` end to end: the real kubectl
// dispatches to a freshly built kubectl-fed against a local fleet of a host
// and two members. Most tests write the federated objects' status directly
// (status subresource) so the views are deterministic; TestViewsOfALiveFleet
// and TestFleetViews run the syncer (a process each), with simulated nodes,
// and stop a member.
package status

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	goldenfile "github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/nodesim"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	// shared is the fleet every test of this package uses.
	shared *fleet.Fleet
	// host reads and writes the host's objects, federation kinds included.
	host client.Client
)

// object is an unstructured map.
type object = map[string]any

// federatedDeployment is the federated type the tests use most.
var federatedDeployment = schema.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment"}

// TestMain builds kubectl-fed, installs the control plane's CRDs, joins
// both members (labelled with a region) and enables deployments, services
// and configmaps with the real `kubectl fed enable`. member2 has room for a
// single pod, so a Deployment of 2 replicas is never fully available
// there. Members are probed every second, so that TestViewsOfALiveFleet
// sees a stopped member turn not ready within seconds.
func TestMain(m *testing.M) {
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	os.Exit(testkit.Main(m, testkit.Suite{
		Commands: []string{"kubectl-fed", "syncer"},
		Fleet: fleet.Options{
			Clusters: fleet.ClusterNames(2),
			ClusterNodes: map[string]fleet.NodePool{
				"member1": {Count: 1},
				"member2": {Count: 1, Capacity: nodesim.Capacity{Pods: 1}},
			},
		},
		ControlPlane: &testkit.ControlPlaneOptions{
			FastHealth: true,
			Labels: func(m *fleet.Cluster) map[string]string {
				return map[string]string{corev1.LabelTopologyRegion: "region-" + m.Name}
			},
		},
		SetUp: func(ctx context.Context, env *testkit.Env) (err error) {
			shared = env.Fleet
			host = env.ControlPlane.Host
			return testkit.Fed(ctx, shared.KubeconfigPath(), "enable", "deployments.apps", "services", "configmaps", "--context", fleet.HostName)
		},
	}))
}

// plugin runs the test build of kubectl-fed through kubectl's plugin
// dispatch, with the fleet's kubeconfig.
func plugin() testkit.Plugin {
	return testkit.Plugin{Kubeconfig: shared.KubeconfigPath()}
}

// pluginEnv puts the test build of kubectl-fed and the pinned kubectl on
// PATH and selects the fleet's kubeconfig.
func pluginEnv(t testing.TB) []string { return plugin().Env(t, shared.KubeconfigPath()) }

// fed runs `kubectl fed ARGS --context host`.
func fed(t testing.TB, args ...string) testkit.Result { return plugin().Run(t, args...) }

// mustFed is fed that fails the test unless the command succeeds, and
// returns its standard output.
func mustFed(t testing.TB, args ...string) string { return plugin().MustRun(t, args...) }

// mustFail checks an error: exit code 1 and every fragment on stderr.
func mustFail(t testing.TB, r testkit.Result, fragments ...string) {
	t.Helper()
	testkit.MustFail(t, r, fragments...)
}

// ages matches the values of AGE and LAST SEEN columns.
var ages = regexp.MustCompile(`\b[0-9]+[smhdy]([0-9]+[smhd])?\b`)

// blanks matches the padding between columns.
var blanks = regexp.MustCompile(` {2,}`)

// normalize replaces ages with "<age>" and column padding with " | ", so
// that output can be compared with a golden text whatever the timing.
func normalize(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, blanks.ReplaceAllString(ages.ReplaceAllString(l, "<age>"), " | "))
	}
	return strings.Join(lines, "\n")
}

// golden compares normalized output with testdata/name; `go test -update`
// rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", name), normalize(got))
}

// createNamespace creates a host namespace and deletes it at the end.
func createNamespace(t testing.TB, name string) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := host.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Delete(context.Background(), ns) })
}

// createDeployment creates FederatedDeployment ns/name placed in both
// members and, when status is set, writes it through the status
// subresource.
func createDeployment(t testing.TB, ns, name string, status object) *unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	u := &unstructured.Unstructured{Object: object{
		"metadata": object{"namespace": ns, "name": name},
		"spec": object{
			"template":  object{"spec": object{"replicas": int64(3)}},
			"placement": object{"clusters": []any{object{"name": "member1"}, object{"name": "member2"}}},
		},
	}}
	u.SetGroupVersionKind(federatedDeployment)
	if err := host.Create(ctx, u); err != nil {
		t.Fatalf("creating FederatedDeployment %s/%s: %v", ns, name, err)
	}
	if status != nil {
		writeStatus(t, u, status)
	}
	return u
}

// writeStatus replaces the object's status, with observedGeneration set to
// its generation.
func writeStatus(t testing.TB, u *unstructured.Unstructured, status object) {
	t.Helper()
	status["observedGeneration"] = u.GetGeneration()
	u.Object["status"] = status
	if err := host.Status().Update(context.Background(), u); err != nil {
		t.Fatalf("writing the status of %s: %v", u.GetName(), err)
	}
}

// deploymentStatus is a member Deployment's status.
func deploymentStatus(replicas, ready int64) object {
	return object{"observedGeneration": int64(1), "replicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "updatedReplicas": replicas}
}

// condition is a status condition.
func condition(t, status, reason, message string) object {
	c := object{"type": t, "status": status, "lastTransitionTime": "2026-11-24T12:00:00Z", "lastUpdateTime": "2026-11-24T12:00:00Z"}
	if reason != "" {
		c["reason"] = reason
	}
	if message != "" {
		c["message"] = message
	}
	return c
}

// markClusters writes the member clusters' health as the syncer would:
// member1 ready, member2 offline.
func markClusters(t testing.TB) {
	t.Helper()
	for name, cond := range map[string]corev1beta1.ClusterCondition{
		"member1": testkit.ClusterReady(),
		"member2": {Type: corev1beta1.ClusterOffline, Status: corev1.ConditionTrue, Reason: "ClusterNotReachable", Message: "cluster is not reachable", LastProbeTime: metav1.Now()},
	} {
		testkit.SetClusterStatus(t, host, "kube-federation-system", name, func(s *corev1beta1.KubeFedClusterStatus) {
			s.Conditions = []corev1beta1.ClusterCondition{cond}
			s.KubernetesVersion = "v1.37.2"
		})
	}
}

// useInventory installs the ClusterProfile CRDs of manifests/inventory on
// the host, creates the inventory namespace ns and points the
// KubeFedConfig's spec.inventory.namespace at it until the test ends.
func useInventory(t *testing.T, ns string) {
	t.Helper()
	ctx := context.Background()
	if err := testkit.InstallInventoryCRDs(ctx, shared.Host().RESTConfig()); err != nil {
		t.Fatal(err)
	}
	createNamespace(t, ns)
	setInventory := func(inv *corev1beta1.InventoryConfig) error {
		cfg := &corev1beta1.KubeFedConfig{}
		if err := host.Get(ctx, client.ObjectKey{Namespace: "kube-federation-system", Name: "kubefed"}, cfg); err != nil {
			return err
		}
		cfg.Spec.Inventory = inv
		return host.Update(ctx, cfg)
	}
	if err := setInventory(&corev1beta1.InventoryConfig{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := setInventory(nil); err != nil {
			t.Errorf("removing the inventory namespace from the KubeFedConfig: %v", err)
		}
	})
}
