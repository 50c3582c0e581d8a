package propagate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/cache"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

// Dependency following: a federated object whose pod template references
// ConfigMaps, Secrets, a ServiceAccount or PersistentVolumeClaims
// (pkg/dependencies) and that follows its dependencies (the
// kubefed.io/propagate-dependencies annotation, or its type's
// dependencyPropagation) has each of them propagated to the clusters it
// lands in. A dependency is reconciled under the key of its type's
// federated object (e.g. configmaps ns/name): when that Federated<Kind>
// exists, the user federates the object and the pass is the usual one;
// when it does not, the pass renders the host object for the union of the
// clusters the workloads that need it land in (dependencyPass). What is
// needed is read from the host caches on every pass, never remembered, so
// a restarted syncer removes what is no longer needed: the member caches'
// first listing queues every managed copy.

// dependencyType returns the enabled type whose target is kind, or nil.
func (e *Engine) dependencyType(kind dependencies.Kind) *federatedType {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		if t.dependency == kind {
			return t
		}
	}
	return nil
}

// podTemplateTypes returns the enabled types whose targets have a pod
// template.
func (e *Engine) podTemplateTypes() []*federatedType {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []*federatedType
	for _, t := range e.types {
		if dependencies.PodSpecPath(t.targetKind.Group, t.targetKind.Kind) != nil {
			out = append(out, t)
		}
	}
	return out
}

// followed returns the dependencies a federated object of type t
// propagates (dependencies.Followed).
func followed(t *federatedType, fed *unstructured.Unstructured) []dependencies.Ref {
	return dependencies.Followed(fed, t.targetKind.Group, t.targetKind.Kind, t.followsDefault)
}

// dependencyProblem returns the reason and message of the first
// dependency (not optional) the workload cannot get in the clusters it
// lands in: its type is not enabled (DependencyTypeNotEnabled); it is
// missing on the host and not federated either (DependencyNotFound); a
// policy written for its kind keeps its copy out of one of them
// (DependencyDenied); its last pass could not write the copy to one of
// them (DependencyPropagationFailed); or it is a PersistentVolumeClaim
// whose StorageClass one of them lacks (DependencyNotFound,
// storageClassProblem). A dependency the user federates is judged by its
// own object's status. It returns "" when there is none; unknown is set
// while a host (or member StorageClass) cache it needs is still filling:
// the workload is then looked at again soon.
func (e *Engine) dependencyProblem(ctx context.Context, namespace string, refs []dependencies.Ref, landed sets.Set[string], clusters []placement.Cluster, namespaceLabels func() (map[string]string, error)) (reason typesv1beta1.AggregateReason, message string, unknown bool, err error) {
	type copied struct {
		t    *federatedType
		ref  dependencies.Ref
		host *unstructured.Unstructured
	}
	var copies []copied
	for _, r := range refs {
		if r.Optional {
			continue
		}
		t := e.dependencyType(r.Kind)
		if t == nil {
			return typesv1beta1.DependencyTypeNotEnabled, fmt.Sprintf(
				"the pod template references %s %s/%s, which is not propagated: its type is not enabled; run kubectl fed enable %s",
				r.Kind, namespace, r.Name, r.Kind.Resource().Resource), false, nil
		}
		host := t.hostCache()
		if !host.HasSynced() || !t.informer.HasSynced() {
			unknown = true
			continue
		}
		key := cacheKey(namespace, r.Name)
		obj, onHost, _ := host.GetIndexer().GetByKey(key)
		_, federated, _ := t.informer.GetIndexer().GetByKey(key)
		switch {
		case federated:
		case !onHost:
			return typesv1beta1.DependencyNotFound, fmt.Sprintf(
				"the pod template references %s %s/%s, which does not exist on the host cluster; create it there (it is then propagated with the workload)",
				r.Kind, namespace, r.Name), false, nil
		default:
			copies = append(copies, copied{t: t, ref: r, host: obj.(*unstructured.Unstructured)})
		}
	}
	for _, c := range copies {
		denied, err := e.copyDenied(ctx, c.t, c.host, landed, clusters, namespaceLabels)
		if err != nil {
			return "", "", false, err
		}
		if cluster, violation, ok := first(denied); ok {
			return typesv1beta1.DependencyDenied, fmt.Sprintf(
				"the pod template references %s %s/%s, whose copy a policy keeps out of cluster %q, where the workload runs: %s; allow the copy in the policy, or keep the workload out of %q",
				c.ref.Kind, namespace, c.ref.Name, cluster, violation, cluster), unknown, nil
		}
	}
	for _, c := range copies {
		failed := e.copyFailures.get(Key{Type: c.t.name, Namespace: namespace, Name: c.ref.Name})
		for _, cluster := range sets.List(sets.KeySet(failed)) {
			if landed.Has(cluster) {
				return typesv1beta1.DependencyPropagationFailed, fmt.Sprintf(
					"the pod template references %s %s/%s, whose copy could not be written to cluster %q, where the workload runs: %s",
					c.ref.Kind, namespace, c.ref.Name, cluster, failed[cluster]), unknown, nil
			}
		}
	}
	for _, c := range copies {
		reason, message, filling := e.storageClassProblem(namespace, c.ref, c.host, landed)
		unknown = unknown || filling
		if reason != "" {
			return reason, message, unknown, nil
		}
	}
	return typesv1beta1.AggregateSuccess, "", unknown, nil
}

