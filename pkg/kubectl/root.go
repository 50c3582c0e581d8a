// Package kubectl holds the `kubectl fed` plugin: one cobra command per
// subcommand, each an Options struct with Complete, Validate and Run, in
// one sub-package per noun.
package kubectl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
	"k8s.io/kubectl/pkg/util/templates"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/completion"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/describe"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/diff"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/doctor"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/enable"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/explain"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/federate"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/get"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/join"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/orphaning"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/plan"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/taint"
	cmdversion "github.com/kubectl-fed/kubectl-fed/pkg/kubectl/version"
	"github.com/kubectl-fed/kubectl-fed/pkg/version"
)

// NewCmdFed returns the root `kubectl fed` command.
func NewCmdFed(streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fed",
		Short: "Federate Kubernetes resources across clusters",
		Long: templates.LongDesc(`
			kubectl fed controls a federation of Kubernetes clusters: it joins member
			clusters to a host cluster, enables types for federation and federates
			resources, compatible with KubeFed v1beta1.

			The host cluster is the kubeconfig's current context, or --context (also
			spelt --host-cluster-context).`),
		Example: templates.Examples(`
			# Join two member clusters, enable Deployments and federate one
			kubectl fed join member1 --context=host
			kubectl fed join member2 --context=host
			kubectl fed enable deployments.apps --context=host
			kubectl fed federate deployment web -n shop --context=host`),
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl fed"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	version.AddFlag(cmd, "kubectl-fed")

	flags := cli.NewFlags()
	flags.AddTo(cmd)
	addVerbosityFlag(cmd)

	cmd.AddGroup(
		&cobra.Group{ID: "clusters", Title: "Member clusters:"},
		&cobra.Group{ID: "types", Title: "Federated types and objects:"},
	)
	for _, c := range []*cobra.Command{join.NewCmdJoin(flags, streams), join.NewCmdUnjoin(flags, streams),
		taint.NewCmdCordon(flags, streams), taint.NewCmdUncordon(flags, streams), taint.NewCmdTaint(flags, streams), taint.NewCmdDrain(flags, streams)} {
		c.GroupID = "clusters"
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{
		enable.NewCmdEnable(flags, streams),
		enable.NewCmdDisable(flags, streams),
		federate.NewCmdFederate(flags, streams),
		orphaning.NewCmdOrphaningDeletion(flags, streams),
		status.NewCmdStatus(flags, streams),
		plan.NewCmdPlan(flags, streams),
		get.NewCmdGet(flags, streams),
		describe.NewCmdDescribe(flags, streams),
		explain.NewCmdExplain(flags, streams),
		diff.NewCmdDiff(flags, streams),
		doctor.NewCmdDoctor(flags, streams),
	} {
		c.GroupID = "types"
		cmd.AddCommand(c)
	}
	cmd.AddCommand(newCmdOptions(streams), completion.NewCmdCompletion(streams))
	cmd.SetUsageTemplate(usageTemplate(cmd.UsageTemplate()))
	cmd.AddCommand(cmdversion.NewCmdVersion(flags, streams))
	return cmd
}

// Exit returns the exit code of a command's error and the message to print
// ("" for none): 0 without error, an ExitError's code, otherwise 1.
func Exit(err error) (int, string) {
	var exit *cli.ExitError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &exit):
		return exit.Code, exit.Error()
	}
	return 1, err.Error()
}

// addVerbosityFlag adds klog's -v, which shows the client's requests, and
// routes controller-runtime's log to klog.
func addVerbosityFlag(cmd *cobra.Command) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := fs.Lookup("v")
	v.Usage = "Log level: 6 shows every request to the API servers"
	cmd.PersistentFlags().AddGoFlag(v)
	ctrllog.SetLogger(klog.NewKlogr())
}

// usageTemplate turns cobra's usage template into one that lists only a
// command's own flags and points to `kubectl fed options` for the many
// global ones, as kubectl does.
func usageTemplate(cobraTemplate string) string {
	t := strings.Replace(cobraTemplate, "{{.LocalFlags.FlagUsages", "{{.LocalNonPersistentFlags.FlagUsages", 1)
	t = strings.Replace(t, "{{if .HasAvailableLocalFlags}}", "{{if .LocalNonPersistentFlags.HasAvailableFlags}}", 1)
	return strings.Replace(t,
		"Global Flags:\n{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}",
		`Use "kubectl fed options" for the global flags (--kubeconfig, --context, -n, --kubefed-namespace, ...).`, 1)
}

// optionsOptions are the inputs of `kubectl fed options`.
type optionsOptions struct {
	streams genericiooptions.IOStreams
	usages  string
}

// newCmdOptions returns `kubectl fed options`, which lists the global flags.
func newCmdOptions(streams genericiooptions.IOStreams) *cobra.Command {
	o := &optionsOptions{streams: streams}
	return &cobra.Command{
		Use:   "options",
		Short: "Print the flags every command accepts",
		Example: templates.Examples(`
			# Print the flags every command accepts
			kubectl fed options`),
		Args: cobra.NoArgs,
		RunE: cli.RunE(o),
	}
}

// Complete reads the root command's global flags.
func (o *optionsOptions) Complete(cmd *cobra.Command, _ []string) error {
	o.usages = cmd.Root().PersistentFlags().FlagUsages()
	return nil
}

// Validate has nothing to check.
func (o *optionsOptions) Validate() error { return nil }

// Run prints the global flags.
func (o *optionsOptions) Run(context.Context) error {
	_, err := fmt.Fprintf(o.streams.Out, "The following options can be passed to any command:\n\n%s", o.usages)
	return err
}
