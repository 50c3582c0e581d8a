package inventory

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
)

// objects is a fixed list of federated objects.
type objects []*unstructured.Unstructured

func (o objects) FederatedObjects() ([]*unstructured.Unstructured, bool) { return o, true }

// TestDecisionsFollowASourceSwitch: an unchanged object costs no write,
// and its decision is applied again, naming the cluster's other profile,
// when the cluster switches from joined to the inventory.
func TestDecisionsFollowASourceSwitch(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
		"metadata": map[string]interface{}{"namespace": "shop", "name": "web", "resourceVersion": "7", "uid": "u1"},
		"spec":     map[string]interface{}{"placement": map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": "a"}}}},
		"status":   map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": "a", "status": "Propagated"}}},
	}}
	host := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	var writes [][]string
	host.PrependReactor("patch", "placementdecisions", func(action clienttesting.Action) (bool, runtime.Object, error) {
		pd := &inventoryv1alpha1.PlacementDecision{}
		if err := json.Unmarshal(action.(clienttesting.PatchAction).GetPatch(), pd); err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, d := range pd.Decisions {
			refs = append(refs, d.ClusterProfileRef.Namespace+"/"+d.ClusterProfileRef.Name)
		}
		writes = append(writes, refs)
		return true, nil, nil
	})
	registry := clusterclient.NewRegistry("")
	if err := registry.Claim("a", clusterclient.SourceJoined, "KubeFedCluster kube-federation-system/a"); err != nil {
		t.Fatal(err)
	}
	registry.Update("a", clusterclient.State{Ready: true})
	w := &DecisionWriter{Objects: objects{obj}, Host: host, Registry: registry, KubeFedNamespace: "kube-federation-system",
		InventoryNamespace: "fleet", ProfileNamespace: "profiles", applied: map[string]applied{}}
	ctx := context.Background()

	w.pass(ctx)
	w.pass(ctx)
	if want := [][]string{{"profiles/a"}}; !slices.EqualFunc(writes, want, slices.Equal) {
		t.Fatalf("two passes over an unchanged object applied %v, want one decision naming the joined cluster's profile %v", writes, want)
	}

	// Unjoined, then found in the inventory: same name, other profile.
	registry.Release("a", clusterclient.SourceJoined)
	if err := registry.Claim("a", clusterclient.SourceInventory, "ClusterProfile fleet/a"); err != nil {
		t.Fatal(err)
	}
	registry.Update("a", clusterclient.State{Ready: true})
	w.pass(ctx)
	w.pass(ctx)
	if want := [][]string{{"profiles/a"}, {"fleet/a"}}; !slices.EqualFunc(writes, want, slices.Equal) {
		t.Fatalf("after the switch to the inventory the decisions applied are %v, want %v", writes, want)
	}
}
