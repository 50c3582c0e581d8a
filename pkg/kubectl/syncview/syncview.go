// Package syncview computes, offline from the syncer process, what the
// syncer would do to a federated object in each joined cluster: it reads
// what the syncer reads (the KubeFedConfig, policies, the FederatedNamespace,
// the KubeFedClusters and each member's object) and runs the syncer's own
// pure functions on it (policy.Evaluate, placement.Compute,
// propagation.PlanCluster). `kubectl fed explain` and `kubectl fed diff`
// show its result.
package syncview

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/defaults"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// Scene is everything the plan of one federated object depends on, as
// read from the host and the members, and the plan itself.
type Scene struct {
	// Type is the enabled type.
	Type status.Type
	// Spec is the federated object's spec; NamespaceSpec the spec of its
	// namespace's FederatedNamespace (nil when there is none, or the type
	// is cluster-scoped).
	Spec          *typesv1beta1.FederatedSpec
	NamespaceSpec *typesv1beta1.FederatedSpec
	// Status is the federated object's status as the syncer last wrote it.
	Status *typesv1beta1.FederatedStatus
	// ClusterScoped is set when the control plane serves all namespaces.
	ClusterScoped bool
	// Clusters are the joined clusters as placement sees them.
	Clusters []placement.Cluster
	// Verdict is the policies' verdict on the object.
	Verdict policy.Verdict
	// Input is the plan's input; PlacementErr is set when the placement
	// could not be computed (the syncer then reports ComputePlacementFailed
	// and does nothing).
	Input        propagation.Input
	PlacementErr error
	// AdmittedTaints are the clusters with a NoExecute taint that the
	// cluster eviction rate limit has admitted, replayed from the taints'
	// times (taints.Replay; the syncer's own record is in its memory), and
	// when; QueuedTaints, the others with one, whose NoExecute taints act
	// as NoSchedule meanwhile, with their taints.
	AdmittedTaints map[string]time.Time
	QueuedTaints   map[string]string
	// Gate is the eviction gate's input and Eviction its verdict, as the
	// syncer decides them (zero when the object is evicted from no cluster):
	// Eviction.Evict is removed from the placement, the other evicting
	// clusters wait (Input.Evicting).
	Gate     taints.GateInput
	Eviction taints.Verdict
	// Contents are, for a FederatedNamespace, the federated objects of
	// every other enabled type in the namespace (non-nil, maybe empty): the
	// namespace leaves a cluster that a NoExecute taint evicts it from only
	// after those the cluster holds (propagation.HeldInNamespace).
	Contents []*unstructured.Unstructured
	// RSP is the ReplicaSchedulingPreference that schedules the object's
	// replicas (a FederatedDeployment's or FederatedReplicaSet's of the same
	// namespace and name), nil when there is none; Scheduled is set for the
	// kinds an RSP can schedule.
	RSP       *schedulingv1alpha1.ReplicaSchedulingPreference
	Scheduled bool
	// Seen are the members as the plan sees them, Plans their plans and
	// ReadErrs the errors reading them, in the order of Members.
	Members  []members.Member
	Seen     []propagation.Member
	Plans    []propagation.ClusterPlan
	ReadErrs []error
}

