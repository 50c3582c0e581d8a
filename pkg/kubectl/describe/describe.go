// Package describe holds `kubectl fed describe`, which shows one federated
// object in full: its status view (summary, clusters, host events), its
// placement and the overrides of each cluster, then, cluster by cluster,
// the member object's key state and its recent events, and for workloads
// the events of its pods that are not ready.
package describe

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/explain"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/plan"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/syncview"
)

var (
	describeLong = templates.LongDesc(`
		Describe a federated object: its status cluster by cluster and its events on
		the host (as kubectl fed status TYPE NAME), its placement and each cluster's
		overrides, then for every joined cluster the member object's state
		(managed or not, generation, the syncer's action there) and its recent
		events in that cluster; for workloads (objects with a pod selector), the
		events of the pods that are not ready.`)

	describeExample = templates.Examples(`
		# Describe Deployment web across the federation
		kubectl fed describe deployment web -n shop`)
)

// maxEvents is how many recent events are shown per member object.
const maxEvents = 10

// Options are the inputs of `kubectl fed describe`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// ObjectArgs are TYPE NAME and the namespace.
	cli.ObjectArgs
	// Members are the flags reading the member clusters: their timeout
	// and the inventory's access provider file.
	Members members.Flags
}

// NewCmdDescribe returns `kubectl fed describe`.
func NewCmdDescribe(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, Members: members.NewFlags()}
	cmd := &cobra.Command{
		Use:     "describe TYPE NAME",
		Short:   "Describe a federated object: placement, overrides, status and each member's object and events",
		Long:    describeLong,
		Example: describeExample,
		Args:    cobra.ExactArgs(2),
		RunE:    cli.RunE(o),
	}
	o.Members.AddTo(cmd.Flags())
	return cmd
}

// Complete reads the arguments and the namespace.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	return o.ObjectArgs.Complete(o.flags, args)
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if err := o.Members.Validate(); err != nil {
		return err
	}
	return nil
}

// memberView is what describe shows of one cluster.
type memberView struct {
	events    []status.Event
	podEvents []status.Event
	// deps are the states of the dependencies of the member object the
	// syncer writes or keeps there.
	deps []dependencyState
	err  error
}

// dependencyState is one dependency of a member object and the state of
// its copy in the cluster.
type dependencyState struct {
	ref   dependencies.Ref
	state string
}

// Run prints the description.
func (o *Options) Run(ctx context.Context) error {
	host, scene, err := explain.Load(ctx, o.flags, o.Members, o.TypeName, o.Name, o.Namespace, nil)
	if err != nil {
		return err
	}
	fed := scene.Input.Federated
	w := o.streams.Out
	hostEvents, err := status.ListEvents(ctx, host, fed)
	if err != nil {
		return err
	}
	now := time.Now()
	if _, err := status.WriteObject(w, scene.Type, status.ObjectFrom(fed), nil, hostEvents, now, status.RenderOptions{}); err != nil {
		return err
	}
	e := explain.Funnel(scene)
	fmt.Fprintf(w, "\nPlacement: %s\n", placementText(sets.List(scene.Input.Placement.Clusters), e))
	follows := dependencies.Follows(fed.GetAnnotations(), scene.Type.Config.GetDependenciesEnabled())
	objects := plan.ObjectsOf(scene.Input, scene.Seen, scene.Plans, follows)
	onHost, err := hostDependencies(ctx, host, fed.GetNamespace(), objects)
	if err != nil {
		return err
	}
	if len(onHost) > 0 {
		fmt.Fprintf(w, "Dependencies: %s\n", followedText(follows))
	}
	views := make([]memberView, len(scene.Members))
	errs := members.Each(ctx, scene.Members, o.Members.Timeout, func(ctx context.Context, m members.Member) error {
		i := indexOf(scene.Members, m.Name())
		mc, err := cli.NewCluster(m.Name(), m.Config)
		if err != nil {
			return err
		}
		if c := objects.Clusters[i]; c.Member != nil && len(c.Refs) > 0 && scene.Seen[i].Ready {
			if views[i].deps, err = memberDependencies(ctx, mc, fed.GetNamespace(), c.Refs, onHost, follows); err != nil {
				return err
			}
		}
		observed := scene.Seen[i].Observed
		if observed == nil {
			return nil
		}
		if views[i].events, err = status.ListEvents(ctx, mc, observed); err != nil {
			return err
		}
		views[i].podEvents, err = notReadyPodEvents(ctx, mc, observed)
		return err
	})
	for i := range views {
		views[i].err = errs[i]
	}
	return writeClusters(o.streams.Out, scene, e, views, now)
}

