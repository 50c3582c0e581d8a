// Package version holds `kubectl fed version`.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	buildinfo "github.com/kubectl-fed/kubectl-fed/pkg/version"
)

// Options are the inputs of `kubectl fed version`.
type Options struct {
	streams genericiooptions.IOStreams
	// Output is -o (json or yaml).
	Output string
	// Short prints the version only.
	Short bool
}

// NewCmdVersion returns `kubectl fed version`.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{streams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl fed",
		Long:  templates.LongDesc(`Print the build information of this kubectl fed binary.`),
		Example: templates.Examples(`
			# Print the build information
			kubectl fed version

			# Print the version only
			kubectl fed version --short

			# Print the build information as JSON
			kubectl fed version -o json`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cli.ValidateOutput(o.Output); err != nil {
				return err
			}
			if o.Short && o.Output != "" {
				return fmt.Errorf("--short and --output cannot be used together")
			}
			return o.Run()
		},
	}
	cli.AddOutputFlag(cmd, &o.Output, "Print the build information in this format")
	cmd.Flags().BoolVar(&o.Short, "short", false, "Print the version only")
	return cmd
}

// Run prints the build information.
func (o *Options) Run() error {
	info := buildinfo.Get()
	switch {
	case o.Short:
		fmt.Fprintln(o.streams.Out, info.GitVersion)
	case o.Output == "json":
		data, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(o.streams.Out, string(data))
	case o.Output == "yaml":
		data, err := yaml.Marshal(info)
		if err != nil {
			return err
		}
		fmt.Fprint(o.streams.Out, string(data))
	default:
		fmt.Fprintf(o.streams.Out, "kubectl-fed version: %s\n", info)
	}
	return nil
}
