package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// staticLookup is a Lookup over fixed data.
type staticLookup struct {
	target     *corev1beta1.APIResource
	propagated bool
	policies   []policy.Policy
	clusters   []policy.Cluster
	namespace  hostread.NamespaceFederation
}

func (l *staticLookup) TargetType(context.Context, string, string) (*corev1beta1.APIResource, error) {
	return l.target, nil
}

func (l *staticLookup) Propagated(context.Context, string, string) (bool, error) {
	return l.propagated, nil
}

func (l *staticLookup) Policies(context.Context) ([]policy.Policy, error) { return l.policies, nil }

func (l *staticLookup) Clusters(context.Context) ([]policy.Cluster, error) { return l.clusters, nil }

func (l *staticLookup) NamespaceLabels(context.Context, string) (map[string]string, error) {
	return map[string]string{"team": "shop"}, nil
}

func (l *staticLookup) Namespace(context.Context, string) (hostread.NamespaceFederation, error) {
	return l.namespace, nil
}

var deploymentTarget = &corev1beta1.APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: corev1beta1.NamespaceScoped}

// request builds an admission request for a federated deployment.
func request(op admissionv1.Operation, obj, old string) admission.Request {
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "uid",
		Operation: op,
		Kind:      metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment"},
		Object:    runtime.RawExtension{Raw: []byte(obj)},
	}}
	if old != "" {
		req.OldObject = runtime.RawExtension{Raw: []byte(old)}
	}
	return req
}

func euOnly(e v1alpha1.Enforcement) policy.Policy {
	return policy.FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "eu-only"},
		Spec: v1alpha1.FederationPolicySpec{Enforcement: e,
			DeniedClusters: &v1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}}}})
}

var fleetOfTwo = []policy.Cluster{{Name: "eu-prod-1", Labels: map[string]string{"region": "eu"}}, {Name: "us-prod-1", Labels: map[string]string{"region": "us"}}}

func TestFederatedHandler(t *testing.T) {
	const valid = `{"metadata":{"name":"web","namespace":"shop"},"spec":{"placement":{"clusters":[{"name":"us-prod-1"}]}}}`
	const selectAll = `{"metadata":{"name":"web","namespace":"shop"},"spec":{"placement":{"clusterSelector":{}}}}`
	const badAndDenied = `{"metadata":{"name":"web","namespace":"shop"},"spec":{"placement":{"clusterSelector":{}},"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/kind","value":"x"}]}]}}`
	const issue = `FederatedDeployment shop/web: placement selects cluster "eu-prod-1", which FederationPolicy shop/eu-only denies (deniedClusters.clusterSelector region=eu)`
	tests := []struct {
		name     string
		req      admission.Request
		policies []policy.Policy
		allowed  bool
		code     int32
		message  []string
		warnings []string
	}{
		{"valid", request(admissionv1.Create, valid, ""), nil, true, http.StatusOK, nil, nil},
		{"delete is allowed", request(admissionv1.Delete, `{}`, ""), nil, true, http.StatusOK, nil, nil},
		{"undecodable", request(admissionv1.Create, `{"spec":[]}`, ""), nil, false, http.StatusBadRequest, nil, nil},
		{"deny", request(admissionv1.Create, selectAll, ""), []policy.Policy{euOnly(v1alpha1.EnforcementDeny)}, false, http.StatusForbidden, []string{issue}, nil},
		{"warn", request(admissionv1.Create, selectAll, ""), []policy.Policy{euOnly(v1alpha1.EnforcementWarn)}, true, http.StatusOK, nil, []string{issue}},
		{"audit", request(admissionv1.Create, selectAll, ""), []policy.Policy{euOnly(v1alpha1.EnforcementAudit)}, true, http.StatusOK, nil, nil},
		{"field errors and denials together", request(admissionv1.Create, badAndDenied, ""), []policy.Policy{euOnly(v1alpha1.EnforcementDeny)}, false, http.StatusForbidden,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden", issue}, nil},
		{"unchanged spec on update is admitted", request(admissionv1.Update, badAndDenied, badAndDenied), []policy.Policy{euOnly(v1alpha1.EnforcementDeny)}, true, http.StatusOK, nil, nil},
		{"changed spec on update is checked", request(admissionv1.Update, selectAll, valid), []policy.Policy{euOnly(v1alpha1.EnforcementDeny)}, false, http.StatusForbidden, []string{issue}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := federatedHandler(&staticLookup{target: deploymentTarget, policies: tt.policies, clusters: fleetOfTwo, namespace: hostread.NamespaceFederated}, true)
			resp := h.Handle(context.Background(), tt.req)
			if resp.Allowed != tt.allowed {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, tt.allowed, resp.Result)
			}
			if !tt.allowed && resp.Result.Code != tt.code {
				t.Fatalf("code = %d, want %d", resp.Result.Code, tt.code)
			}
			if tt.code == http.StatusForbidden && (resp.Result.Reason != metav1.StatusReasonForbidden || resp.Result.Status != metav1.StatusFailure) {
				t.Fatalf("want status Failure, reason Forbidden; got %+v", resp.Result)
			}
			for _, m := range tt.message {
				if !strings.Contains(resp.Result.Message, m) {
					t.Errorf("message %q does not contain %q", resp.Result.Message, m)
				}
			}
			if fmt.Sprint(resp.Warnings) != fmt.Sprint(tt.warnings) {
				t.Errorf("warnings = %q, want %q", resp.Warnings, tt.warnings)
			}
		})
	}
}

