// Command kubectl-fed is the `kubectl fed` plugin.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	// Authentication plugins of cloud providers' kubeconfigs (exec, OIDC).
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := kubectl.NewCmdFed(streams).ExecuteContext(ctx)
	stop()
	code, message := kubectl.Exit(err)
	if message != "" {
		fmt.Fprintln(os.Stderr, "error:", message)
	}
	os.Exit(code)
}
