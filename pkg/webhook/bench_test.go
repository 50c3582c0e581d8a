package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// benchmarkObject is a FederatedDeployment placed in 50 clusters with 5
// overrides for each.
func benchmarkObject() []byte { return fixtures.LargeFederatedDeployment(50, 5) }

// benchmarkLookup is a fleet of 50 clusters with three policies that all
// select the object and that it satisfies (so every rule is evaluated).
func benchmarkLookup() *staticLookup {
	var clusters []policy.Cluster
	for i := range 50 {
		clusters = append(clusters, policy.Cluster{Name: fmt.Sprintf("cluster-%02d", i), Labels: map[string]string{"region": "us", "env": "prod"}})
	}
	maxClusters := int32(100)
	return &staticLookup{target: deploymentTarget, clusters: clusters, namespace: hostread.NamespaceFederated, policies: []policy.Policy{
		euOnly(v1alpha1.EnforcementDeny),
		policy.FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "limits"},
			Spec: v1alpha1.FederationPolicySpec{MaxClusters: &maxClusters, DeniedOverridePaths: []string{"/spec/template/spec/hostNetwork", "/metadata/labels"}}}),
		policy.FromClusterFederationPolicy(&v1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allowed"},
			Spec: v1alpha1.ClusterFederationPolicySpec{FederationPolicySpec: v1alpha1.FederationPolicySpec{
				AllowedClusters: &v1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}}}}),
	}}
}

// BenchmarkFederatedAdmission sends an AdmissionReview for a
// FederatedDeployment with 50 clusters x 5 overrides through the webhook's
// HTTP handlers in process (mutating, then validating: decode, validation,
// policy evaluation, encode) and reports the p50 and p99 latency of the
// pair.
func BenchmarkFederatedAdmission(b *testing.B) {
	lookup := benchmarkLookup()
	validate := &admission.Webhook{Handler: federatedHandler(lookup, true)}
	mutate := &admission.Webhook{Handler: federatedDefaulter(lookup)}
	review, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: "bench", Operation: admissionv1.Create, Namespace: "shop", Name: "web",
			Kind:     metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment"},
			Resource: metav1.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federateddeployments"},
			Object:   runtime.RawExtension{Raw: benchmarkObject()},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	serve := func(h http.Handler) *admissionv1.AdmissionResponse {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/", bytes.NewReader(review))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		out := admissionv1.AdmissionReview{}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
			b.Fatalf("bad response %s: %v", rec.Body, err)
		}
		return out.Response
	}
	if r := serve(validate); !r.Allowed {
		b.Fatalf("the benchmark object must be admitted: %+v", r.Result)
	}
	latencies := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		serve(mutate)
		serve(validate)
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