// writeClusters prints, for every cluster of the funnel e of scene, the
// syncer's decision and its message, the taints and the replica plan when
// they say something, the overrides, the member object's state, the error
// reading it, and the events views holds.
func writeClusters(out io.Writer, scene *syncview.Scene, e explain.Explanation, views []memberView, now time.Time) error {
	tw := printers.GetNewTabWriter(out)
	w := io.Writer(tw)
	for i, c := range e.Clusters {
		fmt.Fprintf(w, "\nCluster %s (%s):\n", c.Cluster, c.Source)
		fmt.Fprintf(w, "  Decision:\t%s", c.Action)
		if c.Status != "" {
			fmt.Fprintf(w, " (%s)", c.Status)
		}
		if c.StoppedAt != "" {
			fmt.Fprintf(w, ", stopped at %s", c.StoppedAt)
		}
		fmt.Fprintln(w)
		if c.Message != "" {
			fmt.Fprintf(w, "  Message:\t%s\n", c.Message)
		}
		for _, s := range c.Steps {
			switch {
			case s.Detail == "":
			case s.Step == explain.StepTaints:
				fmt.Fprintf(w, "  Taints:\t%s: %s\n", s.Result, s.Detail)
			case s.Step == explain.StepReplicas:
				fmt.Fprintf(w, "  Replicas:\t%s: %s\n", s.Result, s.Detail)
			case s.Step == explain.StepOverrides:
				fmt.Fprintf(w, "  Overrides:\t%s\n", s.Detail)
			}
		}
		fmt.Fprintf(w, "  Member object:\t%s\n", objectState(scene.Seen[i].Observed, c))
		if err := views[i].err; err != nil && scene.Seen[i].Ready {
			fmt.Fprintf(w, "  Error:\t%s\n", members.Describe(scene.Members[i], err))
		}
		if deps := views[i].deps; len(deps) > 0 {
			fmt.Fprintf(w, "  Dependencies:\n")
			for _, d := range deps {
				fmt.Fprintf(w, "    %s\t%s\n", d.ref, d.state)
			}
		}
		writeEvents(w, "Events", views[i].events, now)
		writeEvents(w, "Events of pods not ready", views[i].podEvents, now)
	}
	return tw.Flush()
}

// placementText names the clusters the placements select, with the
// placement's reason when it has one.
func placementText(placed []string, e explain.Explanation) string {
	text := "no cluster"
	if len(placed) > 0 {
		text = strings.Join(placed, ", ")
	}
	if e.Placement != "" {
		text += " (" + e.Placement + ")"
	}
	return text
}

// followedText says whether the object's dependencies are followed and,
// when not, how to have them followed.
func followedText(follows bool) string {
	if follows {
		return "followed: the syncer copies them into the clusters the object lands in"
	}
	return fmt.Sprintf("not followed: federate them yourself, or annotate the object %s=true", core.PropagateDependenciesAnnotation)
}

// hostDependencies reads, on the host, the dependencies of the member
// objects of every cluster, and returns whether each exists there.
func hostDependencies(ctx context.Context, host *cli.Cluster, namespace string, objects plan.ObjectPlan) (map[dependencies.Ref]bool, error) {
	out := map[dependencies.Ref]bool{}
	for _, c := range objects.Clusters {
		for _, r := range c.Refs {
			if _, done := out[r]; done {
				continue
			}
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(string(r.Kind)))
			err := host.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: r.Name}, u)
			if client.IgnoreNotFound(err) != nil {
				return nil, fmt.Errorf("reading dependency %s/%s of the host cluster (context %q): %w", namespace, r, host.Name, err)
			}
			out[r] = err == nil
		}
	}
	return out, nil
}

