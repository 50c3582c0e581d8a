// Package rsp is the syncer's ReplicaSchedulingPreference controller
// (reference §3.5), the I/O half of replica scheduling: for each RSP it
// reads the FederatedDeployment or FederatedReplicaSet of the same
// namespace and name, the ready member clusters and, from the members'
// shared caches, the workloads and pods they run; plans with
// pkg/scheduling; writes the plan into that object's placement and
// /spec/replicas overrides, and records it in the RSP's status. When a
// cluster stays NotReady for unavailableDelay, its replicas move to the
// other candidates.
package rsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

// DefaultResync is how often an RSP is planned again without any event:
// member workloads and pods are read from the shared member caches, whose
// events do not trigger the controller.
const DefaultResync = 10 * time.Second

// cacheWait bounds the wait for a member cache to fill on first use.
const cacheWait = 10 * time.Second

// Reconciler plans the replicas of one RSP per request.
type Reconciler struct {
	// Client reads RSPs, KubeFedClusters and FederatedTypeConfigs (cached)
	// and writes RSP statuses.
	Client client.Client
	// Host reads and writes federated objects.
	Host dynamic.Interface
	// Registry holds the members' connections and shared caches.
	Registry *clusterclient.Registry
	// KubeFedNamespace is the control plane's namespace.
	KubeFedNamespace string
	// UnavailableDelay is how long a cluster may be NotReady before its
	// replicas move (the KubeFedConfig's controllerDuration.unavailableDelay).
	UnavailableDelay time.Duration
	// UnschedulableWindow is how long a pod may be unschedulable before it
	// lowers its cluster's capacity (the syncer's --unschedulable-window);
	// it must be positive.
	UnschedulableWindow time.Duration
	// Resync is how often an RSP is planned again without any event; zero
	// means DefaultResync.
	Resync time.Duration
}

// SetupWithManager registers the controller: RSP events and
// KubeFedCluster changes (readiness, labels) trigger it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Host == nil || r.Registry == nil || r.KubeFedNamespace == "" {
		return fmt.Errorf("scheduling controller: Client, Host, Registry and KubeFedNamespace are required")
	}
	if r.UnschedulableWindow <= 0 {
		return fmt.Errorf("scheduling controller: UnschedulableWindow is %s; it must be positive (default %s)", r.UnschedulableWindow, scheduling.DefaultUnschedulableWindow)
	}
	return ctrl.NewControllerManagedBy(mgr).Named("replica-scheduling").
		For(&v1alpha1.ReplicaSchedulingPreference{}).
		Watches(&corev1beta1.KubeFedCluster{}, handler.EnqueueRequestsFromMapFunc(r.all)).
		Complete(r)
}

// all returns a request for every RSP.
func (r *Reconciler) all(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &v1alpha1.ReplicaSchedulingPreferenceList{}
	if err := r.Client.List(ctx, list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing ReplicaSchedulingPreferences")
		return nil
	}
	out := make([]reconcile.Request, len(list.Items))
	for i, rsp := range list.Items {
		out[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&rsp)}
	}
	return out
}

// candidate is a ready member with a connection.
type candidate struct {
	name   string
	conn   *clusterclient.Connection
	labels map[string]string
}

