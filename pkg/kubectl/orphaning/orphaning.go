// Package orphaning holds `kubectl fed orphaning-deletion`, which decides
// whether deleting a federated object also deletes its member objects.
package orphaning

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
)

// Operation is what `orphaning-deletion` does.
type Operation string

// The operations, which are also the subcommands' names.
const (
	Enable  Operation = "enable"
	Disable Operation = "disable"
	Status  Operation = "status"
)

var (
	orphaningLong = templates.LongDesc(`
		Enable, disable or show orphaning deletion of a federated object.

		With orphaning enabled (annotation kubefed.io/orphan: "true"), deleting the
		federated object leaves its objects in the member clusters in place and only
		removes their kubefed.io/managed label.`)

	orphaningExample = templates.Examples(`
		# Keep the member objects of FederatedDeployment web when it is deleted
		# (TYPE is the target type, as for status, or the federated type)
		kubectl fed orphaning-deletion enable deployments web -n shop

		# Show whether orphaning is enabled
		kubectl fed orphaning-deletion status federateddeployments web -n shop

		# Delete the member objects with the federated object again
		kubectl fed orphaning-deletion disable federateddeployments web -n shop`)
)

// Options are the inputs of one orphaning-deletion subcommand.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// Operation is enable, disable or status.
	Operation Operation
	// TypeName and Name name the federated object.
	TypeName, Name string
	// DryRun is --dry-run (enable and disable).
	DryRun string

	dryRun cli.DryRun

	namespace string
}

// NewCmdOrphaningDeletion returns `kubectl fed orphaning-deletion` with its
// enable, disable and status subcommands.
func NewCmdOrphaningDeletion(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "orphaning-deletion (enable | disable | status) TYPE NAME",
		Short:   "Enable, disable or show orphaning deletion of a federated object",
		Long:    orphaningLong,
		Example: orphaningExample,
		Args:    cobra.NoArgs,
	}
	shorts := map[Operation]string{
		Enable:  "Keep the member objects when the federated object is deleted",
		Disable: "Delete the member objects with the federated object",
		Status:  "Show whether orphaning deletion is enabled",
	}
	for _, op := range []Operation{Enable, Disable, Status} {
		o := &Options{flags: flags, streams: streams, Operation: op}
		sub := &cobra.Command{
			Use:     string(op) + " TYPE NAME",
			Short:   shorts[op],
			Example: orphaningExample,
			Args:    cobra.MaximumNArgs(2),
			RunE:    cli.RunE(o),

			ValidArgsFunction: status.CompleteEnabledTypesThenObjects(flags),
		}
		if op != Status {
			cli.AddDryRunFlag(sub, &o.DryRun)
		}
		cmd.AddCommand(sub)
	}
	return cmd
}

// Complete reads the arguments and the namespace.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	if len(args) < 2 {
		return cli.UsageErrorf(cmd, "TYPE and NAME are required")
	}
	o.TypeName, o.Name = args[0], args[1]
	var err error
	if o.dryRun, err = cli.ParseDryRun(o.DryRun); err != nil {
		return err
	}
	o.namespace, err = o.flags.Namespace()
	return err
}

// Validate checks the operation.
func (o *Options) Validate() error {
	switch o.Operation {
	case Enable, Disable, Status:
		return nil
	}
	return fmt.Errorf("unknown orphaning-deletion operation %q: use enable, disable or status", o.Operation)
}

// Run applies the operation.
func (o *Options) Run(ctx context.Context) error {
	host, t, obj, err := status.OpenObject(ctx, o.flags, o.TypeName, o.namespace, o.Name)
	if err != nil {
		return err
	}
	gvk := t.Config.Spec.FederatedType.GroupVersionKind()
	enabled := obj.GetAnnotations()[core.OrphanManagedResourcesAnnotation] == core.OrphanManagedResourcesValue
	ref := cli.Ref(gvk, o.Name)
	switch o.Operation {
	case Status:
		if enabled {
			fmt.Fprintln(o.streams.Out, "Enabled")
		} else {
			fmt.Fprintln(o.streams.Out, "Disabled")
		}
		return nil
	case Enable:
		if enabled {
			fmt.Fprintf(o.streams.Out, "%s orphaning deletion already enabled\n", ref)
			return nil
		}
		obj.SetAnnotations(SetOrphan(obj.GetAnnotations(), true))
	case Disable:
		if _, set := obj.GetAnnotations()[core.OrphanManagedResourcesAnnotation]; !set {
			fmt.Fprintf(o.streams.Out, "%s orphaning deletion already disabled\n", ref)
			return nil
		}
		obj.SetAnnotations(SetOrphan(obj.GetAnnotations(), false))
	}
	if !o.dryRun.Client() {
		cli.LogAction(ctx, "Updating object", host, obj)
		if err := host.ForDryRun(o.dryRun).Client.Update(ctx, obj); err != nil {
			return fmt.Errorf("updating %s: %w", ref, err)
		}
	}
	cli.Done(o.streams.Out, o.dryRun, "%s orphaning deletion %sd", ref, o.Operation)
	return nil
}

// SetOrphan returns the annotations with kubefed.io/orphan set to "true",
// or removed.
func SetOrphan(annotations map[string]string, orphan bool) map[string]string {
	out := map[string]string{}
	for k, v := range annotations {
		out[k] = v
	}
	if orphan {
		out[core.OrphanManagedResourcesAnnotation] = core.OrphanManagedResourcesValue
	} else {
		delete(out, core.OrphanManagedResourcesAnnotation)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
