package taint

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// pollInterval is how often drain looks at the federated objects.
const pollInterval = time.Second

// drainTaint is the taint drain sets.
var drainTaint = corev1beta1.Taint{Key: corev1beta1.TaintDrain, Effect: corev1beta1.TaintNoExecute}

// DrainOptions are the inputs of `kubectl fed drain`.
type DrainOptions struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// Cluster is the KubeFedCluster's name.
	Cluster string
	// Timeout bounds the wait for the cluster to empty; 0 waits forever.
	Timeout time.Duration
	// Wait, when false, only sets the taint.
	Wait bool
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// NewCmdDrain returns `kubectl fed drain CLUSTER`.
func NewCmdDrain(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DrainOptions{flags: flags, streams: streams, Wait: true, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "drain CLUSTER",
		Short: "Move the federated objects out of a member cluster, gracefully",
		Long: templates.LongDesc(`
			Drain a member cluster: it gets the taint kubefed.io/drain:NoExecute, so
			no federated object is placed there and those there that do not tolerate
			the taint are removed from it, gracefully: replica scheduling moves their
			replicas first, and the member objects are deleted once the moved replicas
			are ready elsewhere (or after the KubeFedConfig's taints.evictionTimeout).
			Drain shows the progress until the cluster holds no such object. Undo with
			kubectl fed uncordon.`),
		Example: templates.Examples(`
			# Drain member1, waiting at most 10 minutes
			kubectl fed drain member1 --timeout=10m`),
		RunE:              cli.RunE(o),
		ValidArgsFunction: flags.CompleteJoinedClusters,
	}
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 5*time.Minute, "How long to wait for the cluster to hold no evictable object (0: no limit)")
	cmd.Flags().BoolVar(&o.Wait, "wait", true, "Wait until the cluster holds no evictable object")
	return cmd
}

// Complete reads the cluster.
func (o *DrainOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return cli.UsageErrorf(cmd, "exactly one CLUSTER is required")
	}
	o.Cluster = args[0]
	return nil
}

// Validate checks the timeout.
func (o *DrainOptions) Validate() error {
	if o.Timeout < 0 {
		return fmt.Errorf("--timeout must not be negative")
	}
	return nil
}

// Run taints the cluster and follows the eviction.
func (o *DrainOptions) Run(ctx context.Context) error {
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	start := o.Now()
	if _, err := edit(ctx, host, o.flags.KubeFedNamespace, o.Cluster, func(list []corev1beta1.Taint) ([]corev1beta1.Taint, error) {
		return editFixed(list, []taints.Change{{Taint: drainTaint}})
	}); err != nil {
		return err
	}
	fmt.Fprintf(o.streams.Out, "kubefedcluster/%s tainted %s\n", o.Cluster, taints.String(drainTaint))
	if !o.Wait {
		return nil
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	last := ""
	for {
		remaining, err := Remaining(ctx, host, o.flags.KubeFedNamespace, o.Cluster)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if err == nil {
			if len(remaining) == 0 {
				fmt.Fprintf(o.streams.Out, "kubefedcluster/%s drained in %s\n", o.Cluster, o.Now().Sub(start).Round(time.Second))
				return nil
			}
			if line := progress(remaining); line != last {
				fmt.Fprintf(o.streams.Out, "%s: %s\n", o.Now().Sub(start).Round(time.Second), line)
				last = line
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubefedcluster/%s is not drained after %s: %s; see kubectl fed status TYPE NAME for what each waits for, and the KubeFedConfig's taints.evictionTimeout",
				o.Cluster, o.Timeout, last)
		case <-time.After(pollInterval):
		}
	}
}

// Held is a federated object that a cluster still holds.
type Held struct {
	// Object is TYPE NAMESPACE/NAME.
	Object string
	// Status is the cluster's propagation status in the object.
	Status typesv1beta1.PropagationStatus
}

// Remaining lists the federated objects the cluster holds that do not
// tolerate the drain taint: those whose status lists the cluster with any
// status but Tainted.
func Remaining(ctx context.Context, host *cli.Cluster, kubefedNS, cluster string) ([]Held, error) {
	types, err := status.ListTypes(ctx, host, kubefedNS)
	if err != nil {
		return nil, err
	}
	var out []Held
	for _, t := range types {
		list, err := status.ListObjects(ctx, host, t, "", nil)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			if s, held := holds(&list.Items[i], cluster); held {
				out = append(out, Held{Object: t.Config.Name + " " + name(&list.Items[i]), Status: s})
			}
		}
	}
	return out, nil
}

// holds reports whether the object's status lists the cluster with a
// status other than Tainted, and the object does not tolerate the drain.
func holds(obj *unstructured.Unstructured, cluster string) (typesv1beta1.PropagationStatus, bool) {
	spec, err := typesv1beta1.SpecOf(obj)
	if err == nil && spec.Placement != nil {
		if _, untolerated := taints.Untolerated([]corev1beta1.Taint{drainTaint}, corev1beta1.TaintNoExecute, spec.Placement.Tolerations); !untolerated {
			return "", false
		}
	}
	status, err := typesv1beta1.StatusOf(obj)
	if err != nil {
		return "", false
	}
	entry := status.Cluster(cluster)
	if entry == nil || entry.Status == typesv1beta1.Tainted {
		return "", false
	}
	return entry.Status, true
}

func name(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}

// progress summarises what remains: the count by status, and the first
// objects.
func progress(list []Held) string {
	counts := map[string]int{}
	var names []string
	for _, h := range list {
		s := string(h.Status)
		if s == "" {
			s = "OK"
		}
		counts[s]++
		names = append(names, h.Object)
	}
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	slices.Sort(names)
	if len(names) > 3 {
		names = append(names[:3], "...")
	}
	return fmt.Sprintf("%d objects remain (%s): %s", len(list), strings.Join(parts, ", "), strings.Join(names, ", "))
}
