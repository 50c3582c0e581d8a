// Command webhook runs the kubectl-fed webhook.
package main

import (
	"os"

	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
)

func main() {
	if err := webhook.NewCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
