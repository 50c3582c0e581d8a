// Package diff holds `kubectl fed diff`, which shows what each member
// cluster would receive if a federated object (from the host, or from a
// file not applied yet) were propagated now: a unified diff per cluster
// against the member's live object, clusters that would gain or lose it
// included. The objects are rendered, compared and planned by the
// syncer's own functions (package syncview).
package diff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/syncview"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

var (
	diffLong = templates.LongDesc(`
		Show what each member cluster would receive if a federated object were
		propagated now, as a unified diff against the member's live object (YAML,
		without status and the API server's own metadata): clusters that would gain the object diff against
		/dev/null, clusters that would lose it diff to /dev/null. The member
		objects are rendered as the syncer renders them (template, retained fields,
		overrides, managed label), and a cluster counts only where the syncer would
		write.

		"diff TYPE NAME" diffs the federated object on the host; "diff -f FILE"
		diffs a federated object from a file ("-" for stdin) that may not be
		applied yet (it keeps the host's status, so the syncer's records count).
		Clusters the syncer leaves alone (a policy denies it, not ready, ...) are
		named on stderr with the reason.

		The exit code is 0 when no member would change, 1 when some would, and
		above 1 on an error, as kubectl diff.`)

	diffExample = templates.Examples(`
		# What would propagating Deployment web change in each member?
		kubectl fed diff deployment web -n shop

		# Preview an edited FederatedDeployment before applying it
		kubectl fed diff -f web.yaml`)
)

// errDifferences is returned when some member would change: exit code 1,
// nothing printed.
var errDifferences = &cli.ExitError{Code: 1}

// Options are the inputs of `kubectl fed diff`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// TypeName and Name are the arguments; Filename is -f.
	TypeName, Name, Filename string
	// Clusters restricts the diff to these clusters.
	Clusters []string
	// Members are the flags reading the member clusters: their timeout
	// and the inventory's access provider file.
	Members members.Flags

	namespace string
	fromFile  *unstructured.Unstructured
}

// NewCmdDiff returns `kubectl fed diff`.
func NewCmdDiff(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, Members: members.NewFlags()}
	cmd := &cobra.Command{
		Use:     "diff (TYPE NAME | -f FILE)",
		Short:   "Show what each member cluster would receive if a federated object were propagated now",
		Long:    diffLong,
		Example: diffExample,
		Args:    cobra.MaximumNArgs(2),
		RunE:    cli.RunE(o),
	}
	cmd.Flags().StringVarP(&o.Filename, "filename", "f", "", "A federated object to diff, not applied yet (- for stdin)")
	cmd.Flags().StringSliceVar(&o.Clusters, "clusters", nil, "Only diff these joined clusters (comma-separated)")
	o.Members.AddTo(cmd.Flags())
	return cmd
}

// Complete reads the arguments, the namespace and the file.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	switch {
	case o.Filename != "" && len(args) > 0:
		return cli.UsageErrorf(cmd, "give either TYPE NAME or -f FILE, not both")
	case o.Filename == "" && len(args) != 2:
		return cli.UsageErrorf(cmd, "give TYPE NAME, or -f FILE")
	case o.Filename == "":
		o.TypeName, o.Name = args[0], args[1]
	}
	ns, err := o.flags.Namespace()
	if err != nil {
		return err
	}
	o.namespace = ns
	if o.Filename == "" {
		return nil
	}
	var data []byte
	if o.Filename == "-" {
		data, err = io.ReadAll(o.streams.In)
	} else {
		data, err = os.ReadFile(o.Filename)
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", o.Filename, err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil || u.GetKind() == "" || u.GetName() == "" {
		return fmt.Errorf("%s does not hold one federated object with kind and metadata.name (a single YAML or JSON document): %v", o.Filename, err)
	}
	o.fromFile, o.TypeName, o.Name = u, u.GetKind(), u.GetName()
	if u.GetNamespace() != "" {
		o.namespace = u.GetNamespace()
	}
	return nil
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if err := o.Members.Validate(); err != nil {
		return err
	}
	return nil
}

// Run prints each member's diff; an error exits 2, as kubectl diff's.
func (o *Options) Run(ctx context.Context) error {
	err := o.run(ctx)
	if err != nil && !errors.Is(err, errDifferences) {
		return &cli.ExitError{Code: 2, Err: err}
	}
	return err
}

