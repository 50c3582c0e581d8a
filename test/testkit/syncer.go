package testkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/pkg/serving"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// RunSyncer runs the syncer in this process against the host of
// kubeconfig, in the default KubeFed namespace, with 4 workers, policy
// status recounted every second, the default unschedulable window and its
// metrics and probe endpoints off, until ctx ends; edits change those
// options first. The returned channel is closed once the syncer has stopped.
func RunSyncer(ctx context.Context, kubeconfig string, leaderElect bool, edits ...func(*syncer.Options)) <-chan struct{} {
	opts := &syncer.Options{
		Kubeconfig:             kubeconfig,
		KubeFedNamespace:       core.DefaultKubeFedSystemNamespace,
		LeaderElect:            leaderElect,
		Metrics:                serving.Metrics{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Workers:                4,
		PolicyStatusInterval:   time.Second,
		UnschedulableWindow:    scheduling.DefaultUnschedulableWindow,
	}
	for _, edit := range edits {
		edit(opts)
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

// StartSyncer runs binary (a syncer built with BuildCommands) as a process
// named name against the fleet's host, in the default KubeFed namespace,
// with its metrics off, policy status recounted every second and its
// probes on a free port of 127.0.0.1, logging
// to logPath; args are added to (and override) those flags. It waits until
// the syncer's /readyz answers; the caller stops the process.
func StartSyncer(ctx context.Context, f *fleet.Fleet, name, binary, logPath string, args ...string) (*fleet.Process, error) {
	ports, err := fleet.FreePorts(1)
	if err != nil {
		return nil, err
	}
	probes := "127.0.0.1:" + strconv.Itoa(ports[0])
	p, err := fleet.StartProcess(name, binary, append([]string{"--kubeconfig", f.KubeconfigPath(),
		"--kubefed-namespace", core.DefaultKubeFedSystemNamespace, "--metrics-bind-address", "0", "--health-probe-bind-address", probes,
		"--policy-status-interval", "1s",
	}, args...), logPath)
	if err != nil {
		return nil, err
	}
	if err := WaitReady(ctx, "http://"+probes+"/readyz", nil, p); err != nil {
		p.Stop()
		return nil, fmt.Errorf("starting the syncer (log %s): %w", filepath.Base(logPath), err)
	}
	return p, nil
}