// Load reads the inputs of fed's plan and plans it in every member of list.
// timeout bounds each member's reads.
func Load(ctx context.Context, host *cli.Cluster, kubefedNS string, t status.Type, fed *unstructured.Unstructured, list []members.Member, timeout time.Duration) (*Scene, error) {
	s := &Scene{Type: t, Members: list}
	var err error
	if s.Spec, err = typesv1beta1.SpecOf(fed); err != nil {
		return nil, fmt.Errorf("reading the spec of %s %s: %w", fed.GetKind(), fed.GetName(), err)
	}
	if s.Status, err = typesv1beta1.StatusOf(fed); err != nil {
		return nil, err
	}
	cfg := &corev1beta1.KubeFedConfig{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: core.KubeFedConfigName}, cfg); err != nil {
		return nil, fmt.Errorf("reading KubeFedConfig %s/%s of the host (context %q): %w", kubefedNS, core.KubeFedConfigName, host.Name, err)
	}
	defaults.SetDefaultKubeFedConfig(cfg)
	s.ClusterScoped = cfg.Spec.Scope == corev1beta1.ClusterScoped
	target := t.Config.Spec.TargetType
	namespaced := target.Scope == "Namespaced"
	if namespaced {
		if s.NamespaceSpec, err = federatedNamespace(ctx, host, fed.GetNamespace()); err != nil {
			return nil, err
		}
	}
	s.Clusters, s.AdmittedTaints, s.QueuedTaints = Effective(list, cfg.Spec.Taints.GetClusterEvictionsPerMinute(), time.Now())
	deleting := fed.GetDeletionTimestamp() != nil && sets.New(fed.GetFinalizers()...).Has(core.SyncControllerFinalizer)
	reader := hostread.Reader{Client: host.Client, KubeFedNamespace: kubefedNS}
	var nsLabels map[string]string
	if fed.GetNamespace() != "" {
		if nsLabels, err = reader.NamespaceLabels(ctx, fed.GetNamespace()); err != nil {
			return nil, err
		}
	}
	var denied map[string]string
	if !deleting {
		policies, err := reader.Policies(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the federation policies of the host (context %q): %w", host.Name, err)
		}
		s.Verdict = policy.Evaluate(policies, policy.ObjectOf(fed, s.Spec, nsLabels), s.Clusters)
		denied = s.Verdict.Denied(s.Clusters)
	}
	overridePolicies, err := reader.OverridePolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the override policies of the host (context %q): %w", host.Name, err)
	}
	holding, _ := propagation.Recorded(s.Status)
	placed, err := placement.Compute(placement.ObjectInput(s.Spec, fed.GetNamespace(), namespaced, s.ClusterScoped, s.NamespaceSpec, s.Clusters, denied, holding))
	s.PlacementErr = err
	s.Input = propagation.Input{
		Federated:       fed,
		Target:          schema.GroupVersionKind{Group: target.Group, Version: target.Version, Kind: target.Kind},
		Placement:       placed,
		PlacementFailed: err != nil,
		Deleting:        deleting,
		Orphan:          fed.GetAnnotations()[core.OrphanManagedResourcesAnnotation] == core.OrphanManagedResourcesValue,
		AdoptResources:  *cfg.Spec.SyncController.AdoptResources == corev1beta1.AdoptResourcesEnabled,
		// As the syncer: the override policies that select the object, and
		// the denied paths of the federation policies outside deletion.
		OverridePolicies:    overrides.Select(overridePolicies, overrides.ObjectOf(fed, nsLabels)),
		DeniedOverridePaths: s.Verdict.DeniedOverridePaths(),
	}
	if target.Kind == "Namespace" && target.Group == "" {
		ns := &corev1.Namespace{}
		if err := host.Client.Get(ctx, client.ObjectKey{Name: fed.GetName()}, ns); err == nil {
			s.Input.HostNamespaceUID = ns.UID
		}
		if s.Contents, err = namespaceContents(ctx, host, kubefedNS, fed.GetName()); err != nil {
			return nil, err
		}
	}
	if s.RSP, s.Scheduled, err = replicaScheduling(ctx, host, fed); err != nil {
		return nil, err
	}
	s.Seen = make([]propagation.Member, len(list))
	gvr := schema.GroupVersionResource{Group: target.Group, Version: target.Version, Resource: target.PluralName}
	for i, m := range list {
		s.Seen[i] = propagation.Member{Name: m.Name(), Labels: m.Cluster.Labels, Ready: m.PlacementCluster().Ready, Inventory: m.Source == clusterclient.SourceInventory}
	}
	s.ReadErrs = members.Each(ctx, list, timeout, func(ctx context.Context, m members.Member) error {
		i := index(list, m.Name())
		return s.observe(ctx, m, gvr, namespaced, &s.Seen[i])
	})
	for i := range list {
		if s.ReadErrs[i] != nil && !s.Seen[i].Ready {
			s.ReadErrs[i] = nil // not ready: the syncer does not read it either
		}
	}
	s.Plan(cfg.Spec.Taints.GetEvictionTimeout())
	return s, nil
}

// Plan plans the object in every member as the syncer does, from the
// members as seen: the eviction gate first (evictionTimeout is the
// KubeFedConfig's), then propagation.PlanCluster per member. Without a
// placement, only a deletion is planned.
func (s *Scene) Plan(evictionTimeout time.Duration) {
	if s.PlacementErr == nil && !s.Input.Deleting {
		s.evict(evictionTimeout)
	}
	s.Plans = make([]propagation.ClusterPlan, len(s.Seen))
	for i := range s.Seen {
		if s.PlacementErr == nil || s.Input.Deleting {
			s.Plans[i] = propagation.PlanCluster(s.Input, s.Seen[i])
		}
	}
}

