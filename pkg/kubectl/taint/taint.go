// Package taint holds `kubectl fed taint`, `cordon`, `uncordon` and
// `drain`, which edit a member cluster's taints (KubeFedCluster
// spec.taints) and, for drain, follow the graceful eviction until the
// cluster holds no federated object that does not tolerate the drain.
package taint

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

var (
	taintLong = templates.LongDesc(`
		Add or remove taints of a member cluster (its KubeFedCluster's spec.taints),
		in kubectl taint's syntax.

		A NoSchedule taint keeps federated objects that do not tolerate it
		(spec.placement.tolerations) from being placed in the cluster; those there
		stay. A NoExecute taint also removes them, gracefully: replica scheduling
		moves their replicas first, and the member objects are deleted once the
		moved replicas are ready elsewhere (or after the KubeFedConfig's
		taints.evictionTimeout), one cluster of an object at a time.`)

	taintExample = templates.Examples(`
		# Keep new placements of objects without a matching toleration off member1
		kubectl fed taint member1 team=payments:NoSchedule

		# Remove the objects that do not tolerate it as well
		kubectl fed taint member1 maintenance:NoExecute

		# Remove the taints of a key (of one effect)
		kubectl fed taint member1 team-
		kubectl fed taint member1 maintenance:NoExecute-`)
)

// Options are the inputs of taint, cordon and uncordon.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// Cluster is the KubeFedCluster's name.
	Cluster string
	// Changes are the taints to add and remove.
	Changes []taints.Change
	// Overwrite lets an added taint replace one of the same key and effect.
	Overwrite bool
	// verb names the change in the output ("tainted", "cordoned", ...).
	verb string
	// args are the TAINT arguments before Complete parses them; fixed is
	// set for cordon and uncordon, whose change is given.
	args  []string
	fixed bool
}

// NewCmdTaint returns `kubectl fed taint CLUSTER KEY[=VALUE]:EFFECT ...`.
func NewCmdTaint(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, verb: "tainted"}
	cmd := &cobra.Command{
		Use:               "taint CLUSTER KEY[=VALUE]:EFFECT ... | KEY[:EFFECT]- ...",
		Short:             "Add or remove taints of a member cluster",
		Long:              taintLong,
		Example:           taintExample,
		RunE:              cli.RunE(o),
		ValidArgsFunction: flags.CompleteJoinedClusters,
	}
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "Replace a taint of the same key and effect that has another value")
	return cmd
}

// NewCmdCordon returns `kubectl fed cordon CLUSTER`: the NoSchedule taint
// kubefed.io/unschedulable.
func NewCmdCordon(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, verb: "cordoned", fixed: true,
		Changes: []taints.Change{{Taint: corev1beta1.Taint{Key: corev1beta1.TaintUnschedulable, Effect: corev1beta1.TaintNoSchedule}}}}
	return &cobra.Command{
		Use:   "cordon CLUSTER",
		Short: "Stop placing federated objects in a member cluster (the objects there stay)",
		Long: templates.LongDesc(`
			Mark a member cluster unschedulable: it gets the taint
			kubefed.io/unschedulable:NoSchedule, so federated objects that do not
			tolerate it are not placed there; the objects there stay. Undo with
			kubectl fed uncordon.`),
		Example:           templates.Examples(`kubectl fed cordon member1`),
		RunE:              cli.RunE(o),
		ValidArgsFunction: flags.CompleteJoinedClusters,
	}
}

// NewCmdUncordon returns `kubectl fed uncordon CLUSTER`.
func NewCmdUncordon(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, verb: "uncordoned", fixed: true,
		Changes: []taints.Change{{Taint: corev1beta1.Taint{Key: corev1beta1.TaintUnschedulable}, Remove: true}, {Taint: corev1beta1.Taint{Key: corev1beta1.TaintDrain}, Remove: true}}}
	return &cobra.Command{
		Use:   "uncordon CLUSTER",
		Short: "Place federated objects in a member cluster again (undo cordon and drain)",
		Long: templates.LongDesc(`
			Remove the taints kubectl fed cordon and kubectl fed drain set
			(kubefed.io/unschedulable and kubefed.io/drain).`),
		Example:           templates.Examples(`kubectl fed uncordon member1`),
		RunE:              cli.RunE(o),
		ValidArgsFunction: flags.CompleteJoinedClusters,
	}
}

// Complete reads the cluster and the taint arguments.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cli.UsageErrorf(cmd, "CLUSTER is required")
	}
	o.Cluster, o.args = args[0], args[1:]
	if o.fixed {
		if len(o.args) > 0 {
			return cli.UsageErrorf(cmd, "%s takes only CLUSTER", cmd.Name())
		}
		return nil
	}
	if len(o.args) == 0 {
		return cli.UsageErrorf(cmd, "at least one taint is required: KEY[=VALUE]:EFFECT to add, KEY[:EFFECT]- to remove")
	}
	o.Changes = nil
	for _, arg := range o.args {
		c, err := taints.Parse(arg)
		if err != nil {
			return err
		}
		o.Changes = append(o.Changes, c)
	}
	return nil
}

// Validate has nothing to check beyond Complete.
func (o *Options) Validate() error { return nil }

// Run edits the cluster's taints.
func (o *Options) Run(ctx context.Context) error {
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	changed, err := edit(ctx, host, o.flags.KubeFedNamespace, o.Cluster, func(list []corev1beta1.Taint) ([]corev1beta1.Taint, error) {
		if o.fixed {
			return editFixed(list, o.Changes)
		}
		return taints.Edit(list, o.Changes, o.Overwrite, metav1.Now())
	})
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(o.streams.Out, "kubefedcluster/%s already %s\n", o.Cluster, o.verb)
		return nil
	}
	fmt.Fprintf(o.streams.Out, "kubefedcluster/%s %s\n", o.Cluster, o.verb)
	return nil
}

// editFixed applies cordon's or uncordon's changes, skipping an addition
// that is there already and a removal of a key that is not.
func editFixed(list []corev1beta1.Taint, changes []taints.Change) ([]corev1beta1.Taint, error) {
	out := list
	for _, c := range changes {
		has := false
		for _, t := range out {
			has = has || (t.Key == c.Taint.Key && (c.Taint.Effect == "" || t.Effect == c.Taint.Effect))
		}
		if has == c.Remove {
			var err error
			if out, err = taints.Edit(out, []taints.Change{c}, true, metav1.Now()); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// edit reads the KubeFedCluster, applies fn to its taints and writes it
// when they changed, retrying on conflicts.
func edit(ctx context.Context, host *cli.Cluster, namespace, name string, fn func([]corev1beta1.Taint) ([]corev1beta1.Taint, error)) (changed bool, err error) {
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cluster := &corev1beta1.KubeFedCluster{}
		if err := host.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, cluster); err != nil {
			return fmt.Errorf("reading KubeFedCluster %s in namespace %s of the host cluster (context %q): %w; list the joined clusters with kubectl fed status", name, namespace, host.Name, err)
		}
		list, err := fn(cluster.Spec.Taints)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", name, err)
		}
		if taints.Join(list) == taints.Join(cluster.Spec.Taints) {
			changed = false
			return nil
		}
		cluster.Spec.Taints, changed = list, true
		cli.LogAction(ctx, "Updating object", host, cluster)
		if err := host.Client.Update(ctx, cluster); err != nil {
			return fmt.Errorf("updating the taints of KubeFedCluster %s: %w", name, err)
		}
		return nil
	})
	return changed, err
}
