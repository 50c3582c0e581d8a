// Package status holds `kubectl fed status`, which shows the federation at a
// glance: the fleet (clusters, enabled types, objects by state), the
// federated objects of a type, or one object cluster by cluster with its
// events. The views are pure functions over what the host reports (view.go);
// this file and fetch.go only read the host and print.
package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"k8s.io/kubectl/pkg/util/term"

	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
)

var (
	statusLong = templates.LongDesc(`
		Show the status of the federation.

		Without arguments, status shows the fleet: the member clusters and their
		health, the enabled types with their number of federated objects, and how
		many federated objects are propagated, pending or failing.

		With TYPE (a target type such as deployments, deploy or deployments.apps, or
		a federated type such as federateddeployments), it lists the federated
		objects of that type: the clusters holding the current object out of those
		placed, the aggregated readiness (ready/desired replicas for workloads,
		ready/placed clusters otherwise), and the propagation state.

		With TYPE NAME, it shows one object cluster by cluster, judged from the
		member statuses the syncer collects (statusCollection: Enabled), followed by
		the object's events. For a workload that follows its dependencies
		(kubefed.io/propagate-dependencies), a Dependencies section lists the
		ConfigMaps, Secrets, ServiceAccount and PersistentVolumeClaims its pod
		template references and the workloads of the namespace that pull each in.

		--fail-if-not-ready makes the command exit 1 unless everything shown is
		propagated and ready, for scripts.`)

	statusExample = templates.Examples(`
		# Show the clusters, enabled types and object states of the federation
		kubectl fed status

		# List the federated Deployments of namespace shop
		kubectl fed status deployments -n shop

		# Show Deployment web cluster by cluster, with its events
		kubectl fed status deployment web -n shop

		# List the federated Deployments labelled app=web, by name
		kubectl fed status deployments -A -l app=web -o name

		# Watch the member clusters' health (joined and from the inventory), a row
		# each time a cluster changes
		kubectl fed status -w

		# Watch the federated Deployments of every namespace, with more columns
		kubectl fed status deploy -A -o wide -w

		# In a script, fail unless web is ready in every placed cluster
		kubectl fed status deployment web -n shop --fail-if-not-ready`)
)

// Output formats of -o besides tables.
const (
	outputWide = "wide"
	outputJSON = "json"
	outputYAML = "yaml"
)

// Options are the inputs of `kubectl fed status`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// TypeName and Name select the view: none, a type, or one object.
	TypeName, Name string
	// Output is -o: "", wide, json or yaml.
	Output string
	// AllNamespaces is -A.
	AllNamespaces bool
	// Watch is -w.
	Watch bool
	// Selector is -l: the lists show the federated objects with these labels.
	Selector string
	// NoHeaders is --no-headers.
	NoHeaders bool
	// FailIfNotReady is --fail-if-not-ready.
	FailIfNotReady bool
	// Colour prints coloured cells; set when stdout is a terminal and
	// NO_COLOR is not set.
	Colour bool
	// Now is the clock of the AGE columns.
	Now func() time.Time

	namespace string
	selector  labels.Selector
}

// NewCmdStatus returns `kubectl fed status`.
func NewCmdStatus(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, Now: time.Now}
	cmd := &cobra.Command{
		Use:               "status [TYPE [NAME]]",
		Short:             "Show the status of the fleet, of a federated type or of one federated object",
		Long:              statusLong,
		Example:           statusExample,
		Args:              cobra.MaximumNArgs(2),
		ValidArgsFunction: CompleteEnabledTypesThenObjects(flags),
		RunE:              cli.RunE(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "Output format. One of: wide|json|yaml|name|jsonpath=...|go-template=...|custom-columns=... (as kubectl get)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(append([]string{outputWide}, cli.OutputFormats...), cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace))
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List the federated objects of every namespace")
	f.BoolVarP(&o.Watch, "watch", "w", false, "After the list, print a row again each time it changes, until interrupted")
	f.BoolVar(&o.NoHeaders, "no-headers", false, "Do not print the header rows of tables")
	cli.AddSelectorFlag(cmd, &o.Selector, "List only the federated objects (of TYPE) with these labels")
	f.BoolVar(&o.FailIfNotReady, "fail-if-not-ready", false, "Exit 1 unless every cluster and object shown is propagated and ready")
	return cmd
}

// Complete reads the arguments, the namespace and whether stdout is a
// terminal.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		o.TypeName = args[0]
	}
	if len(args) > 1 {
		o.Name = args[1]
	}
	var err error
	if o.namespace, err = o.flags.Namespace(); err != nil {
		return err
	}
	if o.selector, err = cli.ParseSelector(o.Selector); err != nil {
		return err
	}
	o.Colour = term.TTY{Out: o.streams.Out}.IsTerminalOut() && os.Getenv("NO_COLOR") == ""
	return nil
}

