package webhook

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRenew(t *testing.T) {
	hosts := []string{"kubefed-admission-webhook.kube-federation-system.svc"}
	now := time.Now()
	ca, serving, changed, err := renew(nil, nil, hosts, now)
	if err != nil || !changed {
		t.Fatalf("first renew: changed %v, %v", changed, err)
	}
	if err := serving.cert.CheckSignatureFrom(ca.cert); err != nil || !coversHosts(serving.cert, hosts) {
		t.Fatalf("serving certificate not signed by the CA or not for %v: %v", hosts, err)
	}

	stored := func(p *keyPair) *keyPair { return parseKeyPair(p.certPEM, p.keyPEM) }
	ca2, serving2, changed, err := renew(stored(ca), stored(serving), hosts, now.Add(24*time.Hour))
	if err != nil || changed || !ca2.cert.Equal(ca.cert) || !serving2.cert.Equal(serving.cert) {
		t.Fatalf("valid certificates must be kept: changed %v, %v", changed, err)
	}

	// Within renewBefore of the serving certificate's expiry: only it is
	// replaced.
	later := serving.cert.NotAfter.Add(-renewBefore / 2)
	ca3, serving3, changed, err := renew(stored(ca), stored(serving), hosts, later)
	if err != nil || !changed || !ca3.cert.Equal(ca.cert) || serving3.cert.Equal(serving.cert) {
		t.Fatalf("expiring serving certificate: changed %v, same CA %v, same cert %v, %v", changed, ca3.cert.Equal(ca.cert), serving3.cert.Equal(serving.cert), err)
	}

	// Within renewBefore of the CA's expiry: both are replaced.
	ca4, serving4, changed, err := renew(stored(ca), stored(serving), hosts, ca.cert.NotAfter.Add(-renewBefore/2))
	if err != nil || !changed || ca4.cert.Equal(ca.cert) || serving4.cert.CheckSignatureFrom(ca4.cert) != nil {
		t.Fatalf("expiring CA: changed %v, %v", changed, err)
	}

	// A new host (e.g. another Service name) replaces the serving certificate.
	_, serving5, changed, err := renew(stored(ca), stored(serving), append(hosts, "127.0.0.1"), now)
	if err != nil || !changed || !coversHosts(serving5.cert, []string{"127.0.0.1"}) {
		t.Fatalf("new host: changed %v, %v", changed, err)
	}

	if parseKeyPair([]byte("garbage"), serving.keyPEM) != nil {
		t.Fatal("a broken certificate must parse as missing")
	}
}

func TestGenerateServingCert(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	caPEM, err := GenerateServingCert(dir, "127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if onDisk, err := os.ReadFile(filepath.Join(dir, CAFile)); err != nil || string(onDisk) != string(caPEM) {
		t.Fatalf("ca.crt: %v", err)
	}
	if _, err := GenerateServingCert(dir); err == nil {
		t.Fatal("no host must be an error")
	}
}