// storageClassProblem reports, for the copy of a PersistentVolumeClaim
// (host, referenced as ref), the first cluster of landed whose member has
// no StorageClass of the name the claim gives: the copy stays Pending
// there, and the workload's pods with it (DependencyNotFound). A claim
// without a class (the member's default) is not judged; neither is a
// member not ready, nor one whose grant does not let the syncer read its
// StorageClasses (kubectl fed doctor reports it). filling is set while a
// member's StorageClass cache is still filling.
func (e *Engine) storageClassProblem(namespace string, ref dependencies.Ref, host *unstructured.Unstructured, landed sets.Set[string]) (reason typesv1beta1.AggregateReason, message string, filling bool) {
	if ref.Kind != dependencies.PersistentVolumeClaim {
		return "", "", false
	}
	class := dependencies.StorageClassOf(host)
	if class == "" {
		return "", "", false
	}
	for _, cluster := range sets.List(landed) {
		m, ok := e.members.Get(cluster)
		if !ok || !m.Reachable() {
			continue
		}
		switch m.Conn.StorageClass(class, watchOwner, e.storageClassChanged) {
		case clusterclient.Absent:
			return typesv1beta1.DependencyNotFound, fmt.Sprintf(
				"the pod template references PersistentVolumeClaim %s/%s, whose StorageClass %q does not exist in cluster %q, where the workload runs (the claim's copy stays Pending there); create StorageClass %q in cluster %q, or federate the claim yourself with an override of /spec/storageClassName for cluster %q",
				namespace, ref.Name, class, cluster, class, cluster, cluster), false
		case clusterclient.Filling:
			filling = true
		}
	}
	return "", "", filling
}

// storageClassChanged queues the workloads that pull in a
// PersistentVolumeClaim of the StorageClass name, which changed in a
// member: whether their claims' copies can be provisioned there changed.
func (e *Engine) storageClassChanged(_, _, name string) {
	t := e.dependencyType(dependencies.PersistentVolumeClaim)
	if t == nil {
		return
	}
	host := t.hostCache()
	if host == nil || !host.HasSynced() {
		return
	}
	for _, obj := range host.GetStore().List() {
		if claim, ok := obj.(*unstructured.Unstructured); ok && dependencies.StorageClassOf(claim) == name {
			e.enqueueWorkloads(t, claim.GetNamespace(), claim.GetName())
		}
	}
}

// first returns the entry of the smallest key of m, and false when m is
// empty.
func first(m map[string]string) (string, string, bool) {
	keys := sets.List(sets.KeySet(m))
	if len(keys) == 0 {
		return "", "", false
	}
	return keys[0], m[keys[0]], true
}

