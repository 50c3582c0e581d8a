package propagation

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// Action is what the syncer does to a federated object's member object in
// one cluster.
type Action string

// The actions of a plan.
const (
	// Create writes ClusterPlan.Desired as a new member object.
	Create Action = "Create"
	// Adopt takes over a member object the syncer did not create, by
	// updating it to ClusterPlan.Desired (which carries the managed label).
	Adopt Action = "Adopt"
	// Update rewrites the managed member object to ClusterPlan.Desired.
	Update Action = "Update"
	// Delete deletes the member object (with the federated object's delete
	// options).
	Delete Action = "Delete"
	// Unlabel removes the managed label and leaves the member object.
	Unlabel Action = "Unlabel"
	// Wait does nothing now: the cluster holds up the pass (a cache not
	// filled yet, an object being deleted, or, during deletion, a placed
	// cluster that is not ready), which is looked at again soon.
	Wait Action = "Wait"
	// Skip does nothing: the member is as it should be, or the rules say to
	// leave it (ClusterPlan.Status says which).
	Skip Action = "Skip"
)

// Member is one member cluster (joined, or of the cluster inventory) as
// the plan sees it.
type Member struct {
	// Name is the KubeFedCluster's name.
	Name string
	// Labels are the KubeFedCluster's labels, which override entries
	// select on.
	Labels map[string]string
	// Ready is set when the cluster is ready and the syncer has a
	// connection to it: the readiness placement.Compute was given.
	Ready bool
	// Inventory is set for a cluster of the cluster inventory: a
	// ClusterProfile of its name defines it (not a KubeFedCluster), and the
	// messages of a cluster not ready point there.
	Inventory bool
	// Synced is set when the member's objects are known: its cache of
	// managed objects is filled. Observed means nothing otherwise.
	Synced bool
	// Observed is the member object of the federated object's name, nil
	// when there is none. The cache holds only managed objects; after a
	// create found an object there, the syncer plans again with the live
	// one, which may be unmanaged.
	Observed *unstructured.Unstructured
	// Missing says why the member does not serve the target type (its CRD
	// is missing there), "" when it does: it then holds none of the type's
	// objects.
	Missing string
	// Recorded is the record of the syncer's last write to (or check of)
	// the member object (SyncedVersion), "" when none is known.
	Recorded string
	// Holds lists, for a member Namespace the plan would delete, the
	// objects in it that the federation neither manages nor caused
	// (Unmanaged); such a namespace is not deleted. The syncer fills it
	// when a first plan says Delete, and plans again.
	Holds []string
}

// Destination is what Render renders the member object for: the member
// cluster, with the override policies and denied override paths of the
// federated object.
func (in Input) Destination(m Member) overrides.Destination {
	return overrides.Destination{Cluster: m.Name, Labels: m.Labels, Policies: in.OverridePolicies, DeniedPaths: in.DeniedOverridePaths}
}