// Reconcile plans one RSP and writes the plan.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rsp := &v1alpha1.ReplicaSchedulingPreference{}
	if err := r.Client.Get(ctx, req.NamespacedName, rsp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if rsp.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	out, err := r.schedule(ctx, rsp)
	if err != nil {
		return ctrl.Result{}, err
	}
	// The status goes first: it records the capacity estimates the plan
	// was made with, which the next plan starts from (Capacities). If the
	// RSP changed meanwhile (or this reconcile read a version older than
	// the last status written), neither is written, and the RSP is planned
	// again from its newer version.
	written, err := r.writeStatus(ctx, rsp, out.status)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !written {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	if out.fed != nil {
		if _, err := out.fedClient.Update(ctx, out.fed, metav1.UpdateOptions{}); err != nil {
			return ctrl.Result{}, fmt.Errorf("writing the plan into %s %s/%s: %w", rsp.Spec.TargetKind, rsp.Namespace, rsp.Name, err)
		}
		ctrl.LoggerFrom(ctx).V(1).Info("wrote replica plan", "object", rsp.Namespace+"/"+rsp.Name, "plan", out.result)
	}
	resync := r.Resync
	if resync <= 0 {
		resync = DefaultResync
	}
	after := out.after
	if after <= 0 || after > resync {
		after = resync
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

// outcome is what one reconcile of an RSP decided.
type outcome struct {
	// status is the RSP's new status.
	status *v1alpha1.ReplicaSchedulingPreferenceStatus
	// fed, when set, is the federated object with the new plan, to write
	// with fedClient.
	fed       *unstructured.Unstructured
	fedClient dynamic.ResourceInterface
	result    map[string]int64
	// after is when to look again (0: at the next resync).
	after time.Duration
}

// schedule plans the RSP and returns the RSP's new status, the federated
// object to write if the plan changed it, and when to look again.
func (r *Reconciler) schedule(ctx context.Context, rsp *v1alpha1.ReplicaSchedulingPreference) (outcome, error) {
	status := &v1alpha1.ReplicaSchedulingPreferenceStatus{ObservedGeneration: rsp.Generation, Clusters: rsp.Status.Clusters}
	fedGVR, targetGVR, problem, err := r.types(ctx, rsp)
	if err != nil {
		return outcome{}, err
	}
	if problem != "" {
		setCondition(status, rsp, metav1.ConditionFalse, v1alpha1.ReasonTargetNotFound, problem)
		return outcome{status: status}, nil
	}
	fedClient := r.Host.Resource(fedGVR).Namespace(rsp.Namespace)
	fed, err := fedClient.Get(ctx, rsp.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		setCondition(status, rsp, metav1.ConditionFalse, v1alpha1.ReasonTargetNotFound,
			fmt.Sprintf("%s %s/%s does not exist; create it with the same namespace and name as the ReplicaSchedulingPreference", rsp.Spec.TargetKind, rsp.Namespace, rsp.Name))
		return outcome{status: status}, nil
	}
	if err != nil {
		return outcome{}, fmt.Errorf("reading %s %s/%s: %w", rsp.Spec.TargetKind, rsp.Namespace, rsp.Name, err)
	}
	spec, err := typesv1beta1.SpecOf(fed)
	if err != nil {
		return outcome{}, err
	}
	candidates, evicting, grace, err := r.candidates(ctx, rsp, spec)
	if err != nil {
		return outcome{}, err
	}
	if grace > 0 {
		// A placed cluster has just turned NotReady: keep the plan until
		// unavailableDelay has passed, in case it comes back.
		return outcome{status: &rsp.Status, after: grace}, nil
	}
	if len(candidates) == 0 {
		setCondition(status, rsp, metav1.ConditionFalse, v1alpha1.ReasonNoCandidates, "no ready member cluster is a candidate; the placement is left as it is")
		return outcome{status: status}, nil
	}

	names := make([]string, len(candidates))
	observed := map[string]scheduling.Observation{}
	var recheck time.Duration
	for i, c := range candidates {
		names[i] = c.name
		obs, found, err := observe(ctx, c.conn, targetGVR, rsp.Namespace, rsp.Name, r.UnschedulableWindow)
		if err != nil {
			return outcome{}, fmt.Errorf("cluster %s: reading %s %s/%s: %w", c.name, targetGVR.Resource, rsp.Namespace, rsp.Name, err)
		}
		if !found {
			continue
		}
		observed[c.name] = obs
		if obs.Recheck > 0 && (recheck == 0 || obs.Recheck < recheck) {
			recheck = obs.Recheck
		}
	}
	in := scheduling.PlanInput(rsp, names, observed)
	res := scheduling.Plan(in)
	var spread *scheduling.Spread
	if rsp.Spec.Spread != nil {
		labels := make(map[string]map[string]string, len(candidates))
		for _, c := range candidates {
			labels[c.name] = c.labels
		}
		var sp scheduling.Spread
		res, sp = scheduling.PlanSpread(in, *rsp.Spec.Spread, labels)
		spread = &sp
	}
	result := scheduling.Replicas(in, res)
	evictingNames := make([]string, len(evicting))
	for i, c := range evicting {
		evictingNames[i] = c.name
	}
	kept := scheduling.HoldEvicting(result, spec, evictingNames, res, observed)
	out := outcome{status: status, result: result, after: recheck}
	if scheduling.Apply(spec, result) {
		if err := encodeSpec(fed, spec); err != nil {
			return outcome{}, err
		}
		out.fed, out.fedClient = fed, fedClient
	}
	rows := append(scheduling.Rows(in, res), kept...)
	if spread != nil {
		for i := range rows {
			rows[i].Group = spread.Groups[rows[i].Cluster]
		}
	}
	status.Clusters = scheduling.ClusterStatuses(rows)
	if unplaced := scheduling.Unplaced(rows, in.TotalReplicas); unplaced > 0 {
		setCondition(status, rsp, metav1.ConditionFalse, v1alpha1.ReasonUnplaced,
			fmt.Sprintf("%d of %d replicas fit in no candidate cluster (maximums or capacity reached)", unplaced, in.TotalReplicas))
	} else {
		setCondition(status, rsp, metav1.ConditionTrue, v1alpha1.ReasonAllPlaced, fmt.Sprintf("all %d replicas are placed", in.TotalReplicas))
	}
	if spread != nil {
		s, reason := metav1.ConditionTrue, v1alpha1.ReasonSpreadMet
		if !spread.Met {
			s, reason = metav1.ConditionFalse, v1alpha1.ReasonSpreadUnmet
		}
		meta.SetStatusCondition(&status.Conditions, metav1.Condition{Type: v1alpha1.SpreadCondition, Status: s, Reason: reason,
			Message: spread.Message, ObservedGeneration: rsp.Generation})
	} else {
		meta.RemoveStatusCondition(&status.Conditions, v1alpha1.SpreadCondition)
	}
	return out, nil
}

// types returns the federated and member resources of the RSP's target
// kind, or a problem when the kind is not enabled.
func (r *Reconciler) types(ctx context.Context, rsp *v1alpha1.ReplicaSchedulingPreference) (fed, target schema.GroupVersionResource, problem string, err error) {
	name := scheduling.TypeConfigName(rsp.Spec.TargetKind)
	if name == "" {
		return fed, target, fmt.Sprintf("spec.targetKind %q is not supported: use FederatedDeployment or FederatedReplicaSet", rsp.Spec.TargetKind), nil
	}
	ftc := &corev1beta1.FederatedTypeConfig{}
	err = r.Client.Get(ctx, client.ObjectKey{Namespace: r.KubeFedNamespace, Name: name}, ftc)
	if apierrors.IsNotFound(err) || (err == nil && !ftc.GetPropagationEnabled()) {
		return fed, target, fmt.Sprintf("%s is not enabled for federation: run kubectl fed enable %s", name, name), nil
	}
	if err != nil {
		return fed, target, "", fmt.Errorf("reading FederatedTypeConfig %s: %w", name, err)
	}
	f, t := ftc.GetFederatedType(), ftc.GetTargetType()
	return schema.GroupVersionResource{Group: f.Group, Version: f.Version, Resource: f.PluralName},
		schema.GroupVersionResource{Group: t.Group, Version: t.Version, Resource: t.PluralName}, "", nil
}

// candidates returns the clusters the replicas may go to, sorted by name:
// the registry's ready members with a connection, joined or from the
// inventory (placement.Compute's targets, as for propagation), and with intersectWithClusterSelector only those the
// object's clusterSelector (placement.clusters ignored) and its namespace's
// FederatedNamespace select, and only those whose taints the RSP or the
// object tolerates (placement.Compute). evicting are the clusters the
// object is placed in that have a NoExecute taint neither tolerates: their
// replicas move to the candidates. If a cluster the object is placed in
// (joined or from the inventory) turned NotReady less than UnavailableDelay
// ago, grace is the time left.
func (r *Reconciler) candidates(ctx context.Context, rsp *v1alpha1.ReplicaSchedulingPreference, spec *typesv1beta1.FederatedSpec) (out, evicting []candidate, grace time.Duration, err error) {
	placed := map[string]bool{}
	if spec.Placement != nil {
		for _, c := range spec.Placement.Clusters {
			placed[c.Name] = true
		}
	}
	// The registry's members, joined and from the inventory alike, as
	// propagation sees them, with when each stopped being ready.
	members := r.Registry.List()
	conns := map[string]*clusterclient.Connection{}
	labels := map[string]map[string]string{}
	for _, m := range members {
		if !m.Ready && placed[m.Name] && !m.NotReadySince.IsZero() {
			if left := r.UnavailableDelay - time.Since(m.NotReadySince); left > 0 && (grace == 0 || left < grace) {
				grace = left
			}
		}
		conns[m.Name] = m.Conn
		labels[m.Name] = m.Labels
	}
	clusters := clusterclient.PlacementClusters(members)
	in := placement.Input{Object: &typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}}, Clusters: clusters}
	if rsp.Spec.IntersectWithClusterSelector {
		if in, err = r.intersection(ctx, rsp, spec, clusters); err != nil {
			return nil, nil, 0, err
		}
	}
	in.Tolerations = slices.Concat(rsp.Spec.Tolerations, tolerations(spec))
	in.Holding = sets.KeySet(placed)
	res, err := placement.Compute(in)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s/%s: %w", rsp.Spec.TargetKind, rsp.Namespace, rsp.Name, err)
	}
	for _, name := range sets.List(res.Targets) {
		if _, ok := res.Evicting[name]; ok {
			evicting = append(evicting, candidate{name: name, conn: conns[name], labels: labels[name]})
		} else {
			out = append(out, candidate{name: name, conn: conns[name], labels: labels[name]})
		}
	}
	return out, evicting, grace, nil
}

