package propagate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/dynamic"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kubectl-fed/kubectl-fed/pkg/aggregate"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
	"github.com/kubectl-fed/kubectl-fed/pkg/status"
)

// Timings of the engine.
const (
	// cacheWait bounds the wait for a member cache to fill on first use.
	cacheWait = 10 * time.Second
	// recheck is when an object waiting on members is looked at again.
	recheck = 2 * time.Second
	// namespacesWait is when an object of a namespaced type is looked at
	// again while the FederatedNamespaces cannot be read.
	namespacesWait = 10 * time.Second
	// evictionRecheck is when an object waiting for an eviction is looked
	// at again.
	evictionRecheck = 2 * time.Second
	// servedTTL is how long an answer to "does this member serve the
	// target type" is reused.
	servedTTL = 10 * time.Second
)

// systemNamespaces are never federated as FederatedNamespaces.
var systemNamespaces = sets.New("kube-system", "kube-public", "default")

// outcome is what happened in one member cluster during a pass.
type outcome struct {
	status typesv1beta1.PropagationStatus
	// message says why status is not OK.
	message string
	// listed is set when the cluster gets an entry in the federated status.
	listed bool
	// wrote is set when the pass wrote to the member object.
	wrote bool
	// retry is set when the pass must run again soon (cache not filled yet).
	retry bool
	// member is the member object as the pass left it, when it is up to
	// date; nil otherwise.
	member *unstructured.Unstructured
	// version is the record of the last write to (or check of) the member
	// object (propagation.SyncedVersion), "" when there is none.
	version string
	// pending is set when the member's part of the pass did not end within
	// memberPatience (or an earlier pass's part still runs there): nothing
	// is known of it yet, and the object is queued again when it ends.
	pending bool
}