// Input is everything the plan of one federated object depends on.
type Input struct {
	// Federated is the federated object; nil when it no longer exists, and
	// then the managed member objects of its name are released (unlabeled,
	// never deleted).
	Federated *unstructured.Unstructured
	// Target is the target type's group, version and kind.
	Target schema.GroupVersionKind
	// Placement is placement.Compute's result: the selected clusters, those
	// a Deny policy forbids, the ones not ready, and the targets.
	Placement placement.Result
	// PlacementFailed is set when the placement could not be computed;
	// deletion then treats every cluster as placed.
	PlacementFailed bool
	// Deleting is set when the federated object is being deleted and the
	// sync finalizer is still there.
	Deleting bool
	// Orphan is set when the federated object asks (kubefed.io/orphan) that
	// its member objects be left in place, unlabeled, on deletion.
	Orphan bool
	// AdoptResources lets the syncer take over member objects that exist
	// before it creates them (the KubeFedConfig's adoptResources).
	AdoptResources bool
	// HostNamespaceUID is, for the Namespace type, the UID of the host's own
	// namespace of the object's name: a member Namespace with this UID is
	// the host's (the host joined as a member), which is never deleted,
	// only unlabeled. Empty otherwise.
	HostNamespaceUID types.UID
	// OverridePolicies are the override policies that select the federated
	// object, in the order they apply (overrides.Select).
	OverridePolicies []overrides.Policy
	// DeniedOverridePaths are the deniedOverridePaths of the federation
	// policies that select the federated object.
	DeniedOverridePaths []string
	// Members are the joined clusters.
	Members []Member
	// Dependency is set when Federated is not a federated object but a
	// dependency the syncer renders from a host object (a ConfigMap,
	// Secret, ServiceAccount or PersistentVolumeClaim that workloads
	// following their dependencies reference; Placement then holds the
	// clusters they land in). Its member objects carry
	// DependencyOfAnnotation set to DependencyOf of their cluster (the
	// workloads that pull it in there); a managed member object without
	// that annotation is not the dependency's copy and, in a cluster not
	// placed, is released (unlabeled), never deleted.
	Dependency   bool
	DependencyOf map[string]string
	// Evicting says, for each cluster the object is being evicted from
	// (placement.Result.Evicting) and still kept in, what the eviction
	// waits for; such a cluster is updated as usual and reports Evicting.
	Evicting map[string]string

	// source is Federated decoded once for rendering (Prepared), nil when
	// each render decodes it.
	source *Source
}

// Prepared returns in with its federated object decoded once for rendering
// (NewSource), for planning each member with PlanCluster: an unprepared
// input decodes it for every render, a cost per member that grows with the
// object's overrides. Plan prepares its input itself; an input prepared
// already is returned as it is. Federated and Target must not change in
// the returned input.
func (in Input) Prepared() Input {
	if in.Federated != nil && in.source == nil {
		in.source = NewSource(in.Federated, in.Target)
	}
	return in
}

// Source returns the federated object prepared for rendering: the one
// Prepared decoded, or else a new one.
func (in Input) Source() *Source {
	if in.source != nil {
		return in.source
	}
	return NewSource(in.Federated, in.Target)
}

// Event is an event that a decision itself calls for; the syncer adds the
// events of the writes it does. Warning is set for a Warning event.
type Event struct {
	Warning         bool
	Reason, Message string
}

// ClusterPlan is what to do in one cluster, and what its propagation status
// is once that is done.
type ClusterPlan struct {
	// Cluster is the KubeFedCluster's name.
	Cluster string
	// Action is what to do.
	Action Action
	// Desired is the member object to write for Create, Adopt and Update.
	Desired *unstructured.Unstructured
	// Status and Message are the cluster's propagation status once the
	// action succeeds (Skip and Wait: now).
	Status  typesv1beta1.PropagationStatus
	Message string
	// Listed is set when the cluster gets an entry in the federated
	// object's status.
	Listed bool
	// Current is set when the member object is up to date (Skip with status
	// OK); Observed is then the member's current object.
	Current bool
	// Event is an event to emit for this decision, or nil.
	Event *Event
	// RenderedHash is, for Create, Adopt, Update and an up-to-date Skip,
	// RenderedHash of the cluster's rendered object; Version is the record
	// to keep for an up-to-date Skip; Drifted is set for an Update that
	// reverts a change made by someone else.
	RenderedHash string
	Version      string
	Drifted      bool
	// DropFinalizers are, during deletion, the finalizers the cluster's
	// overrides put on the member object, which the syncer removes so
	// that the deletion completes.
	DropFinalizers []string
}

// Messages of the statuses a plan sets.
const (
	cacheMessage         = "the cache of the member's objects is not filled yet"
	managedFalseMessage  = "the member object is labeled " + core.ManagedByKubeFedLabelKey + "=false"
	alreadyExistsMessage = "the object exists in the member and adoptResources is Disabled"
)