// TestFederatedHandlerWarnings checks the warnings (never denials) for
// clusters that are not joined and for a namespace that is not federated.
func TestFederatedHandlerWarnings(t *testing.T) {
	const typo = `{"metadata":{"name":"web","namespace":"shop"},"spec":{"placement":{"clusters":[{"name":"us-prod-1"},{"name":"us-prdo-2"},{"name":"member9"}]}}}`
	const good = `{"metadata":{"name":"web","namespace":"shop"},"spec":{"placement":{"clusters":[{"name":"us-prod-1"}]}}}`
	const unknown = `FederatedDeployment shop/web: spec.placement.clusters names "member9", "us-prdo-2", which are not joined: nothing goes there until they join (kubectl fed join); joined clusters: eu-prod-1, us-prod-1`
	const notFederated = `FederatedDeployment shop/web: namespace "shop" is not federated, so this object goes to no cluster until it is; to federate it: kubectl fed federate namespace shop`
	const notEnabled = `FederatedDeployment shop/web: namespace "shop" is not federated, so this object goes to no cluster until it is; to federate it: kubectl fed enable namespaces && kubectl fed federate namespace shop`
	clusterScope := []struct {
		name          string
		obj           string
		namespace     hostread.NamespaceFederation
		target        *corev1beta1.APIResource
		clusterScoped bool
		warnings      []string
	}{
		{"unknown clusters", typo, hostread.NamespaceFederated, deploymentTarget, true, []string{unknown}},
		{"namespace not federated", good, hostread.NamespaceNotFederated, deploymentTarget, true, []string{notFederated}},
		{"namespaces not enabled", good, hostread.NamespacesNotEnabled, deploymentTarget, true, []string{notEnabled}},
		{"both", typo, hostread.NamespaceNotFederated, deploymentTarget, true, []string{unknown, notFederated}},
		{"a Namespaced control plane needs no FederatedNamespace", good, hostread.NamespaceNotFederated, deploymentTarget, false, nil},
		{"a FederatedNamespace needs none", `{"metadata":{"name":"shop","namespace":"shop"},"spec":{"placement":{"clusters":[]}}}`, hostread.NamespaceNotFederated,
			&corev1beta1.APIResource{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: corev1beta1.ClusterScoped}, true, nil},
	}
	for _, tt := range clusterScope {
		t.Run(tt.name, func(t *testing.T) {
			h := federatedHandler(&staticLookup{target: tt.target, clusters: fleetOfTwo, namespace: tt.namespace}, tt.clusterScoped)
			resp := h.Handle(context.Background(), request(admissionv1.Create, tt.obj, ""))
			if !resp.Allowed {
				t.Fatalf("refused: %+v", resp.Result)
			}
			if fmt.Sprint(resp.Warnings) != fmt.Sprint(tt.warnings) {
				t.Errorf("warnings =\n%q\nwant\n%q", resp.Warnings, tt.warnings)
			}
		})
	}
}