// reconcile brings the members in line with one federated object and
// returns when to look at it again (0 for only on change).
func (e *Engine) reconcile(ctx context.Context, key Key) (time.Duration, error) {
	t := e.typeNamed(key.Type)
	if t == nil {
		return 0, nil
	}
	if !t.informer.HasSynced() {
		return recheck, nil
	}
	cached, exists, err := t.informer.GetIndexer().GetByKey(cacheKey(key.Namespace, key.Name))
	if err != nil {
		return 0, err
	}
	list := e.members.List()
	if !exists {
		e.statusWrites.forget(key)
		e.versions.forget(key)
		e.pull(key, key.Namespace, nil)
		if t.dependency != "" {
			// No Federated<Kind> of the name: the object may be a
			// dependency of workloads (its copies are kept as records).
			return e.dependencyPass(ctx, t, key, list)
		}
		e.records.forget(key)
		e.releaseOrphans(ctx, t, key, list)
		return 0, nil
	}
	fed := cached.(*unstructured.Unstructured).DeepCopy()
	e.records.read(key, hostStatus, fed.GetResourceVersion())
	if t.name == core.NamespacesTypeConfigName {
		if fed.GetName() != fed.GetNamespace() {
			e.recorder.Event(fed, corev1.EventTypeWarning, "InvalidName", "The name of a federated namespace must match the name of its containing namespace.")
			return 0, nil
		}
		if systemNamespaces.Has(fed.GetName()) || fed.GetName() == e.settings.KubeFedNamespace {
			return 0, nil
		}
	}
	if fed.GetDeletionTimestamp() != nil {
		// A workload being deleted still pulls its dependencies in until
		// it is gone; recording them here queues them again once it is
		// (after a restart, this may be the first pass over it).
		e.pull(key, fed.GetNamespace(), followed(t, fed))
		return e.remove(ctx, t, key, fed, list)
	}
	withFinalizer, err := e.ensureFinalizer(ctx, t, fed)
	switch {
	case e.overtaken(key, err):
		return 0, nil
	case err != nil:
		e.recorder.Eventf(fed, corev1.EventTypeWarning, "EnsureFinalizerError", "Failed to add finalizer %s: %v", core.SyncControllerFinalizer, err)
		return 0, err
	}
	fed = withFinalizer

	pass := newPass(fed)
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		return 0, err
	}
	clusters := clusterclient.PlacementClusters(list)
	namespaceLabels := e.namespaceLabels(ctx, fed.GetNamespace())
	denied, deniedPaths, err := e.denied(ctx, fed, spec, clusters, namespaceLabels)
	if err != nil {
		return 0, err
	}
	overridePolicies, err := e.overridePolicies(ctx, fed, namespaceLabels)
	if err != nil {
		return 0, err
	}
	last := lastStatus(ctx, fed)
	holding, removing := propagation.Recorded(last)
	placed, err := e.placement(t, fed, spec, clusters, denied, holding)
	if errors.Is(err, errNamespacesUnknown) {
		// Without the namespace placement the object would look placed
		// nowhere and every member copy would be deleted: wait. A
		// FederatedNamespace event queues the namespace's objects again.
		return namespacesWait, nil
	}
	if err != nil {
		pass.Reason = typesv1beta1.ComputePlacementFailed
		e.recorder.Eventf(fed, corev1.EventTypeWarning, string(typesv1beta1.ComputePlacementFailed), "Invalid placement: %v", err)
		return e.writeStatus(ctx, t, key, fed, last, pass)
	}
	pass.Reason, pass.Message = placed.Reason, placed.Message
	refs := followed(t, fed)
	e.pull(key, fed.GetNamespace(), refs)
	dependenciesUnknown := false
	if pass.Reason == typesv1beta1.AggregateSuccess {
		pass.Reason, pass.Message, dependenciesUnknown, err = e.dependencyProblem(ctx, fed.GetNamespace(), refs, landed(placed, spec), clusters, namespaceLabels)
		if err != nil {
			return 0, err
		}
	}
	// The object is decoded for rendering once: by the eviction gate and
	// in each member's part.
	in := propagation.Input{Federated: fed, Target: t.targetKind, AdoptResources: e.adopt.Load(),
		OverridePolicies: overridePolicies, DeniedOverridePaths: deniedPaths}.Prepared()
	evicting, after := e.evict(ctx, t, in.Source(), spec, &placed, removing, list)
	if len(evicting) > 0 && (after == 0 || after > evictionRecheck) {
		after = evictionRecheck // the remaining clusters' readiness is read, not watched
	}
	if dependenciesUnknown && (after == 0 || after > recheck) {
		after = recheck // a dependency's host cache is filling
	}
	in.Placement, in.Evicting = placed, evicting
	outcomes := e.execute(ctx, t, key, in, last, list)
	var failed []string
	pass.CollectStatus = t.collectStatus
	versions := map[string]string{}
	pending := false
	for i, o := range outcomes {
		if o.pending {
			pending = true
			continue
		}
		if o.listed {
			pass.Clusters[list[i].Name] = o.status
			if o.message != "" {
				pass.Messages[list[i].Name] = o.message
			}
			if o.version == "" { // a failure: what the member holds is as last recorded
				o.version = e.records.version(key, last, list[i].Name)
			}
			if o.version != "" && !t.versionsPruned.Load() {
				pass.Versions[list[i].Name] = o.version
			}
		}
		e.records.set(key, list[i].Name, o.version)
		if o.member != nil && e.settings.WritePropagatedVersions {
			versions[list[i].Name] = propagation.ObjectVersion(o.member)
		}
		if o.member != nil && t.collectStatus {
			pass.RemoteStatus[list[i].Name] = remoteStatus(o.member)
		}
		pass.Propagated = pass.Propagated || o.wrote
		if o.retry || o.status == typesv1beta1.WaitingForRemoval {
			after = recheck
		}
		if o.status.IsRecoverable() {
			failed = append(failed, list[i].Name+": "+string(o.status))
		}
	}
	if pending {
		// A status without the pending members' results would be wrong:
		// it is written by the pass their parts queue when they end.
		if len(failed) > 0 {
			return 0, fmt.Errorf("%s: %s", key, strings.Join(failed, ", "))
		}
		return recheck, nil
	}
	if t.collectStatus {
		pass.Aggregated, pass.Ready = e.summarize(t, list, placed, outcomes, pass)
	}
	if e.settings.WritePropagatedVersions {
		e.writeVersions(ctx, t, key, fed, versions)
	}
	deferred, err := e.writeStatus(ctx, t, key, fed, last, pass)
	if err != nil {
		return 0, err
	}
	if deferred > 0 && (after == 0 || deferred < after) {
		after = deferred
	}
	if len(failed) > 0 {
		return 0, fmt.Errorf("%s: %s", key, strings.Join(failed, ", "))
	}
	return after, nil
}

// summarize judges the collected statuses of the placed clusters.
func (e *Engine) summarize(t *federatedType, list []clusterclient.Member, placed placement.Result, outcomes []outcome, pass status.Pass) (*typesv1beta1.AggregatedStatus, *typesv1beta1.Condition) {
	var judged []aggregate.Member
	for i, m := range list {
		if !placed.Clusters.Has(m.Name) {
			continue
		}
		o := outcomes[i]
		member := aggregate.Member{Cluster: m.Name, Propagated: o.status == typesv1beta1.ClusterPropagationOK && o.member != nil}
		if o.member != nil {
			member.Generation = o.member.GetGeneration()
			member.Status = pass.RemoteStatus[m.Name]
			serviceType, _, _ := unstructured.NestedString(o.member.Object, "spec", "type")
			member.ServiceType = corev1.ServiceType(serviceType)
		}
		judged = append(judged, member)
	}
	aggregated, ready := aggregate.Summarize(t.targetKind.GroupKind(), judged)
	return aggregated, &ready
}