// tolerations are the federated object's placement tolerations.
func tolerations(spec *typesv1beta1.FederatedSpec) []corev1beta1.Toleration {
	if spec.Placement == nil {
		return nil
	}
	return spec.Placement.Tolerations
}

// intersection returns the placement input of intersectWithClusterSelector:
// the object's clusterSelector (placement.clusters ignored) within its
// namespace's FederatedNamespace, which must exist.
func (r *Reconciler) intersection(ctx context.Context, rsp *v1alpha1.ReplicaSchedulingPreference, spec *typesv1beta1.FederatedSpec, clusters []placement.Cluster) (placement.Input, error) {
	var selector *metav1.LabelSelector
	if spec.Placement != nil {
		selector = spec.Placement.ClusterSelector
	}
	nsGVR, err := r.namespaceType(ctx)
	if err != nil {
		return placement.Input{}, err
	}
	ns, err := r.Host.Resource(nsGVR).Namespace(rsp.Namespace).Get(ctx, rsp.Namespace, metav1.GetOptions{})
	if err != nil {
		return placement.Input{}, fmt.Errorf("intersectWithClusterSelector needs the FederatedNamespace %s/%s: %w", rsp.Namespace, rsp.Namespace, err)
	}
	nsSpec, err := typesv1beta1.SpecOf(ns)
	if err != nil {
		return placement.Input{}, err
	}
	return placement.Input{Object: &typesv1beta1.Placement{ClusterSelector: selector}, NamespacedTarget: true, NamespaceName: rsp.Namespace,
		NamespaceFederated: true, Namespace: nsSpec.Placement, Clusters: clusters}, nil
}