func TestFederatedDefaulter(t *testing.T) {
	withDefault := policy.FromFederationPolicy(&v1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "us"},
		Spec: v1alpha1.FederationPolicySpec{DefaultPlacement: &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{{Name: "us-prod-1"}}}}})
	tests := []struct {
		name  string
		obj   string
		patch string
	}{
		{"no placement", `{"metadata":{"name":"web","namespace":"shop"},"spec":{"template":{}}}`,
			`[{"op":"add","path":"/spec/placement","value":{"clusters":[{"name":"us-prod-1"}]}}]`},
		{"no spec", `{"metadata":{"name":"web","namespace":"shop"}}`,
			`[{"op":"add","path":"/spec","value":{"placement":{"clusters":[{"name":"us-prod-1"}]}}}]`},
		{"placement kept", `{"metadata":{"name":"web","namespace":"shop"},"spec":{"placement":{"clusters":[]}}}`, ""},
		{"other namespace", `{"metadata":{"name":"web","namespace":"other"},"spec":{}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := federatedDefaulter(&staticLookup{policies: []policy.Policy{withDefault}})
			req := request(admissionv1.Create, tt.obj, "")
			resp := h.Handle(context.Background(), req)
			if err := resp.Complete(req); err != nil {
				t.Fatal(err)
			}
			if !resp.Allowed || string(resp.Patch) != tt.patch {
				t.Fatalf("allowed %v, patch %s; want %s", resp.Allowed, resp.Patch, tt.patch)
			}
		})
	}
}

func TestFederatedDefaulterAddsTheSyncFinalizerOnCreate(t *testing.T) {
	const placed = `"spec":{"placement":{"clusters":[]}}`
	tests := []struct {
		name       string
		op         admissionv1.Operation
		propagated bool
		obj        string
		patch      string
	}{
		{"create", admissionv1.Create, true, `{"metadata":{"name":"web","namespace":"shop"},` + placed + `}`,
			`[{"op":"add","path":"/metadata/finalizers","value":["kubefed.io/sync-controller"]}]`},
		{"other finalizers kept", admissionv1.Create, true, `{"metadata":{"name":"web","namespace":"shop","finalizers":["a"]},` + placed + `}`,
			`[{"op":"add","path":"/metadata/finalizers/-","value":"kubefed.io/sync-controller"}]`},
		{"already there", admissionv1.Create, true, `{"metadata":{"name":"web","namespace":"shop","finalizers":["kubefed.io/sync-controller"]},` + placed + `}`, ""},
		{"type not propagated", admissionv1.Create, false, `{"metadata":{"name":"web","namespace":"shop"},` + placed + `}`, ""},
		{"update", admissionv1.Update, true, `{"metadata":{"name":"web","namespace":"shop"},` + placed + `}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := federatedDefaulter(&staticLookup{propagated: tt.propagated})
			old := ""
			if tt.op == admissionv1.Update {
				old = tt.obj
			}
			req := request(tt.op, tt.obj, old)
			resp := h.Handle(context.Background(), req)
			if err := resp.Complete(req); err != nil {
				t.Fatal(err)
			}
			if !resp.Allowed || string(resp.Patch) != tt.patch {
				t.Fatalf("allowed %v, patch %s; want %s", resp.Allowed, resp.Patch, tt.patch)
			}
		})
	}
}

func TestKubeFedConfigDefaulterReplacesSpec(t *testing.T) {
	h := kubeFedConfigDefaulter()
	req := request(admissionv1.Create, `{"metadata":{"name":"kubefed"},"spec":{"scope":"Cluster"}}`, "")
	resp := h.Handle(context.Background(), req)
	if err := resp.Complete(req); err != nil {
		t.Fatal(err)
	}
	var patch []struct {
		Op, Path string
		Value    corev1beta1.KubeFedConfigSpec
	}
	if err := json.Unmarshal(resp.Patch, &patch); err != nil {
		t.Fatalf("%s: %v", resp.Patch, err)
	}
	if len(patch) != 1 || patch[0].Op != "replace" || patch[0].Path != "/spec" || patch[0].Value.Scope != corev1beta1.ClusterScoped ||
		len(patch[0].Value.FeatureGates) != 3 || patch[0].Value.LeaderElect == nil {
		t.Fatalf("patch %s is not one defaulted /spec replace", resp.Patch)
	}
	for _, op := range []admissionv1.Operation{admissionv1.Update} {
		if resp := h.Handle(context.Background(), request(op, `{"spec":{"scope":"Cluster"}}`, "")); len(resp.Patches) != 0 {
			t.Fatalf("%s must not be defaulted", op)
		}
	}
}

func TestCoreHandlersUseSubresource(t *testing.T) {
	cluster := `{"metadata":{"name":"c"},"spec":{"apiEndpoint":"tcp://x","secretRef":{"name":"s"}},"status":{"conditions":[{"type":"Ready","status":"Maybe","lastProbeTime":"2026-01-01T00:00:00Z"}]}}`
	req := request(admissionv1.Update, cluster, cluster)
	resp := kubeFedClusterHandler(&staticGuard{readable: map[string]bool{"s": true}}).Handle(context.Background(), req)
	if resp.Allowed || !strings.Contains(resp.Result.Message, "spec.apiEndpoint") || strings.Contains(resp.Result.Message, "status.") {
		t.Fatalf("spec write: %+v", resp.Result)
	}
	req.SubResource = "status"
	resp = kubeFedClusterHandler(&staticGuard{readable: map[string]bool{"s": true}}).Handle(context.Background(), req)
	if resp.Allowed || !strings.Contains(resp.Result.Message, `status.conditions[0].status: Unsupported value: "Maybe"`) || strings.Contains(resp.Result.Message, "spec.") {
		t.Fatalf("status write: %+v", resp.Result)
	}
	ftc := `{"metadata":{"name":"wrong"},"spec":{},"status":{"observedGeneration":-1,"propagationController":"Running"}}`
	req = request(admissionv1.Update, ftc, ftc)
	req.SubResource = "status"
	resp = federatedTypeConfigHandler().Handle(context.Background(), req)
	if resp.Allowed || !strings.Contains(resp.Result.Message, "status.observedGeneration") || strings.Contains(resp.Result.Message, "name must be") {
		t.Fatalf("FTC status write: %+v", resp.Result)
	}
}