// newPass starts the status pass of a federated object.
func newPass(fed *unstructured.Unstructured) status.Pass {
	return status.Pass{Generation: fed.GetGeneration(), Clusters: map[string]typesv1beta1.PropagationStatus{},
		Messages: map[string]string{}, RemoteStatus: map[string]*apiextensionsv1.JSON{}, Versions: map[string]string{}}
}

// placement computes where the object goes: placement ∩ namespace
// placement ∩ what policies allow (denied) ∩ ready clusters ∩ tolerated
// taints (holding are the clusters that hold the object now), among the
// members as placement sees them (clusterclient.PlacementClusters).
func (e *Engine) placement(t *federatedType, fed *unstructured.Unstructured, spec *typesv1beta1.FederatedSpec, clusters []placement.Cluster, denied map[string]string, holding sets.Set[string]) (placement.Result, error) {
	var nsSpec *typesv1beta1.FederatedSpec
	if t.targetNamespaced {
		ns, err := e.federatedNamespace(fed.GetNamespace())
		if err != nil && e.settings.ClusterScoped {
			return placement.Result{}, err
		}
		if ns != nil {
			if nsSpec, err = typesv1beta1.SpecOf(ns); err != nil {
				return placement.Result{}, err
			}
		}
	}
	in := placement.ObjectInput(spec, fed.GetNamespace(), t.targetNamespaced, e.settings.ClusterScoped, nsSpec, clusters, denied, holding)
	return placement.Compute(in)
}

// namespaceLabels returns the labels of a host namespace (nil for "", a
// cluster-scoped object), read on first call and then remembered: the
// policy checks of a pass (denied, overridePolicies) share one read, and
// none when no policy needs it.
func (e *Engine) namespaceLabels(ctx context.Context, namespace string) func() (map[string]string, error) {
	return sync.OnceValues(func() (map[string]string, error) {
		if namespace == "" || e.policies == nil {
			return nil, nil
		}
		return e.policies.NamespaceLabels(ctx, namespace)
	})
}

// denied returns the clusters a policy with enforcement Deny forbids for
// the object among clusters (the members as placement sees them), each
// with the violation's message, and the override paths denied. The syncer
// does not write to them; what is there already is left as it is.
func (e *Engine) denied(ctx context.Context, fed *unstructured.Unstructured, spec *typesv1beta1.FederatedSpec, clusters []placement.Cluster, namespaceLabels func() (map[string]string, error)) (map[string]string, []string, error) {
	if e.policies == nil {
		return nil, nil, nil
	}
	policies, err := e.policies.Policies(ctx)
	if err != nil || len(policies) == 0 {
		return nil, nil, err
	}
	labels, err := namespaceLabels()
	if err != nil {
		return nil, nil, err
	}
	verdict := policy.Evaluate(policies, policy.ObjectOf(fed, spec, labels), clusters)
	return verdict.Denied(clusters), verdict.DeniedOverridePaths(), nil
}

// overridePolicies returns the override policies that select the federated
// object, in the order they apply.
func (e *Engine) overridePolicies(ctx context.Context, fed *unstructured.Unstructured, namespaceLabels func() (map[string]string, error)) ([]overrides.Policy, error) {
	if e.policies == nil {
		return nil, nil
	}
	policies, err := e.policies.OverridePolicies(ctx)
	if err != nil || len(policies) == 0 {
		return nil, err
	}
	labels, err := namespaceLabels()
	if err != nil {
		return nil, err
	}
	return overrides.Select(policies, overrides.ObjectOf(fed, labels)), nil
}

// errNamespacesUnknown says that the FederatedNamespaces cannot be read:
// the namespaces type is not enabled, or its cache has not filled yet.
var errNamespacesUnknown = errors.New("the FederatedNamespaces are not known yet (the namespaces type is not enabled, or its cache is filling)")

// federatedNamespace returns the FederatedNamespace of a namespace, or nil
// when there is none; errNamespacesUnknown when that cannot be told.
func (e *Engine) federatedNamespace(namespace string) (*unstructured.Unstructured, error) {
	t := e.typeNamed(core.NamespacesTypeConfigName)
	if t == nil || !t.informer.HasSynced() {
		return nil, errNamespacesUnknown
	}
	obj, exists, _ := t.informer.GetIndexer().GetByKey(cacheKey(namespace, namespace))
	if !exists {
		return nil, nil
	}
	return obj.(*unstructured.Unstructured), nil
}

