// Package scheduling tests replica scheduling end to end: a host and two
// members of a real local fleet, the syncer running in process with its
// ReplicaSchedulingPreference controller, and `kubectl fed plan` run by
// the real kubectl dispatching to the real kubectl-fed binary.
package scheduling

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

const kubefedNamespace = core.DefaultKubeFedSystemNamespace

// unavailableDelay is the KubeFedConfig's controllerDuration.unavailableDelay
// in this suite: how long a member may be NotReady before its replicas move.
const unavailableDelay = 3 * time.Second

var (
	shared     *fleet.Fleet
	hostClient client.Client
	// binDir holds the kubectl-fed built for this run.
	binDir string
)

var (
	namespaceTarget  = typesv1beta1.TargetType{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: apiextensionsv1.ClusterScoped}
	deploymentTarget = typesv1beta1.TargetType{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments",
		Scope: apiextensionsv1.NamespaceScoped, Scalable: true}
	replicaSetTarget = typesv1beta1.TargetType{Group: "apps", Version: "v1", Kind: "ReplicaSet", PluralName: "replicasets",
		Scope: apiextensionsv1.NamespaceScoped, Scalable: true}
)

func TestMain(m *testing.M) {
	root, err := fleet.RepositoryRoot()
	if err == nil {
		binDir, err = os.MkdirTemp("", "kubectl-fed-scheduling-")
	}
	if err == nil {
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "kubectl-fed"), "./cmd/kubectl-fed")
		cmd.Dir = root
		if out, buildErr := cmd.CombinedOutput(); buildErr != nil {
			err = fmt.Errorf("building kubectl-fed: %v\n%s", buildErr, out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(2)}, &shared)
	_ = os.RemoveAll(binDir)
	os.Exit(code)
}

// setUp joins the members, enables the types and starts the syncer, once
// per test binary.
var setUp = func() func(t *testing.T) {
	var err error
	done := false
	return func(t *testing.T) {
		t.Helper()
		if !done {
			done = true
			err = prepare(context.Background())
		}
		if err != nil {
			t.Fatalf("setting up the federation: %v", err)
		}
	}
}()

func prepare(ctx context.Context) error {
	fed, err := testkit.NewFederation(ctx, shared, filepath.Join("..", "..", "manifests", "crds"))
	if err != nil {
		return err
	}
	// The federation's client knows only the core kinds; the tests also
	// write ReplicaSchedulingPreferences.
	if hostClient, err = client.New(shared.Host().RESTConfig(), client.Options{Scheme: cli.Scheme}); err != nil {
		return err
	}
	// Probe every second, two failures make a member NotReady.
	second := &metav1.Duration{Duration: time.Second}
	threshold := int64(2)
	if err := fed.Host.Create(ctx, &corev1beta1.KubeFedConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: core.KubeFedConfigName},
		Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped,
			ClusterHealthCheck: &corev1beta1.ClusterHealthCheckConfig{Period: second, Timeout: second, FailureThreshold: &threshold},
			ControllerDuration: &corev1beta1.DurationConfig{UnavailableDelay: &metav1.Duration{Duration: unavailableDelay}}},
	}); err != nil {
		return err
	}
	for _, m := range shared.Members() {
		if err := fed.Join(ctx, m, map[string]string{"name": m.Name}); err != nil {
			return err
		}
	}
	for _, target := range []typesv1beta1.TargetType{namespaceTarget, deploymentTarget, replicaSetTarget} {
		if err := fed.Enable(ctx, target); err != nil {
			return err
		}
	}
	testkit.RunSyncer(context.Background(), shared.KubeconfigPath(), true)
	return nil
}
