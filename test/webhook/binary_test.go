package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
	"net/http"
	"os"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/pkg/webhook"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// TestBinary runs the webhook built for the suite as a process with --cert-dir and
// --secure-port against the host, checks /healthz and /readyz, sends it
// 200 admission reviews of a FederatedDeployment with 50 clusters x 5
// overrides, and logs its resident memory.
func TestBinary(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := testkit.StartWebhook(ctx, shared, t.TempDir(), testkit.Command(t, "webhook"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Process.Stop()
		if t.Failed() {
			out, _ := os.ReadFile(w.Process.LogPath())
			t.Logf("webhook log:\n%s", out)
		}
	})
	url, ca := w.URL, w.CA
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := hc.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	review := benchmarkReview(t)
	latencies := make([]time.Duration, 0, 200)
	for range 200 {
		start := time.Now()
		resp, err := hc.Post(url+webhook.FederatedPath, "application/json", bytes.NewReader(review))
		if err != nil {
			t.Fatal(err)
		}
		out := admissionv1.AdmissionReview{}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || out.Response == nil || !out.Response.Allowed {
			t.Fatalf("review: %v %+v", err, out.Response)
		}
		latencies = append(latencies, time.Since(start))
	}
	t.Logf("webhook binary: resident memory %d MiB after 200 reviews; first review %s, last %s",
		fleet.ResidentBytes(w.Process.Pid())>>20, latencies[0], latencies[len(latencies)-1])
}

// benchmarkReview is an AdmissionReview (CREATE) of a FederatedDeployment
// in namespace shop placed in 50 clusters with 5 overrides each.
func benchmarkReview(t *testing.T) []byte {
	t.Helper()
	obj := fixtures.LargeFederatedDeployment(50, 5)
	review, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "binary", Operation: admissionv1.Create, Namespace: "shop", Name: "web",
			Kind:   metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment"},
			Object: runtime.RawExtension{Raw: obj}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return review
}
