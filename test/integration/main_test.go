// Package integration tests the foundation against a real local fleet: a
// host and a member cluster, each with etcd, kube-apiserver and
// kube-controller-manager.
package integration

import (
	"os"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// shared is the fleet every test of this package uses.
var shared *fleet.Fleet

func TestMain(m *testing.M) {
	os.Exit(fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(1)}, &shared))
}

// clientset returns a typed client for the named cluster of the shared fleet.
func clientset(t *testing.T, cluster string) *kubernetes.Clientset {
	t.Helper()
	return testkit.Clientset(t, shared.Cluster(cluster).RESTConfig())
}