// notReadyMessage is the message of a placed cluster that is not ready: it
// points at the object that defines the cluster, whose conditions say why.
func notReadyMessage(m Member) string {
	if m.Inventory {
		return fmt.Sprintf("the cluster is not ready; see the conditions of its ClusterProfile %q in the inventory namespace", m.Name)
	}
	return "the cluster is not ready; see its KubeFedCluster's conditions"
}

// notReadyDeletionMessage is the message of a placed cluster, not ready,
// that holds the deletion of the federated object up, with how to stop
// waiting for it.
func notReadyDeletionMessage(m Member) string {
	if m.Inventory {
		return fmt.Sprintf("deletion waits for this placed cluster of the inventory to be ready; remove its ClusterProfile %q from the inventory to stop waiting", m.Name)
	}
	return "deletion waits for this joined, placed cluster to be ready; unjoin it to stop waiting"
}

// Plan decides, for each joined cluster, what the syncer does to the
// federated object's member object (reference §3.3 steps 6 and deletion):
//   - a placed cluster a Deny policy forbids is left as it is (PolicyDenied);
//   - a selected cluster with a taint the object does not tolerate gets
//     nothing (Tainted); one it is being evicted from is kept up to date
//     until the eviction gate lets it go (Evicting);
//   - a cluster that is not ready is left alone; placed, it is
//     ClusterNotReady, and during deletion it holds the deletion up;
//   - until the member's cache is filled, the cluster waits
//     (CachedRetrievalFailed);
//   - a placed cluster gets the rendered object: created when absent,
//     updated when it differs, adopted when it exists unmanaged and adoption
//     is enabled (or it is the host's own namespace), otherwise left
//     (AlreadyExists, ManagedLabelFalse);
//   - a cluster no longer placed, and every cluster during deletion, has
//     the managed object deleted, or unlabeled when it is the host's own
//     namespace, was adopted (Releases) or the federated object orphans; a
//     namespace holding objects the federation does not manage is not
//     deleted; an object being deleted is waited for, and during deletion
//     the finalizers the cluster's overrides added are dropped;
//   - a member that does not serve the type holds none of its objects;
//   - when the federated object is gone, managed objects are unlabeled.
//
// Objects without the managed label are never deleted or unlabeled.
func Plan(in Input) []ClusterPlan {
	in = in.Prepared()
	out := make([]ClusterPlan, len(in.Members))
	for i, m := range in.Members {
		out[i] = PlanCluster(in, m)
	}
	return out
}

// PlanCluster decides for one member; see Plan.
func PlanCluster(in Input, m Member) ClusterPlan {
	p := ClusterPlan{Cluster: m.Name, Action: Skip}
	switch {
	case in.Federated == nil:
		return release(p, m)
	case in.Deleting:
		return remove(in, p, m)
	}
	placed := in.Placement.Clusters.Has(m.Name)
	if message, denied := in.Placement.Denied[m.Name]; denied {
		return with(p, Skip, typesv1beta1.PolicyDenied, message)
	}
	if taint, tainted := in.Placement.Tainted[m.Name]; tainted && m.Ready {
		p = with(p, Skip, typesv1beta1.Tainted, "the cluster has the taint "+taint+", which spec.placement.tolerations does not tolerate")
		p.Listed = true
		return p
	}
	if in.Placement.NotReady.Has(m.Name) || (placed && !m.Ready) {
		p = with(p, Skip, typesv1beta1.ClusterNotReady, notReadyMessage(m))
		p.Event = &Event{Warning: true, Reason: string(typesv1beta1.ClusterNotReady), Message: fmt.Sprintf("Cluster %q is not ready", m.Name)}
		return p
	}
	if !m.Ready {
		return p
	}
	if m.Missing != "" {
		if !placed {
			return p
		}
		p = with(p, Skip, typesv1beta1.CachedRetrievalFailed, m.Missing)
		p.Event = &Event{Warning: true, Reason: string(typesv1beta1.CachedRetrievalFailed), Message: fmt.Sprintf("Cluster %q: %s", m.Name, m.Missing)}
		return p
	}
	if !m.Synced {
		p = with(p, Wait, typesv1beta1.CachedRetrievalFailed, cacheMessage)
		p.Listed = placed
		return p
	}
	if !placed {
		return unplace(in, p, m)
	}
	p = place(in, p, m)
	if message, evicting := in.Evicting[m.Name]; evicting && p.Status == typesv1beta1.ClusterPropagationOK {
		p.Status, p.Message = typesv1beta1.Evicting, message
	}
	return p
}