// Validate checks the flags against each other.
func (o *Options) Validate() error {
	if o.Output != outputWide {
		if err := cli.ValidateOutput(o.Output); err != nil {
			return fmt.Errorf("%w, wide", err)
		}
	}
	if o.Watch && o.FailIfNotReady {
		return errors.New("--watch and --fail-if-not-ready cannot be used together: --fail-if-not-ready judges one snapshot")
	}
	if o.Watch && o.structured() {
		return fmt.Errorf("--watch prints table rows; it cannot be used with -o %s", o.Output)
	}
	if o.Selector != "" && (o.TypeName == "" || o.Name != "") {
		return errors.New("--selector filters the list of a type: kubectl fed status TYPE -l key=value")
	}
	if o.AllNamespaces && o.Name != "" {
		return errors.New("--all-namespaces cannot be used with NAME: name the object's namespace with -n")
	}
	return nil
}

// renderOptions are the table options of the flags.
func (o *Options) renderOptions() RenderOptions {
	return RenderOptions{Wide: o.Output == outputWide, NoHeaders: o.NoHeaders, Colour: o.Colour}
}

// structured reports whether -o asks for a printer (json, yaml, name,
// jsonpath, ...) instead of tables.
func (o *Options) structured() bool {
	return o.Output != "" && o.Output != outputWide
}

// Run shows the view the arguments select.
func (o *Options) Run(ctx context.Context) error {
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	if err := host.RequireControlPlane(ctx, o.flags.KubeFedNamespace); err != nil {
		return err
	}
	switch {
	case o.TypeName == "":
		return o.runFleet(ctx, host)
	case o.Name == "":
		return o.runType(ctx, host)
	}
	return o.runObject(ctx, host)
}

// runFleet shows the clusters, the types and the object states.
func (o *Options) runFleet(ctx context.Context, host *cli.Cluster) error {
	fleet, err := members.ReadFleet(ctx, host, o.flags.KubeFedNamespace)
	if err != nil {
		return err
	}
	clusters, profiles := fleet.Joined, fleet.Profiles
	types, err := ListTypes(ctx, host, o.flags.KubeFedNamespace)
	if err != nil {
		return err
	}
	if o.structured() {
		objs := make([]runtime.Object, 0, len(clusters)+len(profiles)+len(types))
		for i := range clusters {
			objs = append(objs, &clusters[i])
		}
		for i := range profiles {
			objs = append(objs, &profiles[i])
		}
		for i := range types {
			objs = append(objs, &types[i].Config)
		}
		return printList(o.streams.Out, o.Output, objs)
	}
	objects := map[string][]Object{}
	for _, t := range types {
		list, err := ListObjects(ctx, host, t, "", nil)
		if err != nil {
			// One broken type (e.g. its CRD was deleted) does not hide the rest.
			fmt.Fprintf(o.streams.ErrOut, "Warning: %v\n", err)
			continue
		}
		objects[t.Config.Name] = make([]Object, 0, len(list.Items))
		for i := range list.Items {
			objects[t.Config.Name] = append(objects[t.Config.Name], ObjectFrom(&list.Items[i]))
		}
	}
	now := o.Now()
	ropts := o.renderOptions()
	clustersTable := ClustersFleetTable(clusters, profiles, now)
	for i, table := range []Table{clustersTable, TypesFleetTable(types, objects), StatesFleetTable(objects)} {
		if i > 0 {
			fmt.Fprintln(o.streams.Out)
		}
		if err := Render(o.streams.Out, table, ropts); err != nil {
			return err
		}
	}
	if o.Watch {
		return o.watchFleet(ctx, host, clustersTable, fleet)
	}
	if !o.FailIfNotReady {
		return nil
	}
	var problems []string
	for _, c := range clusters {
		if !c.Status.IsReady() {
			problems = append(problems, "cluster "+c.Name)
		}
	}
	for _, p := range profiles {
		if !meta.IsStatusConditionTrue(p.Status.Conditions, inventory.ConditionMemberReady) {
			problems = append(problems, "cluster "+p.Name+" (inventory)")
		}
	}
	for _, t := range types {
		for _, obj := range objects[t.Config.Name] {
			if !obj.Ready() {
				problems = append(problems, t.Config.Name+" "+qualified(obj))
			}
		}
	}
	return notReadyError(problems, "clusters and federated objects")
}

// runType lists the federated objects of one type.
func (o *Options) runType(ctx context.Context, host *cli.Cluster) error {
	t, err := ResolveType(ctx, host, o.flags.KubeFedNamespace, o.TypeName)
	if err != nil {
		return err
	}
	namespace := o.namespace
	if o.AllNamespaces || isNamespaceType(t) {
		// A FederatedNamespace lives in the namespace it federates: list them all.
		namespace = ""
	}
	list, err := ListObjects(ctx, host, t, namespace, o.selector)
	if err != nil {
		return err
	}
	if o.structured() {
		objs := make([]runtime.Object, 0, len(list.Items))
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
		return printList(o.streams.Out, o.Output, objs)
	}
	objects := make([]Object, 0, len(list.Items))
	for i := range list.Items {
		objects = append(objects, ObjectFrom(&list.Items[i]))
	}
	withNamespace := o.AllNamespaces && namespaced(t) && !isNamespaceType(t)
	table := ObjectsTable(t, objects, withNamespace, o.Now())
	if len(objects) == 0 && !o.Watch {
		where := ""
		if namespace != "" && namespaced(t) {
			where = " in namespace " + namespace
		}
		fmt.Fprintf(o.streams.ErrOut, "No %s found%s.\n", t.Config.Spec.FederatedType.PluralName, where)
	} else if err := Render(o.streams.Out, table, o.renderOptions()); err != nil {
		return err
	}
	if o.Watch {
		return o.watchType(ctx, host, t, namespace, withNamespace, table, list.GetResourceVersion())
	}
	if !o.FailIfNotReady {
		return nil
	}
	var problems []string
	for _, obj := range objects {
		if !obj.Ready() {
			problems = append(problems, qualified(obj))
		}
	}
	return notReadyError(problems, t.Config.Spec.FederatedType.PluralName)
}

