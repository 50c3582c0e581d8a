package testkit

import (
	"context"
	"fmt"
	"io"
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
)

// LocalDefaultTypes are the types `make local-up` enables, as KubeFed's chart did.
var LocalDefaultTypes = []string{
	"namespaces", "configmaps", "secrets", "services", "serviceaccounts",
	"deployments.apps", "replicasets.apps", "jobs.batch", "ingresses.networking.k8s.io",
	"clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io",
}

// LocalFlags are flags for the local control plane's processes beyond its
// own; later flags override earlier ones.
type LocalFlags struct {
	Syncer, Webhook []string
}

// LocalControlPlane is the federation control plane of `make local-up`:
// the webhook and the syncer as processes built by `make build`, at the
// flags the deployed manifests give them, the members joined and the
// default types enabled with `kubectl fed`, as a user would. `make bench`
// measures exactly this.
type LocalControlPlane struct {
	// Webhook is the running webhook, registered on the host by URL.
	Webhook *Webhook
	// Syncer is the syncer's process.
	Syncer *fleet.Process
	// SyncerMetrics is the host:port of the syncer's metrics endpoint.
	SyncerMetrics string

	dir       string
	f         *fleet.Fleet
	bin       string
	extra     LocalFlags
	processes []*fleet.Process
	restarts  int
}

// StartLocalControlPlane brings the local control plane up on the fleet's
// host, with the programs of bin (kubectl-fed, syncer, webhook), state
// and logs in dir, and reports each step's duration to progress (if not
// nil). Stop ends its processes.
func StartLocalControlPlane(ctx context.Context, dir, bin string, f *fleet.Fleet, extra LocalFlags, progress io.Writer) (*LocalControlPlane, error) {
	for _, b := range []string{"kubectl-fed", "syncer", "webhook"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("%s is not built in %s: run `make build`", b, bin)
		}
	}
	cp := &LocalControlPlane{dir: dir, f: f, bin: bin, extra: extra}
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
			cp.Stop()
			return nil, fmt.Errorf("%s: %w", step.what, err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: done in %.1fs\n", step.what, time.Since(started).Seconds())
		}
	}
	return cp, nil
}

// Stop ends the control plane's processes, newest first.
func (cp *LocalControlPlane) Stop() {
	for i := len(cp.processes) - 1; i >= 0; i-- {
		cp.processes[i].Stop()
	}
}

func (cp *LocalControlPlane) installCRDs(ctx context.Context) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	crds, err := LoadCRDs(filepath.Join(root, "manifests", "crds"))
	if err != nil {
		return err
	}
	if err := InstallCRDs(ctx, cp.f.Host().RESTConfig(), crds...); err != nil {
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
func (cp *LocalControlPlane) startWebhook(ctx context.Context) error {
	w, err := StartWebhook(ctx, cp.f, cp.dir, filepath.Join(cp.bin, "webhook"), cp.extra.Webhook...)
	if err != nil {
		return err
	}
	cp.Webhook = w
	cp.processes = append(cp.processes, w.Process)
	return w.Register(ctx, cp.f.Host().RESTConfig())
}

// startSyncer runs the syncer at the deployed manifest's flags (leader
// election, secure metrics, the default policy status interval and
// workers), which creates the KubeFedConfig, and waits until it is ready.
func (cp *LocalControlPlane) startSyncer(ctx context.Context) error {
	ports, err := fleet.FreePorts(1)
	if err != nil {
		return err
	}
	cp.SyncerMetrics = "127.0.0.1:" + strconv.Itoa(ports[0])
	return cp.runSyncer(ctx, "syncer.log")
}

// runSyncer starts the syncer process, logging to logs/<logName>.
func (cp *LocalControlPlane) runSyncer(ctx context.Context, logName string) error {
	args := []string{"--leader-elect", "--metrics-bind-address", cp.SyncerMetrics, "--metrics-secure", "--policy-status-interval", "30s"}
	p, err := StartSyncer(ctx, cp.f, "syncer", filepath.Join(cp.bin, "syncer"), filepath.Join(cp.dir, "logs", logName),
		append(args, cp.extra.Syncer...)...)
	if err != nil {
		return err
	}
	cp.Syncer = p
	cp.processes = append(cp.processes, p)
	return nil
}

// RestartSyncer stops the syncer (SIGTERM, as a rolling update does) and
// starts it again with the same flags and metrics address, logging to
// logs/syncer-<n>.log for the n-th restart; it returns once the new one is
// ready.
func (cp *LocalControlPlane) RestartSyncer(ctx context.Context) error {
	cp.Syncer.Stop()
	cp.restarts++
	return cp.runSyncer(ctx, "syncer-"+strconv.Itoa(cp.restarts)+".log")
}

func (cp *LocalControlPlane) joinMembers(ctx context.Context) error {
	for _, m := range cp.f.Members() {
		if err := cp.kubectlFed(ctx, "join", m.Name, "--cluster-context", m.Name, "--context", fleet.HostName, "--error-on-existing=false"); err != nil {
			return err
		}
	}
	return nil
}

func (cp *LocalControlPlane) enableTypes(ctx context.Context) error {
	return cp.kubectlFed(ctx, append(append([]string{"enable"}, LocalDefaultTypes...), "--context", fleet.HostName)...)
}

// kubectlFed runs the built plugin with the fleet's kubeconfig.
func (cp *LocalControlPlane) kubectlFed(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(cp.bin, "kubectl-fed"), append(args, "--kubeconfig", cp.f.KubeconfigPath())...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl fed %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
