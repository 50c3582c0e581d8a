package scheduling

import (
	"context"
	"strings"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// waitSpread waits for the RSP's Spread condition to have the reason and a
// message containing part.
func waitSpread(t *testing.T, namespace, name, reason, part string) {
	t.Helper()
	testkit.Eventually(t, "Spread condition "+reason, func(ctx context.Context) (bool, error) {
		status, err := rspStatus(ctx, namespace, name)
		if err != nil {
			return false, err
		}
		c := apimeta.FindStatusCondition(status.Conditions, v1alpha1.SpreadCondition)
		return c != nil && c.Reason == reason && strings.Contains(c.Message, part), nil
	})
}

// TestSpreadAcrossRegionsWithOneDown spreads an RSP's replicas across two
// topology groups (the members' name label stands for their region), with
// minGroups 2: 2 and 2; when member2's region is down the 4 replicas run in
// member1's and the Spread condition says the constraint is not met; once
// it is back they spread again.
func TestSpreadAcrossRegionsWithOneDown(t *testing.T) {
	ns := newNamespace(t)
	runPods(t, "member1", ns, -1)
	runPods(t, "member2", ns, -1)
	name := orderedName(ns, "member1", "member2")
	create(t, workload(deployments, ns, name, clusters("member1", "member2"), nil))
	waitSettled(t, deployments, "member1", ns, name, 1)
	waitSettled(t, deployments, "member2", ns, name, 1)
	create(t, newRSP(deployments, ns, name, v1alpha1.ReplicaSchedulingPreferenceSpec{TotalReplicas: 4, Rebalance: true,
		Spread: &v1alpha1.TopologySpread{TopologyKey: "name", MinGroups: 2}}))
	waitPlan(t, deployments, ns, name, map[string]int64{"member1": 2, "member2": 2})
	waitSpread(t, ns, name, v1alpha1.ReasonSpreadMet, "span 2")

	member2 := shared.Cluster("member2")
	member2.StopAPIServer()
	t.Cleanup(func() { _ = member2.StartAPIServer(context.Background()) })
	waitPlan(t, deployments, ns, name, map[string]int64{"member1": 4})
	waitSpread(t, ns, name, v1alpha1.ReasonSpreadUnmet, "only 1 name groups have a ready candidate cluster (member1)")
	waitReady(t, deployments, "member1", ns, name, 4)

	if err := member2.StartAPIServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitPlan(t, deployments, ns, name, map[string]int64{"member1": 2, "member2": 2})
	waitSpread(t, ns, name, v1alpha1.ReasonSpreadMet, "span 2")
}
