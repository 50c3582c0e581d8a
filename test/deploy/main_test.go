package deploy

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// variants are the kustomizations a user applies.
var variants = []string{"manifests", "manifests/overlays/namespaced", "manifests/overlays/cert-manager"}

var (
	shared *fleet.Fleet
	// control is the base's control plane.
	control *ControlPlane
)

// TestMain installs the base, after dry-running every variant on the fresh
// host, with the types the tests and the demo use; its logs are kept if a
// test fails.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Fleet: fleet.Options{Clusters: fleet.ClusterNames(2)},
		SetUp: func(ctx context.Context, env *testkit.Env) (err error) {
			shared = env.Fleet
			control, err = Install(ctx, shared, "manifests", variants, []string{"namespaces", "configmaps", "secrets", "deployments.apps"})
			if err != nil {
				return fmt.Errorf("setting up the control plane from manifests/: %w", err)
			}
			return nil
		},
		TearDown: func(failed bool) {
			if control != nil {
				control.Stop(failed)
			}
		},
	}))
}

func repositoryRoot(t *testing.T) string {
	t.Helper()
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func binDir(t *testing.T) string {
	t.Helper()
	bin, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