// place decides for a placed, ready cluster.
func place(in Input, p ClusterPlan, m Member) ClusterPlan {
	p.Listed = true
	observed := m.Observed
	if observed == nil {
		return render(in, p, m, Create, nil)
	}
	switch observed.GetLabels()[core.ManagedByKubeFedLabelKey] {
	case core.ManagedByKubeFedLabelValue:
	case core.UnmanagedByKubeFedLabelValue:
		return with(p, Skip, typesv1beta1.ManagedLabelFalse, managedFalseMessage)
	default:
		if !in.AdoptResources && !isHostNamespace(in, observed) {
			p = with(p, Skip, typesv1beta1.AlreadyExists, alreadyExistsMessage)
			p.Event = &Event{Warning: true, Reason: string(typesv1beta1.AlreadyExists), Message: fmt.Sprintf("%s %q already exists in cluster %q and adoptResources is Disabled",
				in.Target.Kind, qualifiedName(observed), p.Cluster)}
			return p
		}
		p = render(in, p, m, Adopt, observed)
		if p.Action == Adopt {
			MarkAdopted(p.Desired)
			p.Event = &Event{Warning: true, Reason: "CreateInClusterFailed", Message: fmt.Sprintf(
				"Failed to create %s %q in cluster %q: it already exists. An update will be attempted instead of a creation due to an existing resource",
				in.Target.Kind, qualifiedName(observed), p.Cluster)}
		}
		return p
	}
	p = render(in, p, m, Update, observed)
	if p.Action != Update {
		return p
	}
	verdict := Check(p.Desired, observed, p.RenderedHash, m.Recorded)
	if !verdict.Update {
		p.Action, p.Desired, p.Current, p.Version = Skip, nil, true, verdict.Version
	}
	p.Drifted = verdict.Drifted
	return p
}

// render sets the rendered object for action, or the status of a render
// failure.
func render(in Input, p ClusterPlan, m Member, action Action, observed *unstructured.Unstructured) ClusterPlan {
	source, dest := in.Source(), in.Destination(m)
	rendered, err := source.Render(dest, nil)
	desired := rendered
	if err == nil && observed != nil {
		desired, err = source.Render(dest, observed)
	}
	if err != nil {
		p = with(p, Skip, err.Status, err.Err.Error())
		p.Event = &Event{Warning: true, Reason: string(err.Status), Message: fmt.Sprintf("Cluster %q: %v", p.Cluster, err.Err)}
		return p
	}
	if in.Dependency {
		markDependency(rendered, in.DependencyOf[p.Cluster])
		markDependency(desired, in.DependencyOf[p.Cluster])
	}
	p.Action, p.Desired, p.RenderedHash = action, desired, RenderedHash(rendered)
	return p
}

// markDependency sets DependencyOfAnnotation on a rendered dependency.
func markDependency(obj *unstructured.Unstructured, of string) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[core.DependencyOfAnnotation] = of
	obj.SetAnnotations(annotations)
}

// IsDependencyCopy reports whether a member object is the syncer's copy of
// a dependency (it carries DependencyOfAnnotation).
func IsDependencyCopy(obj *unstructured.Unstructured) bool {
	_, ok := obj.GetAnnotations()[core.DependencyOfAnnotation]
	return ok
}

