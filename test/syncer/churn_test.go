package syncer

import (
	"context"
	"fmt"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// gadgetCRD is a custom resource with a status subresource that a test can
// write freely in a member (no controller owns it).
func gadgetCRD() *apiextensionsv1.CustomResourceDefinition {
	crd := fixtures.ExampleCRD("Gadget")
	preserve := true
	version := &crd.Spec.Versions[0]
	version.Schema.OpenAPIV3Schema.Properties["status"] = apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: &preserve}
	version.Subresources = &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}}
	return crd
}

// TestStatusWritesAreCoalescedUnderMemberChurn changes a member object's
// status about 100 times a second for 5 seconds and counts the writes of
// the federated object on the host: at most one per second, and the last
// member status is collected in the end.
func TestStatusWritesAreCoalescedUnderMemberChurn(t *testing.T) {
	const churn = 5 * time.Second
	ctx := context.Background()
	for _, c := range shared.Clusters {
		if err := testkit.InstallCRDs(ctx, c.RESTConfig(), gadgetCRD()); err != nil {
			t.Fatalf("installing the Gadget CRD in %s: %v", c.Name, err)
		}
	}
	target := typesv1beta1.TargetType{Group: "example.com", Version: "v1", Kind: "Gadget", PluralName: "gadgets", Scope: apiextensionsv1.NamespaceScoped}
	if err := federation.Enable(ctx, target); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if err := collectStatus(ctx, target); err != nil {
		t.Fatal(err)
	}
	ns := federatedNamespace(t)
	fg := federated(metav1.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedGadget"}, ns, "spinner", object{
		"template": object{"spec": object{"speed": int64(1)}}, "placement": onClusters("member1"),
	})
	testkit.Eventually(t, "creating the FederatedGadget once its CRD is served", func(ctx context.Context) (bool, error) {
		return hostClient.Create(ctx, fg.DeepCopy()) == nil, nil
	})
	gadgets := dynamic.NewForConfigOrDie(shared.Cluster("member1").RESTConfig()).
		Resource(schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "gadgets"}).Namespace(ns)
	testkit.Eventually(t, "the gadget in member1", func(ctx context.Context) (bool, error) {
		_, err := gadgets.Get(ctx, "spinner", metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
	readyState(t, fg, "a first collected status", func(ready, aggregated object) bool { return ready != nil })

	hostGadgets := dynamic.NewForConfigOrDie(shared.Host().RESTConfig()).
		Resource(schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedgadgets"}).Namespace(ns)
	watcher, err := hostGadgets.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=spinner"})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()
	writes := make(chan time.Time, 1000)
	go func() {
		for ev := range watcher.ResultChan() {
			if ev.Type == watch.Modified {
				writes <- time.Now()
			}
		}
	}()

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	started, updates, last := time.Now(), 0, ""
	for ; time.Since(started) < churn; <-tick.C {
		last = fmt.Sprintf("turn-%d", updates)
		patch := fmt.Sprintf(`{"status":{"phase":%q}}`, last)
		if _, err := gadgets.Patch(ctx, "spinner", "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}, "status"); err != nil {
			t.Fatal(err)
		}
		updates++
	}
	elapsed := time.Since(started)
	testkit.Eventually(t, "the last member status collected", func(ctx context.Context) (bool, error) {
		obj, err := hostGadgets.Get(ctx, "spinner", metav1.GetOptions{})
		return err == nil && remoteStatusOf(obj, "member1")["phase"] == last, err
	})
	count := 0
	for drained := false; !drained; {
		select {
		case <-writes:
			count++
		default:
			drained = true
		}
	}
	// One write per started second of churn, plus the write that carries
	// the last status after the churn ends.
	limit := int(elapsed/time.Second) + 2
	t.Logf("%d member status updates in %s (%.0f/s) cost %d host writes", updates, elapsed.Round(time.Millisecond), float64(updates)/elapsed.Seconds(), count)
	if count > limit {
		t.Errorf("%d host writes of the federated object during %s of member churn, want at most %d (one per second)", count, elapsed.Round(time.Millisecond), limit)
	}
}
