// Package explain holds `kubectl fed explain`, which shows, for every
// joined cluster, the funnel of the syncer's decision about one federated
// object and the step where it stopped: placement, the namespace's
// placement, policy, readiness, taints (the eviction gate and rate limit),
// the replica plan, the type being served, overrides, the member object,
// and the action with the status it sets. It computes this
// with the syncer's own functions (package syncview), offline from the
// syncer process, and flags clusters where the status the syncer recorded
// says otherwise.
package explain

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/syncview"
)

var (
	explainLong = templates.LongDesc(`
		Explain, cluster by cluster, what the syncer does with a federated object
		and why: whether its placement (clusters or clusterSelector) selects the
		cluster, whether its namespace's placement does, whether a policy denies it
		(which policy and rule), whether the cluster is ready, whether the object
		tolerates its taints (and for a NoExecute taint, what the syncer's eviction
		gate and cluster eviction rate limit decide now), the replicas a
		ReplicaSchedulingPreference planned for it, whether it serves the type,
		the overrides applied (in order), what the member holds, and the action the
		syncer takes (Create, Adopt, Update, Delete, Unlabel, Wait or Skip) with the
		status it reports. "stopped at" names the step that keeps the object out.

		The decision is computed here, with the syncer's own functions, from what
		the host and the members hold now. RECORDED is the status the syncer last
		wrote; a difference says the syncer has not acted on a change yet, or that a
		write failed. -o json|yaml prints the funnel as data.`)

	explainExample = templates.Examples(`
		# Why is Deployment web (not) in each cluster?
		kubectl fed explain deployment web -n shop

		# Only cluster eu, as JSON
		kubectl fed explain deployment web -n shop --cluster eu -o json`)
)

// Options are the inputs of `kubectl fed explain`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// ObjectArgs are TYPE NAME and the namespace.
	cli.ObjectArgs
	// Clusters restricts the output to these clusters (--cluster).
	Clusters []string
	// Output is -o: "", json or yaml.
	Output string
	// Members are the flags reading the member clusters: their timeout
	// and the inventory's access provider file.
	Members members.Flags
}

// NewCmdExplain returns `kubectl fed explain`.
func NewCmdExplain(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, Members: members.NewFlags()}
	cmd := &cobra.Command{
		Use:     "explain TYPE NAME [--cluster C]",
		Short:   "Explain, cluster by cluster, why a federated object is or is not propagated",
		Long:    explainLong,
		Example: explainExample,
		Args:    cobra.ExactArgs(2),
		RunE:    cli.RunE(o),
	}
	cmd.Flags().StringSliceVar(&o.Clusters, "cluster", nil, "Only explain these joined clusters (repeat or comma-separate)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format. One of: json|yaml")
	o.Members.AddTo(cmd.Flags())
	return cmd
}

// Complete reads the arguments and the namespace.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	return o.ObjectArgs.Complete(o.flags, args)
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if o.Output != "" && o.Output != "json" && o.Output != "yaml" {
		return fmt.Errorf("invalid --output %q: must be json or yaml", o.Output)
	}
	if err := o.Members.Validate(); err != nil {
		return err
	}
	return nil
}

// Run loads the object's scene and prints its funnel.
func (o *Options) Run(ctx context.Context) error {
	_, scene, err := Load(ctx, o.flags, o.Members, o.TypeName, o.Name, o.Namespace, o.Clusters)
	if err != nil {
		return err
	}
	e := Funnel(scene)
	if len(o.Clusters) > 0 {
		e.Clusters = slices.DeleteFunc(e.Clusters, func(c Cluster) bool { return !slices.Contains(o.Clusters, c.Cluster) })
	}
	if o.Output != "" {
		return cli.PrintData(o.streams.Out, o.Output, e)
	}
	return Render(o.streams.Out, e)
}

// Load reads federated object NAME of TYPE from the host and the scene of
// its plan in every member cluster (joined and from the inventory, read
// as mf says), and returns the host it read them from too. only, when
// set, must name member clusters (all clusters are read: placement counts
// them all).
func Load(ctx context.Context, flags *cli.Flags, mf members.Flags, typeName, name, namespace string, only []string) (*cli.Cluster, *syncview.Scene, error) {
	host, t, fed, err := status.OpenObject(ctx, flags, typeName, namespace, name)
	if err != nil {
		return nil, nil, err
	}
	list, err := mf.List(ctx, host, flags.KubeFedNamespace, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := members.CheckNames(members.Names(list), only); err != nil {
		return nil, nil, err
	}
	scene, err := syncview.Load(ctx, host, flags.KubeFedNamespace, t, fed, list, mf.Timeout)
	return host, scene, err
}
