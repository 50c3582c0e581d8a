// Package plan holds `kubectl fed plan`, which shows what the syncer does
// in each cluster: for a federated object, the member object it writes
// there, with the override sets that made it and its dependencies
// (computed with the syncer's own functions, package syncview); for a
// ReplicaSchedulingPreference, how it spreads replicas over clusters: live,
// from the plan the syncer recorded in the RSP's status, or offline, by
// running the syncer's planner (pkg/scheduling) on a file and the clusters
// given as flags.
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
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/explain"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

var (
	planLong = templates.LongDesc(`
		"plan TYPE NAME" shows, for every joined cluster, what the syncer writes for
		federated object NAME of TYPE: whether the placement selects the cluster, the
		action (Create, Update, none when up to date, Delete, Skip, ...) and the status it
		reports, the override sets it applies in order, each under the
		ClusterOverridePolicy, OverridePolicy or spec.overrides entry it comes from, and the
		ConfigMaps, Secrets, ServiceAccount and PersistentVolumeClaims the member object's
		pod template references. It is computed here with the syncer's own functions from
		what the host and the members hold now. -o json|yaml adds each cluster's member
		object, as the syncer writes it.

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
		# Show the member object of federated Deployment web in each cluster, and the overrides that made it
		kubectl fed plan deployment web -n shop
		kubectl fed plan deployment web -n shop -o yaml

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

	// TypeName is the federated type of "plan TYPE NAME", "" for an RSP.
	TypeName string
	// Name is the federated object of "plan TYPE NAME", or the RSP of the
	// live view.
	Name string
	// Members are the flags reading the member clusters of "plan TYPE
	// NAME": their timeout and the inventory's access provider file.
	Members members.Flags
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
	o := &Options{flags: flags, streams: streams, Members: members.NewFlags()}
	cmd := &cobra.Command{
		Use:     "plan (TYPE NAME | rsp NAME | -f FILENAME --clusters A,B,...)",
		Short:   "Show each cluster's member object of a federated object, or how an RSP spreads replicas",
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
	o.Members.AddTo(f)
	f.StringVarP(&o.Output, "output", "o", "", "Output format. One of: json|yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete reads the arguments, the namespace and the file.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 2 && isRSP(args[0]):
		o.Name = args[1]
	case len(args) == 2:
		o.TypeName, o.Name = args[0], args[1]
	case len(args) > 0:
		return cli.UsageErrorf(cmd, "unknown arguments %q: use \"plan TYPE NAME\", \"plan rsp NAME\" or \"plan -f FILENAME --clusters A,B\"", strings.Join(args, " "))
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
	if o.Output != "" && o.Output != "json" && o.Output != "yaml" {
		return fmt.Errorf("invalid value for --output: %q: must be json or yaml, or unset for a table", o.Output)
	}
	offline := o.Filename != ""
	switch {
	case offline && o.Name != "":
		return fmt.Errorf("give either TYPE NAME or rsp NAME (the live plans) or -f FILENAME (an offline plan), not both")
	case !offline && o.Name == "":
		return fmt.Errorf("nothing to plan: give TYPE NAME for a federated object's member objects, rsp NAME for the live replica plan, or -f FILENAME --clusters A,B for an offline one")
	case o.TypeName != "" && o.Members.Validate() != nil:
		return o.Members.Validate()
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
	if o.TypeName != "" {
		return o.runObject(ctx)
	}
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

// runObject prints what the syncer writes for federated object NAME of
// TYPE in every joined cluster.
func (o *Options) runObject(ctx context.Context) error {
	_, scene, err := explain.Load(ctx, o.flags, o.Members, o.TypeName, o.Name, o.namespace, nil)
	if err != nil {
		return err
	}
	fed := scene.Input.Federated
	if scene.PlacementErr != nil && !scene.Input.Deleting {
		return fmt.Errorf("the placement of %s %s cannot be computed, so the syncer writes it nowhere (status ComputePlacementFailed): %w; fix spec.placement", fed.GetKind(), qualifiedName(fed), scene.PlacementErr)
	}
	for i, err := range scene.ReadErrs {
		if err != nil {
			fmt.Fprintf(o.streams.ErrOut, "Warning: cluster %s could not be read, so its row shows what the syncer does without knowing its object: %v\n", scene.Members[i].Name(), err)
		}
	}
	doc := ObjectsOf(scene.Input, scene.Seen, scene.Plans, dependencies.Follows(fed.GetAnnotations(), scene.Type.Config.GetDependenciesEnabled()))
	if o.Output != "" {
		return cli.PrintData(o.streams.Out, o.Output, doc)
	}
	return PrintObjectPlan(o.streams.Out, doc)
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