// execute plans the federated object in every member of list
// (propagation.PlanCluster) and carries out each cluster's action, the
// clusters in parallel, each reading its member, planning and acting
// without waiting for the others; it emits the pass's events and returns
// one outcome per member. A member whose part takes longer than
// memberPatience is left to finish in the background (see lanes.go) and
// its outcome is pending.
func (e *Engine) execute(ctx context.Context, t *federatedType, key Key, in propagation.Input, last *typesv1beta1.FederatedStatus, list []clusterclient.Member) []outcome {
	in = in.Prepared() // the object is decoded for rendering once, not in each member's part
	hostUID := sync.OnceValue(func() types.UID { return e.hostNamespaceUID(ctx, in.Federated.GetName()) })
	ev := newPassEvents()
	parts := make([]*memberPart, len(list))
	started := time.Now()
	for i, m := range list {
		p := &memberPart{done: make(chan struct{}), patience: e.lanes.patience(m.Name)}
		parts[i] = p
		tracked := e.lanes.begin(key, m.Name)
		if !tracked && m.Reachable() {
			// The part of an earlier pass still runs there: it queues the
			// object again when it ends. (A member that is not ready gets
			// no request: its part runs, to report it.)
			p.finish(outcome{pending: true})
			continue
		}
		go func() {
			o := e.runPart(ctx, ev, t, key, in, last, m, hostUID)
			abandoned := p.finish(o)
			if abandoned && o.version != "" {
				e.records.set(key, m.Name, o.version)
			}
			if tracked {
				e.lanes.end(key, m.Name)
			}
			if abandoned {
				e.lanes.back(m.Name)
				ev.emit(e.recorder, in.Federated)
				e.add(key)
			}
		}()
	}
	outcomes := make([]outcome, len(list))
	for i, p := range parts {
		wait := time.NewTimer(time.Until(started.Add(p.patience)))
		select {
		case <-p.done:
		case <-wait.C:
		case <-ctx.Done():
		}
		wait.Stop()
		cluster := list[i].Name
		outcomes[i] = p.take(func() { e.lanes.leave(cluster) })
	}
	ev.emit(e.recorder, in.Federated)
	return outcomes
}

// memberPart is one member's part of a pass, as the pass sees it.
type memberPart struct {
	done chan struct{}
	// patience is how long the pass waits for it.
	patience time.Duration

	mu        sync.Mutex
	finished  bool
	abandoned bool
	out       outcome
}

// finish records the part's outcome; it returns true when the pass no
// longer waits for it.
func (p *memberPart) finish(o outcome) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out, p.finished = o, true
	close(p.done)
	return p.abandoned
}

// take returns the part's outcome, or a pending one when it has not
// finished: then the part is abandoned, and abandon is called before the
// part can learn it.
func (p *memberPart) take(abandon func()) outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.finished {
		p.abandoned = true
		abandon()
		return outcome{pending: true}
	}
	return p.out
}

// runPart reads a member, plans the federated object there and carries
// out the plan, a write holding one of the member's slots.
func (e *Engine) runPart(ctx context.Context, ev *passEvents, t *federatedType, key Key, in propagation.Input, last *typesv1beta1.FederatedStatus, m clusterclient.Member, hostUID func() types.UID) (o outcome) {
	defer recoverCluster(ctx, key, m.Name, &o)
	seen := e.observe(ctx, t, key, in, last, m)
	if needsHostNamespace(t, in, seen) {
		in.HostNamespaceUID = hostUID()
	}
	p := propagation.PlanCluster(in, seen)
	if p.Action == propagation.Delete && t.name == core.NamespacesTypeConfigName {
		held, err := unmanagedIn(ctx, m, seen.Observed.GetName())
		if err != nil {
			return outcome{status: typesv1beta1.DeletionFailed, message: err.Error(), listed: true}
		}
		if seen.Holds = held; len(held) > 0 {
			p = propagation.PlanCluster(in, seen)
		}
	}
	if p.Action != propagation.Skip {
		release, ok := e.lanes.acquire(ctx, m.Name)
		if !ok {
			return outcome{pending: true} // stopping
		}
		defer release()
	}
	return e.act(ctx, ev, t, key, in, m, seen, p)
}

// planMember is member m as the plan sees it before its objects are read.
func planMember(m clusterclient.Member) propagation.Member {
	return propagation.Member{Name: m.Name, Labels: m.Labels, Ready: m.Reachable(), Inventory: m.Source == clusterclient.SourceInventory}
}

// overtaken reports whether a host write of key's federated object failed
// because the object moved on: NotFound (its deletion is queued already)
// or Conflict (the cache is behind: the object is queued again, since the
// echo of our own last status write queues no pass, records.echo).
func (e *Engine) overtaken(key Key, err error) bool {
	switch {
	case apierrors.IsNotFound(err):
		return true
	case apierrors.IsConflict(err):
		e.add(key)
		return true
	}
	return false
}

