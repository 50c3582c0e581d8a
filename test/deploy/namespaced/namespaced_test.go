// Package namespaced installs manifests/overlays/namespaced on a fresh
// fleet (a host and one member) and checks that its RBAC, the syncer's
// rights on federated objects reduced to a Role in the KubeFed namespace,
// carries a Namespaced control plane: the member joins, the webhook
// rotates its certificate into the suffixed configurations and admits, and
// the syncer propagates a ConfigMap of the KubeFed namespace and writes its
// status, with no request denied.
package namespaced

import (
	"context"
	"os"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/deploy"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

var (
	shared     *fleet.Fleet
	control    *deploy.ControlPlane
	controlErr error
	setUpDone  bool
)

func TestMain(m *testing.M) {
	code := fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(1)}, &shared)
	if control != nil {
		control.Stop(code != 0)
	}
	os.Exit(code)
}

// setUp installs the namespaced overlay once per test binary.
func setUp(t *testing.T) {
	t.Helper()
	if !setUpDone {
		setUpDone = true
		control, controlErr = deploy.Install(context.Background(), shared, "manifests/overlays/namespaced", nil, []string{"namespaces", "configmaps"})
	}
	if controlErr != nil {
		t.Fatalf("setting up the control plane from manifests/overlays/namespaced: %v", controlErr)
	}
}

// TestSyncerServiceAccountPropagates propagates with the namespaced syncer RBAC.
func TestSyncerServiceAccountPropagates(t *testing.T) {
	setUp(t)
	control.CheckSyncerPropagates(t, deploy.KubeFedNamespace)
}

// TestWebhookServiceAccountRotatesAndAdmits admits with the namespaced webhook RBAC.
func TestWebhookServiceAccountRotatesAndAdmits(t *testing.T) {
	setUp(t)
	control.CheckWebhookRotatesAndAdmits(t, deploy.KubeFedNamespace,
		"validatingwebhookconfiguration/validations.core.kubefed.io-kube-federation-system",
		"mutatingwebhookconfiguration/mutation.core.kubefed.io-kube-federation-system")
}
