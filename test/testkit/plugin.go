package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// Plugin runs `kubectl fed` as users do: the pinned kubectl finds the
// kubectl-fed binary in BinDir through its plugin dispatch.
type Plugin struct {
	// BinDir holds the kubectl-fed binary under test; "" is the directory
	// of the one built for this test binary (Command).
	BinDir string
	// Kubeconfig is the fleet's kubeconfig.
	Kubeconfig string
}

// Env puts BinDir and the pinned kubectl on PATH, selects kubeconfig and
// gives the run an empty HOME.
func (p Plugin) Env(t testing.TB, kubeconfig string) []string {
	t.Helper()
	bin, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	plugins := p.BinDir
	if plugins == "" {
		plugins = filepath.Dir(Command(t, "kubectl-fed"))
	}
	return []string{
		"PATH=" + plugins + string(os.PathListSeparator) + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"KUBECONFIG=" + kubeconfig,
		"HOME=" + t.TempDir(),
	}
}

// Run runs `kubectl fed ARGS --context host`.
func (p Plugin) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return p.RunWith(t, p.Kubeconfig, args...)
}

// RunWith is Run with another kubeconfig.
func (p Plugin) RunWith(t testing.TB, kubeconfig string, args ...string) Result {
	t.Helper()
	return KubectlEnv(t, p.Env(t, kubeconfig), append(append([]string{"fed"}, args...), "--context", fleet.HostName)...)
}

// MustRun is Run that fails the test unless the command succeeds, and
// returns its standard output.
func (p Plugin) MustRun(t testing.TB, args ...string) string {
	t.Helper()
	r := p.Run(t, args...)
	if r.Err != nil {
		t.Fatalf("kubectl fed %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Err, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// MustFail checks a failed command: exit code 1 and every fragment in its
// standard error.
func MustFail(t testing.TB, r Result, fragments ...string) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(r.Err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("command ended with %v, want exit code 1\nstdout:\n%s\nstderr:\n%s", r.Err, r.Stdout, r.Stderr)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Stderr, f) {
			t.Errorf("stderr lacks %q:\n%s", f, r.Stderr)
		}
	}
}

// Fed runs the kubectl-fed built for this test binary directly (not
// through kubectl) with the given kubeconfig, for set-up steps outside a
// test; the error quotes its output.
func Fed(ctx context.Context, kubeconfig string, args ...string) error {
	binary, err := CommandPath("kubectl-fed")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*WaitTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, append(args, "--kubeconfig", kubeconfig)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl fed %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