// run plans the object and prints each member's diff.
func (o *Options) run(ctx context.Context) error {
	host, t, err := status.Open(ctx, o.flags, o.TypeName)
	if err != nil {
		return err
	}
	fed, err := status.GetObject(ctx, host, t, o.namespace, o.Name)
	switch {
	case o.fromFile != nil && err != nil:
		fed = o.fromFile
		fed.SetNamespace(o.namespace)
		if t.Config.Spec.FederatedType.Scope == "Cluster" {
			fed.SetNamespace("")
		}
	case o.fromFile != nil:
		fed = fromFile(fed, o.fromFile)
	case err != nil:
		return err
	}
	list, err := o.Members.List(ctx, host, o.flags.KubeFedNamespace, nil)
	if err != nil {
		return err
	}
	if err := members.CheckNames(members.Names(list), o.Clusters); err != nil {
		return err
	}
	scene, err := syncview.Load(ctx, host, o.flags.KubeFedNamespace, t, fed, list, o.Members.Timeout)
	if err != nil {
		return err
	}
	if scene.PlacementErr != nil {
		return fmt.Errorf("the placement of %s %s cannot be computed, so the syncer writes nothing: %w", fed.GetKind(), fed.GetName(), scene.PlacementErr)
	}
	changed := false
	for i, p := range scene.Plans {
		if len(o.Clusters) > 0 && !contains(o.Clusters, p.Cluster) {
			continue
		}
		if err := scene.ReadErrs[i]; err != nil && !apierrors.IsNotFound(err) {
			fmt.Fprintf(o.streams.ErrOut, "%s: not compared: %s\n", p.Cluster, members.Describe(scene.Members[i], err))
			continue
		}
		text, err := Cluster(p, scene.Seen[i].Observed)
		if err != nil {
			return err
		}
		if text == "" {
			if p.Listed && p.Status != "" {
				fmt.Fprintf(o.streams.ErrOut, "%s: %s (%s): %s\n", p.Cluster, p.Action, p.Status, p.Message)
			}
			continue
		}
		changed = true
		if _, err := io.WriteString(o.streams.Out, text); err != nil {
			return err
		}
	}
	if changed {
		return errDifferences
	}
	return nil
}

// fromFile is the host's object with the file's spec, labels and
// annotations: what the host would hold once the file is applied.
func fromFile(host, file *unstructured.Unstructured) *unstructured.Unstructured {
	out := host.DeepCopy()
	out.Object["spec"] = file.Object["spec"]
	out.SetLabels(file.GetLabels())
	out.SetAnnotations(file.GetAnnotations())
	return out
}

// Cluster is the unified diff of one cluster's plan against the member's
// live object (nil when absent), "" when the syncer would write nothing
// there or what it writes shows no difference.
func Cluster(p propagation.ClusterPlan, observed *unstructured.Unstructured) (string, error) {
	var after *unstructured.Unstructured
	switch p.Action {
	case propagation.Create, propagation.Adopt, propagation.Update:
		after = p.Desired
	case propagation.Delete:
		after = nil
	case propagation.Unlabel:
		after = observed.DeepCopy()
		labels := after.GetLabels()
		delete(labels, core.ManagedByKubeFedLabelKey)
		after.SetLabels(labels)
	default:
		return "", nil
	}
	from, err := document(observed)
	if err != nil {
		return "", err
	}
	to, err := document(after)
	if err != nil {
		return "", err
	}
	fromName, toName := p.Cluster+"/live", p.Cluster+"/"+strings.ToLower(string(p.Action))
	if observed == nil {
		fromName = "/dev/null"
	}
	if after == nil {
		toName = "/dev/null"
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(from), B: difflib.SplitLines(to), FromFile: fromName, ToFile: toName, Context: 3,
	})
}

// serverFields are what a write does not change: the API server's own
// metadata, and the status (a subresource).
var serverFields = [][]string{
	{"metadata", "managedFields"}, {"metadata", "creationTimestamp"}, {"metadata", "uid"},
	{"metadata", "resourceVersion"}, {"metadata", "generation"}, {"metadata", "selfLink"}, {"status"},
}

// document is an object's YAML without the fields a write does not
// change; "" for nil.
func document(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	c := u.DeepCopy()
	for _, f := range serverFields {
		unstructured.RemoveNestedField(c.Object, f...)
	}
	data, err := yaml.Marshal(c.Object)
	return string(data), err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
