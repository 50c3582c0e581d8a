// Package get holds `kubectl fed get`, which lists the member objects of a
// federated type across every joined cluster in one table with a CLUSTER
// column: the members' own table columns for the kind (as kubectl get
// shows them), the clusters queried concurrently, each within a timeout,
// and a cluster that does not answer shown as a row with the reason.
package get

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/util/templates"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
)

var (
	getLong = templates.LongDesc(`
		List the member objects of a federated type in every joined cluster, in one
		table with a CLUSTER column and the columns kubectl get shows for the kind
		(the members' own table printing).

		TYPE is an enabled type: its target (deployments, deploy, deployments.apps)
		or federated name (federateddeployments). The clusters are queried at the
		same time, each within --cluster-timeout. A cluster that does not answer,
		or refuses, is a row with the reason in the NAME column (the full error is
		on stderr, and the exit code is 1), never a silent gap.

		-o yaml and -o json print one v1 List per cluster that answered, in the
		order of the clusters' names, each YAML document after a "# cluster: NAME"
		comment; -o name prints "CLUSTER KIND/NAME" lines.`)

	getExample = templates.Examples(`
		# List Deployment web in every member cluster
		kubectl fed get deployments web -n shop

		# List the Deployments of every namespace labelled app=web, with more columns
		kubectl fed get deploy -A -l app=web -o wide

		# Only in clusters eu and us, as YAML
		kubectl fed get configmaps -n shop --clusters eu,us -o yaml`)
)

// Output formats of -o.
const (
	outputWide = "wide"
	outputYAML = "yaml"
	outputJSON = "json"
	outputName = "name"
)

// tableAccept asks an API server for its table printing of a kind.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// Options are the inputs of `kubectl fed get`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// TypeName and Name are the arguments.
	TypeName, Name string
	// AllNamespaces is -A; Selector is -l; Clusters is --clusters.
	AllNamespaces bool
	Selector      string
	Clusters      []string
	// Output is -o: "", wide, yaml, json or name.
	Output string
	// Members are the flags reading the member clusters: their timeout
	// and the inventory's access provider file.
	Members members.Flags
	// NoHeaders leaves the table's header out.
	NoHeaders bool

	namespace string
}

// NewCmdGet returns `kubectl fed get`.
func NewCmdGet(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, Members: members.NewFlags()}
	cmd := &cobra.Command{
		Use:     "get TYPE [NAME] [-n NAMESPACE | -A] [--clusters A,B] [-l SELECTOR] [-o wide|yaml|json|name]",
		Short:   "List the member objects of a federated type in every cluster",
		Long:    getLong,
		Example: getExample,
		Args:    cobra.RangeArgs(1, 2),
		RunE:    cli.RunE(o),
	}
	fs := cmd.Flags()
	fs.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List the objects of every namespace")
	fs.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the member objects (e.g. app=web)")
	AddClustersFlag(cmd, &o.Clusters)
	fs.StringVarP(&o.Output, "output", "o", "", "Output format. One of: wide|yaml|json|name")
	o.Members.AddTo(fs)
	fs.BoolVar(&o.NoHeaders, "no-headers", false, "Print the table without its header")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputWide, outputYAML, outputJSON, outputName}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// AddClustersFlag adds --clusters, which restricts a fleet view to the
// joined clusters it names.
func AddClustersFlag(cmd *cobra.Command, value *[]string) {
	cmd.Flags().StringSliceVar(value, "clusters", nil, "Only these joined clusters (comma-separated names of KubeFedClusters); all when empty")
}

// Complete reads the arguments and the namespace.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	o.TypeName = args[0]
	if len(args) > 1 {
		o.Name = args[1]
	}
	ns, err := o.flags.Namespace()
	o.namespace = ns
	return err
}

// Validate checks the flags.
func (o *Options) Validate() error {
	switch o.Output {
	case "", outputWide, outputYAML, outputJSON, outputName:
	default:
		return fmt.Errorf("invalid --output %q: must be one of wide, yaml, json, name", o.Output)
	}
	if o.AllNamespaces && o.Name != "" {
		return fmt.Errorf("a NAME cannot be given with --all-namespaces (-A): the name is looked up in one namespace (-n)")
	}
	if _, err := labels.Parse(o.Selector); err != nil {
		return fmt.Errorf("invalid --selector %q: %w", o.Selector, err)
	}
	if err := o.Members.Validate(); err != nil {
		return err
	}
	return nil
}