// unplace decides for a ready cluster the object is no longer placed in:
// the host's own namespace, adopted objects and, for a dependency, managed
// objects that are not its copy are unlabeled, anything else deleted,
// except a namespace holding objects the federation does not manage.
func unplace(in Input, p ClusterPlan, m Member) ClusterPlan {
	observed := m.Observed
	switch {
	case observed == nil || !managed(observed):
		return p
	case observed.GetDeletionTimestamp() != nil:
		return with(p, Wait, typesv1beta1.WaitingForRemoval, "")
	case Releases(in.Federated, observed) || isHostNamespace(in, observed) || (in.Dependency && !IsDependencyCopy(observed)):
		p.Action = Unlabel
		return p
	}
	return del(in, p, m)
}

// del deletes the member object, unless it is a namespace holding objects
// the federation does not manage.
func del(in Input, p ClusterPlan, m Member) ClusterPlan {
	if len(m.Holds) > 0 {
		held := strings.Join(m.Holds, ", ")
		p = with(p, Wait, typesv1beta1.WaitingForRemoval, "not deleted while it holds objects the federation does not manage: "+held+
			"; delete or move them, or annotate the FederatedNamespace "+core.OrphanManagedResourcesAnnotation+"=true to leave the namespace in place")
		p.Event = &Event{Warning: true, Reason: "NamespaceHoldsUnmanagedObjects", Message: fmt.Sprintf(
			"Not deleting namespace %q in cluster %q: it holds objects the federation does not manage: %s", m.Observed.GetName(), p.Cluster, held)}
		return p
	}
	return with(p, Delete, typesv1beta1.WaitingForRemoval, "")
}

// remove decides for one cluster while the federated object is deleted:
// a placed cluster that is not ready or not synced holds the deletion up.
func remove(in Input, p ClusterPlan, m Member) ClusterPlan {
	placed := in.PlacementFailed || in.Placement.Clusters.Has(m.Name)
	switch {
	case !m.Ready && placed:
		return with(p, Wait, typesv1beta1.ClusterNotReady, notReadyDeletionMessage(m))
	case !m.Ready:
		return p
	case m.Missing != "":
		p.Event = &Event{Warning: true, Reason: "MemberObjectsNotChecked", Message: fmt.Sprintf(
			"Cluster %q: member objects could not be checked, and the deletion does not wait for them: %s", m.Name, m.Missing)}
		return p
	case !m.Synced:
		return with(p, Wait, typesv1beta1.CachedRetrievalFailed, cacheMessage)
	case m.Observed == nil || !managed(m.Observed):
		return p
	case in.Orphan || Releases(in.Federated, m.Observed) || isHostNamespace(in, m.Observed):
		p.Action = Unlabel
		return p
	}
	if m.Observed.GetDeletionTimestamp() == nil {
		if p = del(in, p, m); p.Action != Delete {
			return p
		}
	} else {
		p = with(p, Wait, typesv1beta1.WaitingForRemoval, "")
	}
	if rendered, err := in.Source().Render(in.Destination(m), nil); err == nil {
		p.DropFinalizers = OverrideFinalizers(rendered, m.Observed)
	}
	return p
}

// release decides for one cluster when the federated object is gone: a
// managed object left there is unlabeled, never deleted.
func release(p ClusterPlan, m Member) ClusterPlan {
	if m.Ready && m.Synced && m.Observed != nil && managed(m.Observed) && m.Observed.GetDeletionTimestamp() == nil {
		p.Action = Unlabel
	}
	return p
}

// with sets the action and a listed status.
func with(p ClusterPlan, action Action, status typesv1beta1.PropagationStatus, message string) ClusterPlan {
	p.Action, p.Status, p.Message, p.Listed = action, status, message, true
	return p
}

func managed(obj *unstructured.Unstructured) bool {
	return obj.GetLabels()[core.ManagedByKubeFedLabelKey] == core.ManagedByKubeFedLabelValue
}

// isHostNamespace reports whether a member Namespace is the host's own.
func isHostNamespace(in Input, obj *unstructured.Unstructured) bool {
	return isNamespace(in.Target) && in.HostNamespaceUID != "" && obj.GetUID() == in.HostNamespaceUID
}

func qualifiedName(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}
