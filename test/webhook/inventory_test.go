package webhook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestInventoryClustersAreKnownToAdmission: with the KubeFedConfig naming
// an inventory namespace, a ClusterProfile there is a cluster to the
// webhook like a KubeFedCluster: a placement naming it gets no
// unknown-cluster warning (the misspelt name beside it still does), and a
// Deny policy selecting it by its region property rejects a placement
// that selects every cluster.
func TestInventoryClustersAreKnownToAdmission(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	if err := testkit.InstallInventoryCRDs(ctx, shared.Host().RESTConfig()); err != nil {
		t.Fatal(err)
	}
	policyFixture(t, e)
	inv := labeledNamespace(t, e.client, "inventory", nil)
	useInventoryNamespace(t, e.client, inv)
	moon := &inventoryv1alpha1.ClusterProfile{ObjectMeta: metav1.ObjectMeta{Namespace: inv, Name: "moon"},
		Spec: inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: "test-inventory"}}}
	if err := e.client.Create(ctx, moon); err != nil {
		t.Fatal(err)
	}
	moon.Status.Properties = []inventoryv1alpha1.Property{{Name: inventory.PropertyRegion, Value: "moon", LastObservedTime: metav1.Now()}}
	if err := e.client.Status().Update(ctx, moon); err != nil {
		t.Fatal(err)
	}

	ns := labeledNamespace(t, e.client, "inventory-shop", nil)
	// The webhook reads the KubeFedConfig from its cache: poll until it
	// has the change.
	file := filepath.Join(t.TempDir(), "fd.yaml")
	i := 0
	var r testkit.Result
	testkit.Eventually(t, "only the misspelt cluster warned about", func(context.Context) (bool, error) {
		i++
		doc := deployment(ns, fmt.Sprintf("web-%d", i), "  placement: {clusters: [{name: us-prod-1}, {name: moon}, {name: us-prdo-1}]}")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			return false, err
		}
		if r = testkit.Kubectl(t, shared.KubeconfigPath(), nil, "apply", "-f", file); r.Err != nil {
			return false, fmt.Errorf("kubectl apply: %v: %s", r.Err, r.Stderr)
		}
		return strings.Contains(r.Stderr, `names "us-prdo-1", which is not joined`) && !strings.Contains(r.Stderr, `"moon"`), nil
	})

	createPolicy(t, e, &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "not-the-moon"},
		Spec: policyv1alpha1.FederationPolicySpec{DeniedClusters: &policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{inventory.PropertyRegion: "moon"}}}}})
	want := fmt.Sprintf(`FederatedDeployment %s/everywhere: placement selects cluster "moon", which FederationPolicy %s/not-the-moon denies`, ns, ns)
	testkit.Eventually(t, "the Deny policy to reject a placement on the inventory cluster", func(ctx context.Context) (bool, error) {
		err := e.client.Create(ctx, federated(t, deployment(ns, "everywhere", "  placement: {clusterSelector: {}}")))
		if err == nil {
			return false, e.client.Delete(ctx, federated(t, deployment(ns, "everywhere", "")))
		}
		return rejectedWith(err, want)
	})
}

// useInventoryNamespace makes the KubeFedConfig name namespace as the
// inventory's until the test ends (creating the KubeFedConfig when there
// is none, and deleting it again then).
func useInventoryNamespace(t *testing.T, c client.Client, namespace string) {
	t.Helper()
	key := client.ObjectKey{Namespace: kubeFedNS, Name: core.KubeFedConfigName}
	cfg := &corev1beta1.KubeFedConfig{}
	created := false
	testkit.Eventually(t, "the KubeFedConfig's spec.inventory.namespace", func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, key, cfg)
		if apierrors.IsNotFound(err) {
			cfg = &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
				Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped, Inventory: &corev1beta1.InventoryConfig{Namespace: namespace}}}
			err = c.Create(ctx, cfg)
			created = err == nil
			return created, client.IgnoreAlreadyExists(err)
		}
		if err != nil {
			return false, err
		}
		cfg.Spec.Inventory = &corev1beta1.InventoryConfig{Namespace: namespace}
		err = c.Update(ctx, cfg)
		return err == nil, nil
	})
	t.Cleanup(func() {
		testkit.Eventually(t, "the KubeFedConfig without its inventory", func(ctx context.Context) (bool, error) {
			if created {
				err := c.Delete(ctx, &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}})
				return err == nil || apierrors.IsNotFound(err), nil
			}
			if err := c.Get(ctx, key, cfg); err != nil {
				return false, err
			}
			cfg.Spec.Inventory = nil
			return c.Update(ctx, cfg) == nil, nil
		})
	})
}
