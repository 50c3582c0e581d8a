package policies

import (
	"context"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
)

// cachedObjects is a fixed FederatedObjects.
type cachedObjects struct {
	objs   []*unstructured.Unstructured
	synced bool
}

func (c cachedObjects) FederatedObjects() ([]*unstructured.Unstructured, bool) {
	return c.objs, c.synced
}

func federatedDeployment(ns, name string, clusters ...string) *unstructured.Unstructured {
	refs := []any{}
	for _, c := range clusters {
		refs = append(refs, map[string]any{"name": c})
	}
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"placement": map[string]any{"clusters": refs}}}}
	obj.SetAPIVersion("types.kubefed.io/v1beta1")
	obj.SetKind("FederatedDeployment")
	obj.SetNamespace(ns)
	obj.SetName(name)
	return obj
}

// TestStatusWriter checks that the writer counts selected and violating
// objects into the policy's status, and writes nothing while the caches
// of federated objects are still filling.
func TestStatusWriter(t *testing.T) {
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	minOne := int32(1)
	p := &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "min", Generation: 3},
		Spec: policyv1alpha1.FederationPolicySpec{MinClusters: &minOne, Enforcement: policyv1alpha1.EnforcementAudit}}
	objects := []*unstructured.Unstructured{
		federatedDeployment("shop", "web"), federatedDeployment("shop", "ok", "member1"), federatedDeployment("other", "x"),
	}
	for _, tt := range []struct {
		name   string
		synced bool
		want   policyv1alpha1.FederationPolicyStatus
	}{
		{"caches filling", false, policyv1alpha1.FederationPolicyStatus{}},
		{"counted", true, policyv1alpha1.FederationPolicyStatus{ObservedGeneration: 3, Selected: 2, Violations: 1, ViolatingObjects: []string{"FederatedDeployment shop/web"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(p.DeepCopy()).WithStatusSubresource(&policyv1alpha1.FederationPolicy{}).Build()
			w := &StatusWriter{Host: hostread.Reader{Client: c, KubeFedNamespace: "kube-federation-system"},
				Objects: cachedObjects{objs: objects, synced: tt.synced}, Writer: c}
			if err := w.sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := &policyv1alpha1.FederationPolicy{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Status, tt.want) {
				t.Fatalf("status %+v, want %+v", got.Status, tt.want)
			}
		})
	}
}
