package webhook

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/keyutil"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// File and Secret keys of the serving certificate and its CA.
const (
	// CertFile is the serving certificate (PEM) in the cert dir and Secret.
	CertFile = "tls.crt"
	// KeyFile is the serving key (PEM) in the cert dir and Secret.
	KeyFile = "tls.key"
	// CAFile is the CA certificate (PEM): the caBundle of the configurations.
	CAFile = "ca.crt"
	// caKeyFile is the CA key, kept only in the Secret.
	caKeyFile = "ca.key"
)

// Lifetimes of generated certificates, and how long before expiry they are
// replaced.
const (
	caLifetime      = 10 * 365 * 24 * time.Hour
	servingLifetime = 365 * 24 * time.Hour
	renewBefore     = 90 * 24 * time.Hour
	rotationCheck   = time.Minute
)

// keyPair is a certificate with its key.
type keyPair struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// newCA creates a self-signed CA.
func newCA(name string, now time.Time) (*keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, Organization: []string{"kubectl-fed"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return sign(tmpl, nil)
}

// newServingCert creates a serving certificate for hosts (DNS names or IP
// addresses) signed by ca.
func newServingCert(ca *keyPair, hosts []string, now time.Time) (*keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: hosts[0]},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(servingLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return sign(tmpl, ca)
}

// sign creates a key and a certificate from tmpl, signed by parent or, when
// parent is nil, self-signed.
func sign(tmpl *x509.Certificate, parent *keyPair) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	issuer, issuerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		issuer, issuerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		return nil, fmt.Errorf("signing the certificate of %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the new certificate: %w", err)
	}
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return nil, fmt.Errorf("encoding the key: %w", err)
	}
	return &keyPair{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM: keyPEM}, nil
}

// parseKeyPair decodes a PEM certificate and key; nil if either is missing
// or broken.
func parseKeyPair(certPEM, keyPEM []byte) *keyPair {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil
	}
	return &keyPair{cert: cert, key: signer, certPEM: certPEM, keyPEM: keyPEM}
}

// GenerateServingCert writes a new CA (ca.crt) and a serving certificate
// (tls.crt, tls.key) for hosts into dir and returns the CA's PEM, the
// caBundle for Configurations. It is meant for a webhook that runs as a
// local process, e.g. with hosts 127.0.0.1 and localhost.
func GenerateServingCert(dir string, hosts ...string) ([]byte, error) {
	if len(hosts) == 0 {
		return nil, errors.New("generating a serving certificate: no host given")
	}
	now := time.Now()
	ca, err := newCA("kubectl-fed-webhook-ca", now)
	if err != nil {
		return nil, err
	}
	serving, err := newServingCert(ca, hosts, now)
	if err != nil {
		return nil, err
	}
	if err := writeCertFiles(dir, ca.certPEM, serving); err != nil {
		return nil, err
	}
	return ca.certPEM, nil
}

// writeCertFiles writes ca.crt, tls.key and tls.crt (last, since the
// certificate watcher reacts to it) into dir, each atomically.
func writeCertFiles(dir string, caPEM []byte, serving *keyPair) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{CAFile, caPEM}, {KeyFile, serving.keyPEM}, {CertFile, serving.certPEM}} {
		path := filepath.Join(dir, f.name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.data) {
			continue
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, f.data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", tmp, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("replacing %s: %w", path, err)
		}
	}
	return nil
}

// certRotator keeps a self-signed CA and serving certificate in a Secret,
// renews them before they expire, writes them to the cert dir and patches
// the CA into the webhook's own configurations. It runs in every replica;
// replicas converge on the Secret through optimistic concurrency.
type certRotator struct {
	client         client.Client
	secret         types.NamespacedName
	certDir        string
	hosts          []string
	validatingName string
	mutatingName   string
	ready          chan struct{}
	readyOnce      sync.Once
}

// NeedLeaderElection is false: every replica needs the files.
func (r *certRotator) NeedLeaderElection() bool { return false }