// copyDenied returns the clusters of targets where a Deny policy keeps the
// copy of host, an object of dependency type t, out (dependencies.Denied),
// each with the violation's message, among clusters (the members as
// placement sees them); namespaceLabels reads the labels of host's
// namespace (Engine.namespaceLabels).
func (e *Engine) copyDenied(ctx context.Context, t *federatedType, host *unstructured.Unstructured, targets sets.Set[string], clusters []placement.Cluster, namespaceLabels func() (map[string]string, error)) (map[string]string, error) {
	if e.policies == nil || targets.Len() == 0 {
		return nil, nil
	}
	policies, err := e.policies.Policies(ctx)
	if err != nil || len(policies) == 0 {
		return nil, err
	}
	labels, err := namespaceLabels()
	if err != nil {
		return nil, err
	}
	obj := policy.Object{Kind: t.federatedKind, Namespace: host.GetNamespace(), Name: host.GetName(), Labels: host.GetLabels(), NamespaceLabels: labels}
	return dependencies.Denied(policies, obj, targets, clusters), nil
}

// copyFailures remembers, per dependency, the clusters its last pass
// could not write its copy to, with why, until a pass writes it.
type copyFailures struct {
	mu     sync.Mutex
	failed map[Key]map[string]string
}

func newCopyFailures() *copyFailures { return &copyFailures{failed: map[Key]map[string]string{}} }

// set records the failures of a dependency's pass (none forgets it) and
// reports whether they differ from those recorded before.
func (f *copyFailures) set(key Key, failed map[string]string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	changed := !maps.Equal(f.failed[key], failed)
	if len(failed) == 0 {
		delete(f.failed, key)
	} else {
		f.failed[key] = failed
	}
	return changed
}

// get returns the failures recorded for a dependency (not to be changed).
func (f *copyFailures) get(key Key) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed[key]
}

// copyFailed reports whether a status of a dependency's copy in a cluster
// its workloads land in means the copy is not there as the host has it:
// a write failed, or an unmanaged object of the name is in the way
// (AlreadyExists). A member object labelled managed=false is the user's
// choice, and a cluster not ready shows in the workload's own entry.
func copyFailed(s typesv1beta1.PropagationStatus) bool {
	switch s {
	case typesv1beta1.AlreadyExists, typesv1beta1.ComputeResourceFailed, typesv1beta1.ApplyOverridesFailed,
		typesv1beta1.FieldRetentionFailed, typesv1beta1.VersionRetrievalFailed:
		return true
	}
	return s.IsRecoverable()
}

// pulls remembers, per workload, the dependency keys its last pass
// queued, so that a pass that drops one queues it once more (to remove its
// copies). It only decides what to queue: what a dependency needs is read
// from the host.
type pulls struct {
	mu   sync.Mutex
	keys map[Key][]Key
}

func newPulls() *pulls { return &pulls{keys: map[Key][]Key{}} }

// swap records the keys of a workload (nil forgets it) and returns those
// recorded before.
func (p *pulls) swap(workload Key, keys []Key) []Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.keys[workload]
	if keys == nil {
		delete(p.keys, workload)
	} else {
		p.keys[workload] = keys
	}
	return old
}

// pull queues the dependencies of a workload's pass, and those its last
// pass had (refs nil: the workload is gone or follows none).
func (e *Engine) pull(workload Key, namespace string, refs []dependencies.Ref) {
	var keys []Key
	for _, r := range refs {
		if t := e.dependencyType(r.Kind); t != nil {
			keys = append(keys, Key{Type: t.name, Namespace: namespace, Name: r.Name})
		}
	}
	for _, key := range append(e.pulls.swap(workload, keys), keys...) {
		e.add(key)
	}
}

// need is what a dependency's workloads need of it.
type need struct {
	// clusters are the clusters the workloads land in; denied those where
	// they are left as they are (a Deny policy) and none lands.
	clusters sets.Set[string]
	denied   map[string]string
	// pulledBy names, per cluster, the workloads (Kind/name, sorted and
	// comma separated) that land there.
	pulledBy map[string]string
}

