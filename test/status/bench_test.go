package status

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// benchObjects is how many federated objects the benchmark lists.
const benchObjects = 2000

var benchOnce sync.Once

// createBenchObjects creates benchObjects FederatedDeployments with an
// aggregated status in namespace bench, once per test binary.
func createBenchObjects(b *testing.B) {
	b.Helper()
	benchOnce.Do(func() {
		createNamespace(b, "bench")
		start := time.Now()
		work := make(chan int)
		errs := make(chan error, benchObjects)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					errs <- createBenchObject(i)
				}
			}()
		}
		for i := range benchObjects {
			work <- i
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatalf("creating the federated objects: %v", err)
			}
		}
		fmt.Printf("created %d FederatedDeployments with status in %s\n", benchObjects, time.Since(start).Round(time.Millisecond))
	})
}

// BenchmarkStatus2000Objects times `kubectl fed status deployments -n
// bench` through kubectl's plugin dispatch on 2,000 federated objects
// (aim: at most 1 s), against a floor taken in the same run: `kubectl get`
// of the same objects, which lists them through the same API server.
func BenchmarkStatus2000Objects(b *testing.B) {
	createBenchObjects(b)

	floorStart := time.Now()
	r := testkit.KubectlEnv(b, pluginEnv(b), "get", "federateddeployments.types.kubefed.io", "-n", "bench", "--context", fleet.HostName)
	floorTime := time.Since(floorStart)
	if r.Err != nil {
		b.Fatalf("kubectl get: %v\n%s", r.Err, r.Stderr)
	}
	floor := r.Stdout
	if got := strings.Count(floor, "\n"); got != benchObjects+1 {
		b.Fatalf("kubectl get printed %d lines, want %d", got, benchObjects+1)
	}

	var total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		out := mustFed(b, "status", "deployments", "-n", "bench")
		total += time.Since(start)
		if got := strings.Count(out, "\n"); got != benchObjects+1 {
			b.Fatalf("kubectl fed status printed %d lines, want %d", got, benchObjects+1)
		}
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/status")
	b.ReportMetric(per.Seconds()/floorTime.Seconds(), "x-kubectl-get")
	fmt.Printf("kubectl fed status deployments on %d federated objects: %s (kubectl get of the same objects: %s; ratio %.2f; aim <= 1s)\n",
		benchObjects, per.Round(time.Millisecond), floorTime.Round(time.Millisecond), per.Seconds()/floorTime.Seconds())
}

// createBenchObject creates FederatedDeployment bench/web-NNNN, ready in
// both members, and writes its status.
func createBenchObject(i int) error {
	ctx := context.Background()
	u := &unstructured.Unstructured{Object: object{
		"metadata": object{"namespace": "bench", "name": fmt.Sprintf("web-%04d", i)},
		"spec": object{"template": object{"spec": object{"replicas": int64(3)}},
			"placement": object{"clusters": []any{object{"name": "member1"}, object{"name": "member2"}}}},
	}}
	u.SetGroupVersionKind(federatedDeployment)
	if err := host.Create(ctx, u); err != nil {
		return err
	}
	u.Object["status"] = object{
		"observedGeneration": u.GetGeneration(),
		"conditions":         []any{condition("Propagation", "True", "", ""), condition("Ready", "True", "ClustersReady", "ready in 2/2 clusters")},
		"clusters": []any{
			object{"name": "member1", "remoteStatus": deploymentStatus(3, 3)},
			object{"name": "member2", "remoteStatus": deploymentStatus(3, 3)},
		},
		"aggregated": object{"clustersReady": int64(2), "clustersTotal": int64(2), "replicas": int64(6), "readyReplicas": int64(6),
			"availableReplicas": int64(6), "updatedReplicas": int64(6)},
	}
	return host.Status().Update(ctx, u)
}

// BenchmarkFleetStatus2000Objects times `kubectl fed status` (the fleet
// view, which lists the federated objects of every enabled type) with the
// same 2,000 FederatedDeployments.
func BenchmarkFleetStatus2000Objects(b *testing.B) {
	createBenchObjects(b)
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		out := mustFed(b, "status")
		total += time.Since(start)
		if !strings.Contains(out, "STATE") {
			b.Fatalf("kubectl fed status printed no states:\n%s", out)
		}
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/status")
	fmt.Printf("kubectl fed status (fleet view) with %d federated objects: %s\n", benchObjects, per.Round(time.Millisecond))
}