// memberDependencies reads the copies of refs in a member cluster and
// states each (stateOf).
func memberDependencies(ctx context.Context, mc *cli.Cluster, namespace string, refs []dependencies.Ref, onHost map[dependencies.Ref]bool, follows bool) ([]dependencyState, error) {
	out := make([]dependencyState, 0, len(refs))
	for _, r := range refs {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(string(r.Kind)))
		err := mc.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: r.Name}, u)
		if client.IgnoreNotFound(err) != nil {
			return nil, fmt.Errorf("reading dependency %s/%s: %w", namespace, r, err)
		}
		if err != nil {
			u = nil
		}
		out = append(out, dependencyState{ref: r, state: stateOf(r, u, onHost[r], follows)})
	}
	return out, nil
}

// stateOf is the state of one dependency of a member object in
// its cluster, from its copy there (nil when absent), whether the host has
// it and whether the object's dependencies are followed: copied (the copy
// carries kubectl-fed's managed label), the member's own (a copy without
// it, which the syncer leaves as it is), or absent, with what that means.
func stateOf(r dependencies.Ref, member *unstructured.Unstructured, onHost, follows bool) string {
	switch {
	case member != nil && member.GetLabels()[core.ManagedByKubeFedLabelKey] == core.ManagedByKubeFedLabelValue:
		return "copied"
	case member != nil:
		return "present, the cluster's own (not managed by kubectl-fed)"
	case r.Optional:
		return "absent (optional)"
	case !onHost:
		return "missing, and not on the host either: create it there"
	case follows:
		return "missing: the syncer copies it on its next pass"
	}
	return "missing: not followed, federate it or follow the dependencies"
}

// objectState is the member object's key state in one line.
func objectState(obj *unstructured.Unstructured, c explain.Cluster) string {
	for _, s := range c.Steps {
		if s.Step != explain.StepMember {
			continue
		}
		if obj == nil {
			return s.Result
		}
		state := fmt.Sprintf("%s, generation %d, resourceVersion %s", s.Result, obj.GetGeneration(), obj.GetResourceVersion())
		if ready, found, _ := unstructured.NestedInt64(obj.Object, "status", "readyReplicas"); found {
			replicas, _, _ := unstructured.NestedInt64(obj.Object, "status", "replicas")
			state += fmt.Sprintf(", %d/%d ready", ready, replicas)
		}
		return state
	}
	return "unknown"
}

// notReadyPodEvents returns the events of the pods a workload selects
// (spec.selector.matchLabels) that are not ready.
func notReadyPodEvents(ctx context.Context, mc *cli.Cluster, obj *unstructured.Unstructured) ([]status.Event, error) {
	selector, found, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
	if !found || len(selector) == 0 {
		return nil, nil
	}
	pods := &corev1.PodList{}
	if err := mc.Client.List(ctx, pods, client.InNamespace(obj.GetNamespace()), client.MatchingLabelsSelector{Selector: labels.SelectorFromSet(selector)}); err != nil {
		return nil, fmt.Errorf("listing the pods of %s: %w", obj.GetName(), err)
	}
	var out []status.Event
	for i := range pods.Items {
		if podReady(&pods.Items[i]) {
			continue
		}
		u := &unstructured.Unstructured{}
		u.SetName(pods.Items[i].Name)
		u.SetNamespace(pods.Items[i].Namespace)
		u.SetUID(pods.Items[i].UID)
		u.SetKind("Pod")
		events, err := status.ListEvents(ctx, mc, u)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			e.Message = "pod " + pods.Items[i].Name + ": " + e.Message
			out = append(out, e)
		}
	}
	return out, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// writeEvents prints the most recent events under a title, or nothing.
func writeEvents(w io.Writer, title string, events []status.Event, now time.Time) {
	if len(events) == 0 {
		return
	}
	sort.Slice(events, func(i, j int) bool { return events[i].Last.After(events[j].Last) })
	if len(events) > maxEvents {
		events = events[:maxEvents]
	}
	fmt.Fprintf(w, "  %s:\n", title)
	for _, e := range events {
		fmt.Fprintf(w, "    %s ago\t%s\t%s\t%s\n", now.Sub(e.Last).Round(time.Second), e.Type, e.Reason, e.Message)
	}
}

func indexOf(list []members.Member, name string) int {
	for i, m := range list {
		if m.Name() == name {
			return i
		}
	}
	return -1
}
