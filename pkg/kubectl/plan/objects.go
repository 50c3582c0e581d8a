package plan

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

// ObjectPlan is what the syncer would write for one federated object, per
// joined cluster: the -o json|yaml form of `plan TYPE NAME`.
type ObjectPlan struct {
	// Object names the federated object: Kind namespace/name.
	Object string `json:"object"`
	// DependenciesFollowed is set when the object propagates its
	// dependencies (kubefed.io/propagate-dependencies, or its type's
	// dependencyPropagation default).
	DependenciesFollowed bool `json:"dependenciesFollowed"`
	// Clusters are the joined clusters, in name order.
	Clusters []ClusterObject `json:"clusters"`
}

// ClusterObject is the syncer's decision in one cluster and the member
// object it renders there.
type ClusterObject struct {
	Cluster string `json:"cluster"`
	// Placed is set when the placement selects the cluster.
	Placed bool `json:"placed"`
	// Action is what the syncer does (Create, Adopt, Update, Delete,
	// Unlabel, Wait, Skip).
	Action string `json:"action"`
	// UpToDate is set when the member object is already as rendered.
	UpToDate bool `json:"upToDate,omitempty"`
	// Status and Message are the propagation status the cluster gets; ""
	// when it gets none (not placed).
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// Overrides are the sets of overriders applied to the member object,
	// in the order the syncer applies them.
	Overrides []AppliedOverrides `json:"overrides,omitempty"`
	// Dependencies are the objects the member object's pod template
	// references (Kind/name), DependenciesError why they cannot be told.
	Dependencies      []string `json:"dependencies,omitempty"`
	DependenciesError string   `json:"dependenciesError,omitempty"`
	// Refs are Dependencies as references.
	Refs []dependencies.Ref `json:"-"`
	// Member is the object the syncer writes to (or keeps in) the
	// cluster; nil when it writes none there.
	Member *unstructured.Unstructured `json:"member,omitempty"`
}

// AppliedOverrides is one set of overriders and where it comes from: an
// OverridePolicy, a ClusterOverridePolicy or an entry of spec.overrides.
type AppliedOverrides struct {
	Source     string   `json:"source"`
	Overriders []string `json:"overriders"`
}

// ObjectsOf returns the plan's view of a federated object: for each
// member in seen, the decision the syncer's plan made there (plans, one
// per member, from propagation.PlanCluster of in) and the member object it
// renders, with the override sets that made it and its dependencies.
// Everything is computed with the syncer's own functions: the object is
// the plan's (propagation.Render), and for an up-to-date member Render's
// with the member's current object; the sets are propagation.Overrides of
// the cluster's destination, whose policies are in overrides.Select's
// order; dependencies are dependencies.Of of the rendered object.
func ObjectsOf(in propagation.Input, seen []propagation.Member, plans []propagation.ClusterPlan, followDependencies bool) ObjectPlan {
	out := ObjectPlan{Object: in.Federated.GetKind() + " " + qualifiedName(in.Federated), DependenciesFollowed: followDependencies}
	for i, p := range plans {
		out.Clusters = append(out.Clusters, clusterObject(in, seen[i], p))
	}
	return out
}

// clusterObject is one member's part of ObjectsOf.
func clusterObject(in propagation.Input, m propagation.Member, p propagation.ClusterPlan) ClusterObject {
	c := ClusterObject{Cluster: p.Cluster, Placed: in.Placement.Clusters.Has(p.Cluster), Action: string(p.Action), UpToDate: p.Current, Message: p.Message}
	if p.Listed {
		c.Status = statusName(p.Status)
	}
	member := p.Desired
	if member == nil && p.Current {
		// Up to date: the syncer writes nothing, and the member holds what
		// it renders, retained fields included.
		member, _ = propagation.Render(in.Federated, in.Target, in.Destination(m), m.Observed)
	}
	if member == nil && !renderFailed(p.Status) {
		return c
	}
	if sets, err := propagation.Overrides(in.Federated, in.Target, in.Destination(m)); err == nil {
		for _, s := range sets {
			c.Overrides = append(c.Overrides, AppliedOverrides{Source: s.Source, Overriders: s.Overriders()})
		}
	}
	if member == nil {
		return c
	}
	c.Member = member
	refs, err := dependencies.Of(in.Target.Group, in.Target.Kind, member.Object)
	if err != nil {
		c.DependenciesError = err.Error()
	}
	c.Refs = refs
	for _, r := range refs {
		c.Dependencies = append(c.Dependencies, r.String())
	}
	return c
}

// renderFailed reports a status of a member object that could not be
// rendered.
func renderFailed(s typesv1beta1.PropagationStatus) bool {
	return s == typesv1beta1.ComputeResourceFailed || s == typesv1beta1.FieldRetentionFailed || s == typesv1beta1.ApplyOverridesFailed
}

// statusName is a listed propagation status as users read it: OK for the
// empty one.
func statusName(s typesv1beta1.PropagationStatus) string {
	if s == typesv1beta1.ClusterPropagationOK {
		return "OK"
	}
	return string(s)
}

// PrintObjectPlan prints the object's plan for people: one row per
// cluster (placed, action, status, the number of override sets, the
// dependencies), then, per cluster, the override sets in the order they
// apply with each overrider and the policy or entry it comes from, and
// the messages of clusters that have one. -o yaml shows the member
// objects themselves.
func PrintObjectPlan(w io.Writer, plan ObjectPlan) error {
	tw := printers.GetNewTabWriter(w)
	fmt.Fprintln(tw, "CLUSTER\tPLACED\tACTION\tSTATUS\tOVERRIDES\tDEPENDENCIES")
	for _, c := range plan.Clusters {
		placed, action, status := "no", c.Action, dash(c.Status)
		if c.Placed {
			placed = "yes"
		}
		if c.UpToDate {
			action = "none (up to date)"
		}
		overrides := "-"
		if c.Member != nil || len(c.Overrides) > 0 {
			overrides = fmt.Sprint(len(c.Overrides))
		}
		deps := dash(strings.Join(c.Dependencies, ", "))
		if c.DependenciesError != "" {
			deps = "unknown"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Cluster, placed, action, status, overrides, deps)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range plan.Clusters {
		if len(c.Overrides) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nOverrides in %s, in the order they apply:\n", c.Cluster)
		for _, s := range c.Overrides {
			fmt.Fprintf(w, "  %s:\n", s.Source)
			for _, o := range s.Overriders {
				fmt.Fprintf(w, "    %s\n", o)
			}
		}
	}
	var notes []string
	for _, c := range plan.Clusters {
		if c.Message != "" {
			notes = append(notes, fmt.Sprintf("  %s: %s", c.Cluster, c.Message))
		}
		if c.DependenciesError != "" {
			notes = append(notes, fmt.Sprintf("  %s: the dependencies cannot be told: %s", c.Cluster, c.DependenciesError))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nMessages:\n%s\n", strings.Join(notes, "\n"))
	}
	if dependent := anyDependencies(plan); dependent && plan.DependenciesFollowed {
		fmt.Fprintln(w, "\nDependencies are followed: the syncer propagates them with the object to the clusters it lands in.")
	} else if dependent {
		fmt.Fprintf(w, "\nDependencies are not followed: federate them yourself, or annotate the object %s=true to have the syncer propagate them with it.\n", core.PropagateDependenciesAnnotation)
	}
	return nil
}

func anyDependencies(plan ObjectPlan) bool {
	for _, c := range plan.Clusters {
		if len(c.Dependencies) > 0 {
			return true
		}
	}
	return false
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func qualifiedName(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}
