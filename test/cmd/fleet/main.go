// Command fleet runs a local fleet of clusters in the background for
// `make local-up` and `make local-down`.
//
//	fleet up   [--dir DIR] [--members N] [--nodes N] [--light-members] [--control-plane=false] [--syncer-flags F] [--webhook-flags F]  start in the background; wait until ready
//	fleet down [--dir DIR]                                                                                                             stop the fleet started by up
//	fleet run  [--dir DIR] [--members N] [--nodes N] [--light-members] [--control-plane=false] [--syncer-flags F] [--webhook-flags F]  run in the foreground until SIGTERM
//
// --light-members makes the members light (fleet.Options.LightMembers):
// one shared etcd, only the API groups members need and, without nodes, a
// kube-controller-manager with only the service account and namespace
// controllers; `make local-up` sets it when MEMBERS is above 4.
//
// --syncer-flags and --webhook-flags are extra flags (split at spaces) for
// the syncer and webhook processes, after the fleet's own: `make local-up
// SYNCER_FLAGS=--workers=2` passes them.
//
// With --nodes N, every cluster also runs kube-scheduler and N simulated
// nodes (test/nodesim) of 4 CPU, 8Gi and 20 pods each, so that pods are
// scheduled and become Ready; the simulator runs inside the supervisor.
//
// With the control plane (the default), the host also gets the CRDs, the
// webhook and the syncer as local processes, the members are joined with
// `kubectl fed join` and the default types enabled with `kubectl fed
// enable`. Both up and down are idempotent.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// Files in the fleet directory.
const (
	pidFile   = "fleet.pid" // the supervisor's PID while it runs
	readyFile = "ready"     // present once every cluster is ready
	logFile   = "logs/fleet.log"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	flags := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := flags.String("dir", "_output/local", "Directory for the fleet's state, logs and kubeconfig")
	members := flags.Int("members", 2, "Number of member clusters besides the host")
	nodes := flags.Int("nodes", 0, "Number of simulated nodes per cluster, with kube-scheduler (0: none, pods stay Pending)")
	withControlPlane := flags.Bool("control-plane", true, "Also run the federation control plane (webhook, syncer) and join the members")
	light := flags.Bool("light-members", false, "Light members: one shared etcd, only the API groups members need, a minimal controller manager without nodes")
	var extra extraFlags
	flags.StringVar(&extra.syncer, "syncer-flags", "", "Extra flags for the syncer, separated by spaces")
	flags.StringVar(&extra.webhook, "webhook-flags", "", "Extra flags for the webhook, separated by spaces")
	_ = flags.Parse(os.Args[2:])
	abs, err := filepath.Abs(*dir)
	if err == nil {
		switch os.Args[1] {
		case "up":
			err = up(abs, size{*members, *nodes, *light}, *withControlPlane, extra)
		case "down":
			err = down(abs)
		case "run":
			err = run(abs, size{*members, *nodes, *light}, *withControlPlane, extra)
		default:
			usage()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: fleet up|down|run [--dir DIR] [--members N] [--nodes N] [--light-members] [--control-plane=false] [--syncer-flags F] [--webhook-flags F]")
	os.Exit(2)
}

// size is the fleet's size: members, simulated nodes per cluster and
// whether members are light.
type size struct {
	members, nodes int
	light          bool
}

// up starts `fleet run` as a detached background process and waits until it
// reports the fleet ready, or fails.
func up(dir string, sz size, withControlPlane bool, extra extraFlags) error {
	members, nodes := sz.members, sz.nodes
	if pid, ok := runningSupervisor(dir); ok {
		fmt.Printf("local fleet already running (pid %d)\n", pid)
		printUsage(dir)
		return nil
	}
	if members < 0 {
		return fmt.Errorf("--members must be 0 or more, got %d", members)
	}
	if nodes < 0 {
		return fmt.Errorf("--nodes must be 0 or more, got %d", nodes)
	}
	for _, name := range []string{pidFile, readyFile} {
		_ = os.Remove(filepath.Join(dir, name))
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, logFile))
	if err != nil {
		return err
	}
	defer log.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "run", "--dir", dir, "--members", strconv.Itoa(members), "--nodes", strconv.Itoa(nodes),
		"--light-members="+strconv.FormatBool(sz.light), "--control-plane="+strconv.FormatBool(withControlPlane), "--syncer-flags", extra.syncer, "--webhook-flags", extra.webhook)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the fleet supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	light := ""
	if sz.light {
		light = ", light members"
	}
	fmt.Printf("starting a local fleet: host + %d member(s), %d simulated node(s) each%s (log: %s)\n", members, nodes, light, filepath.Join(dir, logFile))
	started := time.Now()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(filepath.Join(dir, logFile))
			return fmt.Errorf("the local fleet failed to start (%v):\n%s", err, strings.TrimSpace(string(out)))
		case <-tick.C:
			if _, err := os.Stat(filepath.Join(dir, readyFile)); err == nil {
				fmt.Printf("local fleet ready in %.1fs\n", time.Since(started).Seconds())
				printUsage(dir)
				return nil
			}
		}
	}
}