// namespaceType returns the resource of FederatedNamespaces.
func (r *Reconciler) namespaceType(ctx context.Context) (schema.GroupVersionResource, error) {
	ftc := &corev1beta1.FederatedTypeConfig{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.KubeFedNamespace, Name: core.NamespacesTypeConfigName}, ftc); err != nil {
		return schema.GroupVersionResource{}, fmt.Errorf("intersectWithClusterSelector needs namespaces enabled (kubectl fed enable namespaces): %w", err)
	}
	f := ftc.GetFederatedType()
	return schema.GroupVersionResource{Group: f.Group, Version: f.Version, Resource: f.PluralName}, nil
}

// observe reads a managed member workload and, when not all its replicas
// are ready, its pods, from the member's shared caches; pods unschedulable
// for longer than window lower its capacity. found is false when the
// workload does not exist.
func observe(ctx context.Context, conn *clusterclient.Connection, target schema.GroupVersionResource, namespace, name string, window time.Duration) (scheduling.Observation, bool, error) {
	obj, ok := clusterclient.Cached(ctx, conn.Watch(target, "", nil), namespace, name, cacheWait)
	if !ok {
		return scheduling.Observation{}, false, errors.New("the cache of its workloads is not filled yet")
	}
	if obj == nil {
		return scheduling.Observation{}, false, nil
	}
	w := scheduling.Workload{Replicas: 1}
	if n, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); found {
		w.Replicas = n
	}
	w.ReadyReplicas, _, _ = unstructured.NestedInt64(obj.Object, "status", "readyReplicas")
	if !w.NeedsPods() {
		return scheduling.Observe(w, nil, time.Now(), window), true, nil
	}
	matchLabels, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
	selector := labels.SelectorFromSet(matchLabels)
	informer := conn.Pods(namespace)
	if !clusterclient.Synced(ctx, informer, cacheWait) {
		return scheduling.Observation{}, false, errors.New("the cache of its pods is not filled yet")
	}
	cached, err := informer.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
	if err != nil {
		return scheduling.Observation{}, false, err
	}
	var pods []corev1.Pod
	for _, item := range cached {
		u := item.(*unstructured.Unstructured)
		if !selector.Matches(labels.Set(u.GetLabels())) {
			continue
		}
		var pod corev1.Pod
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &pod); err != nil {
			return scheduling.Observation{}, false, fmt.Errorf("decoding pod %s: %w", u.GetName(), err)
		}
		pods = append(pods, pod)
	}
	return scheduling.Observe(w, pods, time.Now(), window), true, nil
}

