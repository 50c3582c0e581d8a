// Command demo walks the quickstart on the local federation that `make
// local-up` started (`make demo` runs both): real kubectl and `kubectl fed`
// commands, each printed before it runs, each step's result checked. It
// exits 0 only if every expectation held, and leaves the fleet running.
//
//	demo [--kubeconfig _output/local/kubeconfig] [--bin-dir _output/bin] [--timeout 90s]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-fed/kubectl-fed/test/demo"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "_output/local/kubeconfig", "Kubeconfig of the local fleet (contexts host, member1, ...)")
	binDir := flag.String("bin-dir", "_output/bin", "Directory holding kubectl and kubectl-fed")
	timeout := flag.Duration("timeout", demo.DefaultTimeout, "How long each expectation may take to hold")
	flag.Parse()
	if err := run(*kubeconfig, *binDir, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo FAILED:", err)
		fmt.Fprintln(os.Stderr, "logs: _output/local/logs/ (syncer.log, webhook.log, one folder per cluster)")
		os.Exit(1)
	}
}

func run(kubeconfig, binDir string, timeout time.Duration) error {
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return fmt.Errorf("reading %s (is the fleet up? `make local-up`): %w", kubeconfig, err)
	}
	var members []string
	for name := range cfg.Contexts {
		if name != fleet.HostName {
			members = append(members, name)
		}
	}
	slices.Sort(members)
	absConfig, err := filepath.Abs(kubeconfig)
	if err != nil {
		return err
	}
	absBin, err := filepath.Abs(binDir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("the demo runs these commands with:\n  export KUBECONFIG=%s PATH=$PWD/%s:$PATH\n", kubeconfig, binDir)
	if err := demo.Run(ctx, demo.Config{Kubeconfig: absConfig, Host: fleet.HostName, Members: members, BinDir: absBin, Out: os.Stdout, Timeout: timeout}); err != nil {
		return err
	}
	fmt.Printf(`
The federation is still running. Try it yourself:
  export KUBECONFIG=%s PATH=$PWD/%s:$PATH
  kubectl fed status
  kubectl --context %s -n %s get all,configmaps,secrets
Stop it with: make local-down
`, kubeconfig, binDir, members[0], demo.Namespace)
	return nil
}
