package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// defaultTypes are the types `make local-up` enables, as KubeFed's chart did.
var defaultTypes = []string{
	"namespaces", "configmaps", "secrets", "services", "serviceaccounts",
	"deployments.apps", "replicasets.apps", "jobs.batch", "ingresses.networking.k8s.io",
	"clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io",
}

// controlPlane is the federation control plane of a local fleet: the
// webhook and the syncer as local processes, the members joined and the
// default types enabled with `kubectl fed`, as a user would.
type controlPlane struct {
	extra     extraFlags
	dir       string
	f         *fleet.Fleet
	bin       string
	processes []*fleet.Process
}

// startControlPlane brings the control plane up on the fleet's host; stop
// ends its processes.
func startControlPlane(ctx context.Context, dir string, f *fleet.Fleet, extra extraFlags) (*controlPlane, error) {
	bin, err := fleet.BinDir()
	if err != nil {
		return nil, err
	}
	for _, b := range []string{"kubectl-fed", "syncer", "webhook"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("%s is not built in %s: run `make build`", b, bin)
		}
	}
	cp := &controlPlane{dir: dir, f: f, bin: bin, extra: extra}
	steps := []struct {
		what string
		run  func(context.Context) error
	}{
		{"installing the CRDs", cp.installCRDs},
		{"starting the webhook", cp.startWebhook},
		{"starting the syncer", cp.startSyncer},
		{"joining the members", cp.joinMembers},
		{"enabling the default types", cp.enableTypes},
	}
	for _, step := range steps {
		started := time.Now()
		if err := step.run(ctx); err != nil {
			cp.stop()
			return nil, fmt.Errorf("%s: %w", step.what, err)
		}
		fmt.Printf("%s: done in %.1fs\n", step.what, time.Since(started).Seconds())
	}
	return cp, nil
}

// extraFlags are flags for the control plane's processes beyond the
// fleet's own, each a space-separated list; later flags override earlier ones.
type extraFlags struct {
	syncer, webhook string
}

func (cp *controlPlane) stop() {
	for i := len(cp.processes) - 1; i >= 0; i-- {
		cp.processes[i].Stop()
	}
}

func (cp *controlPlane) installCRDs(ctx context.Context) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	crds, err := testkit.LoadCRDs(filepath.Join(root, "manifests", "crds"))
	if err != nil {
		return err
	}
	if err := testkit.InstallCRDs(ctx, cp.f.Host().RESTConfig(), crds...); err != nil {
		return err
	}
	host, err := kubernetes.NewForConfig(cp.f.Host().RESTConfig())
	if err != nil {
		return err
	}
	_, err = host.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: core.DefaultKubeFedSystemNamespace}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		err = nil
	}
	return err
}

// startWebhook runs the webhook on 127.0.0.1 with a generated certificate
// and registers its configurations on the host by URL.
func (cp *controlPlane) startWebhook(ctx context.Context) error {
	w, err := testkit.StartWebhook(ctx, cp.f, cp.dir, filepath.Join(cp.bin, "webhook"), strings.Fields(cp.extra.webhook)...)
	if err != nil {
		return err
	}
	cp.processes = append(cp.processes, w.Process)
	return w.Register(ctx, cp.f.Host().RESTConfig())
}

// startSyncer runs the syncer, which creates the KubeFedConfig, and waits
// until it is ready.
func (cp *controlPlane) startSyncer(ctx context.Context) error {
	ports, err := fleet.FreePorts(1)
	if err != nil {
		return err
	}
	metrics := "127.0.0.1:" + strconv.Itoa(ports[0])
	p, err := testkit.StartSyncer(ctx, cp.f, "syncer", filepath.Join(cp.bin, "syncer"), filepath.Join(cp.dir, "logs", "syncer.log"),
		append([]string{"--workers", "8", "--metrics-bind-address", metrics, "--metrics-secure"}, strings.Fields(cp.extra.syncer)...)...)
	if err != nil {
		return err
	}
	fmt.Printf("syncer metrics: https://%s/metrics (HTTPS; send a bearer token allowed to get the non-resource URL /metrics)\n", metrics)
	cp.processes = append(cp.processes, p)
	return nil
}

func (cp *controlPlane) joinMembers(ctx context.Context) error {
	for _, m := range cp.f.Members() {
		if err := cp.kubectlFed(ctx, "join", m.Name, "--cluster-context", m.Name, "--context", fleet.HostName, "--error-on-existing=false"); err != nil {
			return err
		}
	}
	return nil
}

func (cp *controlPlane) enableTypes(ctx context.Context) error {
	return cp.kubectlFed(ctx, append(append([]string{"enable"}, defaultTypes...), "--context", fleet.HostName)...)
}

// kubectlFed runs the built plugin with the fleet's kubeconfig.
func (cp *controlPlane) kubectlFed(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(cp.bin, "kubectl-fed"), append(args, "--kubeconfig", cp.f.KubeconfigPath())...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl fed %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
