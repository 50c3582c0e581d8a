package readme

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// blockTimeout bounds one README block; its own waits are shorter.
const blockTimeout = 3 * time.Minute

func readme(t *testing.T) (root string, blocks []Block) {
	t.Helper()
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, errs := Parse(string(data))
	for _, err := range errs {
		t.Error(err)
	}
	return root, blocks
}

// TestEveryShellBlockIsMarked fails for a shell block without a marker, and
// for a covered-by marker that names no file or directory of the
// repository. The blocks marked covered-by are run elsewhere:
//
//   - make demo: test/deploy (TestDemo runs the demo's steps through
//     test/demo, the code `make demo` runs);
//   - make local-up / local-down: test/cmd/fleet (the fleet command's up and
//     down);
//   - make test: .ci/run (CI runs it);
//   - make dist and krew install --manifest --archive: test/release
//     (TestKrewInstallsThePluginOffline);
//   - kubectl apply -k manifests/...: test/deploy (every variant is applied
//     with --dry-run=server, the base for real).
func TestEveryShellBlockIsMarked(t *testing.T) {
	root, blocks := readme(t)
	runs := 0
	for _, b := range blocks {
		switch b.Kind {
		case KindCoveredBy:
			if _, err := os.Stat(filepath.Join(root, b.Arg)); err != nil {
				t.Errorf("README.md:%d: covered-by %s: %v", b.Line, b.Arg, err)
			}
		case KindRun:
			runs++
		}
	}
	if runs == 0 {
		t.Error("README.md has no block marked run")
	}
}

// TestCommandsRun starts a local federation as `make local-up` does (the
// fleet command, with this tree's kubectl-fed, syncer and webhook), and runs
// every block marked run, in order, with bash from a working directory laid
// out like the repository (_output/bin, _output/local).
func TestCommandsRun(t *testing.T) {
	root, blocks := readme(t)
	if t.Failed() {
		t.FailNow()
	}
	tools, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fleet.DefaultBinaries(); err != nil {
		t.Fatal(err)
	}

	// A bin directory with this tree's binaries and the pinned tools.
	work := t.TempDir()
	bin := filepath.Join(work, "_output", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := testkit.BuildInto(bin, "kubectl-fed", "syncer", "webhook", "test/cmd/fleet"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(tools)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := os.Lstat(filepath.Join(bin, e.Name())); err == nil {
			continue // built above
		}
		if err := os.Symlink(filepath.Join(tools, e.Name()), filepath.Join(bin, e.Name())); err != nil {
			t.Fatal(err)
		}
	}

	unlock, err := fleet.LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	local := filepath.Join(work, "_output", "local")
	env := append(os.Environ(),
		fleet.BinDirEnv+"="+bin,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+filepath.Join(local, "kubeconfig"),
		"HOME="+t.TempDir(),
		"NO_COLOR=1",
	)
	fleetCmd := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "fleet"), append(args, "--dir", local)...)
		cmd.Dir, cmd.Env = root, env // the control plane finds manifests/crds from the repository
		out, err := cmd.CombinedOutput()
		t.Logf("fleet %s:\n%s", strings.Join(args, " "), out)
		if err != nil {
			t.Fatalf("fleet %s: %v", strings.Join(args, " "), err)
		}
	}
	defer fleetCmd("down")
	fleetCmd("up", "--members", "2")

	for _, b := range blocks {
		switch b.Kind {
		case KindFile:
			if err := os.WriteFile(filepath.Join(work, b.Arg), []byte(b.Body), 0o644); err != nil {
				t.Fatal(err)
			}
		case KindRun:
			if !runBlock(t, work, env, b) {
				return // later blocks build on this one
			}
		}
	}
}

func runBlock(t *testing.T, dir string, env []string, b Block) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	started := time.Now()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\nset -x\n"+b.Body)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	t.Logf("README.md:%d (%.1fs):\n%s", b.Line, time.Since(started).Seconds(), out)
	if err != nil {
		t.Errorf("README.md:%d: the block failed: %v", b.Line, err)
		return false
	}
	return true
}
