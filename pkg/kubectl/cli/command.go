package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// Command is a kubectl-style command's options: Complete fills them from
// the flags and arguments, Validate checks them, Run does the work.
type Command interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// RunE returns a cobra RunE that completes, validates and runs c.
func RunE(c Command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := c.Complete(cmd, args); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		return c.Run(cmd.Context())
	}
}
