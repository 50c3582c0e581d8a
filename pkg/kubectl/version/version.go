// Package version holds `kubectl fed version`.
package version

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	buildinfo "github.com/kubectl-fed/kubectl-fed/pkg/version"
)

// controlPlaneTimeout bounds the look-up of the control plane's version, so
// that `version` answers quickly when no host cluster is reachable.
const controlPlaneTimeout = 3 * time.Second

// SyncerDeployment is the name of the control plane's syncer Deployment,
// whose image tag is the control plane's version.
const SyncerDeployment = "kubefed-syncer"

// Options are the inputs of `kubectl fed version`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams
	// Output is -o (json or yaml).
	Output string
	// Short prints the version only.
	Short bool
	// Client prints the plugin's version only, without looking for a
	// control plane.
	Client bool
}

// NewCmdVersion returns `kubectl fed version`.
func NewCmdVersion(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl fed and of the control plane",
		Long: templates.LongDesc(`
			Print the version of this kubectl fed binary on one line, and the version
			of the federation control plane of the host cluster when one is reachable
			(the image of its kubefed-syncer Deployment).`),
		Example: templates.Examples(`
			# Print the versions of the plugin and of the control plane
			kubectl fed version

			# Print the plugin's version only
			kubectl fed version --short

			# Print the plugin's build information as JSON
			kubectl fed version -o json`),
		Args: cobra.NoArgs,
		RunE: cli.RunE(o),
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Print the build information in this format. One of: json|yaml")
	cmd.Flags().BoolVar(&o.Short, "short", false, "Print the version only")
	cmd.Flags().BoolVar(&o.Client, "client", false, "Print the plugin's version only, without looking for a control plane")
	return cmd
}

// Complete has nothing to fill in.
func (o *Options) Complete(*cobra.Command, []string) error { return nil }

// Validate checks -o and --short.
func (o *Options) Validate() error {
	if o.Output != "" && o.Output != "json" && o.Output != "yaml" {
		return fmt.Errorf("Invalid value for --output: %q. Allowed values: json, yaml", o.Output)
	}
	if o.Short && o.Output != "" {
		return fmt.Errorf("--short and --output cannot be used together")
	}
	return nil
}

// Run prints the build information.
func (o *Options) Run(ctx context.Context) error {
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
		fmt.Fprintln(o.streams.Out, Line(info))
		if !o.Client {
			if line := o.controlPlane(ctx); line != "" {
				fmt.Fprintln(o.streams.Out, line)
			}
		}
	}
	return nil
}

// Line is the one human line of a build: "kubectl-fed v0.1.0 (commit
// 1a2b3c4, go1.25.1, linux/amd64)".
func Line(info buildinfo.Info) string {
	commit := info.GitCommit
	if len(commit) > 7 {
		commit = commit[:7]
	}
	return fmt.Sprintf("kubectl-fed %s (commit %s, %s, %s)", info.GitVersion, commit, info.GoVersion, info.Platform)
}

// controlPlane describes the host's control plane in one line, or returns
// "" when no host cluster or control plane can be reached.
func (o *Options) controlPlane(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, controlPlaneTimeout)
	defer cancel()
	host, err := o.flags.Host()
	if err != nil {
		return ""
	}
	return ControlPlane(ctx, host, o.flags.KubeFedNamespace)
}

// ControlPlane describes the control plane in namespace ns of the host in
// one line ("Control plane: IMAGE in namespace NS of context CTX"), or
// returns "" when there is none.
func ControlPlane(ctx context.Context, host *cli.Cluster, ns string) string {
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.KubeFedConfigName}, &corev1beta1.KubeFedConfig{}); err != nil {
		return ""
	}
	where := fmt.Sprintf("namespace %s of context %q", ns, host.Name)
	deploy := &appsv1.Deployment{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: SyncerDeployment}, deploy); err != nil || len(deploy.Spec.Template.Spec.Containers) == 0 {
		return fmt.Sprintf("Control plane: %s (version unknown: no Deployment %s there)", where, SyncerDeployment)
	}
	return fmt.Sprintf("Control plane: %s in %s", deploy.Spec.Template.Spec.Containers[0].Image, where)
}
