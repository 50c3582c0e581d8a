package syncer

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// stalledDeadline bounds how long an object placed on the member that
// still answers may take while the other member's API server is paused.
// It is generous for a busy machine, yet well below what a worker waiting
// on the paused member would cost: its requests hang until the HTTP/2
// ping closes the connection (clusterclient.HTTP2ReadIdleTimeout +
// HTTP2PingTimeout, 15 s) or their timeout (30 s).
const stalledDeadline = 8 * time.Second

// TestStalledMemberDoesNotSlowTheOthers pauses member2's kube-apiserver
// (SIGSTOP: its connections stay open and nothing answers), creates more
// objects placed on member2 than the syncer has workers, then one placed
// only on member1: that one reaches member1 within stalledDeadline. Once
// the health probes mark member2 not ready, every object placed on it
// reports ClusterNotReady there (the seconds since SIGSTOP are logged
// against the health bound, period x failure threshold + timeout). After
// SIGCONT every object reaches member2, nothing lost.
func TestStalledMemberDoesNotSlowTheOthers(t *testing.T) {
	if stalledDeadline >= clusterclient.HTTP2ReadIdleTimeout+clusterclient.HTTP2PingTimeout {
		t.Fatal("stalledDeadline must stay below the time a hung member connection takes to close")
	}
	ns := federatedNamespace(t)
	waitNamespace(t, memberClient(t, "member1"), ns)
	waitNamespace(t, memberClient(t, "member2"), ns)

	pid := shared.Cluster("member2").APIServerPid()
	stopped := time.Now()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)

	const blocked = 12 // more than the in-process syncer's 4 workers
	for i := range blocked {
		name := fmt.Sprintf("stalled-%02d", i)
		create(t, federated(federatedConfigMapKind, ns, name, object{"template": object{"data": object{"n": name}}, "placement": onClusters("member2")}))
	}
	start := time.Now()
	create(t, federated(federatedConfigMapKind, ns, "elsewhere", object{"template": object{"data": object{"n": "elsewhere"}}, "placement": onClusters("member1")}))
	m1 := memberClient(t, "member1")
	err := testkit.Poll(context.Background(), stalledDeadline, func(ctx context.Context) (bool, error) {
		cm, err := m1.CoreV1().ConfigMaps(ns).Get(ctx, "elsewhere", metav1.GetOptions{})
		return err == nil && hasData("n", "elsewhere")(cm), nil
	})
	if err != nil {
		t.Fatalf("the object placed on member1 did not arrive within %s while member2 was paused: %v", stalledDeadline, err)
	}
	t.Logf("placed on member1, arrived in %s while member2 was paused", since(start))

	for i := range blocked {
		waitClusterStatus(t, federated(federatedConfigMapKind, ns, fmt.Sprintf("stalled-%02d", i), nil), "member2", "ClusterNotReady", "")
	}
	t.Logf("every entry reported member2 not ready %s after SIGSTOP (health bound %s)", since(stopped), healthBound(t))

	resume()
	for i := range blocked {
		name := fmt.Sprintf("stalled-%02d", i)
		memberConfigMap(t, "member2", ns, name, "propagated after SIGCONT", hasData("n", name))
	}
}

// healthBound is how long after a member stops answering its health
// probes mark it not ready at most: period x failure threshold + timeout
// of the KubeFedConfig.
func healthBound(t *testing.T) time.Duration {
	t.Helper()
	cfg := &corev1beta1.KubeFedConfig{}
	if err := hostClient.Get(context.Background(), types.NamespacedName{Namespace: kubefedNamespace, Name: core.KubeFedConfigName}, cfg); err != nil {
		t.Fatal(err)
	}
	hc := cfg.Spec.ClusterHealthCheck
	return time.Duration(*hc.FailureThreshold)*hc.Period.Duration + hc.Timeout.Duration
}