// needOf computes, from the host caches, where the workloads of namespace
// that follow their dependencies and reference kind/name land: every one
// is placed among clusters (the members as placement sees them) under the
// namespace's labels (namespaceLabels, Engine.namespaceLabels).
func (e *Engine) needOf(ctx context.Context, kind dependencies.Kind, namespace, name string, clusters []placement.Cluster, namespaceLabels func() (map[string]string, error)) (need, error) {
	n := need{clusters: sets.New[string](), denied: map[string]string{}, pulledBy: map[string]string{}}
	workloads := map[string][]string{}
	for _, t := range e.podTemplateTypes() {
		objs, err := t.informer.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
		if err != nil {
			return need{}, err
		}
		for _, obj := range objs {
			fed := obj.(*unstructured.Unstructured)
			if !references(followed(t, fed), kind, name) {
				continue
			}
			landed, denied, err := e.landing(ctx, t, fed, clusters, namespaceLabels)
			if err != nil {
				return need{}, fmt.Errorf("placement of %s %s/%s: %w", t.name, namespace, fed.GetName(), err)
			}
			for c, message := range denied {
				n.denied[c] = message
			}
			n.clusters = n.clusters.Union(landed)
			for c := range landed {
				workloads[c] = append(workloads[c], dependencies.Workload{Kind: t.targetKind.Kind, Name: fed.GetName()}.String())
			}
		}
	}
	for c := range n.denied {
		if n.clusters.Has(c) {
			delete(n.denied, c)
		}
	}
	for c, names := range workloads {
		sort.Strings(names)
		n.pulledBy[c] = strings.Join(names, ",")
	}
	return n, nil
}

func references(refs []dependencies.Ref, kind dependencies.Kind, name string) bool {
	for _, r := range refs {
		if r.Kind == kind && r.Name == name {
			return true
		}
	}
	return false
}

// landing returns the clusters a workload lands in, as its own pass
// places it (placement ∩ namespace placement ∩ policies ∩ tolerated
// taints; with replica scheduling, the clusters given replicas), and the
// clusters where a Deny policy leaves it as it is, among clusters (the
// members as placement sees them); namespaceLabels reads the labels of its
// namespace (Engine.namespaceLabels).
func (e *Engine) landing(ctx context.Context, t *federatedType, fed *unstructured.Unstructured, clusters []placement.Cluster, namespaceLabels func() (map[string]string, error)) (sets.Set[string], map[string]string, error) {
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		return nil, nil, err
	}
	denied, _, err := e.denied(ctx, fed, spec, clusters, namespaceLabels)
	if err != nil {
		return nil, nil, err
	}
	holding, _ := propagation.Recorded(lastStatus(ctx, fed))
	placed, err := e.placement(t, fed, spec, clusters, denied, holding)
	if err != nil {
		return nil, nil, err
	}
	return landed(placed, spec), placed.Denied, nil
}

// landed returns the clusters a placed workload lands in: the selected
// ones that neither a Deny policy nor an untolerated taint keeps it out
// of and, with replica scheduling, that get replicas (a /spec/replicas
// override of 0 gives none).
func landed(placed placement.Result, spec *typesv1beta1.FederatedSpec) sets.Set[string] {
	out := sets.New[string]()
	for c := range placed.Clusters {
		_, tainted := placed.Tainted[c]
		_, denied := placed.Denied[c]
		if !tainted && !denied && scheduling.Scheduled(spec, c) != 0 {
			out.Insert(c)
		}
	}
	return out
}

