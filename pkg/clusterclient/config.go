// Package clusterclient is the one place that connects to member clusters:
// it builds clients from KubeFedClusters and their Secrets, and owns the
// per-cluster connections and caches the syncer shares between types.
package clusterclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// Defaults for member clients (reference §1.1).
const (
	DefaultQPS   = 20
	DefaultBurst = 30
)

// RESTConfig builds the client configuration for a member cluster from its
// KubeFedCluster and the Secret its secretRef names (reference §1.1): the
// API endpoint as host, the CA bundle, the Secret's bearer token, the proxy,
// and the TLS checks the cluster disables, over a transport with HTTP/2
// health-check pings and a timeout on every call but watches. The error
// says what to fix.
func RESTConfig(cluster *corev1beta1.KubeFedCluster, secret *corev1.Secret) (*rest.Config, error) {
	spec := cluster.Spec
	if spec.APIEndpoint == "" {
		return nil, fmt.Errorf("KubeFedCluster %s/%s: spec.apiEndpoint is empty", cluster.Namespace, cluster.Name)
	}
	if spec.SecretRef.Name == "" {
		return nil, fmt.Errorf("KubeFedCluster %s/%s: spec.secretRef.name is empty", cluster.Namespace, cluster.Name)
	}
	if secret == nil {
		return nil, fmt.Errorf("KubeFedCluster %s/%s: secret %q not found in namespace %s", cluster.Namespace, cluster.Name, spec.SecretRef.Name, cluster.Namespace)
	}
	token := secret.Data[core.ClusterSecretTokenKey]
	if len(token) == 0 {
		return nil, fmt.Errorf("KubeFedCluster %s/%s: secret %s/%s has no %q key; it must hold the member's bearer token",
			cluster.Namespace, cluster.Name, secret.Namespace, secret.Name, core.ClusterSecretTokenKey)
	}
	cfg := &rest.Config{
		Host:        spec.APIEndpoint,
		BearerToken: string(token),
		QPS:         DefaultQPS,
		Burst:       DefaultBurst,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return &timeoutRoundTripper{next: rt, timeout: DefaultRequestTimeout}
		},
	}
	proxy := http.ProxyFromEnvironment
	if spec.ProxyURL != "" {
		u, err := url.Parse(spec.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("KubeFedCluster %s/%s: spec.proxyURL: %w", cluster.Namespace, cluster.Name, err)
		}
		proxy = http.ProxyURL(u)
	}
	tlsConfig, err := memberTLSConfig(spec)
	if err != nil {
		return nil, fmt.Errorf("KubeFedCluster %s/%s: %w", cluster.Namespace, cluster.Name, err)
	}
	cfg.Transport = memberTransport(tlsConfig, proxy)
	return cfg, nil
}

// WithMemberDefaults returns a copy of cfg, a member's client configuration
// built elsewhere (e.g. from a ClusterProfile's access provider), with the
// rate limits and the per-request timeout of RESTConfig.
func WithMemberDefaults(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = DefaultQPS, DefaultBurst
	}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &timeoutRoundTripper{next: rt, timeout: DefaultRequestTimeout}
	})
	return cfg
}

// Member transport settings. A member connection that stops answering
// (a dead TCP peer, a NAT that dropped the flow) is noticed within
// HTTP2ReadIdleTimeout + HTTP2PingTimeout: after ReadIdleTimeout without
// frames the client sends an HTTP/2 ping (SendPingTimeout in net/http's
// HTTP2Config), and closes the connection if no answer comes within
// PingTimeout. Every call other than a watch must finish within
// DefaultRequestTimeout.
const (
	HTTP2ReadIdleTimeout  = 10 * time.Second
	HTTP2PingTimeout      = 5 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	idleConnTimeout       = 90 * time.Second
)

