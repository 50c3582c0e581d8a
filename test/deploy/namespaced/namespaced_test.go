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
	"fmt"
	"os"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/deploy"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var (
	shared  *fleet.Fleet
	control *deploy.ControlPlane
)

// TestMain installs the namespaced overlay; its logs are kept if a test
// fails.
func TestMain(m *testing.M) {
	os.Exit(testkit.Main(m, testkit.Suite{
		Fleet: fleet.Options{Clusters: fleet.ClusterNames(1)},
		SetUp: func(ctx context.Context, env *testkit.Env) (err error) {
			shared = env.Fleet
			control, err = deploy.Install(ctx, shared, "manifests/overlays/namespaced", nil, []string{"namespaces", "configmaps"})
			if err != nil {
				return fmt.Errorf("setting up the control plane from manifests/overlays/namespaced: %w", err)
			}
			return nil
		},
		TearDown: func(failed bool) {
			if control != nil {
				control.Stop(failed)
			}
		},
	}))
}

// TestSyncerServiceAccountPropagates propagates with the namespaced syncer RBAC.
func TestSyncerServiceAccountPropagates(t *testing.T) {
	control.CheckSyncerPropagates(t, deploy.KubeFedNamespace)
}

// TestWebhookServiceAccountRotatesAndAdmits admits with the namespaced webhook RBAC.
func TestWebhookServiceAccountRotatesAndAdmits(t *testing.T) {
	control.CheckWebhookRotatesAndAdmits(t, deploy.KubeFedNamespace,
		"validatingwebhookconfiguration/validations.core.kubefed.io-kube-federation-system",
		"mutatingwebhookconfiguration/mutation.core.kubefed.io-kube-federation-system")
}