// Start ensures the certificates now and every minute until ctx is done.
func (r *certRotator) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("cert-rotator")
	ticker := time.NewTicker(rotationCheck)
	defer ticker.Stop()
	for {
		if err := r.ensure(ctx, time.Now()); err != nil {
			log.Error(err, "Ensuring the webhook certificates")
		} else {
			r.readyOnce.Do(func() { close(r.ready) })
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// ensure renews what is missing or expiring, then writes files and
// caBundles.
func (r *certRotator) ensure(ctx context.Context, now time.Time) error {
	secret := &corev1.Secret{}
	err := r.client.Get(ctx, r.secret, secret)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading Secret %s: %w", r.secret, err)
	}
	ca, serving, changed, err := renew(parseKeyPair(secret.Data[CAFile], secret.Data[caKeyFile]),
		parseKeyPair(secret.Data[CertFile], secret.Data[KeyFile]), r.hosts, now)
	if err != nil {
		return err
	}
	if changed {
		secret.Name, secret.Namespace = r.secret.Name, r.secret.Namespace
		secret.Type = corev1.SecretTypeTLS
		secret.Data = map[string][]byte{CAFile: ca.certPEM, caKeyFile: ca.keyPEM, CertFile: serving.certPEM, KeyFile: serving.keyPEM}
		if exists {
			err = r.client.Update(ctx, secret)
		} else {
			err = r.client.Create(ctx, secret)
		}
		if err != nil {
			return fmt.Errorf("storing the certificates in Secret %s: %w", r.secret, err)
		}
	}
	if err := writeCertFiles(r.certDir, ca.certPEM, serving); err != nil {
		return err
	}
	return r.injectCABundle(ctx, ca.certPEM)
}

// renew returns the CA and serving certificate to use at now: a missing CA,
// or one that expires within renewBefore, is replaced (and with it the
// serving certificate); a serving certificate that is missing, expires
// within renewBefore, is not signed by the CA or does not cover every host
// is replaced. changed says whether anything was generated.
func renew(ca, serving *keyPair, hosts []string, now time.Time) (*keyPair, *keyPair, bool, error) {
	changed := false
	var err error
	if ca == nil || now.Add(renewBefore).After(ca.cert.NotAfter) {
		if ca, err = newCA("kubectl-fed-webhook-ca", now); err != nil {
			return nil, nil, false, err
		}
		serving, changed = nil, true
	}
	if serving == nil || now.Add(renewBefore).After(serving.cert.NotAfter) ||
		serving.cert.CheckSignatureFrom(ca.cert) != nil || !coversHosts(serving.cert, hosts) {
		if serving, err = newServingCert(ca, hosts, now); err != nil {
			return nil, nil, false, err
		}
		changed = true
	}
	return ca, serving, changed, nil
}

// coversHosts reports whether a certificate is valid for every host.
func coversHosts(cert *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// injectCABundle sets caBundle on every webhook of both configurations.
func (r *certRotator) injectCABundle(ctx context.Context, caPEM []byte) error {
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := r.client.Get(ctx, client.ObjectKey{Name: r.validatingName}, v); err != nil {
		return fmt.Errorf("reading ValidatingWebhookConfiguration %s: %w", r.validatingName, err)
	}
	changed := false
	for i := range v.Webhooks {
		if !bytes.Equal(v.Webhooks[i].ClientConfig.CABundle, caPEM) {
			v.Webhooks[i].ClientConfig.CABundle, changed = caPEM, true
		}
	}
	if changed {
		if err := r.client.Update(ctx, v); err != nil {
			return fmt.Errorf("patching the caBundle of %s: %w", r.validatingName, err)
		}
	}
	m := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := r.client.Get(ctx, client.ObjectKey{Name: r.mutatingName}, m); err != nil {
		return fmt.Errorf("reading MutatingWebhookConfiguration %s: %w", r.mutatingName, err)
	}
	changed = false
	for i := range m.Webhooks {
		if !bytes.Equal(m.Webhooks[i].ClientConfig.CABundle, caPEM) {
			m.Webhooks[i].ClientConfig.CABundle, changed = caPEM, true
		}
	}
	if changed {
		if err := r.client.Update(ctx, m); err != nil {
			return fmt.Errorf("patching the caBundle of %s: %w", r.mutatingName, err)
		}
	}
	return nil
}
