// Package serving holds the serving options the syncer and the webhook
// share: the Prometheus metrics endpoint, served over HTTPS to callers the
// host cluster authenticates (TokenReview) and authorizes (SubjectAccessReview
// for get on the non-resource URL /metrics), as current Kubernetes
// controllers serve it.
package serving

import (
	"github.com/spf13/pflag"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Metrics are the options of the metrics endpoint.
type Metrics struct {
	// BindAddress is host:port to serve on; "0" disables the endpoint.
	BindAddress string
	// Secure serves HTTPS with authentication and authorization; without it
	// metrics are plain HTTP open to anyone who reaches the address.
	Secure bool
	// CertDir holds tls.crt and tls.key; empty (or without them) means a
	// self-signed certificate generated at start.
	CertDir string
}

// AddFlags registers --metrics-bind-address (defaulting to address),
// --metrics-secure and --metrics-cert-dir.
func (m *Metrics) AddFlags(fs *pflag.FlagSet, address string) {
	m.Secure = true
	fs.StringVar(&m.BindAddress, "metrics-bind-address", address, `Address (host:port) of the /metrics endpoint; "0" disables it`)
	fs.BoolVar(&m.Secure, "metrics-secure", m.Secure, "Serve /metrics over HTTPS to callers the host cluster authenticates and authorizes (get on the non-resource URL /metrics); false serves plain HTTP to anyone")
	fs.StringVar(&m.CertDir, "metrics-cert-dir", "", "Directory with tls.crt and tls.key for /metrics; empty means a self-signed certificate")
}

// Options are the controller-runtime metrics server options.
func (m Metrics) Options() metricsserver.Options {
	opts := metricsserver.Options{BindAddress: m.BindAddress}
	if m.Secure {
		opts.SecureServing = true
		opts.FilterProvider = filters.WithAuthenticationAndAuthorization
		opts.CertDir = m.CertDir
	}
	return opts
}