// runObject shows one federated object cluster by cluster.
func (o *Options) runObject(ctx context.Context, host *cli.Cluster) error {
	t, err := ResolveType(ctx, host, o.flags.KubeFedNamespace, o.TypeName)
	if err != nil {
		return err
	}
	obj, err := GetObject(ctx, host, t, o.namespace, o.Name)
	if err != nil {
		return err
	}
	if o.structured() {
		return cli.PrintObjects(o.streams.Out, o.Output, obj)
	}
	events, err := ListEvents(ctx, host, obj)
	if err != nil {
		return err
	}
	view := ObjectFrom(obj)
	var deps *Table
	if refs := Followed(t, obj); len(refs) > 0 {
		index, err := namespaceDependencies(ctx, host, o.flags.KubeFedNamespace, obj.GetNamespace())
		if err != nil {
			return err
		}
		table := DependenciesTable(refs, index)
		deps = &table
	}
	table, err := WriteObject(o.streams.Out, t, view, deps, events, o.Now(), o.renderOptions())
	if err != nil {
		return err
	}
	if o.Watch {
		return o.watchObject(ctx, host, t, obj, table)
	}
	if o.FailIfNotReady && !view.Ready() {
		return fmt.Errorf("%s %s is not ready: %s", t.Config.Spec.FederatedType.Kind, qualified(view), notReadyReason(view))
	}
	return nil
}

// WriteObject prints the object view of one federated object: its
// summary, its clusters table (returned) and its events.
func WriteObject(w io.Writer, t Type, view Object, deps *Table, events []Event, now time.Time, ropts RenderOptions) (Table, error) {
	if err := writeSummary(w, Summary(t, view)); err != nil {
		return Table{}, err
	}
	fmt.Fprintln(w)
	table := ClustersTable(t, view)
	if len(table.Rows) == 0 {
		fmt.Fprintln(w, "Clusters: <none>")
	} else if err := Render(w, table, ropts); err != nil {
		return table, err
	}
	fmt.Fprintln(w)
	if deps != nil {
		fmt.Fprintln(w, "Dependencies:")
		if err := Render(w, *deps, ropts); err != nil {
			return table, err
		}
		fmt.Fprintln(w)
	}
	if len(events) == 0 {
		fmt.Fprintln(w, "Events: <none>")
		return table, nil
	}
	fmt.Fprintln(w, "Events:")
	return table, Render(w, EventsTable(events, now), ropts)
}

// isNamespaceType reports whether t federates Namespaces, whose federated
// objects live in the namespace they federate.
func isNamespaceType(t Type) bool {
	return t.Target.Group == "" && t.Target.Kind == "Namespace"
}

// writeSummary prints "Key:   value" lines aligned on the longest key.
func writeSummary(w io.Writer, lines [][2]string) error {
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0]))
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s %s\n", width+1, l[0]+":", l[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// qualified is namespace/name, or name for a cluster-scoped object.
func qualified(o Object) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// notReadyReason explains why an object is not ready.
func notReadyReason(o Object) string {
	if s, reason := o.State(); s != Propagated {
		if reason != "" {
			return string(s) + ": " + reason
		}
		return string(s)
	}
	if msg := objectMessage(o); msg != "" {
		return msg
	}
	return "the Ready condition is not True"
}

// maxNamed bounds how many not-ready items an error names.
const maxNamed = 10

// notReadyError reports the items that are not ready, or nil.
func notReadyError(problems []string, what string) error {
	if len(problems) == 0 {
		return nil
	}
	named := problems
	suffix := ""
	if len(named) > maxNamed {
		named, suffix = named[:maxNamed], fmt.Sprintf(" and %d more", len(problems)-maxNamed)
	}
	return fmt.Errorf("%d %s not ready: %s%s", len(problems), what, strings.Join(named, ", "), suffix)
}

// printList prints objects as one v1 List (as kubectl get does) in an -o
// format.
func printList(w io.Writer, format string, objs []runtime.Object) error {
	items := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		u, err := cli.ToUnstructured(obj)
		if err != nil {
			return err
		}
		items = append(items, u)
	}
	printer, err := cli.Printer(format)
	if err != nil {
		return err
	}
	return printer.PrintObj(cli.List(items), w)
}
