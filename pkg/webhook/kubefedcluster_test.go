package webhook

import (
	"context"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// staticGuard answers from fixed values.
type staticGuard struct {
	insecure bool
	readable map[string]bool
}

func (g *staticGuard) AllowInsecure(context.Context) (bool, error) { return g.insecure, nil }

func (g *staticGuard) CanReadSecret(_ context.Context, _ admission.Request, _, name string) (bool, error) {
	return g.readable[name], nil
}

func TestKubeFedClusterGuard(t *testing.T) {
	const (
		joined   = `{"metadata":{"name":"m1","annotations":{"kubefed.io/joined-at":"1"}},"spec":{"apiEndpoint":"https://m1:6443","secretRef":{"name":"s"}}}`
		moved    = `{"metadata":{"name":"m1","annotations":{"kubefed.io/joined-at":"1"}},"spec":{"apiEndpoint":"https://evil:6443","secretRef":{"name":"s"}}}`
		rejoined = `{"metadata":{"name":"m1","annotations":{"kubefed.io/joined-at":"2"}},"spec":{"apiEndpoint":"https://evil:6443","secretRef":{"name":"s"}}}`
		labelled = `{"metadata":{"name":"m1","labels":{"env":"prod"},"annotations":{"kubefed.io/joined-at":"1"}},"spec":{"apiEndpoint":"https://m1:6443","secretRef":{"name":"s"}}}`
		other    = `{"metadata":{"name":"m1","annotations":{"kubefed.io/joined-at":"2"}},"spec":{"apiEndpoint":"https://m1:6443","secretRef":{"name":"other"}}}`
		plain    = `{"metadata":{"name":"m1"},"spec":{"apiEndpoint":"http://m1:8080","secretRef":{"name":"s"}}}`
		noTLS    = `{"metadata":{"name":"m1","annotations":{"kubefed.io/joined-at":"2"}},"spec":{"apiEndpoint":"https://m1:6443","secretRef":{"name":"s"},"disabledTLSValidations":["*"]}}`
	)
	readsS := map[string]bool{"s": true}
	for _, tc := range []struct {
		name     string
		op       admissionv1.Operation
		obj, old string
		guard    staticGuard
		want     string // "" means allowed
	}{
		{"create by a reader of the secret", admissionv1.Create, joined, "", staticGuard{readable: readsS}, ""},
		{"create by someone who cannot read the secret", admissionv1.Create, joined, "", staticGuard{}, `spec.secretRef.name: Forbidden: user "alice" cannot get Secret kube-federation-system/s`},
		{"endpoint moved without a re-join", admissionv1.Update, moved, joined, staticGuard{readable: readsS}, "spec.apiEndpoint: Forbidden: the connection of a joined cluster (apiEndpoint, secretRef, caBundle, proxyURL, disabledTLSValidations) changes only by joining it again: kubectl fed join m1 --error-on-existing=false"},
		{"endpoint moved by a re-join", admissionv1.Update, rejoined, joined, staticGuard{readable: readsS}, ""},
		{"labels change freely", admissionv1.Update, labelled, joined, staticGuard{}, ""},
		{"re-join to a secret the user cannot read", admissionv1.Update, other, joined, staticGuard{readable: readsS}, "Secret kube-federation-system/other"},
		{"re-join by someone who cannot read the old secret", admissionv1.Update, other, joined, staticGuard{readable: map[string]bool{"other": true}}, "Secret kube-federation-system/s"},
		{"http endpoint without the switch", admissionv1.Create, plain, "", staticGuard{readable: readsS}, "spec.apiEndpoint: Forbidden: an http:// endpoint sends the member's token in clear text: use https://, or set spec.allowInsecureClusterConnections: true in the KubeFedConfig"},
		{"http endpoint with the switch", admissionv1.Create, plain, "", staticGuard{insecure: true, readable: readsS}, ""},
		{"disabled TLS validations without the switch", admissionv1.Update, noTLS, joined, staticGuard{readable: readsS}, "spec.disabledTLSValidations: Forbidden: disabling TLS validations"},
		{"disabled TLS validations with the switch", admissionv1.Update, noTLS, joined, staticGuard{insecure: true, readable: readsS}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := request(tc.op, tc.obj, tc.old)
			req.Namespace = "kube-federation-system"
			req.UserInfo.Username = "alice"
			resp := kubeFedClusterHandler(&tc.guard).Handle(context.Background(), req)
			switch {
			case tc.want == "" && !resp.Allowed:
				t.Fatalf("refused: %s", resp.Result.Message)
			case tc.want != "" && resp.Allowed:
				t.Fatalf("allowed; want %q", tc.want)
			case tc.want != "" && !strings.Contains(resp.Result.Message, tc.want):
				t.Fatalf("message %q\nwant it to contain %q", resp.Result.Message, tc.want)
			}
		})
	}
}