func printUsage(dir string) {
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if rel, err := filepath.Rel(mustGetwd(), kubeconfig); err == nil && !strings.HasPrefix(rel, "..") {
		kubeconfig = rel
	}
	fmt.Printf("contexts: %s\n", strings.Join(contexts(dir), ", "))
	fmt.Printf("stop it with: make local-down\n")
	fmt.Printf("export KUBECONFIG=%s\n", kubeconfig)
}

// contexts lists the context names recorded by the supervisor.
func contexts(dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, readyFile))
	if err != nil {
		return nil
	}
	return strings.Fields(string(data))
}

// down stops the supervisor started by up and waits until it has stopped
// every cluster.
func down(dir string) error {
	pid, ok := runningSupervisor(dir)
	if !ok {
		fmt.Println("local fleet is not running")
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping the fleet supervisor (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := runningSupervisor(dir); !ok {
			fmt.Println("local fleet stopped")
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the fleet supervisor (pid %d) did not stop within 60s; see %s", pid, filepath.Join(dir, logFile))
}

// run starts the fleet in the foreground, marks it ready and keeps it running
// until SIGTERM or SIGINT. Its clusters die with it.
func run(dir string, sz size, withControlPlane bool, extra extraFlags) error {
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(dir, pidFile))
	names := fleet.ClusterNames(sz.members)
	for _, name := range append(names, "webhook-certs", "members-etcd") { // a fresh start: no state from an earlier run
		_ = os.RemoveAll(filepath.Join(dir, name))
		_ = os.RemoveAll(filepath.Join(dir, "logs", name))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	f, err := fleet.Start(ctx, fleet.Options{Clusters: names, Dir: dir, Progress: os.Stdout, Nodes: sz.nodes, LightMembers: sz.light})
	if err != nil {
		return err
	}
	defer f.Stop()
	fleetReady := time.Since(started)
	resident := f.ResidentBytes()
	if withControlPlane {
		cp, err := startControlPlane(ctx, dir, f, extra)
		if err != nil {
			return err
		}
		defer cp.Stop()
		resident += fleet.ResidentBytes(cp.Syncer.Pid()) + fleet.ResidentBytes(cp.Webhook.Process.Pid())
	}
	if err := os.WriteFile(filepath.Join(dir, readyFile), []byte(strings.Join(names, " ")+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(dir, readyFile))
	fmt.Printf("fleet ready in %.1fs (clusters in %.1fs); %d MiB resident (every process)\n", time.Since(started).Seconds(), fleetReady.Seconds(), resident>>20)
	<-ctx.Done()
	fmt.Println("stopping the fleet")
	return nil
}

// runningSupervisor returns the PID in the pid file if that process is alive
// and is a fleet supervisor (and not some other process that reused the PID).
func runningSupervisor(dir string) (int, bool) {
	data, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "fleet\x00run\x00") {
		return 0, false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0, false
	}
	return pid, true
}

func mustGetwd() string {
	wd, _ := os.Getwd()
	return wd
}
