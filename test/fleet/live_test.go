package fleet

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestLiveFleet runs one real fleet (a host and a member, with simulated
// nodes) through the checks that need real processes, then stops it and
// checks that nothing is left running.
func TestLiveFleet(t *testing.T) {
	unlock, err := LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Start(ctx, Options{Clusters: ClusterNames(1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)

	t.Run("APIServerStopsAndRestartsWithItsState", func(t *testing.T) {
		testAPIServerRestart(ctx, t, f.Cluster("member1"))
	})

	pids := fleetPIDs(f)
	f.Stop()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still runs after Fleet.Stop", pid)
		}
	}
}

func testAPIServerRestart(ctx context.Context, t *testing.T, c *Cluster) {
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())
	before, err := client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "survives-restart"},
		Data:       map[string]string{"k": "v"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	server := c.Server
	if err := c.StartAPIServer(ctx); err == nil || !strings.Contains(err.Error(), "StopAPIServer first") {
		t.Errorf("StartAPIServer on a running API server: want an error naming StopAPIServer, got %v", err)
	}

	c.StopAPIServer()
	_, err = client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Get(ctx, before.Name, metav1.GetOptions{})
	if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("a request to a stopped API server: want connection refused, got %v", err)
	}
	c.StopAPIServer() // a second stop does nothing

	started := time.Now()
	if err := c.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("API server ready again %.1fs after StartAPIServer", time.Since(started).Seconds())
	if c.Server != server {
		t.Errorf("Server changed from %s to %s", server, c.Server)
	}
	// A client made before the stop keeps working: same URL, same CA.
	after, err := client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Get(ctx, before.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.UID != before.UID || after.ResourceVersion != before.ResourceVersion || after.Data["k"] != "v" {
		t.Errorf("after the restart the ConfigMap is %s rv %s data %v, want %s rv %s data k=v",
			after.UID, after.ResourceVersion, after.Data, before.UID, before.ResourceVersion)
	}
}

// fleetPIDs returns the process IDs of every process of the fleet.
func fleetPIDs(f *Fleet) []int {
	var pids []int
	for _, c := range f.Clusters {
		for _, p := range c.snapshot() {
			pids = append(pids, p.Pid())
		}
	}
	return pids
}
