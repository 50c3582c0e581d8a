package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
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
	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
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
	dir       string
	f         *fleet.Fleet
	bin       string
	processes []*fleet.Process
}

// startControlPlane brings the control plane up on the fleet's host; stop
// ends its processes.
func startControlPlane(ctx context.Context, dir string, f *fleet.Fleet) (*controlPlane, error) {
	bin, err := fleet.BinDir()
	if err != nil {
		return nil, err
	}
	for _, b := range []string{"kubectl-fed", "syncer", "webhook"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("%s is not built in %s: run `make build`", b, bin)
		}
	}
	cp := &controlPlane{dir: dir, f: f, bin: bin}
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
	certDir := filepath.Join(cp.dir, "webhook-certs")
	ca, err := webhook.GenerateServingCert(certDir, "127.0.0.1")
	if err != nil {
		return err
	}
	ports, err := fleet.FreePorts(1)
	if err != nil {
		return err
	}
	port := ports[0]
	p, err := fleet.StartProcess("webhook", filepath.Join(cp.bin, "webhook"), []string{
		"--kubeconfig", cp.f.KubeconfigPath(), "--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(port),
		"--cert-dir", certDir, "--leader-elect=false",
	}, filepath.Join(cp.dir, "logs", "webhook.log"))
	if err != nil {
		return err
	}
	cp.processes = append(cp.processes, p)
	url := "https://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(ctx, p, url+"/readyz", ca); err != nil {
		return err
	}
	validating, mutating := webhook.Configurations(webhook.ConfigOptions{URL: url, CABundle: ca})
	host, err := kubernetes.NewForConfig(cp.f.Host().RESTConfig())
	if err != nil {
		return err
	}
	registrations := host.AdmissionregistrationV1()
	if _, err := registrations.ValidatingWebhookConfigurations().Create(ctx, validating, metav1.CreateOptions{}); err != nil {
		return err
	}
	_, err = registrations.MutatingWebhookConfigurations().Create(ctx, mutating, metav1.CreateOptions{})
	return err
}

// startSyncer runs the syncer, which creates the KubeFedConfig, and waits
// for that.
func (cp *controlPlane) startSyncer(ctx context.Context) error {
	ports, err := fleet.FreePorts(1)
	if err != nil {
		return err
	}
	port := ports[0]
	p, err := fleet.StartProcess("syncer", filepath.Join(cp.bin, "syncer"), []string{
		"--kubeconfig", cp.f.KubeconfigPath(), "--metrics-bind-address", "0",
		"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(port), "--workers", "8",
	}, filepath.Join(cp.dir, "logs", "syncer.log"))
	if err != nil {
		return err
	}
	cp.processes = append(cp.processes, p)
	return waitReady(ctx, p, "http://127.0.0.1:"+strconv.Itoa(port)+"/readyz", nil)
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

// waitReady polls url until it answers 200, and fails at once if the
// process exits, or after two minutes.
func waitReady(ctx context.Context, p *fleet.Process, url string, ca []byte) error {
	transport := &http.Transport{}
	if ca != nil {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(ca) {
			return errors.New("the generated CA does not parse")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	client := &http.Client{Transport: transport, Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		if p.Exited() {
			out, _ := os.ReadFile(p.LogPath())
			return fmt.Errorf("it exited; last lines of %s:\n%s", p.LogPath(), lastLines(string(out), 15))
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 in time; see %s", url, p.LogPath())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
