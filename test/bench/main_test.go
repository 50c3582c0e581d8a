package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// programs holds kubectl-fed, the syncer and the webhook, built once for
// this test binary by TestMain, for every benchmark's control plane.
var programs string

// TestMain builds the control plane's programs once, before any test or
// benchmark takes the machine's fleet lock: a build while holding it
// would keep every other suite's fleet waiting.
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubectl-fed-bench-programs-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := testkit.BuildInto(dir, "kubectl-fed", "syncer", "webhook"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	programs = dir
	return m.Run()
}
