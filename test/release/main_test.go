// Package release tests the release tooling: what `make build` and `make
// dist` do, and the plugin's krew archive and manifest through the real
// krew and validate-krew-manifest. It needs no cluster, so it takes no
// fleet lock and runs while another suite holds it.
package release

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/krew"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// build holds the plugin built for this test run.
var build dist

// dist is the plugin and its krew archive for the running platform.
type dist struct {
	// manifest is a copy of plugins.yaml with this platform's sha256.
	manifest string
	// archive is this platform's archive.
	archive string
	// binDir holds kubectl-fed.
	binDir string
}

// testVersion is the version the test build of kubectl-fed reports.
const testVersion = testkit.TestVersion

// TestMain builds kubectl-fed and this platform's krew archive and
// manifest, with the functions `make dist` uses, then runs the tests.
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "kubectl-fed-release-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if err := buildDist(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "building the plugin's krew archive:", err)
		return 1
	}
	return m.Run()
}

// buildDist builds kubectl-fed into tmp/bin and writes this platform's
// krew archive and manifest into tmp.
func buildDist(tmp string) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	build.binDir = filepath.Join(tmp, "bin")
	if err := testkit.BuildInto(build.binDir, "kubectl-fed"); err != nil {
		return err
	}
	plugin := filepath.Join(build.binDir, "kubectl-fed")
	build.manifest = filepath.Join(tmp, "plugins.yaml")
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
		build.archive = filepath.Join(tmp, "dist", p.Archive())
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