// dependencyPass brings the members in line with a dependency that no
// Federated<Kind> federates: the host object is rendered (as a template,
// with the managed label and the workloads that pull it in) into the
// clusters its workloads land in, and the syncer's copies are deleted
// elsewhere (released, if they were adopted). A member object the syncer
// did not create is adopted only as adoptResources says. With the host
// object gone, every copy is deleted. Events go to the host object.
func (e *Engine) dependencyPass(ctx context.Context, t *federatedType, key Key, list []clusterclient.Member) (time.Duration, error) {
	for _, w := range e.podTemplateTypes() {
		if !w.informer.HasSynced() {
			return recheck, nil // never act on a partial view of the workloads
		}
	}
	// The workloads and the copy are placed among the same members, under
	// the same namespace labels.
	clusters := clusterclient.PlacementClusters(list)
	namespaceLabels := e.namespaceLabels(ctx, key.Namespace)
	n, err := e.needOf(ctx, t.dependency, key.Namespace, key.Name, clusters, namespaceLabels)
	if errors.Is(err, errNamespacesUnknown) {
		return namespacesWait, nil
	}
	if err != nil {
		return 0, err
	}
	var host interface{}
	onHost := false
	if n.clusters.Len() > 0 {
		cache := t.hostCache()
		if !cache.HasSynced() {
			return recheck, nil
		}
		if host, onHost, err = cache.GetIndexer().GetByKey(cacheKey(key.Namespace, key.Name)); err != nil {
			return 0, err
		}
	}
	if !onHost {
		n = need{clusters: sets.New[string]()} // nothing to render: every copy goes
	}
	if onHost {
		// A policy written for the dependency's kind keeps its copies out
		// too: those clusters are left as they are, like a workload's.
		denied, err := e.copyDenied(ctx, t, host.(*unstructured.Unstructured), n.clusters, clusters, namespaceLabels)
		if err != nil {
			return 0, err
		}
		for c, message := range denied {
			n.clusters.Delete(c)
			delete(n.pulledBy, c)
			n.denied[c] = message
		}
	}
	fed := dependencyObject(key, t.targetKind, host, onHost)
	in := propagation.Input{Federated: fed, Target: t.targetKind, AdoptResources: e.adopt.Load(),
		Placement:  placement.Result{Clusters: n.clusters, Targets: n.clusters, Denied: n.denied},
		Dependency: true, DependencyOf: n.pulledBy}
	var failed []string
	notWritten := map[string]string{}
	after := time.Duration(0)
	// A dependency has no status to record its writes in: the records are
	// kept in memory only (a restarted syncer checks its copies again).
	// Where a copy could not be written, the workloads' status says so.
	for i, o := range e.execute(ctx, t, key, in, &typesv1beta1.FederatedStatus{}, list) {
		e.records.set(key, list[i].Name, o.version)
		if o.pending || o.retry || o.status == typesv1beta1.WaitingForRemoval {
			after = recheck
		}
		if o.status.IsRecoverable() {
			failed = append(failed, list[i].Name+": "+string(o.status)+" "+o.message)
		}
		if n.clusters.Has(list[i].Name) && copyFailed(o.status) {
			notWritten[list[i].Name] = strings.TrimSpace(string(o.status) + " " + o.message)
		}
	}
	if e.copyFailures.set(key, notWritten) {
		e.enqueueWorkloads(t, key.Namespace, key.Name)
	}
	if len(failed) > 0 {
		return 0, fmt.Errorf("dependency %s: %s", key, strings.Join(failed, ", "))
	}
	return after, nil
}

// dependencyObject is the object a dependency's plan renders: the host
// object as the template, under the host object's identity (so that
// events name it). Without a host object it has an empty template (and
// is placed nowhere).
func dependencyObject(key Key, target schema.GroupVersionKind, host interface{}, onHost bool) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]interface{}{}}
	obj.SetGroupVersionKind(target)
	template := map[string]interface{}{}
	if u, ok := host.(*unstructured.Unstructured); ok && onHost {
		obj.SetUID(u.GetUID())
		template = dependencyTemplate(u)
	}
	obj.SetNamespace(key.Namespace)
	obj.SetName(key.Name)
	obj.Object["spec"] = map[string]interface{}{"template": template}
	return obj
}

// bindingAnnotations are set on a PersistentVolumeClaim by the host's
// volume binder; they name the host's volume and node, not a member's.
var bindingAnnotations = []string{"pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller",
	"volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner", "volume.kubernetes.io/selected-node"}

// dependencyTemplate is the template rendered from a host object: its
// content, labels and annotations, without its status nor, for a
// PersistentVolumeClaim, its binding to a host volume.
func dependencyTemplate(host *unstructured.Unstructured) map[string]interface{} {
	obj := host.DeepCopy()
	template := &unstructured.Unstructured{Object: obj.Object}
	delete(template.Object, "status")
	meta := map[string]interface{}{}
	if labels := obj.GetLabels(); len(labels) > 0 {
		meta["labels"] = toInterfaceMap(labels)
	}
	annotations := obj.GetAnnotations()
	if obj.GetKind() == string(dependencies.PersistentVolumeClaim) {
		unstructured.RemoveNestedField(template.Object, "spec", "volumeName")
		for _, a := range bindingAnnotations {
			delete(annotations, a)
		}
	}
	if len(annotations) > 0 {
		meta["annotations"] = toInterfaceMap(annotations)
	}
	template.Object["metadata"] = meta
	return template.Object
}

func toInterfaceMap(m map[string]string) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
