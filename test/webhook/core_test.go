package webhook

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestKubeFedClusterRules checks each webhook-only KubeFedCluster rule on
// create, update and merge patch, and that the valid object is admitted.
func TestKubeFedClusterRules(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	tests := []struct {
		name     string
		endpoint string
		secret   string
		patch    string
		fragment string
	}{
		{"tcp scheme", "tcp://example.com", "s", `{"spec":{"apiEndpoint":"tcp://example.com"}}`, `spec.apiEndpoint: Unsupported value: "tcp"`},
		{"bad port", "example.com:port80", "s", `{"spec":{"apiEndpoint":"example.com:port80"}}`, "invalid port"},
		{"port 65536", "https://example.com:65536", "s", `{"spec":{"apiEndpoint":"https://example.com:65536"}}`, "must be between 1 and 65535, inclusive"},
		{"schemeless path", "example.com/path/to/endpoint", "s", `{"spec":{"apiEndpoint":"example.com/path"}}`, "host must be a URL or a host:port pair"},
		{"port 0", "example.com:0", "s", `{"spec":{"apiEndpoint":"[2001:db8::1]:0"}}`, "must be between 1 and 65535, inclusive"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "rules-" + string(rune('a'+i))},
				Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: tt.endpoint, SecretRef: corev1beta1.LocalSecretReference{Name: tt.secret}}}
			expectDeniedByWebhook(t, e.client.Create(ctx, bad.DeepCopy()), tt.fragment)

			good := bad.DeepCopy()
			good.Spec = corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://example.com:6443", SecretRef: corev1beta1.LocalSecretReference{Name: "s"}}
			if err := e.client.Create(ctx, good); err != nil {
				t.Fatalf("the valid cluster was refused: %v", err)
			}
			t.Cleanup(func() { _ = e.client.Delete(ctx, good) })

			update := good.DeepCopy()
			update.Spec = bad.Spec
			expectDeniedByWebhook(t, e.client.Update(ctx, update), tt.fragment)
			expectDeniedByWebhook(t, e.client.Patch(ctx, good.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(tt.patch))), tt.fragment)
		})
	}
}

// TestKubeFedClusterStatusSubresource checks that status writes are
// validated on their own.
func TestKubeFedClusterStatusSubresource(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	c := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "status"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://example.com", SecretRef: corev1beta1.LocalSecretReference{Name: "s"}}}
	if err := e.client.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.client.Delete(ctx, c) })
	c.Status.Conditions = []corev1beta1.ClusterCondition{testkit.ClusterReady()}
	if err := e.client.Status().Update(ctx, c); err != nil {
		t.Fatalf("valid status refused: %v", err)
	}
	patch := `{"status":{"conditions":[{"type":"Ready","status":"True","lastProbeTime":null}]}}`
	err := e.client.Status().Patch(ctx, c.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(patch)))
	expectRejected(t, err, "lastProbeTime")
}