// observe reads what the plan needs to know of a member: whether it serves
// the type, its object and the record of the last write (remembered, or
// in last, the object's recorded status). A placed cluster a policy denies
// is not read outside deletion: nothing is done there.
func (e *Engine) observe(ctx context.Context, t *federatedType, key Key, in propagation.Input, last *typesv1beta1.FederatedStatus, m clusterclient.Member) propagation.Member {
	seen := planMember(m)
	if _, denied := in.Placement.Denied[m.Name]; !seen.Ready || (denied && !in.Deleting) {
		return seen
	}
	if seen.Missing = e.typeMissing(ctx, t, m); seen.Missing != "" {
		return seen
	}
	seen.Observed, seen.Synced = e.observed(ctx, t, m, in.Federated.GetNamespace(), in.Federated.GetName())
	if seen.Synced {
		resourceVersion := ""
		if seen.Observed != nil {
			resourceVersion = seen.Observed.GetResourceVersion()
		}
		e.records.read(key, m.Name, resourceVersion)
	}
	if in.Deleting && seen.Observed == nil && e.records.awaitingCache(key, m.Name, time.Now()) {
		// Created by an earlier pass, not in the cache yet: the deletion
		// waits for the cache rather than leave the object behind.
		seen.Synced = false
	}
	seen.Recorded = e.records.version(key, last, m.Name)
	return seen
}

// needsHostNamespace reports whether the plan of a member Namespace needs
// to know the host's own namespace: when the member's may be deleted,
// unlabeled or adopted.
func needsHostNamespace(t *federatedType, in propagation.Input, seen propagation.Member) bool {
	if t.name != core.NamespacesTypeConfigName || seen.Observed == nil {
		return false
	}
	return in.Deleting || !in.Placement.Clusters.Has(seen.Name) ||
		seen.Observed.GetLabels()[core.ManagedByKubeFedLabelKey] != core.ManagedByKubeFedLabelValue
}

// hostNamespaceUID returns the UID of the host's namespace name, or "".
func (e *Engine) hostNamespaceUID(ctx context.Context, name string) types.UID {
	host, err := e.host.Resource(corev1.SchemeGroupVersion.WithResource("namespaces")).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	return host.GetUID()
}

