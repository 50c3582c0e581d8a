// Package clusterclient is the one place that connects to member clusters:
// it builds clients from KubeFedClusters and their Secrets, and owns the
// per-cluster connections and caches the syncer shares between types.
package clusterclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
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
// and the TLS checks the cluster disables. The error says what to fix.
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
	}
	if spec.ProxyURL != "" {
		proxy, err := url.Parse(spec.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("KubeFedCluster %s/%s: spec.proxyURL: %w", cluster.Namespace, cluster.Name, err)
		}
		cfg.Proxy = http.ProxyURL(proxy)
	}
	disabled := spec.DisabledTLSValidations
	switch {
	case slices.Contains(disabled, corev1beta1.TLSAll):
		cfg.Insecure = true
	case len(disabled) > 0:
		transport, err := relaxedTransport(spec, cfg.Proxy)
		if err != nil {
			return nil, fmt.Errorf("KubeFedCluster %s/%s: %w", cluster.Namespace, cluster.Name, err)
		}
		cfg.Transport = transport
	default:
		cfg.CAData = spec.CABundle
	}
	return cfg, nil
}

// relaxedTransport verifies the server's chain against the CA bundle but
// skips the checks the cluster disables: the subject name, or the validity
// period (the chain is then checked as of the leaf's NotBefore + 1 s).
func relaxedTransport(spec corev1beta1.KubeFedClusterSpec, proxy func(*http.Request) (*url.URL, error)) (http.RoundTripper, error) {
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
	if proxy == nil {
		proxy = http.ProxyFromEnvironment
	}
	return &http.Transport{
		Proxy:               proxy,
		TLSHandshakeTimeout: 10 * time.Second,
		// Verification is done by VerifyPeerCertificate with the relaxed rules.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, VerifyPeerCertificate: verify, MinVersion: tls.VersionTLS12}, //nolint:gosec
	}, nil
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
