package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// extraFlags are flags for the control plane's processes beyond the
// fleet's own, each a space-separated list; later flags override earlier ones.
type extraFlags struct {
	syncer, webhook string
}

// startControlPlane brings the local control plane (testkit's, which `make
// bench` measures too) up on the fleet's host; its Stop ends its processes.
func startControlPlane(ctx context.Context, dir string, f *fleet.Fleet, extra extraFlags) (*testkit.LocalControlPlane, error) {
	bin, err := fleet.BinDir()
	if err != nil {
		return nil, err
	}
	cp, err := testkit.StartLocalControlPlane(ctx, dir, bin, f,
		testkit.LocalFlags{Syncer: strings.Fields(extra.syncer), Webhook: strings.Fields(extra.webhook)}, os.Stdout)
	if err != nil {
		return nil, err
	}
	fmt.Printf("syncer metrics: https://%s/metrics (HTTPS; send a bearer token allowed to get the non-resource URL /metrics)\n", cp.SyncerMetrics)
	return cp, nil
}
