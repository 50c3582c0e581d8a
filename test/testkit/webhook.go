package testkit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// Webhook is a running admission webhook server on 127.0.0.1.
type Webhook struct {
	// URL is its base URL (https://127.0.0.1:PORT).
	URL string
	// CA is the PEM bundle that signed its serving certificate.
	CA []byte
	// Process is the webhook's process; nil when it runs in this process.
	Process *fleet.Process
}

// StartWebhook runs the webhook against the fleet's host on 127.0.0.1,
// with a serving certificate generated into dir/webhook-certs, and waits
// until its /readyz answers. With binary "" it runs in this process until
// ctx ends; otherwise binary runs as a process (logging to
// dir/logs/webhook.log) with extra flags args, and is stopped when ctx
// ends.
func StartWebhook(ctx context.Context, f *fleet.Fleet, dir, binary string, args ...string) (*Webhook, error) {
	certDir := filepath.Join(dir, "webhook-certs")
	ca, err := webhook.GenerateServingCert(certDir, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	ports, err := fleet.FreePorts(1)
	if err != nil {
		return nil, err
	}
	w := &Webhook{URL: "https://127.0.0.1:" + strconv.Itoa(ports[0]), CA: ca}
	if binary == "" {
		cfg := f.Host().RESTConfig()
		opts := webhook.DefaultOptions()
		opts.Host, opts.SecurePort, opts.CertDir = "127.0.0.1", ports[0], certDir
		go func() {
			if err := webhook.Run(ctx, cfg, opts); err != nil {
				fmt.Fprintln(os.Stderr, "webhook:", err)
			}
		}()
	} else {
		w.Process, err = fleet.StartProcess("webhook", binary, append([]string{
			"--kubeconfig", f.KubeconfigPath(), "--context", f.Host().Name, "--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(ports[0]),
			"--cert-dir", certDir,
		}, args...), filepath.Join(dir, "logs", "webhook.log"))
		if err != nil {
			return nil, err
		}
		go func() { <-ctx.Done(); w.Process.Stop() }()
	}
	if err := WaitReady(ctx, w.URL+"/readyz", ca, w.Process); err != nil {
		return nil, fmt.Errorf("starting the webhook: %w", err)
	}
	return w, nil
}

// Register creates the webhook's configurations on the host by URL and
// waits until the API server calls the webhook (it picks configurations up
// asynchronously): until a KubeFedCluster only the webhook rejects is
// rejected. The KubeFed CRDs and namespace must be on the host.
func (w *Webhook) Register(ctx context.Context, host *rest.Config) error {
	validating, mutating := webhook.Configurations(webhook.ConfigOptions{URL: w.URL, CABundle: w.CA})
	c, err := kubernetes.NewForConfig(host)
	if err != nil {
		return err
	}
	registrations := c.AdmissionregistrationV1()
	if _, err := registrations.ValidatingWebhookConfigurations().Create(ctx, validating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("registering the webhook: %w", err)
	}
	if _, err := registrations.MutatingWebhookConfigurations().Create(ctx, mutating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("registering the webhook: %w", err)
	}
	hc, err := client.New(host, client.Options{Scheme: kubeFedScheme})
	if err != nil {
		return err
	}
	probe := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: core.DefaultKubeFedSystemNamespace, Name: "webhook-probe"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "tcp://example.com", SecretRef: corev1beta1.LocalSecretReference{Name: "s"}}}
	err = Poll(ctx, WaitTimeout, func(ctx context.Context) (bool, error) {
		err := hc.Create(ctx, probe.DeepCopy())
		if err == nil {
			return false, hc.Delete(ctx, probe.DeepCopy())
		}
		if strings.Contains(err.Error(), "denied the request") {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the API server to call the webhook: %w", err)
	}
	return nil
}

// WaitReady polls url until it answers 200 OK: over TLS it trusts ca, or
// with ca nil it skips verification (a readiness probe of a local process
// that rotates its own certificate). It fails at once if process (when not
// nil) exits, quoting its log, and after twice WaitTimeout.
func WaitReady(ctx context.Context, url string, ca []byte, process *fleet.Process) error {
	transport := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // readiness probe of a local process
	if ca != nil {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(ca) {
			return errors.New("the generated CA does not parse")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	hc := &http.Client{Transport: transport, Timeout: 2 * time.Second}
	var exited error
	err := Poll(ctx, 2*WaitTimeout, func(ctx context.Context) (bool, error) {
		if process != nil && process.Exited() {
			out, _ := os.ReadFile(process.LogPath())
			exited = fmt.Errorf("it exited; last lines of %s:\n%s", process.LogPath(), lastLines(string(out), 15))
			return true, nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("%s: %s", url, resp.Status)
		}
		return true, nil
	})
	if exited != nil {
		return exited
	}
	return err
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
