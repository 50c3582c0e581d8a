package syncer

import (
	"context"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestDeletionCompletesWhenAMemberLacksTheType federates a custom resource
// whose CRD only member1 (and the host) has: member2's status says what is
// missing, and deleting the federated object completes, since member2
// holds none of the type's objects.
func TestDeletionCompletesWhenAMemberLacksTheType(t *testing.T) {
	ctx := context.Background()
	crd := fixtures.ExampleCRD("Widget")
	crd.Name, crd.Spec.Names = "sprockets.example.com", apiextensionsv1.CustomResourceDefinitionNames{Plural: "sprockets", Singular: "sprocket", Kind: "Sprocket", ListKind: "SprocketList"}
	for _, c := range []string{shared.Host().Name, "member1"} {
		if err := testkit.InstallCRDs(ctx, shared.Cluster(c).RESTConfig(), crd.DeepCopy()); err != nil {
			t.Fatalf("installing the Sprocket CRD in %s: %v", c, err)
		}
	}
	target := typesv1beta1.TargetType{Group: "example.com", Version: "v1", Kind: "Sprocket", PluralName: "sprockets", Scope: apiextensionsv1.NamespaceScoped}
	if err := federation.Enable(ctx, target); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("enabling sprockets: %v", err)
	}
	ns := federatedNamespace(t)
	fs := federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedSprocket"}, ns, "cog",
		object{"template": object{"spec": object{"teeth": int64(8)}}, "placement": everywhere})
	testkit.Eventually(t, "creating the FederatedSprocket once its CRD is served", func(ctx context.Context) (bool, error) {
		return hostClient.Create(ctx, fs.DeepCopy()) == nil, nil
	})
	member1 := dynamic.NewForConfigOrDie(shared.Cluster("member1").RESTConfig())
	testkit.Eventually(t, "the sprocket in member1", func(ctx context.Context) (bool, error) {
		_, err := member1.Resource(schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "sprockets"}).Namespace(ns).Get(ctx, "cog", metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
	message := waitClusterStatus(t, fs, "member2", "CachedRetrievalFailed", "does not serve")
	if !strings.Contains(message, "sprockets") {
		t.Errorf("member2's message %q does not name the type", message)
	}

	if err := hostClient.Delete(ctx, fs); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, "the FederatedSprocket deleted", func(ctx context.Context) (bool, error) {
		err := hostClient.Get(ctx, client.ObjectKeyFromObject(fs), fs.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	t.Logf("a FederatedSprocket placed on member2, which lacks the Sprocket CRD, was deleted in %s", time.Since(start).Round(time.Millisecond))
}
