package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestUpAndDownAreIdempotentAndLeaveNothingBehind drives the real command as
// `make local-up` and `make local-down` do.
func TestUpAndDownAreIdempotentAndLeaveNothingBehind(t *testing.T) {
	if _, err := fleet.DefaultBinaries(); err != nil {
		t.Fatal(err)
	}
	bin := testkit.Command(t, "test/cmd/fleet") // built before the lock: other suites' fleets need not wait for it
	unlock, err := fleet.LockForTests()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	dir := t.TempDir()
	fleetCmd := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append(args, "--dir", dir)...).CombinedOutput()
		if err != nil {
			t.Fatalf("fleet %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { _, _ = exec.Command(bin, "down", "--dir", dir).CombinedOutput() })

	// Extra flags reach the control plane's processes, as make local-up's
	// SYNCER_FLAGS and WEBHOOK_FLAGS pass them.
	out := fleetCmd("up", "--members", "1", "--nodes", "1", "--syncer-flags", "--workers=3 --member-qps=30", "--webhook-flags", "--v=1")
	for _, want := range []string{"local fleet ready in", "contexts: host, member1", "export KUBECONFIG="} {
		if !strings.Contains(out, want) {
			t.Errorf("up printed no %q:\n%s", want, out)
		}
	}
	cfg, err := clientcmd.LoadFromFile(filepath.Join(dir, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "host" || cfg.Contexts["member1"] == nil {
		t.Fatalf("kubeconfig contexts: current %q, have %v", cfg.CurrentContext, keys(cfg.Contexts))
	}
	for _, ctx := range []string{"host", "member1"} {
		r := testkit.Kubectl(t, filepath.Join(dir, "kubeconfig"), nil, "--context", ctx, "get", "namespace", "default", "-o", "name")
		if r.Err != nil || strings.TrimSpace(r.Stdout) != "namespace/default" {
			t.Errorf("kubectl --context %s get namespace default: %v\n%s%s", ctx, r.Err, r.Stdout, r.Stderr)
		}
	}
	// Each cluster has its simulated node, Ready (kube-scheduler runs as a
	// process of the fleet, so the check for leftovers below covers it).
	for _, ctx := range []string{"host", "member1"} {
		r := testkit.Kubectl(t, filepath.Join(dir, "kubeconfig"), nil, "--context", ctx, "get", "nodes",
			"-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{end}`)
		if want := ctx + "-node1=True"; r.Err != nil || strings.TrimSpace(r.Stdout) != want {
			t.Errorf("kubectl --context %s get nodes: want %s, got %v\n%s%s", ctx, want, r.Err, r.Stdout, r.Stderr)
		}
	}
	// The control plane runs: the member is joined and ready, and the default
	// types are served.
	kubeconfig := filepath.Join(dir, "kubeconfig")
	for _, check := range []struct {
		what, want string
		query      []string
	}{
		{"member1 Ready", "True", []string{"get", "kubefedcluster", "member1", "-n", "kube-federation-system", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`}},
		{"configmaps Running", "Running", []string{"get", "federatedtypeconfig", "configmaps", "-n", "kube-federation-system", "-o", "jsonpath={.status.propagationController}"}},
	} {
		testkit.Eventually(t, check.what, func(context.Context) (bool, error) {
			r := testkit.Kubectl(t, kubeconfig, nil, append([]string{"--context", "host"}, check.query...)...)
			return strings.TrimSpace(r.Stdout) == check.want, nil
		})
	}
	if log, err := os.ReadFile(filepath.Join(dir, "logs", "syncer.log")); err != nil || !strings.Contains(string(log), `"workers":3`) {
		t.Errorf("the syncer did not get --workers=3 from --syncer-flags (%v):\n%s", err, log)
	}
	if out := fleetCmd("up", "--members", "1"); !strings.Contains(out, "already running") {
		t.Errorf("second up did not report the running fleet:\n%s", out)
	}
	if out := fleetCmd("down"); !strings.Contains(out, "local fleet stopped") {
		t.Errorf("down printed:\n%s", out)
	}
	if out := fleetCmd("down"); !strings.Contains(out, "not running") {
		t.Errorf("second down printed:\n%s", out)
	}
	if left := processesMentioning(t, dir); len(left) > 0 {
		t.Errorf("processes still running after down: %v", left)
	}
}

// processesMentioning lists the PIDs whose command line contains s.
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
