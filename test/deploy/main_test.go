package deploy

import (
	"context"
	"os"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// variants are the kustomizations a user applies.
var variants = []string{"manifests", "manifests/overlays/namespaced", "manifests/overlays/cert-manager"}

var (
	shared *fleet.Fleet
	// control is the base's control plane, installed by the first setUp.
	control    *ControlPlane
	controlErr error
	setUpDone  bool
)

func TestMain(m *testing.M) {
	code := fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(2)}, &shared)
	if control != nil {
		control.Stop(code != 0)
	}
	os.Exit(code)
}

// setUp installs the base once per test binary, after dry-running every
// variant on the fresh host, with the types the tests and the demo use.
func setUp(t *testing.T) {
	t.Helper()
	if !setUpDone {
		setUpDone = true
		control, controlErr = Install(context.Background(), shared, "manifests", variants, []string{"namespaces", "configmaps", "secrets", "deployments.apps"})
	}
	if controlErr != nil {
		t.Fatalf("setting up the control plane from manifests/: %v", controlErr)
	}
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
