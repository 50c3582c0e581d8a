package cli

import (
	"context"

	"github.com/spf13/cobra"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Command is a kubectl-style command's options: Complete fills them from
// the flags and arguments, Validate checks them, Run does the work.
type Command interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// RunE returns a cobra RunE that completes, validates and runs c, with
// a logger (ctrl.LoggerFrom) in Run's context.
func RunE(c Command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := c.Complete(cmd, args); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		log := ctrllog.FromContext(ctx).WithValues("command", cmd.CommandPath())
		return c.Run(ctrllog.IntoContext(ctx, log))
	}
}

// ExitError is an error that sets the command's exit code (1 otherwise);
// its message is printed unless empty.
type ExitError struct {
	Code int
	Err  error
}

// Error is the wrapped error's message, "" when there is none.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *ExitError) Unwrap() error { return e.Err }

// ObjectArgs are the TYPE NAME arguments of a command on one federated
// object and the namespace (-n, or the context's) it is read in.
type ObjectArgs struct {
	TypeName, Name string
	Namespace      string
}

// Complete reads TYPE and NAME from args (cobra.ExactArgs(2) checked
// them) and the namespace from flags.
func (a *ObjectArgs) Complete(flags *Flags, args []string) error {
	a.TypeName, a.Name = args[0], args[1]
	ns, err := flags.Namespace()
	a.Namespace = ns
	return err
}
