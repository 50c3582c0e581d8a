package testkit

import (
	"context"
	"fmt"
	"os"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer"
)

// RunSyncer runs the syncer in this process against the host of
// kubeconfig, in the default KubeFed namespace, with 4 workers and its
// metrics and probe endpoints off, until ctx ends. The returned channel
// is closed once the syncer has stopped.
func RunSyncer(ctx context.Context, kubeconfig string, leaderElect bool) <-chan struct{} {
	opts := &syncer.Options{
		Kubeconfig:             kubeconfig,
		KubeFedNamespace:       core.DefaultKubeFedSystemNamespace,
		LeaderElect:            leaderElect,
		MetricsBindAddress:     "0",
		HealthProbeBindAddress: "0",
		Workers:                4,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := opts.Run(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "syncer stopped:", err)
		}
	}()
	return done
}
