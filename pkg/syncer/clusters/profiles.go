package clusters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/cluster-inventory-api/pkg/access"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/health"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
)

// ProfileReconciler makes each ClusterProfile of the inventory namespace a
// member cluster, as if joined: it connects through the profile's access
// provider (the credential plugins of Access), probes the cluster like a
// KubeFedCluster, records it in the registry with the profile's labels and
// properties, and reports the outcome as the profile's KubeFedMemberReady
// condition. A profile that cannot be resolved is a member that is not
// ready, with the reason; the others are not affected.
type ProfileReconciler struct {
	Client client.Client
	// Registry is where the members are recorded.
	Registry *clusterclient.Registry
	// Namespace is the inventory namespace.
	Namespace string
	// Access maps the profiles' access providers to credential plugins;
	// nil when the syncer has no provider file.
	Access   *access.Config
	Settings Settings

	memory memory
}

// SetupWithManager registers the reconciler for the ClusterProfiles of
// the inventory namespace, other than those kubectl-fed writes.
func (r *ProfileReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Registry == nil || r.Namespace == "" {
		return errors.New("inventory controller: Client, Registry and Namespace are required")
	}
	inNamespace := predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetNamespace() == r.Namespace })
	return ctrl.NewControllerManagedBy(mgr).Named("cluster-inventory").
		For(&inventoryv1alpha1.ClusterProfile{}, builder.WithPredicates(inNamespace)).
		WithOptions(controller.Options{MaxConcurrentReconciles: probeWorkers}).Complete(r)
}

// Reconcile probes the profile's cluster and publishes the result.
func (r *ProfileReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	profile := &inventoryv1alpha1.ClusterProfile{}
	if err := r.Client.Get(ctx, req.NamespacedName, profile); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if profile.DeletionTimestamp != nil || inventory.Ours(profile) {
		r.forget(req.Name)
		return ctrl.Result{}, nil
	}
	// The profile's condition is what was published before the syncer
	// started, as a KubeFedCluster's status is for a joined cluster.
	started := time.Now()
	published := r.memory.smooth(profile.Name, inventory.PublishedHealth(profile), r.probe(ctx, profile), r.Settings.Thresholds)
	status := corev1beta1.KubeFedClusterStatus{Conditions: published}
	conditions, changed := inventory.WithCondition(profile.Status.Conditions, inventory.MemberCondition(published, profile.Generation))
	if changed {
		profile.Status.Conditions = conditions
		if err := r.Client.Status().Update(ctx, profile); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, fmt.Errorf("ClusterProfile %s/%s: writing its %s condition: %w", profile.Namespace, profile.Name, inventory.ConditionMemberReady, err)
		}
	}
	r.Registry.Update(profile.Name, clusterclient.State{Labels: inventory.Labels(profile), Ready: status.IsReady(), NotReadySince: health.NotReadySince(published)})
	return ctrl.Result{RequeueAfter: health.NextProbe(r.Settings.Period, started, time.Now())}, nil
}

// probe resolves the profile's access and asks the cluster's /healthz.
// A profile whose access cannot be resolved, or whose name a
// KubeFedCluster uses too, is left without a connection, with the reason
// as the probe's configuration error.
func (r *ProfileReconciler) probe(ctx context.Context, profile *inventoryv1alpha1.ClusterProfile) health.Probe {
	probe := health.Probe{Time: now()}
	object := "ClusterProfile " + profile.Namespace + "/" + profile.Name
	err := r.Registry.Claim(profile.Name, clusterclient.SourceInventory, object)
	if err == nil {
		var conn *clusterclient.Connection
		if conn, err = r.connect(profile); err == nil {
			probe, _ = probeHealth(ctx, conn, probe, r.Settings.Timeout)
			return probe
		}
	}
	r.Registry.Disconnect(profile.Name)
	probe.ConfigError = err
	return probe
}

// connect builds the profile's connection through its access provider.
func (r *ProfileReconciler) connect(profile *inventoryv1alpha1.ClusterProfile) (*clusterclient.Connection, error) {
	if r.Access == nil {
		return nil, errors.New("the syncer has no access providers: start it with --clusterprofile-provider-file naming the credential plugins of the profiles' access providers")
	}
	cfg, err := r.Access.BuildConfigFromCP(profile)
	if err != nil {
		return nil, fmt.Errorf("resolving the access of ClusterProfile %s/%s (status.accessProviders): %w; the syncer's --clusterprofile-provider-file must name a credential plugin for one of its providers",
			profile.Namespace, profile.Name, err)
	}
	return r.Registry.Connect(profile.Name, clusterclient.WithMemberDefaults(cfg), accessFingerprint(profile))
}

func (r *ProfileReconciler) forget(name string) {
	r.memory.forget(name)
	r.Registry.Release(name, clusterclient.SourceInventory)
}

// accessFingerprint identifies what a profile's connection is built from.
func accessFingerprint(profile *inventoryv1alpha1.ClusterProfile) string {
	data, _ := json.Marshal(struct {
		Access, Credential []inventoryv1alpha1.AccessProvider
	}{profile.Status.AccessProviders, profile.Status.CredentialProviders})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
