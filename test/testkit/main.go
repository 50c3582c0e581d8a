package testkit

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// Suite describes what the tests of one package share: the commands they
// run as processes, their fleet, and what is set up on it once.
type Suite struct {
	// Commands are the commands (see BuildCommands) the tests run; Main
	// builds them before the fleet starts.
	Commands []string
	// Fleet configures the package's fleet.
	Fleet fleet.Options
	// ControlPlane, when not nil, is started on the fleet's host before the
	// tests (StartControlPlane) and stopped after them.
	ControlPlane *ControlPlaneOptions
	// SetUp, when not nil, runs once before the tests, after the control
	// plane started: it stores what the tests use in the package's
	// variables and prepares what else they share.
	SetUp func(ctx context.Context, env *Env) error
	// TearDown, when not nil, runs after the tests (or a failed SetUp),
	// before the control plane and the fleet stop; failed says whether the
	// package fails.
	TearDown func(failed bool)
}

// Env is what Main set up for a package's tests.
type Env struct {
	// Fleet is the package's fleet.
	Fleet *fleet.Fleet
	// ControlPlane is the control plane on its host; nil unless
	// Suite.ControlPlane was set.
	ControlPlane *ControlPlane
	// Dir is a directory for logs and files of the whole run, removed
	// after it unless a test failed.
	Dir string
}

// Main is the body of a test package's TestMain: it builds the suite's
// commands, waits for the machine's fleet lock, starts the fleet, the
// control plane and SetUp, runs the tests, runs TearDown, stops
// everything and returns the exit code. An error in the set-up fails the package with it.
//
//	func TestMain(m *testing.M) {
//		os.Exit(testkit.Main(m, testkit.Suite{Fleet: fleet.Options{Clusters: fleet.ClusterNames(2)}, SetUp: ...}))
//	}
func Main(m *testing.M, s Suite) int {
	// controller-runtime's clients and in-process controllers log nowhere
	// unless a logger is set; without one, the first of them used after
	// 30 s prints a warning with a goroutine stack to standard error, which
	// reads like a failure in the test output. A suite that set its own
	// logger before Main keeps it: only the first SetLogger takes effect.
	ctrllog.SetLogger(logr.Discard())
	built.Lock()
	built.inMain = true
	built.Unlock()
	defer removeCommands()
	if err := BuildCommands(s.Commands...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return fleet.Run(s.Fleet, func(f *fleet.Fleet) int {
		dir, err := os.MkdirTemp("", "kubectl-fed-suite-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		code := 1
		defer func() {
			if code == 0 {
				_ = os.RemoveAll(dir)
			} else {
				fmt.Fprintln(os.Stderr, "logs of the suite's control plane kept in", dir)
			}
		}()
		env := &Env{Fleet: f, Dir: dir}
		ctx := context.Background()
		if s.ControlPlane != nil {
			if env.ControlPlane, err = StartControlPlane(ctx, f, dir, *s.ControlPlane); err != nil {
				fmt.Fprintln(os.Stderr, "setting up the control plane:", err)
				return code
			}
			defer env.ControlPlane.Stop()
		}
		if s.TearDown != nil {
			defer func() { s.TearDown(code != 0) }()
		}
		if s.SetUp != nil {
			if err := s.SetUp(ctx, env); err != nil {
				fmt.Fprintln(os.Stderr, "setting up the suite:", err)
				return code
			}
		}
		code = m.Run()
		return code
	})
}
