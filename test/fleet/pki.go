package fleet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is one cluster's certificate authority and the credentials made from
// it: the API server's serving certificate, an administrator's client
// certificate and the service-account signing key.
type pki struct {
	dir string

	caCert    []byte // PEM
	adminCert []byte // PEM
	adminKey  []byte // PEM
}

// File names inside a cluster's pki directory.
const (
	caCertFile       = "ca.crt"
	servingCertFile  = "apiserver.crt"
	servingKeyFile   = "apiserver.key"
	serviceKeyFile   = "sa.key"
	certificateValid = 10 * 365 * 24 * time.Hour
)

// adminUser is the client-certificate subject of a fleet's administrator.
var adminUser = pkix.Name{CommonName: "fleet-admin", Organization: []string{"system:masters"}}

// newPKI creates a CA and every credential a cluster needs, and writes the
// files the cluster's processes read into dir.
func newPKI(dir string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTemplate := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "fleet-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	caDER, err := sign(caTemplate, caTemplate, caKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("creating the cluster CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p := &pki{dir: dir, caCert: encodeCert(caDER)}

	servingKey, servingDER, err := issue(ca, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("issuing the API server certificate: %w", err)
	}
	adminKey, adminDER, err := issue(ca, caKey, &x509.Certificate{
		Subject:     adminUser,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("issuing the admin certificate: %w", err)
	}
	p.adminCert = encodeCert(adminDER)
	if p.adminKey, err = encodeKey(adminKey); err != nil {
		return nil, err
	}
	serviceKey, err := newKey()
	if err != nil {
		return nil, err
	}
	servingKeyPEM, err := encodeKey(servingKey)
	if err != nil {
		return nil, err
	}
	serviceKeyPEM, err := encodeKey(serviceKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		caCertFile:      p.caCert,
		servingCertFile: encodeCert(servingDER),
		servingKeyFile:  servingKeyPEM,
		serviceKeyFile:  serviceKeyPEM,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// path returns the location of one of the pki's files.
func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// issue creates a key and a certificate for it, signed by the CA.
func issue(ca *x509.Certificate, caKey crypto.Signer, template *x509.Certificate) (*ecdsa.PrivateKey, []byte, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	template.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := sign(template, ca, key, caKey)
	return key, der, err
}

func sign(template, parent *x509.Certificate, key *ecdsa.PrivateKey, parentKey crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	template.SerialNumber = serial
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(certificateValid)
	return x509.CreateCertificate(rand.Reader, template, parent, &key.PublicKey, parentKey)
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}