// act carries out one cluster's plan.
func (e *Engine) act(ctx context.Context, ev *passEvents, t *federatedType, key Key, in propagation.Input, m clusterclient.Member, seen propagation.Member, p propagation.ClusterPlan) outcome {
	if p.Event != nil {
		eventType := corev1.EventTypeNormal
		if p.Event.Warning {
			eventType = corev1.EventTypeWarning
		}
		ev.add(eventType, p.Event.Reason, "%s", p.Event.Message)
	}
	o := outcome{status: p.Status, message: p.Message, listed: p.Listed}
	fed := in.Federated
	switch p.Action {
	case propagation.Skip:
		if p.Current {
			o.member, o.version = seen.Observed, p.Version
		}
		return o
	case propagation.Wait:
		o.retry = true
		return e.dropOverrideFinalizers(ctx, ev, t, m, seen.Observed, p, o)
	}
	client := e.memberClient(t, m, fed.GetNamespace())
	switch p.Action {
	case propagation.Create:
		if e.records.awaitingCache(key, m.Name, time.Now()) {
			// Created by an earlier pass, not in the cache yet (another
			// member's event queued this pass): creating it again would
			// only be answered AlreadyExists. Its cache event queues the
			// object again; the retry covers a create the cache never shows.
			e.records.unexpect(key, m.Name)
			return outcome{status: p.Status, listed: p.Listed, version: seen.Recorded, retry: true}
		}
		created, err := client.Create(ctx, p.Desired, metav1.CreateOptions{})
		switch {
		case err == nil:
			// No event: a routine create would cost a host write per object.
			ctrl.LoggerFrom(ctx).V(1).Info("created in member", "cluster", m.Name, "type", t.name, "object", qualifiedName(p.Desired))
			e.records.created(key, m.Name, time.Now())
			e.records.wrote(key, m.Name, created.GetResourceVersion())
			o.wrote, o.member, o.version = true, created, propagation.SyncedVersion(created, p.RenderedHash)
			return o
		case !apierrors.IsAlreadyExists(err):
			ev.add(corev1.EventTypeWarning, "CreateInClusterFailed", "Failed to create %s %q in cluster %q: %v", t.targetKind.Kind, qualifiedName(p.Desired), m.Name, err)
			return outcome{status: typesv1beta1.CreationFailed, message: err.Error(), listed: true}
		}
		// The object exists although the cache did not have it (unmanaged,
		// or not seen yet): plan again with the live object.
		live, getErr := client.Get(ctx, p.Desired.GetName(), metav1.GetOptions{})
		if getErr != nil {
			return outcome{status: typesv1beta1.RetrievalFailed, message: getErr.Error(), listed: true}
		}
		seen.Observed = live
		if needsHostNamespace(t, in, seen) {
			in.HostNamespaceUID = e.hostNamespaceUID(ctx, live.GetName())
		}
		if again := propagation.PlanCluster(in, seen); again.Action != propagation.Create {
			return e.act(ctx, ev, t, key, in, m, seen, again)
		}
		return outcome{status: typesv1beta1.CreationFailed, message: err.Error(), listed: true}
	case propagation.Adopt, propagation.Update:
		return e.update(ctx, ev, t, key, m, client, seen, p)
	case propagation.Delete:
		observed := seen.Observed
		if err := client.Delete(ctx, observed.GetName(), deleteOptions(fed)); err != nil && !apierrors.IsNotFound(err) {
			ev.add(corev1.EventTypeWarning, "DeleteInClusterFailed", "Failed to delete %s %q in cluster %q: %v", t.targetKind.Kind, qualifiedName(observed), m.Name, err)
			return outcome{status: typesv1beta1.DeletionFailed, message: err.Error(), listed: true}
		}
		ev.add(corev1.EventTypeNormal, "DeleteInCluster", "Deleting %s %q in cluster %q", t.targetKind.Kind, qualifiedName(observed), m.Name)
		o.wrote = true
		return e.dropOverrideFinalizers(ctx, ev, t, m, observed, p, o)
	case propagation.Unlabel:
		observed := seen.Observed
		if err := removeManagedLabel(ctx, client, observed); err != nil {
			ev.add(corev1.EventTypeWarning, "RemoveManagedLabelFromInClusterFailed", "Failed to remove the managed label from %s %q in cluster %q: %v", t.targetKind.Kind, qualifiedName(observed), m.Name, err)
			return outcome{status: typesv1beta1.LabelRemovalFailed, message: err.Error(), listed: true}
		}
		ev.add(corev1.EventTypeNormal, "RemoveManagedLabelFromInCluster", "Removing the managed label from %s %q in cluster %q", t.targetKind.Kind, qualifiedName(observed), m.Name)
		o.wrote = true
		return o
	}
	return o
}

// typeMissing says why a member holds no objects of the type when it does
// not serve the target type (its CRD is missing there), and stops the
// member's cache of the type so that its watch does not retry in a loop;
// "" when the type is served, or when that cannot be told (the cluster did
// not answer: the cache then says what it can).
func (e *Engine) typeMissing(ctx context.Context, t *federatedType, m clusterclient.Member) string {
	ok, err := e.served.Recent(m.Name, m.Conn.Discovery, t.target)
	if err != nil || ok {
		return ""
	}
	m.Conn.StopInformer(t.target)
	ctrl.LoggerFrom(ctx).V(1).Info("member does not serve the target type", "cluster", m.Name, "type", t.name)
	return propagation.NotServedMessage(clusterclient.DescribeResource(t.target))
}

// observed reads the member's managed object from its cache, waiting for
// the cache to fill on first use. ok is false while it is not filled.
func (e *Engine) observed(ctx context.Context, t *federatedType, m clusterclient.Member, namespace, name string) (*unstructured.Unstructured, bool) {
	if !t.targetNamespaced {
		namespace = ""
	}
	return clusterclient.Cached(ctx, m.Conn.Watch(t.target, watchOwner, e.memberHandler(t)), namespace, name, cacheWait)
}

func (e *Engine) memberClient(t *federatedType, m clusterclient.Member, namespace string) dynamic.ResourceInterface {
	if t.targetNamespaced {
		return m.Conn.Dynamic.Resource(t.target).Namespace(namespace)
	}
	return m.Conn.Dynamic.Resource(t.target)
}

