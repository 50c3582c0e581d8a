package scheduling

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// installInventoryCRDs installs the ClusterProfile and PlacementDecision
// CRDs of manifests/inventory (the inventory module's own), for the
// PlacementDecisions the suite's syncer writes.
func installInventoryCRDs(ctx context.Context) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	crds, err := testkit.LoadCRDs(filepath.Join(root, "manifests", "inventory"))
	if err != nil {
		return err
	}
	return testkit.InstallCRDs(ctx, shared.Host().RESTConfig(), crds...)
}

// TestPlacementDecisionFollowsTheReplicaPlan: the PlacementDecision of a
// scheduled Deployment names only the clusters its plan gives replicas
// (one replica over two clusters: one of them gets none), and follows the
// plan when the total changes.
func TestPlacementDecisionFollowsTheReplicaPlan(t *testing.T) {
	ns := newNamespace(t)
	create(t, workload(deployments, ns, "web", clusters("member1", "member2"), nil))
	rsp := newRSP(deployments, ns, "web", v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 1})
	create(t, rsp)
	var busy string
	testkit.Eventually(t, "a plan of one replica on one of two placed clusters", func(ctx context.Context) (bool, error) {
		placed, _, err := planOf(ctx, deployments, ns, "web")
		if err != nil {
			return false, err
		}
		busy = ""
		for cluster, n := range placed {
			if n > 0 {
				busy = cluster
			}
		}
		return check(len(placed) == 2 && placed["member1"]+placed["member2"] == 1, "placed %v", placed)
	})
	name := inventory.PlacementDecisionName(string(deployments.federated), "web")
	waitDecision := func(want ...string) {
		t.Helper()
		testkit.Eventually(t, fmt.Sprintf("PlacementDecision %s naming %v", name, want), func(ctx context.Context) (bool, error) {
			pd := &inventoryv1alpha1.PlacementDecision{}
			if err := hostClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, pd); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			var got []string
			for _, d := range pd.Decisions {
				got = append(got, d.ClusterProfileRef.Name)
			}
			return check(slices.Equal(got, want), "decision names %v", got)
		})
	}
	waitDecision(busy)
	testkit.Eventually(t, "two replicas in total", func(ctx context.Context) (bool, error) {
		live := &v1alpha1.ReplicaSchedulingPreference{}
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(rsp), live); err != nil {
			return false, err
		}
		live.Spec.TotalReplicas = 2
		return hostClient.Update(ctx, live) == nil, nil
	})
	waitPlan(t, deployments, ns, "web", map[string]int64{"member1": 1, "member2": 1})
	waitDecision("member1", "member2")
}
