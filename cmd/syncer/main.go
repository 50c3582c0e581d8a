// Command syncer runs the kubectl-fed syncer.
package main

import (
	"os"

	"github.com/kubectl-fed/kubectl-fed/pkg/syncer"
)

func main() {
	if err := syncer.NewCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