// update writes the plan's object over the member object (an Update,
// which reverts a change made by someone else with an event naming the
// fields, or an Adopt). A conflict that persists for maxConflicts passes is
// a failure.
func (e *Engine) update(ctx context.Context, ev *passEvents, t *federatedType, key Key, m clusterclient.Member, client dynamic.ResourceInterface, seen propagation.Member, p propagation.ClusterPlan) outcome {
	observed, desired := seen.Observed, p.Desired
	if p.Drifted && e.records.behind(key, m.Name, observed) {
		// The cache has not seen our last update yet: its event brings us back.
		e.records.unexpect(key, m.Name)
		return outcome{listed: true, retry: true, version: seen.Recorded}
	}
	updated, err := client.Update(ctx, desired, metav1.UpdateOptions{})
	if err != nil {
		if apierrors.IsConflict(err) {
			if n := e.records.conflict(key, m.Name); n >= maxConflicts {
				ev.add(corev1.EventTypeWarning, "UpdateInClusterFailed", "Failed to update %s %q in cluster %q: %d conflicts in a row: %v", t.targetKind.Kind, qualifiedName(desired), m.Name, n, err)
				return outcome{status: typesv1beta1.UpdateFailed, listed: true,
					message: fmt.Sprintf("%d update conflicts in a row (does a member controller keep changing the object, or a member admission webhook rewrite its resourceVersion?): %v", n, err)}
			}
			e.records.unexpect(key, m.Name)
			return outcome{listed: true, retry: true} // the cache is behind; the member event brings us back
		}
		ev.add(corev1.EventTypeWarning, "UpdateInClusterFailed", "Failed to update %s %q in cluster %q: %v", t.targetKind.Kind, qualifiedName(desired), m.Name, err)
		return outcome{status: typesv1beta1.UpdateFailed, message: err.Error(), listed: true}
	}
	e.records.updated(key, m.Name, observed.GetResourceVersion())
	version := propagation.SyncedVersion(updated, p.RenderedHash)
	if updated.GetResourceVersion() == observed.GetResourceVersion() {
		return outcome{listed: true, member: updated, version: version} // nothing to change: the API server wrote nothing
	}
	e.records.wrote(key, m.Name, updated.GetResourceVersion())
	if changed := propagation.ChangedFields(observed, updated); p.Drifted && len(changed) > 0 {
		ev.add(corev1.EventTypeWarning, "RevertedInCluster", "Reverted changes made outside the federation to %s %q in cluster %q: %s",
			t.targetKind.Kind, qualifiedName(desired), m.Name, strings.Join(changed, ", "))
	} else if p.Action == propagation.Adopt {
		ev.add(corev1.EventTypeNormal, "UpdateInCluster", "Adopting %s %q in cluster %q", t.targetKind.Kind, qualifiedName(desired), m.Name)
	} else {
		// No event: a routine update would cost a host write per change.
		ctrl.LoggerFrom(ctx).V(1).Info("updated in member", "cluster", m.Name, "type", t.name, "object", qualifiedName(desired))
	}
	return outcome{listed: true, wrote: true, member: updated, version: version}
}

// recoverCluster turns a panic in one cluster's part of a pass into that
// cluster's failure, so that the other clusters' results still count and
// the syncer keeps running.
func recoverCluster(ctx context.Context, key Key, cluster string, o *outcome) {
	if r := recover(); r != nil {
		err := fmt.Errorf("panic: %v", r)
		ctrl.LoggerFrom(ctx).Error(err, "propagation to a cluster panicked", "cluster", cluster, "object", key.String(), "stack", string(debug.Stack()))
		*o = outcome{status: typesv1beta1.UpdateFailed, message: "internal error (the syncer's log has the details): " + err.Error(), listed: true}
	}
}

// removeManagedLabel removes the managed label (and the adopted mark) from
// a member object, if the label is still there.
func removeManagedLabel(ctx context.Context, client dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	patch := `[{"op":"test","path":"/metadata/labels/kubefed.io~1managed","value":"true"},{"op":"remove","path":"/metadata/labels/kubefed.io~1managed"}`
	if propagation.Adopted(obj) {
		patch += `,{"op":"remove","path":"/metadata/annotations/kubefed.io~1adopted"}`
	}
	_, err := client.Patch(ctx, obj.GetName(), "application/json-patch+json", []byte(patch+"]"), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) {
		return nil // gone, or the label is no longer ours
	}
	return err
}

// releaseOrphans removes the managed label from member objects whose
// federated object is gone (and whose deletion the syncer did not run, e.g.
// it was deleted while the type was disabled), as propagation.Plan decides
// for a missing federated object. Unlabeled objects are never touched.
func (e *Engine) releaseOrphans(ctx context.Context, t *federatedType, key Key, list []clusterclient.Member) {
	for _, m := range list {
		seen := planMember(m)
		if seen.Ready && e.typeMissing(ctx, t, m) == "" {
			seen.Observed, seen.Synced = e.observed(ctx, t, m, key.Namespace, key.Name)
		}
		if propagation.PlanCluster(propagation.Input{Target: t.targetKind}, seen).Action != propagation.Unlabel {
			continue
		}
		if err := removeManagedLabel(ctx, e.memberClient(t, m, seen.Observed.GetNamespace()), seen.Observed); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "removing the managed label from an orphan", "cluster", m.Name, "object", key.String())
		}
	}
}

