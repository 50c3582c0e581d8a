package cli

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// standIn runs write over and over, as the syncer would write a status,
// until the returned stop is called.
func standIn(write func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = testkit.Poll(ctx, testkit.WaitTimeout, func(ctx context.Context) (bool, error) {
			write(ctx)
			return false, nil
		})
	}()
	return func() { cancel(); <-done }
}

// mustWait checks that a --wait command succeeded and printed done on
// standard output.
func mustWait(t *testing.T, r testkit.Result, done string) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("%v\n%s", r.Err, r.Stderr)
	}
	if !strings.Contains(r.Stdout, done) {
		t.Errorf("standard output lacks %q:\n%s", done, r.Stdout)
	}
}

// mustTimeOut checks that a --wait command did its change (done on
// standard output), then printed its progress and failed after its
// timeout with the fragments on standard error.
func mustTimeOut(t *testing.T, r testkit.Result, done, progress string, fragments ...string) {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("the wait did not fail:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stdout, done) {
		t.Errorf("standard output lacks %q:\n%s", done, r.Stdout)
	}
	for _, f := range append([]string{progress}, fragments...) {
		if !strings.Contains(r.Stderr, f) {
			t.Errorf("standard error lacks %q:\n%s", f, r.Stderr)
		}
	}
}

// TestWaits checks --wait and --timeout of join (until the KubeFedCluster
// is Ready), enable (until the propagation controller runs) and federate
// (until propagated). No syncer runs in this suite: first each wait times
// out naming what it waited for and the fix, then a stand-in writes the
// status the syncer would and the wait ends.
func TestWaits(t *testing.T) {
	host := hostClient(t)
	t.Run("join --wait until Ready", func(t *testing.T) {
		t.Cleanup(func() { mustFed(t, "unjoin", "member2") })
		mustTimeOut(t, fed(t, "join", "member2", "--wait", "--timeout", "1s"),
			`Cluster "member2" joined the federation`, "0s: waiting for kubefedcluster/member2 to be Ready: Ready Unknown",
			"timed out after 1s waiting for kubefedcluster/member2 to be Ready (last seen: Ready Unknown: no health report yet)", "check that the syncer runs")
		stop := standIn(func(ctx context.Context) {
			c := &corev1beta1.KubeFedCluster{}
			if host.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: "member2"}, c) != nil || c.Status.IsReady() {
				return
			}
			c.Status.Conditions = []corev1beta1.ClusterCondition{testkit.ClusterReady()}
			_ = host.Status().Update(ctx, c)
		})
		defer stop()
		mustWait(t, fed(t, "join", "member2", "--error-on-existing=false", "--wait"), `Cluster "member2" is Ready`)
		mustFail(t, fed(t, "join", "member2", "--wait", "--dry-run"), "--wait cannot be used with --dry-run")
		mustFail(t, fed(t, "join", "member2", "--wait", "--timeout", "-1s"), "--timeout must not be negative")
	})

	t.Run("enable --wait until the propagation controller runs", func(t *testing.T) {
		mustTimeOut(t, fed(t, "enable", "configmaps", "--wait", "--timeout", "1s"),
			"federatedtypeconfig.core.kubefed.io/configmaps", "0s: waiting for the propagation controller of federatedtypeconfig "+kubefedNS+"/configmaps to run",
			"timed out after 1s waiting for the propagation controller of federatedtypeconfig "+kubefedNS+"/configmaps to run", "check that the syncer runs")
		stop := standIn(func(ctx context.Context) {
			ftc := &corev1beta1.FederatedTypeConfig{}
			if host.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: "configmaps"}, ftc) != nil {
				return
			}
			ftc.Status = corev1beta1.FederatedTypeConfigStatus{ObservedGeneration: ftc.Generation, PropagationController: corev1beta1.ControllerStatusRunning}
			_ = host.Status().Update(ctx, ftc)
		})
		defer stop()
		mustWait(t, fed(t, "enable", "configmaps", "--wait"), `Propagation controller for FederatedTypeConfig "`+kubefedNS+`/configmaps" is running`)
		mustFail(t, fed(t, "enable", "configmaps", "--wait", "-o", "yaml"), "--wait cannot be used with --dry-run or --output")
	})

	t.Run("federate --wait until propagated", func(t *testing.T) {
		ctx := context.Background()
		ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "wait-")
		if err := host.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}, Data: map[string]string{"k": "v"}}); err != nil {
			t.Fatal(err)
		}
		mustTimeOut(t, fed(t, "federate", "configmap", "web", "-n", ns, "--wait", "--timeout", "1s"),
			"federatedconfigmap.types.kubefed.io/web created", "0s: waiting for federatedconfigmap.types.kubefed.io/web to be propagated: Pending",
			"timed out after 1s waiting for federatedconfigmap.types.kubefed.io/web to be propagated (last seen: Pending)", "kubectl fed status federatedconfigmap web -n "+ns)
		stop := standIn(func(ctx context.Context) {
			u := &unstructured.Unstructured{}
			u.SetAPIVersion("types.kubefed.io/v1beta1")
			u.SetKind("FederatedConfigMap")
			if host.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, u) != nil {
				return
			}
			u.Object["status"] = map[string]any{
				"observedGeneration": u.GetGeneration(),
				"conditions":         []any{map[string]any{"type": "Propagation", "status": "True"}},
				"clusters":           []any{map[string]any{"name": "member1"}},
			}
			_ = host.Status().Update(ctx, u)
		})
		defer stop()
		mustWait(t, fed(t, "federate", "configmap", "web", "-n", ns, "--wait", "--clusters", "member1"), "federatedconfigmap.types.kubefed.io/web propagated")
		mustFail(t, fed(t, "federate", "configmap", "web", "-n", ns, "--wait", "--dry-run"), "--wait cannot be used with --dry-run")
	})
}
