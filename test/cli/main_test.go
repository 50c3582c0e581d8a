// Package cli tests the kubectl fed plugin end to end: the real kubectl
// dispatches to the kubectl-fed binary built by the release tooling, against
// a local fleet of a host and two member clusters.
package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/completion"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/krew"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	// shared is the fleet every test of this package uses.
	shared *fleet.Fleet
	// build holds the plugin built for this test run.
	build dist
)

// dist is the plugin and its krew archive for the running platform.
type dist struct {
	// dir holds the archive.
	dir string
	// manifest is a copy of plugins.yaml with this platform's sha256.
	manifest string
	// archive is this platform's archive.
	archive string
	// binDir holds kubectl-fed and kubectl_complete-fed.
	binDir string
}

// testVersion is the version the test build of kubectl-fed reports.
const testVersion = testkit.TestVersion

// TestMain builds kubectl-fed, installs the KubeFed CRDs on the host and
// creates the KubeFed namespace and KubeFedConfig (scope Cluster), as the
// control plane would, and builds this platform's krew archive and manifest.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Commands:     []string{"kubectl-fed"},
		Fleet:        fleet.Options{Clusters: fleet.ClusterNames(2)},
		ControlPlane: &testkit.ControlPlaneOptions{KubeFedConfig: true, Unjoined: true},
		SetUp: func(_ context.Context, env *testkit.Env) error {
			shared = env.Fleet
			return buildDist(env.Dir)
		},
	}))
}

// buildDist puts the completion script beside the built kubectl-fed, and
// writes this platform's krew archive and manifest into tmp with the
// functions `make dist` uses.
func buildDist(tmp string) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	plugin, err := testkit.CommandPath("kubectl-fed")
	if err != nil {
		return err
	}
	build.dir = filepath.Join(tmp, "dist")
	build.binDir = filepath.Dir(plugin)
	build.manifest = filepath.Join(tmp, "plugins.yaml")
	if err := copyFile(filepath.Join(root, "pkg", "kubectl", "completion", completion.HelperName), filepath.Join(build.binDir, "kubectl_complete-fed"), 0o755); err != nil {
		return err
	}
	manifest, err := os.ReadFile(filepath.Join(root, "plugins.yaml"))
	if err != nil {
		return err
	}
	platforms, err := krew.Platforms(manifest)
	if err != nil {
		return err
	}
	for _, p := range platforms {
		if p.OS != runtime.GOOS || p.Arch != runtime.GOARCH {
			continue
		}
		build.archive = filepath.Join(build.dir, p.Archive())
		sum, err := krew.WriteArchive(build.archive, p.Bin, plugin, filepath.Join(root, "LICENSE"))
		if err != nil {
			return err
		}
		if manifest, err = krew.RewriteSHA256(manifest, map[string]string{p.Archive(): sum}); err != nil {
			return err
		}
	}
	if build.archive == "" {
		return fmt.Errorf("plugins.yaml has no platform %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	return os.WriteFile(build.manifest, manifest, 0o644)
}

func copyFile(from, to string, mode os.FileMode) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, mode)
}

// plugin runs the test build of kubectl-fed through kubectl's plugin
// dispatch, with the fleet's kubeconfig.
func plugin() testkit.Plugin {
	return testkit.Plugin{BinDir: build.binDir, Kubeconfig: shared.KubeconfigPath()}
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
	runtimeScheme, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(shared.Cluster(name).RESTConfig(), client.Options{Scheme: runtimeScheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
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
