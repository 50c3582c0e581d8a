package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-fed/kubectl-fed/test/nodesim"
)

func TestClusterNames(t *testing.T) {
	got := strings.Join(ClusterNames(2), ",")
	if got != "host,member1,member2" {
		t.Errorf("ClusterNames(2) = %s", got)
	}
	if got := strings.Join(ClusterNames(0), ","); got != "host" {
		t.Errorf("ClusterNames(0) = %s", got)
	}
}

func TestMissingBinaryIsNamedWithTheFix(t *testing.T) {
	dir := t.TempDir()
	bin := Binaries{
		Etcd:                  filepath.Join(dir, "etcd"),
		KubeAPIServer:         filepath.Join(dir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(dir, "kube-controller-manager"),
	}
	writeScript(t, bin.Etcd, "sleep 60")
	_, err := Start(context.Background(), Options{Binaries: bin, Dir: t.TempDir()})
	if err == nil {
		t.Fatal("Start succeeded without kube-apiserver and kube-controller-manager")
	}
	for _, want := range []string{"kube-apiserver not found at " + bin.KubeAPIServer, "kube-controller-manager not found", "make tools"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "etcd not found") {
		t.Errorf("error names etcd, which exists: %v", err)
	}
}

func TestCrashedProcessIsReportedWithItsLogAndNothingLeaks(t *testing.T) {
	bin, pids := fakeBinaries(t, `echo "Error: unknown flag: --bogus" >&2; exit 1`)
	started := time.Now()
	_, err := Start(context.Background(), Options{Binaries: bin, Dir: t.TempDir(), Clusters: []string{"host"}})
	if err == nil {
		t.Fatal("Start succeeded although kube-apiserver exits at once")
	}
	for _, want := range []string{"cluster host", "kube-apiserver exited unexpectedly", "unknown flag: --bogus", "kube-apiserver.log"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if elapsed := time.Since(started); elapsed > 30*time.Second {
		t.Errorf("a crash was reported after %s; it should fail fast", elapsed)
	}
	assertStopped(t, pids)
}

func TestBusyPortIsRetriedThenNamed(t *testing.T) {
	attempts := filepath.Join(t.TempDir(), "attempts")
	bin, pids := fakeBinaries(t, `echo attempt >> `+attempts+`; echo "failed to listen: listen tcp 127.0.0.1:4242: bind: address already in use" >&2; exit 1`)
	_, err := Start(context.Background(), Options{Binaries: bin, Dir: t.TempDir(), Clusters: []string{"host"}})
	if err == nil {
		t.Fatal("Start succeeded although kube-apiserver cannot bind")
	}
	if !strings.Contains(err.Error(), "kube-apiserver could not listen on 127.0.0.1:4242: address already in use") {
		t.Errorf("error does not name the busy port: %v", err)
	}
	// The API server stand-in runs to its own exit, so it counts attempts
	// reliably; the etcd stand-in may be stopped before it records itself.
	if n := countLines(t, attempts); n != portAttempts {
		t.Errorf("the cluster was started %d times, want %d attempts", n, portAttempts)
	}
	assertStopped(t, pids)
}

func TestStartTimeoutFromEnvironmentMustBeValid(t *testing.T) {
	bin, _ := fakeBinaries(t, "sleep 60")
	t.Setenv(StartTimeoutEnv, "soon")
	_, err := Start(context.Background(), Options{Binaries: bin, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), StartTimeoutEnv) {
		t.Fatalf("want an error naming %s, got %v", StartTimeoutEnv, err)
	}
}

func TestDuplicateClusterNamesAreRejected(t *testing.T) {
	bin, _ := fakeBinaries(t, "sleep 60")
	_, err := Start(context.Background(), Options{Binaries: bin, Clusters: []string{"host", "host"}})
	if err == nil || !strings.Contains(err.Error(), "unique") {
		t.Fatalf("want a uniqueness error, got %v", err)
	}
}

func TestPKIServesLoopbackAndAuthenticatesTheAdmin(t *testing.T) {
	p, err := newPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.caCert) {
		t.Fatal("CA certificate does not parse")
	}
	serving, err := tls.LoadX509KeyPair(p.path(servingCertFile), p.path(servingKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(serving.Certificate[0])
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("serving certificate does not verify for %s: %v", host, err)
		}
	}
	admin, err := tls.X509KeyPair(p.adminCert, p.adminKey)
	if err != nil {
		t.Fatal(err)
	}
	adminLeaf, _ := x509.ParseCertificate(admin.Certificate[0])
	if _, err := adminLeaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("admin certificate does not verify as a client: %v", err)
	}
	if got := adminLeaf.Subject.Organization; len(got) != 1 || got[0] != "system:masters" {
		t.Errorf("admin organization = %v, want system:masters", got)
	}
	key, _ := os.ReadFile(p.path(serviceKeyFile))
	if block, _ := pem.Decode(key); block == nil || block.Type != "EC PRIVATE KEY" {
		t.Errorf("service-account key is not a PEM EC private key")
	}
}