// memberTLSConfig is the TLS client configuration of a member: the CA
// bundle (else the system roots), or the relaxed checks of
// disabledTLSValidations.
func memberTLSConfig(spec corev1beta1.KubeFedClusterSpec) (*tls.Config, error) {
	disabled := spec.DisabledTLSValidations
	switch {
	case slices.Contains(disabled, corev1beta1.TLSAll):
		return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, nil //nolint:gosec // the cluster disables all TLS validations
	case len(disabled) > 0:
		return relaxedTLSConfig(spec)
	case len(spec.CABundle) == 0:
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(spec.CABundle) {
		return nil, errors.New("spec.caBundle holds no PEM certificate")
	}
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, nil
}

// memberTransport is the HTTP transport of a member connection: HTTP/2
// with health-check pings, bounded TLS handshakes, and the proxy.
func memberTransport(tlsConfig *tls.Config, proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	return &http.Transport{
		Proxy:               proxy,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: tlsHandshakeTimeout,
		IdleConnTimeout:     idleConnTimeout,
		MaxIdleConnsPerHost: 25,
		ForceAttemptHTTP2:   true,
		HTTP2:               &http.HTTP2Config{SendPingTimeout: HTTP2ReadIdleTimeout, PingTimeout: HTTP2PingTimeout},
	}
}

// timeoutRoundTripper bounds every request but watches to a timeout; the
// deadline covers reading the body, which is released on Close.
type timeoutRoundTripper struct {
	next    http.RoundTripper
	timeout time.Duration
}

// RoundTrip sends the request with the deadline.
func (t *timeoutRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if isWatch(req) {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// isWatch reports whether a request is a watch, which lives as long as the
// server keeps it.
func isWatch(req *http.Request) bool {
	switch req.URL.Query().Get("watch") {
	case "true", "1":
		return true
	}
	return strings.Contains(req.URL.Path, "/watch/")
}

// cancelOnClose releases a request's deadline when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and releases the deadline.
func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// relaxedTLSConfig verifies the server's chain against the CA bundle but
// skips the checks the cluster disables: the subject name, or the validity
// period (the chain is then checked as of the leaf's NotBefore + 1 s).
func relaxedTLSConfig(spec corev1beta1.KubeFedClusterSpec) (*tls.Config, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if len(spec.CABundle) > 0 && !roots.AppendCertsFromPEM(spec.CABundle) {
		return nil, errors.New("spec.caBundle holds no PEM certificate")
	}
	serverName := ""
	if !slices.Contains(spec.DisabledTLSValidations, corev1beta1.TLSSubjectName) {
		host, err := endpointHost(spec.APIEndpoint)
		if err != nil {
			return nil, err
		}
		serverName = host
	}
	skipValidity := slices.Contains(spec.DisabledTLSValidations, corev1beta1.TLSValidityPeriod)
	verify := func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
		if len(rawCerts) == 0 {
			return errors.New("the server sent no certificate")
		}
		certs := make([]*x509.Certificate, len(rawCerts))
		for i, raw := range rawCerts {
			c, err := x509.ParseCertificate(raw)
			if err != nil {
				return err
			}
			certs[i] = c
		}
		opts := x509.VerifyOptions{Roots: roots, DNSName: serverName, Intermediates: x509.NewCertPool()}
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
		if skipValidity {
			opts.CurrentTime = certs[0].NotBefore.Add(time.Second)
		}
		_, err := certs[0].Verify(opts)
		return err
	}
	// Verification is done by VerifyPeerCertificate with the relaxed rules.
	return &tls.Config{InsecureSkipVerify: true, VerifyPeerCertificate: verify, MinVersion: tls.VersionTLS12}, nil //nolint:gosec
}

// endpointHost returns the host part of an API endpoint, which may be a
// URL, host:port or a bare host.
func endpointHost(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		u, err = url.Parse("https://" + endpoint)
	}
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("spec.apiEndpoint %q is not a URL or host:port", endpoint)
	}
	if host, _, err := net.SplitHostPort(u.Host); err == nil {
		return host, nil
	}
	return u.Host, nil
}
