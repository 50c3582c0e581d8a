// Package plan holds `kubectl fed plan`, which shows how a
// ReplicaSchedulingPreference spreads replicas over clusters: live, from
// the plan the syncer recorded in the RSP's status, or offline, by running
// the syncer's planner (pkg/scheduling) on a file and the clusters given as flags.
package plan

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

var (
	planLong = templates.LongDesc(`
		Show how a ReplicaSchedulingPreference (RSP) spreads replicas over the member
		clusters: one row per cluster with the replicas planned, the replicas it runs
		now, its estimated capacity, the replicas that overflow it and the reason for
		its number (min, weight, max, capacity, current, no preference, not ready).

		"plan rsp NAME" shows the plan the syncer wrote for the RSP, as recorded in
		its status, and the joined clusters it left out.

		"plan -f FILE --clusters A,B,C" plans the RSP in FILE offline, with the
		syncer's planner and no cluster at all: --current gives the ready replicas
		clusters run now (they matter when rebalance is false), --capacity the most a
		cluster can run, and --key the tie-breaking key (default NAMESPACE/NAME of
		the RSP). Use it to preview a preference before applying it.

		-o json|yaml prints {"plan": {CLUSTER: replicas}, "overflow": {CLUSTER: n}}.`)

	planExample = templates.Examples(`
		# Show the plan of RSP web in namespace shop, cluster by cluster
		kubectl fed plan rsp web -n shop

		# Preview an RSP on three clusters before applying it
		kubectl fed plan -f rsp.yaml --clusters eu,us,edge

		# Preview it with the replicas running now and a cluster short of room
		kubectl fed plan -f rsp.yaml --clusters eu,us,edge --current eu=10,us=20 --capacity edge=5

		# Print the plan as JSON
		kubectl fed plan -f rsp.yaml --clusters eu,us -o json`)
)

// Options are the inputs of `kubectl fed plan`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// Name is the RSP of the live view.
	Name string
	// Filename is -f: the RSP of the offline view ("-" for stdin).
	Filename string
	// Clusters, Current, Capacity and Key are the offline planner's inputs.
	Clusters []string
	Current  map[string]int64
	Capacity map[string]int64
	Key      string
	// Output is -o: "", json or yaml.
	Output string

	namespace string
	rsp       *v1alpha1.ReplicaSchedulingPreference
	// keySet is set when --key was given, even as "".
	keySet bool
}

// NewCmdPlan returns `kubectl fed plan`.
func NewCmdPlan(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams}
	cmd := &cobra.Command{
		Use:     "plan (rsp NAME | -f FILENAME --clusters A,B,...)",
		Short:   "Show how a ReplicaSchedulingPreference spreads replicas over clusters",
		Long:    planLong,
		Example: planExample,
		Args:    cobra.MaximumNArgs(2),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"rsp"}, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: cli.RunE(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Filename, "filename", "f", "", "File holding the ReplicaSchedulingPreference to plan offline; - reads stdin")
	f.StringSliceVar(&o.Clusters, "clusters", nil, "Candidate clusters of the offline plan, comma separated")
	f.StringToInt64Var(&o.Current, "current", nil, "Ready replicas clusters run now, as CLUSTER=N,... (offline)")
	f.StringToInt64Var(&o.Capacity, "capacity", nil, "Most replicas a cluster can run, as CLUSTER=N,... (offline)")
	f.StringVar(&o.Key, "key", "", "Tie-breaking key of the offline plan; default NAMESPACE/NAME of the RSP")
	cli.AddOutputFlag(cmd, &o.Output, "Output format")
	return cmd
}

// Complete reads the arguments, the namespace and the file.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 2 && isRSP(args[0]):
		o.Name = args[1]
	case len(args) > 0:
		return cli.UsageErrorf(cmd, "unknown arguments %q: use \"plan rsp NAME\" or \"plan -f FILENAME --clusters A,B\"", strings.Join(args, " "))
	}
	o.keySet = cmd.Flags().Changed("key")
	var err error
	if o.namespace, err = o.flags.Namespace(); err != nil {
		return err
	}
	if o.Filename != "" {
		if o.rsp, err = readRSP(o.Filename, o.streams.In); err != nil {
			return err
		}
		if !o.keySet {
			ns := o.rsp.Namespace
			if ns == "" {
				ns = o.namespace
			}
			o.Key = ns + "/" + o.rsp.Name
		}
	}
	return nil
}

func isRSP(resource string) bool {
	return slices.Contains([]string{"rsp", "replicaschedulingpreference", "replicaschedulingpreferences",
		"replicaschedulingpreferences.scheduling.kubefed.io"}, strings.ToLower(resource))
}

