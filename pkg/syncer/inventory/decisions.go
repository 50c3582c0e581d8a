package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	ctrl "sigs.k8s.io/controller-runtime"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
)

// FieldManager is the field manager of the PlacementDecisions the syncer
// applies.
const FieldManager = "kubectl-fed-syncer"

// FederatedObjects lists the federated objects of every enabled type from
// the host caches; synced is false while the list is partial.
type FederatedObjects interface {
	FederatedObjects() (objs []*unstructured.Unstructured, synced bool)
}

// DecisionWriter keeps one PlacementDecision beside each federated object
// (in its namespace, or KubeFedNamespace for cluster-scoped ones) naming
// the clusters it is placed on (inventory.PlacedClusters), owned by the
// object so that it goes with it. Every Interval it compares each object's
// clusters with what it last applied and applies only the changed ones: an
// unchanged fleet costs no writes. A decision is computed again when its
// object changed or one of its clusters switched source (its profile is
// then in the other namespace).
type DecisionWriter struct {
	Objects FederatedObjects
	Host    dynamic.Interface
	// Registry tells which clusters come from the inventory.
	Registry *clusterclient.Registry
	// KubeFedNamespace holds the decisions of cluster-scoped objects.
	KubeFedNamespace string
	// InventoryNamespace and ProfileNamespace are where the ClusterProfiles
	// of inventory clusters and of joined clusters are.
	InventoryNamespace, ProfileNamespace string
	Interval                             time.Duration

	// applied is what was last applied, by decision namespace/name.
	applied map[string]applied
}

// applied is a decision as last applied: its clusters, and the version of
// the federated object it was computed from.
type applied struct {
	clusters        []string
	resourceVersion string
}

// Start writes decisions every Interval until ctx ends.
func (w *DecisionWriter) Start(ctx context.Context) error {
	if w.Objects == nil || w.Host == nil || w.Registry == nil || w.Interval <= 0 {
		return errors.New("placement decision writer: Objects, Host, Registry and a positive Interval are required")
	}
	w.applied = map[string]applied{}
	ticker := time.NewTicker(w.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			w.pass(ctx)
		}
	}
}

// pass applies the decisions that changed and forgets those whose object
// is gone (the garbage collector deletes them with it).
func (w *DecisionWriter) pass(ctx context.Context) {
	objs, synced := w.Objects.FederatedObjects()
	if !synced {
		return
	}
	log := ctrl.LoggerFrom(ctx)
	seen := map[string]bool{}
	for _, obj := range objs {
		if obj.GetDeletionTimestamp() != nil {
			continue
		}
		if last, ok := w.applied[w.key(obj)]; ok && last.resourceVersion == obj.GetResourceVersion() && w.sameProfiles(last.clusters) {
			seen[w.key(obj)] = true
			continue
		}
		pd, err := w.decision(obj)
		if err != nil {
			log.Error(err, "cannot name the PlacementDecision of a federated object", "object", obj.GetNamespace()+"/"+obj.GetName(), "type", obj.GetKind())
			continue
		}
		key := pd.Namespace + "/" + pd.Name
		seen[key] = true
		clusters := make([]string, len(pd.Decisions))
		for i, d := range pd.Decisions {
			clusters[i] = d.ClusterProfileRef.Namespace + "/" + d.ClusterProfileRef.Name
		}
		if last, ok := w.applied[key]; ok && slices.Equal(last.clusters, clusters) {
			w.applied[key] = applied{clusters: clusters, resourceVersion: obj.GetResourceVersion()}
			continue
		}
		if err := w.apply(ctx, pd); err != nil {
			log.Error(err, "writing a PlacementDecision", "object", key, "type", obj.GetKind())
			continue
		}
		log.V(1).Info("wrote a PlacementDecision", "object", key, "clusters", len(clusters))
		w.applied[key] = applied{clusters: clusters, resourceVersion: obj.GetResourceVersion()}
	}
	for key := range w.applied {
		if !seen[key] {
			delete(w.applied, key)
		}
	}
}

// sameProfiles reports whether each cluster of an applied decision (as
// profile namespace/name) still has its profile there: a cluster whose
// source switched (joined or inventory) since is named by another profile,
// so the decision is computed again.
func (w *DecisionWriter) sameProfiles(refs []string) bool {
	for _, ref := range refs {
		namespace, name, _ := strings.Cut(ref, "/")
		if w.profileNamespace(name) != namespace {
			return false
		}
	}
	return true
}

// key is the namespace/name of a federated object's decision.
func (w *DecisionWriter) key(obj *unstructured.Unstructured) string {
	namespace := obj.GetNamespace()
	if namespace == "" {
		namespace = w.KubeFedNamespace
	}
	return namespace + "/" + inventory.PlacementDecisionName(obj.GetKind(), obj.GetName())
}

// decision is the PlacementDecision of a federated object, owned by it.
func (w *DecisionWriter) decision(obj *unstructured.Unstructured) (*inventoryv1alpha1.PlacementDecision, error) {
	spec, err := typesv1beta1.SpecOf(obj)
	if err != nil {
		return nil, err
	}
	status, err := typesv1beta1.StatusOf(obj)
	if err != nil {
		return nil, err
	}
	name := inventory.PlacementDecisionName(obj.GetKind(), obj.GetName())
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return nil, fmt.Errorf("%s %s: the PlacementDecision name %q is invalid: %v", obj.GetKind(), obj.GetName(), name, msgs)
	}
	namespace := obj.GetNamespace()
	if namespace == "" {
		namespace = w.KubeFedNamespace
	}
	pd := inventory.PlacementDecision(namespace, name, inventory.PlacedClusters(status.Clusters, spec.Overrides), w.profileNamespace)
	controller := true
	pd.OwnerReferences = []metav1.OwnerReference{{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Name: obj.GetName(), UID: obj.GetUID(), Controller: &controller}}
	return pd, nil
}

// profileNamespace is the namespace of a cluster's ClusterProfile.
func (w *DecisionWriter) profileNamespace(cluster string) string {
	if m, ok := w.Registry.Get(cluster); ok && m.Source == clusterclient.SourceInventory {
		return w.InventoryNamespace
	}
	return w.ProfileNamespace
}

// apply writes a decision with server-side apply.
func (w *DecisionWriter) apply(ctx context.Context, pd *inventoryv1alpha1.PlacementDecision) error {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pd)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: content}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	_, err = w.Host.Resource(inventoryv1alpha1.PlacementDecisionSchemeGroupVersionResource).Namespace(pd.Namespace).
		Apply(ctx, pd.Name, u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("PlacementDecision %s/%s: %w (is its namespace gone?)", pd.Namespace, pd.Name, err)
	}
	return err
}
