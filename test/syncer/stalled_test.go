package syncer

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
// only on member1: that one reaches member1 within stalledDeadline. After
// SIGCONT every object reaches member2, nothing lost.
func TestStalledMemberDoesNotSlowTheOthers(t *testing.T) {
	if stalledDeadline >= clusterclient.HTTP2ReadIdleTimeout+clusterclient.HTTP2PingTimeout {
		t.Fatal("stalledDeadline must stay below the time a hung member connection takes to close")
	}
	ns := federatedNamespace(t)
	waitNamespace(t, memberClient(t, "member1"), ns)
	waitNamespace(t, memberClient(t, "member2"), ns)

	pid := shared.Cluster("member2").APIServerPid()
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

	resume()
	for i := range blocked {
		name := fmt.Sprintf("stalled-%02d", i)
		memberConfigMap(t, "member2", ns, name, "propagated after SIGCONT", hasData("n", name))
	}
}
