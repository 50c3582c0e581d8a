package failover

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var federatedDeployments = schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federateddeployments"}

// replicaPlan reads the clusters a federated object is placed on with
// their /spec/replicas overrides (-1: placed without one).
func replicaPlan(ctx context.Context, d dynamic.Interface, namespace, name string) (map[string]int64, error) {
	obj, err := d.Resource(federatedDeployments).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	spec, err := typesv1beta1.SpecOf(obj)
	if err != nil {
		return nil, err
	}
	plan := map[string]int64{}
	if spec.Placement != nil {
		for _, c := range spec.Placement.Clusters {
			plan[c.Name] = -1
		}
	}
	for _, o := range spec.Overrides {
		for _, op := range o.ClusterOverrides {
			if op.Path != "/spec/replicas" || op.Value == nil {
				continue
			}
			var n int64
			if err := json.Unmarshal(op.Value.Raw, &n); err != nil {
				return nil, err
			}
			plan[o.ClusterName] = n
		}
	}
	return plan, nil
}

// withReplicas drops the clusters placed with 0 replicas.
func withReplicas(plan map[string]int64) map[string]int64 {
	out := maps.Clone(plan)
	maps.DeleteFunc(out, func(_ string, n int64) bool { return n == 0 })
	return out
}

// TestInventoryClusterGetsReplicas runs a syncer with the host as an
// inventory cluster ("moon") beside the joined member, writing
// PlacementDecisions: a ReplicaSchedulingPreference gives the inventory
// cluster replicas (the host's Deployment gets them) and the decision
// names only the clusters with replicas, following the plan. When the
// inventory cluster becomes unreachable (its profile's server moves to a
// closed port), its replicas stay planned there until unavailableDelay has
// passed since it turned not ready, then move to the joined member; its
// objects are not deleted meanwhile (a ConfigMap placed there keeps its
// uid once it is reachable again).
func TestInventoryClusterGetsReplicas(t *testing.T) {
	ctx := context.Background()
	c := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	d := hostDynamic(t)
	joined := shared.Members()[0].Name
	const delay = 5 * time.Second
	failures := int64(2)
	changeConfig(t, c, "fast health checks and unavailableDelay", func(spec *corev1beta1.KubeFedConfigSpec) {
		spec.ClusterHealthCheck = &corev1beta1.ClusterHealthCheckConfig{Period: &metav1.Duration{Duration: time.Second},
			Timeout: &metav1.Duration{Duration: time.Second}, FailureThreshold: &failures}
		spec.ControllerDuration = &corev1beta1.DurationConfig{UnavailableDelay: &metav1.Duration{Duration: delay}}
	})
	t.Cleanup(func() {
		changeConfig(t, c, "default health checks and delays", func(spec *corev1beta1.KubeFedConfigSpec) {
			spec.ClusterHealthCheck, spec.ControllerDuration = nil, nil
		})
	})
	inv := testkit.CreateNamespace(t, kube, "inventory-")
	out := testkit.CreateNamespace(t, kube, "profiles-")
	useInventory(t, c, corev1beta1.InventoryConfig{Namespace: inv, ProfileNamespace: out, PlacementDecisions: true})
	tokenPath := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenPath, []byte(hostToken(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	startSyncer(t, "replicas", "--clusterprofile-provider-file", providerFile(t, tokenPath))
	createProfile(t, c, inv, "moon", "test-token", nil, nil)
	profileCondition(t, c, inv, "moon", inventory.ConditionMemberReady, metav1.ConditionTrue, "")

	ns := federatedNamespace(t, d)
	kept := federatedConfigMap(ns, "kept")
	kept.Object["spec"].(map[string]interface{})["placement"] = map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": "moon"}}}
	if _, err := d.Resource(federatedConfigMaps).Namespace(ns).Create(ctx, kept, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fd := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": map[string]interface{}{"name": "web", "namespace": ns},
		"spec": map[string]interface{}{
			"template": map[string]interface{}{"spec": map[string]interface{}{"replicas": int64(1),
				"selector": map[string]interface{}{"matchLabels": map[string]interface{}{"app": "web"}},
				"template": map[string]interface{}{"metadata": map[string]interface{}{"labels": map[string]interface{}{"app": "web"}},
					"spec": map[string]interface{}{"containers": []interface{}{map[string]interface{}{"name": "web", "image": "example.com/web:1"}}}}}},
			"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}},
		},
	}}
	if _, err := d.Resource(federatedDeployments).Namespace(ns).Create(ctx, fd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rsp := &schedulingv1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: schedulingv1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: "FederatedDeployment", TotalReplicas: 4,
			Clusters: map[string]schedulingv1alpha1.ClusterPreferences{"moon": {Weight: 1}}}}
	if err := c.Create(ctx, rsp); err != nil {
		t.Fatal(err)
	}
	waitPlan := func(what string, want map[string]int64) time.Time {
		t.Helper()
		testkit.Eventually(t, what, func(ctx context.Context) (bool, error) {
			plan, err := replicaPlan(ctx, d, ns, "web")
			if err != nil {
				return false, err
			}
			if got := withReplicas(plan); !maps.Equal(got, want) {
				return false, fmt.Errorf("planned %v", plan)
			}
			return true, nil
		})
		return time.Now()
	}
	decision := inventory.PlacementDecisionName("FederatedDeployment", "web")
	waitDecision := func(want ...string) {
		t.Helper()
		testkit.Eventually(t, "PlacementDecision "+decision+" naming "+fmt.Sprint(want), func(ctx context.Context) (bool, error) {
			got, err := placementDecision(ctx, c, ns, decision)
			if err != nil || !slices.Equal(got, want) {
				return false, fmt.Errorf("names %v (err %v)", got, err)
			}
			return true, nil
		})
	}
	waitPlan("all 4 replicas planned on the inventory cluster", map[string]int64{"moon": 4})
	testkit.Eventually(t, "the inventory cluster's Deployment (the host's) with 4 replicas", func(ctx context.Context) (bool, error) {
		dep, err := kube.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && dep.Spec.Replicas != nil && *dep.Spec.Replicas == 4, nil
	})
	waitDecision(inv + "/moon")

	testkit.Eventually(t, "the RSP weighing every cluster alike", func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(rsp), rsp); err != nil {
			return false, err
		}
		rsp.Spec.Clusters = map[string]schedulingv1alpha1.ClusterPreferences{"*": {Weight: 1}}
		return c.Update(ctx, rsp) == nil, nil
	})
	waitPlan("2 replicas on each cluster", map[string]int64{joined: 2, "moon": 2})
	waitDecision(out+"/"+joined, inv+"/moon")
	keptUID := configMapUID(t, ns, "kept")

	// The inventory cluster becomes unreachable.
	setServer(t, c, inv, "moon", "https://127.0.0.1:1")
	profileCondition(t, c, inv, "moon", inventory.ConditionMemberReady, metav1.ConditionFalse, "not reachable")
	p := &inventoryv1alpha1.ClusterProfile{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: inv, Name: "moon"}, p); err != nil {
		t.Fatal(err)
	}
	notReady := meta.FindStatusCondition(p.Status.Conditions, inventory.ConditionMemberReady).LastTransitionTime.Time
	moved := waitPlan("the inventory cluster's replicas moved to the joined member", map[string]int64{joined: 4})
	t.Logf("the replicas moved %s after the inventory cluster turned not ready (unavailableDelay %s)", moved.Sub(notReady).Round(time.Millisecond), delay)
	if moved.Sub(notReady) < delay {
		t.Errorf("the replicas moved %s after the inventory cluster turned not ready (%s), before unavailableDelay %s",
			moved.Sub(notReady).Round(time.Millisecond), notReady.Format(time.RFC3339), delay)
	}
	waitDecision(out + "/" + joined)

	// Reachable again: what was placed there is still there.
	setServer(t, c, inv, "moon", shared.Host().Server)
	profileCondition(t, c, inv, "moon", inventory.ConditionMemberReady, metav1.ConditionTrue, "")
	testkit.Eventually(t, "the FederatedConfigMap propagated to the inventory cluster again", func(ctx context.Context) (bool, error) {
		obj, err := d.Resource(federatedConfigMaps).Namespace(ns).Get(ctx, "kept", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		status, err := typesv1beta1.StatusOf(obj)
		if err != nil {
			return false, err
		}
		if entry := status.Cluster("moon"); entry != nil && entry.Status == typesv1beta1.ClusterPropagationOK {
			return true, nil
		}
		return false, fmt.Errorf("status.clusters %+v", status.Clusters)
	})
	if uid := configMapUID(t, ns, "kept"); uid != keptUID {
		t.Errorf("the ConfigMap in the inventory cluster was replaced during its outage (uid %s, was %s)", uid, keptUID)
	}
}

// configMapUID is the uid of a ConfigMap of the host.
func configMapUID(t *testing.T, ns, name string) string {
	t.Helper()
	var uid string
	testkit.Eventually(t, "ConfigMap "+ns+"/"+name+" in the host", func(ctx context.Context) (bool, error) {
		cm, err := testkit.Clientset(t, shared.Host().RESTConfig()).CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		uid = string(cm.UID)
		return true, nil
	})
	return uid
}

// setServer points a profile's access provider at server.
func setServer(t *testing.T, c client.Client, namespace, name, server string) {
	t.Helper()
	testkit.Eventually(t, "ClusterProfile "+name+" pointing at "+server, func(ctx context.Context) (bool, error) {
		p := &inventoryv1alpha1.ClusterProfile{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, p); err != nil {
			return false, err
		}
		for i := range p.Status.AccessProviders {
			p.Status.AccessProviders[i].Cluster.Server = server
		}
		err := c.Status().Update(ctx, p)
		return err == nil, ignoreConflict(err)
	})
}
