package syncer

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// staleVersionWebhook runs an admission webhook on 127.0.0.1 that sets
// metadata.resourceVersion of every object it admits to "1", registers it
// in member for updates of ConfigMaps in namespace ns (as a member-side
// mutating webhook, the kind a member's own platform team might run) and
// returns once the member's API server calls it: from then on every update
// of those ConfigMaps conflicts, whoever sends it. remove unregisters it;
// the test's cleanup does too, then stops the server.
func staleVersionWebhook(t *testing.T, member kubernetes.Interface, ns string) (calls *atomic.Int64, remove func()) {
	t.Helper()
	calls = &atomic.Int64{}
	patch := []byte(`[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]`)
	jsonPatch := admissionv1.PatchTypeJSONPatch
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		review := &admissionv1.AdmissionReview{}
		if err := json.NewDecoder(r.Body).Decode(review); err != nil || review.Request == nil {
			http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		review.Response = &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true, PatchType: &jsonPatch, Patch: patch}
		review.Request = nil
		_ = json.NewEncoder(w).Encode(review)
	}))
	t.Cleanup(srv.Close)

	url := srv.URL + "/stale-version"
	none, fail, timeout := admissionregistrationv1.SideEffectClassNone, admissionregistrationv1.Fail, int32(5)
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "stale-version-" + ns},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:         "stale-version.example.com",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
			SideEffects:             &none,
			FailurePolicy:           &fail,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	webhooks := member.AdmissionregistrationV1().MutatingWebhookConfigurations()
	if _, err := webhooks.Create(context.Background(), cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	remove = func() {
		if err := webhooks.Delete(context.Background(), cfg.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Error(err)
		}
	}
	t.Cleanup(remove)
	return calls, remove
}

// TestPersistentUpdateConflictIsAFailure makes every update of a member
// object conflict (a mutating webhook in member1 rewrites the update's
// resourceVersion, as an override of /metadata/resourceVersion did before
// admission refused those) and changes the template: member2 is updated,
// and member1's status turns UpdateFailed, naming the conflicts, after the
// bounded retry (5 conflicts in a row) instead of staying OK while the
// member is never updated. Once the conflicts stop, the next change is
// propagated to member1 and its status is OK again.
func TestPersistentUpdateConflictIsAFailure(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "contested", object{
		"template": object{"data": object{"v": "1"}}, "placement": everywhere})
	create(t, fcm)
	for _, m := range []string{"member1", "member2"} {
		memberConfigMap(t, m, ns, "contested", "the first version", hasData("v", "1"))
	}
	m1 := memberClient(t, "member1")
	calls, remove := staleVersionWebhook(t, m1, ns)
	testkit.Eventually(t, "member1's API server to call the webhook (a dry-run update conflicts)", func(ctx context.Context) (bool, error) {
		cm, err := m1.CoreV1().ConfigMaps(ns).Get(ctx, "contested", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		_, err = m1.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		return apierrors.IsConflict(err), nil
	})

	before := calls.Load()
	mutate(t, fcm, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, "2", "spec", "template", "data", "v")
	})
	start := time.Now()
	memberConfigMap(t, "member2", ns, "contested", "the update", hasData("v", "2"))
	message := waitClusterStatus(t, fcm, "member1", "UpdateFailed", "update conflicts in a row")
	took := time.Since(start)
	if status, _, _ := clusterStatus(propagationCondition(t, fcm, "False", "CheckClusters"), "member2"); status != "" {
		t.Errorf("member2's status is %q, want OK (only member1 conflicts)", status)
	}
	memberConfigMap(t, "member1", ns, "contested", "the first version, never updated", hasData("v", "1"))
	t.Logf("member1's status turned UpdateFailed %s after the template changed, after %d conflicting updates: %s",
		took.Round(time.Millisecond), calls.Load()-before, message)

	remove()
	testkit.Eventually(t, "member1's API server to stop calling the webhook (a dry-run update passes)", func(ctx context.Context) (bool, error) {
		cm, err := m1.CoreV1().ConfigMaps(ns).Get(ctx, "contested", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		_, err = m1.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		return err == nil, nil
	})
	mutate(t, fcm, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, "3", "spec", "template", "data", "v")
	})
	memberConfigMap(t, "member1", ns, "contested", "the change after the conflicts stopped", hasData("v", "3"))
	waitClusterStatus(t, fcm, "member1", "", "") // OK
	propagationCondition(t, fcm, "True", "")
}