func setCondition(status *v1alpha1.ReplicaSchedulingPreferenceStatus, rsp *v1alpha1.ReplicaSchedulingPreference, s metav1.ConditionStatus, reason, message string) {
	status.Conditions = slices.Clone(rsp.Status.Conditions)
	meta.SetStatusCondition(&status.Conditions, metav1.Condition{Type: v1alpha1.ScheduledCondition, Status: s, Reason: reason,
		Message: message, ObservedGeneration: rsp.Generation})
}

// writeStatus updates the RSP's status when it changed. written is false
// when the RSP changed since it was read (a conflict).
func (r *Reconciler) writeStatus(ctx context.Context, rsp *v1alpha1.ReplicaSchedulingPreference, status *v1alpha1.ReplicaSchedulingPreferenceStatus) (written bool, err error) {
	if equality.Semantic.DeepEqual(&rsp.Status, status) {
		return true, nil
	}
	rsp = rsp.DeepCopy()
	rsp.Status = *status
	if err := r.Client.Status().Update(ctx, rsp); apierrors.IsConflict(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("writing the status of ReplicaSchedulingPreference %s/%s: %w", rsp.Namespace, rsp.Name, err)
	}
	return true, nil
}

// encodeSpec writes placement and overrides back into a federated object,
// leaving the rest of its spec as it is.
func encodeSpec(obj *unstructured.Unstructured, spec *typesv1beta1.FederatedSpec) error {
	data, err := json.Marshal(struct {
		Placement *typesv1beta1.Placement `json:"placement,omitempty"`
		Overrides []typesv1beta1.Override `json:"overrides"`
	}{spec.Placement, spec.Overrides})
	if err != nil {
		return err
	}
	parts := map[string]any{}
	if err := json.Unmarshal(data, &parts); err != nil {
		return err
	}
	if err := unstructured.SetNestedField(obj.Object, parts["placement"], "spec", "placement"); err != nil {
		return err
	}
	if len(spec.Overrides) == 0 {
		unstructured.RemoveNestedField(obj.Object, "spec", "overrides")
		return nil
	}
	return unstructured.SetNestedField(obj.Object, parts["overrides"], "spec", "overrides")
}