// observe reads what the plan needs of a member, as the syncer's observe
// does: whether it serves the type, its object and the recorded version.
// A member the syncer does not read (not ready; denied outside deletion)
// is not read.
func (s *Scene) observe(ctx context.Context, m members.Member, gvr schema.GroupVersionResource, namespaced bool, seen *propagation.Member) error {
	if _, denied := s.Input.Placement.Denied[m.Name()]; !seen.Ready || (denied && !s.Input.Deleting) {
		return nil
	}
	served, err := clusterclient.Served(m.Discovery, gvr)
	if err != nil {
		return err
	}
	if !served {
		seen.Missing = propagation.NotServedMessage(clusterclient.DescribeResource(gvr))
		return nil
	}
	fed := s.Input.Federated
	r := m.Dynamic.Resource(gvr)
	var obj *unstructured.Unstructured
	if namespaced {
		obj, err = r.Namespace(fed.GetNamespace()).Get(ctx, fed.GetName(), metav1.GetOptions{})
	} else {
		obj, err = r.Get(ctx, fed.GetName(), metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return err
	default:
		seen.Observed = obj
	}
	seen.Synced = true
	if c := s.Status.Cluster(m.Name()); c != nil {
		seen.Recorded = c.Version
	}
	return nil
}

// Effective returns the members as placement sees them, with the taints
// in effect: a NoExecute taint acts once the cluster eviction rate limit
// (perMinute) admits its cluster, as NoSchedule until then. The admission
// is replayed from the taints' times (taints.Replay). It also returns the
// admitted clusters and the queued ones with their taints.
func Effective(list []members.Member, perMinute int, now time.Time) ([]placement.Cluster, map[string]time.Time, map[string]string) {
	var pending []taints.Pending
	for _, m := range list {
		if since, ok := taints.NoExecuteSince(m.Cluster.Spec.Taints, now); ok {
			pending = append(pending, taints.Pending{Cluster: m.Name(), Since: since})
		}
	}
	admitted := taints.Replay(pending, perMinute, now)
	queued := map[string]string{}
	out := make([]placement.Cluster, len(list))
	for i, m := range list {
		out[i] = m.PlacementCluster()
		out[i].Taints = taints.InEffect(m.Cluster.Spec.Taints, admitted[m.Name()])
		if _, ok := admitted[m.Name()]; !ok && slices.ContainsFunc(pending, func(p taints.Pending) bool { return p.Cluster == m.Name() }) {
			queued[m.Name()] = taints.Join(m.Cluster.Spec.Taints)
		}
	}
	return out, admitted, queued
}

// evict runs the syncer's eviction gate (propagation.GateInput,
// taints.Gate) over the clusters the object is evicted from: the cluster
// it lets go leaves the placement, the others wait (Input.Evicting).
func (s *Scene) evict(timeout time.Duration) {
	placed := &s.Input.Placement
	if len(placed.Evicting) == 0 {
		return
	}
	names := make([]string, len(s.Seen))
	byName := make(map[string]propagation.Member, len(s.Seen))
	for i, m := range s.Seen {
		names[i], byName[m.Name] = m.Name, m
	}
	_, removing := propagation.Recorded(s.Status)
	src := s.Input.Source()
	var holds func(cluster string) []string
	if s.Contents != nil {
		holds = func(cluster string) []string { return propagation.HeldInNamespace(s.Contents, cluster) }
	}
	s.Gate = propagation.GateInput(s.Spec, *placed, removing, timeout, time.Now(), names, func(cluster string) bool {
		return propagation.RunsReady(src, byName[cluster])
	}, holds)
	s.Eviction = taints.Gate(s.Gate)
	if s.Eviction.Evict != "" {
		placed.Evict(s.Eviction.Evict)
	}
	s.Input.Evicting = s.Eviction.Waiting
}

// namespaceContents lists the federated objects of every enabled
// namespaced type but FederatedNamespace in namespace, as the syncer's
// host caches hold them.
func namespaceContents(ctx context.Context, host *cli.Cluster, kubefedNS, namespace string) ([]*unstructured.Unstructured, error) {
	types, err := status.ListTypes(ctx, host, kubefedNS)
	if err != nil {
		return nil, err
	}
	contents := []*unstructured.Unstructured{}
	for _, t := range types {
		if t.Config.Name == core.NamespacesTypeConfigName || t.Config.Spec.FederatedType.Scope == corev1beta1.ClusterScoped {
			continue
		}
		list, err := status.ListObjects(ctx, host, t, namespace, nil)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			contents = append(contents, &list.Items[i])
		}
	}
	return contents, nil
}

// replicaScheduling returns the ReplicaSchedulingPreference of fed, nil
// when there is none, and whether fed's kind is one an RSP schedules.
func replicaScheduling(ctx context.Context, host *cli.Cluster, fed *unstructured.Unstructured) (*schedulingv1alpha1.ReplicaSchedulingPreference, bool, error) {
	kind := schedulingv1alpha1.TargetKind(fed.GetKind())
	if scheduling.TypeConfigName(kind) == "" {
		return nil, false, nil
	}
	rsp := &schedulingv1alpha1.ReplicaSchedulingPreference{}
	err := host.Client.Get(ctx, client.ObjectKey{Namespace: fed.GetNamespace(), Name: fed.GetName()}, rsp)
	switch {
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		return nil, true, nil
	case err != nil:
		return nil, true, fmt.Errorf("reading ReplicaSchedulingPreference %s/%s: %w", fed.GetNamespace(), fed.GetName(), err)
	case rsp.Spec.TargetKind != kind:
		return nil, true, nil
	}
	return rsp, true, nil
}

// federatedNamespace returns the spec of the FederatedNamespace of a
// namespace, nil when there is none.
func federatedNamespace(ctx context.Context, host *cli.Cluster, namespace string) (*typesv1beta1.FederatedSpec, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedNamespace"})
	err := host.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: namespace}, u)
	switch {
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading FederatedNamespace %s/%s: %w", namespace, namespace, err)
	}
	return typesv1beta1.SpecOf(u)
}

func index(list []members.Member, name string) int {
	for i, m := range list {
		if m.Name() == name {
			return i
		}
	}
	return -1
}