func TestBusyPortParsing(t *testing.T) {
	cases := map[string]string{
		"listen tcp 127.0.0.1:2379: bind: address already in use":         "2379",
		"E1124 failed: listen tcp 127.0.0.1:6443: address already in use": "6443",
		"bind: address already in use":                                    "?",
		"all good":                                                        "",
	}
	for log, want := range cases {
		if got := busyPort(log); got != want {
			t.Errorf("busyPort(%q) = %q, want %q", log, got, want)
		}
	}
}

// fakeBinaries writes scripts standing in for the fleet's binaries: etcd
// records its PID in a file and sleeps; kube-apiserver runs apiServerScript.
// It returns the binaries and the PID file.
func fakeBinaries(t *testing.T, apiServerScript string) (Binaries, string) {
	t.Helper()
	dir := t.TempDir()
	pids := filepath.Join(dir, "etcd.pids")
	bin := Binaries{
		Etcd:                  filepath.Join(dir, "etcd"),
		KubeAPIServer:         filepath.Join(dir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(dir, "kube-controller-manager"),
	}
	writeScript(t, bin.Etcd, "echo $$ >> "+pids+"; exec sleep 60")
	writeScript(t, bin.KubeAPIServer, apiServerScript)
	writeScript(t, bin.KubeControllerManager, "exec sleep 60")
	return bin, pids
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(strings.Fields(string(data)))
}

// assertStopped checks that every PID listed in path has exited. A missing
// file means no stand-in lived long enough to record itself.
func assertStopped(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range strings.Fields(string(data)) {
		pid, _ := strconv.Atoi(field)
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("process %d (etcd stand-in) still runs after the failed start", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestNodePoolsDefaultAndPerClusterOverride(t *testing.T) {
	opts := Options{
		Clusters:     ClusterNames(2),
		Nodes:        3,
		NodeCapacity: nodesim.Capacity{CPU: resource.MustParse("2")},
		ClusterNodes: map[string]NodePool{"member1": {Count: 1, Capacity: nodesim.Capacity{Pods: 2}}, "member2": {}},
	}
	for name, want := range map[string]string{
		"host":    "3 x cpu=2 memory=8Gi pods=20",
		"member1": "1 x cpu=4 memory=8Gi pods=2",
		"member2": "0 x cpu=4 memory=8Gi pods=20",
	} {
		pool := opts.NodePool(name)
		if got := fmt.Sprintf("%d x %s", pool.Count, pool.Capacity); got != want {
			t.Errorf("NodePool(%s) = %s, want %s", name, got, want)
		}
	}
}

func TestNodeOptionsAreChecked(t *testing.T) {
	bin, _ := fakeBinaries(t, "sleep 60")
	cases := map[string]struct {
		opts Options
		want string
	}{
		"negative count": {Options{Nodes: -1}, "Options.Nodes is -1"},
		"unknown cluster": {Options{ClusterNodes: map[string]NodePool{"member9": {Count: 1}}},
			`ClusterNodes names cluster "member9", which is not one of the fleet's clusters`},
		"negative override": {Options{ClusterNodes: map[string]NodePool{"host": {Count: -2}}}, `ClusterNodes["host"].Count is -2`},
		"no scheduler":      {Options{Nodes: 1}, "simulated nodes need kube-scheduler: kube-scheduler not found"},
		"no scheduler for one cluster": {Options{ClusterNodes: map[string]NodePool{"member1": {Count: 1}}},
			"simulated nodes need kube-scheduler"},
		"negative grace": {Options{NodeMonitorGracePeriod: -time.Second}, "Options.NodeMonitorGracePeriod is -1s"},
	}
	for name, tc := range cases {
		tc.opts.Binaries = bin
		tc.opts.Binaries.KubeScheduler = filepath.Join(t.TempDir(), "kube-scheduler")
		_, err := Start(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want an error containing %q, got %v", name, tc.want, err)
		}
	}
}

// TestNodeMonitorGracePeriodReachesTheControllerManager: a fleet's
// NodeMonitorGracePeriod is kube-controller-manager's flag; zero leaves
// the flag out (its default, DefaultNodeMonitorGracePeriod).
func TestNodeMonitorGracePeriodReachesTheControllerManager(t *testing.T) {
	for grace, want := range map[time.Duration]string{30 * time.Second: "--node-monitor-grace-period=30s", 0: ""} {
		c := &Cluster{Name: "host", pki: &pki{dir: t.TempDir()}, nodeMonitorGrace: grace}
		var got string
		for _, arg := range c.controllerManagerArgs("kubeconfig") {
			if strings.HasPrefix(arg, "--node-monitor-grace-period") {
				got = arg
			}
		}
		if got != want {
			t.Errorf("NodeMonitorGracePeriod %s: kube-controller-manager gets %q, want %q", grace, got, want)
		}
	}
}
