package clusterclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// memberServer is a TLS server speaking HTTP/2 that records the protocol and
// Authorization header of each request; /slow answers after a delay.
func memberServer(t *testing.T, delay time.Duration) (*httptest.Server, chan string) {
	t.Helper()
	seen := make(chan string, 16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Proto + " " + r.Header.Get("Authorization")
		if strings.HasPrefix(r.URL.Path, "/slow") {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Success"}`))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, seen
}

func memberCluster(srv *httptest.Server, disabled ...corev1beta1.TLSValidation) (*corev1beta1.KubeFedCluster, *corev1.Secret) {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	kfc := &corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-federation-system", Name: "m1"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: srv.URL, CABundle: ca,
			SecretRef: corev1beta1.LocalSecretReference{Name: "m1-secret"}, DisabledTLSValidations: disabled},
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: kfc.Namespace, Name: "m1-secret"},
		Data: map[string][]byte{core.ClusterSecretTokenKey: []byte("tok")}}
	return kfc, secret
}

func TestRESTConfigSpeaksHTTP2WithPingsAndToken(t *testing.T) {
	srv, seen := memberServer(t, 0)
	for name, disabled := range map[string][]corev1beta1.TLSValidation{
		"ca bundle":          nil,
		"subject name off":   {corev1beta1.TLSSubjectName},
		"all validation off": {corev1beta1.TLSAll},
	} {
		t.Run(name, func(t *testing.T) {
			kfc, secret := memberCluster(srv, disabled...)
			cfg, err := RESTConfig(kfc, secret)
			if err != nil {
				t.Fatal(err)
			}
			tr, ok := cfg.Transport.(*http.Transport)
			if !ok || tr.HTTP2 == nil || tr.HTTP2.SendPingTimeout != HTTP2ReadIdleTimeout || tr.HTTP2.PingTimeout != HTTP2PingTimeout {
				t.Fatalf("transport %#v: want HTTP/2 pings after %s, timeout %s", cfg.Transport, HTTP2ReadIdleTimeout, HTTP2PingTimeout)
			}
			rc, err := rest.UnversionedRESTClientFor(withCodec(cfg))
			if err != nil {
				t.Fatal(err)
			}
			if err := rc.Get().AbsPath("/version").Do(context.Background()).Error(); err != nil {
				t.Fatal(err)
			}
			if got := <-seen; got != "HTTP/2.0 Bearer tok" {
				t.Errorf("request arrived as %q, want HTTP/2.0 with the bearer token", got)
			}
		})
	}
}

func TestRESTConfigRefusesAnUntrustedServer(t *testing.T) {
	srv, _ := memberServer(t, 0)
	kfc, secret := memberCluster(srv)
	kfc.Spec.CABundle = otherCA(t)
	cfg, err := RESTConfig(kfc, secret)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rest.UnversionedRESTClientFor(withCodec(cfg))
	if err != nil {
		t.Fatal(err)
	}
	err = rc.Get().AbsPath("/version").Do(context.Background()).Error()
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a server whose certificate the CA bundle does not sign was accepted: %v", err)
	}
}

func TestRequestTimeoutSparesWatches(t *testing.T) {
	const timeout = 200 * time.Millisecond
	slow := 2 * time.Second
	srv, _ := memberServer(t, slow)
	kfc, secret := memberCluster(srv)
	cfg, err := RESTConfig(kfc, secret)
	if err != nil {
		t.Fatal(err)
	}
	rt := &timeoutRoundTripper{next: cfg.Transport, timeout: timeout}
	client := &http.Client{Transport: rt}

	start := time.Now()
	resp, err := client.Get(srv.URL + "/slow/api/v1/pods")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a list slower than the %s timeout succeeded after %s", timeout, time.Since(start))
	}
	if elapsed := time.Since(start); elapsed > slow {
		t.Fatalf("the timed-out request took %s", elapsed)
	}
	resp, err = client.Get(srv.URL + "/slow/api/v1/pods?watch=true")
	if err != nil {
		t.Fatalf("a watch was cut by the request timeout: %v", err)
	}
	resp.Body.Close()
}

// otherCA is a self-signed CA certificate that signed nothing.
func otherCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func withCodec(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.GroupVersion = &corev1.SchemeGroupVersion
	cfg.APIPath = "/api"
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	return cfg
}