// Validate checks that exactly one view is asked for, with its inputs.
func (o *Options) Validate() error {
	if o.Output != "" && !slices.Contains(cli.OutputFormats, o.Output) {
		return fmt.Errorf("invalid value for --output: %q: must be json or yaml, or unset for a table", o.Output)
	}
	offline := o.Filename != ""
	switch {
	case offline && o.Name != "":
		return fmt.Errorf("give either rsp NAME (the live plan) or -f FILENAME (an offline plan), not both")
	case !offline && o.Name == "":
		return fmt.Errorf("nothing to plan: give rsp NAME for the live plan, or -f FILENAME --clusters A,B for an offline one")
	case !offline && (len(o.Clusters) > 0 || len(o.Current) > 0 || len(o.Capacity) > 0 || o.keySet):
		return fmt.Errorf("--clusters, --current, --capacity and --key are for offline plans (-f FILENAME); the live plan reads them from the fleet")
	case offline && len(o.Clusters) == 0:
		return fmt.Errorf("an offline plan needs the candidate clusters: add --clusters A,B,...")
	}
	if !offline {
		return nil
	}
	if errs := validation.ValidateReplicaSchedulingPreference(o.rsp); len(errs) > 0 {
		return fmt.Errorf("ReplicaSchedulingPreference in %s is invalid: %w", o.Filename, errs.ToAggregate())
	}
	for flag, values := range map[string]map[string]int64{"--current": o.Current, "--capacity": o.Capacity} {
		for _, name := range sortedNames(values) {
			if !slices.Contains(o.Clusters, name) {
				return fmt.Errorf("%s names cluster %q, which is not in --clusters %s", flag, name, strings.Join(o.Clusters, ","))
			}
			if values[name] < 0 {
				return fmt.Errorf("%s %s=%d: must not be negative", flag, name, values[name])
			}
		}
	}
	return nil
}

// Run prints the plan.
func (o *Options) Run(ctx context.Context) error {
	var rows []scheduling.Row
	var total int64
	if o.Filename != "" {
		in := scheduling.NewInput(o.rsp, o.Clusters, o.Current, o.Capacity)
		in.Key = o.Key
		rows, total = scheduling.Rows(in, scheduling.Plan(in)), in.TotalReplicas
	} else {
		var err error
		if rows, total, err = o.live(ctx); err != nil {
			return err
		}
	}
	if o.Output != "" {
		return PrintDocument(o.streams.Out, rows, o.Output)
	}
	if err := PrintTable(o.streams.Out, rows); err != nil {
		return err
	}
	if n := scheduling.Unplaced(rows, total); n > 0 {
		fmt.Fprintf(o.streams.ErrOut, "Warning: %d of %d replicas fit in no cluster (maximums or capacity reached)\n", n, total)
	}
	return nil
}

// live reads the RSP's recorded plan and the joined clusters.
func (o *Options) live(ctx context.Context) ([]scheduling.Row, int64, error) {
	host, err := o.flags.Host()
	if err != nil {
		return nil, 0, err
	}
	rsp := &v1alpha1.ReplicaSchedulingPreference{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: o.namespace, Name: o.Name}, rsp); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, 0, fmt.Errorf("ReplicaSchedulingPreference %s/%s not found in the host cluster (context %q)", o.namespace, o.Name, host.Name)
		}
		return nil, 0, fmt.Errorf("reading ReplicaSchedulingPreference %s/%s: %w", o.namespace, o.Name, err)
	}
	if len(rsp.Status.Conditions) == 0 {
		return nil, 0, fmt.Errorf("ReplicaSchedulingPreference %s/%s has no plan yet: the syncer writes it into the status; check that the syncer runs (kubectl fed status)", o.namespace, o.Name)
	}
	for _, c := range rsp.Status.Conditions {
		if c.Type == v1alpha1.ScheduledCondition && c.Status != "True" {
			fmt.Fprintf(o.streams.ErrOut, "Warning: not scheduled (%s): %s\n", c.Reason, c.Message)
		}
	}
	clusters := &corev1beta1.KubeFedClusterList{}
	if err := host.Client.List(ctx, clusters, client.InNamespace(o.flags.KubeFedNamespace)); err != nil {
		return nil, 0, fmt.Errorf("listing KubeFedClusters in %s: %w", o.flags.KubeFedNamespace, err)
	}
	return scheduling.StatusRows(&rsp.Status, clusters.Items), int64(rsp.Spec.TotalReplicas), nil
}

// readRSP reads one ReplicaSchedulingPreference from a YAML or JSON file.
func readRSP(filename string, stdin io.Reader) (*v1alpha1.ReplicaSchedulingPreference, error) {
	var data []byte
	var err error
	if filename == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(filename)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filename, err)
	}
	rsp := &v1alpha1.ReplicaSchedulingPreference{}
	if err := yaml.Unmarshal(data, rsp); err != nil {
		return nil, fmt.Errorf("%s is not a ReplicaSchedulingPreference: %w", filename, err)
	}
	if rsp.Kind != "ReplicaSchedulingPreference" {
		return nil, fmt.Errorf("%s holds kind %q, want ReplicaSchedulingPreference (apiVersion %s)", filename, rsp.Kind, v1alpha1.SchemeGroupVersion)
	}
	return rsp, nil
}