// Run queries every cluster and prints what they answered.
func (o *Options) Run(ctx context.Context) error {
	host, t, err := status.Open(ctx, o.flags, o.TypeName)
	if err != nil {
		return err
	}
	list, err := o.Members.List(ctx, host, o.flags.KubeFedNamespace, o.Clusters)
	if err != nil {
		return err
	}
	target := t.Config.Spec.TargetType
	q := query{target: target, name: o.Name, selector: o.Selector}
	if target.Scope == "Namespaced" && !o.AllNamespaces {
		q.namespace = o.namespace
	}
	results := make([]Result, len(list))
	structured := o.Output == outputYAML || o.Output == outputJSON || o.Output == outputName
	errs := members.Each(ctx, list, o.Members.Timeout, func(ctx context.Context, m members.Member) error {
		i := indexOf(list, m.Name())
		var err error
		if structured {
			results[i].Objects, err = q.objects(ctx, m)
		} else {
			results[i].Table, err = q.table(ctx, m)
		}
		return err
	})
	failed := 0
	for i, m := range list {
		results[i].Cluster, results[i].Source = m.Name(), string(m.Source)
		switch err := errs[i]; {
		case err == nil:
		case apierrors.IsNotFound(err) && o.Name != "":
			// not in this cluster: no row
		case apierrors.IsNotFound(err):
			results[i].Failure = "type not served"
			fmt.Fprintf(o.streams.ErrOut, "error: cluster %s does not serve %s: %v\n", m.Name(), target.QualifiedName(), err)
			failed++
		default:
			results[i].Failure = members.Reason(m, err)
			fmt.Fprintf(o.streams.ErrOut, "error: %s\n", members.Describe(m, err))
			failed++
		}
	}
	if err := o.print(results, target); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d clusters did not answer; the table shows the others", failed, len(list))
	}
	return nil
}

// print writes the results in the -o format.
func (o *Options) print(results []Result, target corev1beta1.APIResource) error {
	w := o.streams.Out
	switch o.Output {
	case outputYAML, outputJSON:
		return printLists(w, o.Output, results)
	case outputName:
		kind := strings.ToLower(target.Kind)
		if target.Group != "" {
			kind += "." + target.Group
		}
		for _, r := range results {
			for _, obj := range r.Objects {
				if _, err := fmt.Fprintf(w, "%s %s/%s\n", r.Cluster, kind, obj.GetName()); err != nil {
					return err
				}
			}
		}
		return nil
	}
	table := MergeTables(results, o.AllNamespaces && target.Scope == "Namespaced")
	if len(table.Rows) == 0 {
		where := ""
		if o.namespace != "" && !o.AllNamespaces && target.Scope == "Namespaced" {
			where = " in namespace " + o.namespace
		}
		if o.Name != "" {
			return fmt.Errorf("%s %q not found%s in any of the clusters queried", target.Kind, o.Name, where)
		}
		_, err := fmt.Fprintf(o.streams.ErrOut, "No resources found%s.\n", where)
		return err
	}
	return PrintTable(w, table, o.Output == outputWide, o.NoHeaders)
}

func indexOf(list []members.Member, name string) int {
	for i, m := range list {
		if m.Name() == name {
			return i
		}
	}
	return -1
}

// query is one get of the target type in a member.
type query struct {
	target          corev1beta1.APIResource
	namespace, name string
	selector        string
}

// path is the REST path of the query.
func (q query) path() string {
	p := "/api/" + q.target.Version
	if q.target.Group != "" {
		p = path.Join("/apis", q.target.Group, q.target.Version)
	}
	if q.namespace != "" {
		p = path.Join(p, "namespaces", q.namespace)
	}
	p = path.Join(p, q.target.PluralName)
	if q.name != "" {
		p = path.Join(p, q.name)
	}
	return p
}

// table asks the member for its table printing of the query.
func (q query) table(ctx context.Context, m members.Member) (*metav1.Table, error) {
	cfg := rest.CopyConfig(m.Config)
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.UnversionedRESTClientFor(cfg)
	if err != nil {
		return nil, err
	}
	req := rc.Get().AbsPath(q.path()).SetHeader("Accept", tableAccept)
	if q.selector != "" && q.name == "" {
		req = req.Param("labelSelector", q.selector)
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(raw, table); err != nil || table.Kind != "Table" {
		return nil, fmt.Errorf("the API server did not answer with a table for %s", q.path())
	}
	return table, nil
}

// objects reads the query's objects.
func (q query) objects(ctx context.Context, m members.Member) ([]unstructured.Unstructured, error) {
	gvr := schema.GroupVersionResource{Group: q.target.Group, Version: q.target.Version, Resource: q.target.PluralName}
	r := m.Dynamic.Resource(gvr)
	var ri interface {
		Get(context.Context, string, metav1.GetOptions, ...string) (*unstructured.Unstructured, error)
		List(context.Context, metav1.ListOptions) (*unstructured.UnstructuredList, error)
	} = r
	if q.namespace != "" {
		ri = r.Namespace(q.namespace)
	}
	if q.name != "" {
		obj, err := ri.Get(ctx, q.name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return []unstructured.Unstructured{*obj}, nil
	}
	list, err := ri.List(ctx, metav1.ListOptions{LabelSelector: q.selector})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

// printLists prints one v1 List per cluster that answered.
func printLists(w io.Writer, format string, results []Result) error {
	for _, r := range results {
		if r.Failure != "" {
			continue
		}
		items := make([]*unstructured.Unstructured, 0, len(r.Objects))
		for i := range r.Objects {
			obj := r.Objects[i].DeepCopy()
			unstructured.RemoveNestedField(obj.Object, "metadata", "managedFields")
			items = append(items, obj)
		}
		printer, err := cli.Printer(format)
		if err != nil {
			return err
		}
		if format == outputYAML {
			if _, err := fmt.Fprintf(w, "---\n# cluster: %s (%s)\n", r.Cluster, r.Source); err != nil {
				return err
			}
		}
		if err := printer.PrintObj(cli.List(items), w); err != nil {
			return err
		}
	}
	return nil
}
