package fleet

import (
	"context"
	"testing"
	"time"
)

// BenchmarkStartHostAndTwoMembers measures how long a host + 2 members fleet
// takes to become ready, and the resident memory of one cluster (etcd,
// kube-apiserver and kube-controller-manager together) once it is.
func BenchmarkStartHostAndTwoMembers(b *testing.B) {
	unlock, err := LockForTests()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	for b.Loop() {
		started := time.Now()
		f, err := Start(context.Background(), Options{Clusters: ClusterNames(2)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(started).Seconds(), "s/start")
		b.ReportMetric(float64(f.ResidentBytes())/float64(len(f.Clusters))/(1<<20), "MiB/cluster")
		f.Stop()
	}
}
