// Package integration tests the foundation against a real local fleet: a
// host and a member cluster, each with etcd, kube-apiserver and
// kube-controller-manager.
package integration

import (
	"context"
	"os"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// shared is the fleet every test of this package uses.
var shared *fleet.Fleet

// TestMain installs the CRDs (installCRDs) on the host of a fleet with one
// member.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Fleet: fleet.Options{Clusters: fleet.ClusterNames(1)},
		SetUp: func(ctx context.Context, env *testkit.Env) error {
			shared = env.Fleet
			return installCRDs(ctx)
		},
	}))
}

// clientset returns a typed client for the named cluster of the shared fleet.
func clientset(t *testing.T, cluster string) *kubernetes.Clientset {
	t.Helper()
	return testkit.Clientset(t, shared.Cluster(cluster).RESTConfig())
}