// ensureFinalizer adds the sync finalizer, returning the updated object.
func (e *Engine) ensureFinalizer(ctx context.Context, t *federatedType, fed *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if hasFinalizer(fed) {
		return fed, nil
	}
	fed.SetFinalizers(append(fed.GetFinalizers(), core.SyncControllerFinalizer))
	return e.hostClient(t, fed).Update(ctx, fed, metav1.UpdateOptions{})
}

func hasFinalizer(fed *unstructured.Unstructured) bool {
	for _, f := range fed.GetFinalizers() {
		if f == core.SyncControllerFinalizer {
			return true
		}
	}
	return false
}

func (e *Engine) hostClient(t *federatedType, fed *unstructured.Unstructured) dynamic.ResourceInterface {
	if t.namespaced {
		return e.host.Resource(t.federated).Namespace(fed.GetNamespace())
	}
	return e.host.Resource(t.federated)
}

// lastStatus is the federated object's status as the syncer last wrote it,
// decoded once per pass. A status that does not decode (the federated
// CRD's schema keeps that from happening) counts as empty: the pass then
// writes a whole new one.
func lastStatus(ctx context.Context, fed *unstructured.Unstructured) *typesv1beta1.FederatedStatus {
	last, err := typesv1beta1.StatusOf(fed)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "the federated object's status does not decode: it is replaced", "object", cacheKey(fed.GetNamespace(), fed.GetName()))
		return &typesv1beta1.FederatedStatus{}
	}
	return last
}

// writeStatus writes the federated object's status if the pass changed
// the last one (lastStatus). Writes of one object are at least
// statusInterval apart: a write that comes too soon is skipped, and the
// returned delay says when to pass again.
func (e *Engine) writeStatus(ctx context.Context, t *federatedType, key Key, fed *unstructured.Unstructured, last *typesv1beta1.FederatedStatus, pass status.Pass) (time.Duration, error) {
	now := time.Now()
	next, changed := status.Next(*last, pass, metav1.NewTime(now))
	if !changed {
		return 0, nil
	}
	if wait := e.statusWrites.wait(key, now); wait > 0 {
		return wait, nil
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&next)
	if err != nil {
		return 0, err
	}
	fed.Object["status"] = raw
	written, err := e.hostClient(t, fed).UpdateStatus(ctx, fed, metav1.UpdateOptions{})
	if e.overtaken(key, err) {
		return 0, nil
	}
	if err == nil {
		e.records.wrote(key, hostStatus, written.GetResourceVersion())
		e.statusWrites.wrote(key, now)
		if len(pass.Versions) > 0 && !hasVersions(written) && !t.versionsPruned.Swap(true) {
			ctrl.LoggerFrom(ctx).Info("the federated CRD drops status.clusters[].version (created by KubeFed?): member versions are kept in memory only, so a restart re-checks every member object; re-run kubectl fed enable to upgrade the CRD", "type", t.name)
		}
	}
	return 0, err
}

// hasVersions reports whether a federated object's status kept a
// cluster's version record.
func hasVersions(fed *unstructured.Unstructured) bool {
	written, err := typesv1beta1.StatusOf(fed)
	return err == nil && slices.ContainsFunc(written.Clusters, func(c typesv1beta1.ClusterStatus) bool { return c.Version != "" })
}

// remoteStatus is a member object's .status as collected into the federated
// status; an object without one reports {}.
func remoteStatus(member *unstructured.Unstructured) *apiextensionsv1.JSON {
	raw, found, _ := unstructured.NestedFieldNoCopy(member.Object, "status")
	if !found || raw == nil {
		return &apiextensionsv1.JSON{Raw: []byte("{}")}
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return &apiextensionsv1.JSON{Raw: []byte("{}")}
	}
	return &apiextensionsv1.JSON{Raw: data}
}

// deleteOptions honours the kubefed.io/deleteoption annotation's
// gracePeriodSeconds, propagationPolicy and preconditions.
func deleteOptions(fed *unstructured.Unstructured) metav1.DeleteOptions {
	raw := fed.GetAnnotations()[core.DeleteOptionAnnotation]
	if raw == "" {
		return metav1.DeleteOptions{}
	}
	var parsed metav1.DeleteOptions
	if err := json.Unmarshal([]byte(raw), &parsed); err != nil {
		return metav1.DeleteOptions{}
	}
	return metav1.DeleteOptions{GracePeriodSeconds: parsed.GracePeriodSeconds, PropagationPolicy: parsed.PropagationPolicy, Preconditions: parsed.Preconditions}
}

func cacheKey(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func qualifiedName(obj *unstructured.Unstructured) string {
	return cacheKey(obj.GetNamespace(), obj.GetName())
}