// TestKubeFedConfigDefaultedAndValidated checks the mutating webhook fills
// the defaults as one /spec patch, and that the scope is immutable.
func TestKubeFedConfigDefaultedAndValidated(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "kubefedconfig", nil)
	adopt := corev1beta1.AdoptResourcesDisabled
	cfg := &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubefed"},
		Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped,
			SyncController: &corev1beta1.SyncControllerConfig{AdoptResources: &adopt}}}
	if err := e.client.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	got := &corev1beta1.KubeFedConfig{}
	if err := e.client.Get(ctx, client.ObjectKeyFromObject(cfg), got); err != nil {
		t.Fatal(err)
	}
	s := got.Spec
	if s.ControllerDuration == nil || s.ControllerDuration.AvailableDelay.Duration != 20*time.Second ||
		s.LeaderElect == nil || *s.LeaderElect.ResourceLock != corev1beta1.ConfigMapsResourceLock ||
		s.ClusterHealthCheck == nil || *s.ClusterHealthCheck.FailureThreshold != 3 ||
		s.StatusController == nil || *s.StatusController.MaxConcurrentReconciles != 1 {
		t.Fatalf("not defaulted: %+v", s)
	}
	if *s.SyncController.AdoptResources != corev1beta1.AdoptResourcesDisabled || *s.SyncController.MaxConcurrentReconciles != 1 {
		t.Fatalf("the user's adoptResources was not kept, or maxConcurrentReconciles not defaulted: %+v", s.SyncController)
	}
	if len(s.FeatureGates) != 3 || s.FeatureGates[0].Name != corev1beta1.PushReconciler || s.FeatureGates[2].Name != corev1beta1.SchedulerPreferences {
		t.Fatalf("feature gates not appended and sorted: %+v", s.FeatureGates)
	}

	got.Spec.Scope = corev1beta1.NamespaceScoped
	expectRejected(t, e.client.Update(ctx, got), "field is immutable")
	expectRejected(t, e.client.Patch(ctx, got.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"featureGates":[{"name":"PushReconciler","configuration":"Enabled"},{"name":"FederatedIngress","configuration":"Enabled"}]}}`))),
		"FederatedIngress")

	bad := &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
		Spec: corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped,
			LeaderElect: &corev1beta1.LeaderElectConfig{RenewDeadline: &metav1.Duration{Duration: 12 * time.Second}, RetryPeriod: &metav1.Duration{Duration: 10 * time.Second}}}}
	expectRejected(t, e.client.Create(ctx, bad), "renewDeadline must be greater than retryPeriod")
}

// TestFederatedTypeConfigRules checks the name rule on create and update
// and that the status subresource is validated.
func TestFederatedTypeConfigRules(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ftc := &corev1beta1.FederatedTypeConfig{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "configmaps"},
		Spec: corev1beta1.FederatedTypeConfigSpec{
			TargetType:    corev1beta1.APIResource{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps", Scope: corev1beta1.NamespaceScoped},
			FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedConfigMap", PluralName: "federatedconfigmaps", Scope: corev1beta1.NamespaceScoped},
			Propagation:   corev1beta1.PropagationEnabled,
		}}
	bad := ftc.DeepCopy()
	bad.Name = "configmap"
	expectRejected(t, e.client.Create(ctx, bad), "name must be 'TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)'")
	if err := e.client.Create(ctx, ftc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.client.Delete(ctx, ftc) })
	upd := ftc.DeepCopy()
	upd.Spec.FederatedType.Group = "nodomain"
	expectRejected(t, e.client.Update(ctx, upd), "should be a domain with at least one dot")
	ftc.Status = corev1beta1.FederatedTypeConfigStatus{ObservedGeneration: 1, PropagationController: corev1beta1.ControllerStatusRunning}
	if err := e.client.Status().Update(ctx, ftc); err != nil {
		t.Fatalf("valid status refused: %v", err)
	}
	err := e.client.Status().Patch(ctx, ftc.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"status":{"propagationController":"Sleeping"}}`)))
	expectRejected(t, err, "status.propagationController: Unsupported value")
}

// TestReplicaSchedulingPreferenceRules checks an RSP rule only the webhook
// enforces.
func TestReplicaSchedulingPreferenceRules(t *testing.T) {
	e := hostEnv
	ctx := context.Background()
	ns := labeledNamespace(t, e.client, "rsp", nil)
	rsp := &schedulingv1alpha1.ReplicaSchedulingPreference{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: schedulingv1alpha1.ReplicaSchedulingPreferenceSpec{TargetKind: schedulingv1alpha1.TargetKindFederatedDeployment, TotalReplicas: 3,
			Clusters: map[string]schedulingv1alpha1.ClusterPreferences{"Bad_Name": {Weight: 1}}}}
	expectDeniedByWebhook(t, e.client.Create(ctx, rsp.DeepCopy()), `spec.clusters[Bad_Name]: Invalid value: "Bad_Name"`)
	rsp.Spec.Clusters = map[string]schedulingv1alpha1.ClusterPreferences{"*": {Weight: 1}}
	if err := e.client.Create(ctx, rsp); err != nil {
		t.Fatalf("valid RSP refused: %v", err)
	}
	err := e.client.Patch(ctx, rsp.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"clusters":{"c_1":{"weight":1}}}}`)))
	expectDeniedByWebhook(t, err, "spec.clusters[c_1]")
}
