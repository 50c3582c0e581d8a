// Package cli tests the kubectl fed plugin end to end: the real kubectl
// dispatches to the kubectl-fed binary built by the release tooling, against
// a local fleet of a host and two member clusters.
package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/completion"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	// shared is the fleet every test of this package uses.
	shared *fleet.Fleet
	// binDir holds the test build of kubectl-fed and kubectl_complete-fed.
	binDir string
)

// testVersion is the version the test build of kubectl-fed reports.
const testVersion = testkit.TestVersion

// TestMain builds kubectl-fed (with kubectl's completion helper beside
// it), installs the KubeFed CRDs on the host and creates the KubeFed
// namespace and KubeFedConfig (scope Cluster), as the control plane would.
// The release tooling (make build, make dist, krew) is tested in
// test/release, which needs no fleet.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Commands:     []string{"kubectl-fed"},
		Fleet:        fleet.Options{Clusters: fleet.ClusterNames(2)},
		ControlPlane: &testkit.ControlPlaneOptions{KubeFedConfig: true, Unjoined: true},
		SetUp: func(_ context.Context, env *testkit.Env) error {
			shared = env.Fleet
			return installCompletionHelper()
		},
	}))
}

// installCompletionHelper puts kubectl's completion helper for the plugin
// beside the built kubectl-fed, as make build does.
func installCompletionHelper() error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	plugin, err := testkit.CommandPath("kubectl-fed")
	if err != nil {
		return err
	}
	binDir = filepath.Dir(plugin)
	data, err := os.ReadFile(filepath.Join(root, "pkg", "kubectl", "completion", completion.HelperName))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(binDir, "kubectl_complete-fed"), data, 0o755)
}

// plugin runs the test build of kubectl-fed through kubectl's plugin
// dispatch, with the fleet's kubeconfig.
func plugin() testkit.Plugin {
	return testkit.Plugin{BinDir: binDir, Kubeconfig: shared.KubeconfigPath()}
}

// pluginEnv puts the test build of kubectl-fed (and kubectl) on PATH and
// selects a kubeconfig.
func pluginEnv(t testing.TB, kubeconfig string) []string { return plugin().Env(t, kubeconfig) }

// fed runs `kubectl fed ARGS --context host`.
func fed(t testing.TB, args ...string) testkit.Result { return plugin().Run(t, args...) }

// fedWith is fed with another kubeconfig.
func fedWith(t testing.TB, kubeconfig string, args ...string) testkit.Result {
	return plugin().RunWith(t, kubeconfig, args...)
}

// mustFed is fed that fails the test unless the command succeeds, and
// returns its standard output.
func mustFed(t testing.TB, args ...string) string { return plugin().MustRun(t, args...) }

// mustFail checks an error case: exit code 1, nothing on standard output,
// and every fragment in the message on standard error.
func mustFail(t testing.TB, r testkit.Result, fragments ...string) {
	t.Helper()
	if r.Err != nil && r.Stdout != "" {
		t.Errorf("an error printed to stdout:\n%s", r.Stdout)
	}
	testkit.MustFail(t, r, fragments...)
}

// clusterClient returns a client of a fleet cluster that knows the KubeFed
// kinds.
func clusterClient(t testing.TB, name string) client.Client {
	t.Helper()
	return testkit.Client(t, shared.Cluster(name).RESTConfig())
}

// hostClient returns a client of the host that knows the KubeFed kinds.
func hostClient(t testing.TB) client.Client { return clusterClient(t, fleet.HostName) }

// createKubeFed creates a KubeFed namespace with its KubeFedConfig.
func createKubeFed(t testing.TB, host client.Client, ns string, scope apiextensionsv1.ResourceScope) {
	t.Helper()
	ctx := context.Background()
	if err := host.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	cfg := &corev1beta1.KubeFedConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: core.KubeFedConfigName},
		Spec:       corev1beta1.KubeFedConfigSpec{Scope: scope},
	}
	if err := host.Create(ctx, cfg); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
