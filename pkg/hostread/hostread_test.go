package hostread

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
)

const kubeFedNS = "kube-federation-system"

func reader(t *testing.T, objs ...client.Object) Reader {
	t.Helper()
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	return Reader{Client: fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build(), KubeFedNamespace: kubeFedNS}
}

var namespacesFTC = &corev1beta1.FederatedTypeConfig{
	ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "namespaces"},
	Spec: corev1beta1.FederatedTypeConfigSpec{
		TargetType:    corev1beta1.APIResource{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: corev1beta1.ClusterScoped},
		FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedNamespace", PluralName: "federatednamespaces", Scope: corev1beta1.NamespaceScoped},
	},
}

func TestReads(t *testing.T) {
	ctx := context.Background()
	r := reader(t,
		&policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "p"}},
		&policyv1alpha1.ClusterFederationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "c"}},
		&corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "member1", Labels: map[string]string{"region": "eu"}}},
		&corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "elsewhere", Name: "ignored"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"team": "shop"}}},
		namespacesFTC,
	)
	policies, err := r.Policies(ctx)
	if err != nil || len(policies) != 2 || policies[0].String() != "FederationPolicy shop/p" || policies[1].String() != "ClusterFederationPolicy c" {
		t.Fatalf("Policies = %v, %v", policies, err)
	}
	clusters, err := r.Clusters(ctx)
	if err != nil || len(clusters) != 1 || clusters[0].Name != "member1" || clusters[0].Labels["region"] != "eu" {
		t.Fatalf("Clusters = %v, %v (only the KubeFed namespace's)", clusters, err)
	}
	for ns, want := range map[string]string{"shop": "shop", "gone": "", "": ""} {
		labels, err := r.NamespaceLabels(ctx, ns)
		if err != nil || labels["team"] != want {
			t.Errorf("NamespaceLabels(%q) = %v, %v", ns, labels, err)
		}
	}
	all, err := r.AllNamespaceLabels(ctx)
	if err != nil || len(all) != 1 || all["shop"]["team"] != "shop" {
		t.Errorf("AllNamespaceLabels = %v, %v", all, err)
	}
	target, err := r.TargetType(ctx, "types.kubefed.io", "FederatedNamespace")
	if err != nil || target == nil || target.Kind != "Namespace" {
		t.Errorf("TargetType = %v, %v", target, err)
	}
	if target, err := r.TargetType(ctx, "types.kubefed.io", "FederatedSecret"); err != nil || target != nil {
		t.Errorf("TargetType of a type not enabled = %v, %v", target, err)
	}
}

// TestClustersOfTheInventory: the ClusterProfiles of the KubeFedConfig's
// inventory namespace are clusters too, labelled by their labels and
// properties, except those kubectl-fed writes and names a KubeFedCluster
// uses; without an inventory namespace or an Inventory reader, none.
func TestClustersOfTheInventory(t *testing.T) {
	ctx := context.Background()
	profile := func(namespace, name, manager string) *inventoryv1alpha1.ClusterProfile {
		p := &inventoryv1alpha1.ClusterProfile{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"fleet": "inv"}},
			Spec: inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: manager}}}
		p.Status.Properties = []inventoryv1alpha1.Property{{Name: inventory.PropertyRegion, Value: "moon"}}
		return p
	}
	objs := []client.Object{
		&corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: "member1"}},
		profile("fleet", "moon", "ocm"),
		profile("fleet", "member1", "ocm"),
		profile("fleet", "written", inventory.ClusterManagerName),
		profile("elsewhere", "mars", "ocm"),
	}
	names := func(clusters []policy.Cluster) []string {
		var out []string
		for _, c := range clusters {
			out = append(out, c.Name)
		}
		return out
	}
	r := reader(t, objs...)
	r.Inventory = r.Client
	if clusters, err := r.Clusters(ctx); err != nil || !slices.Equal(names(clusters), []string{"member1"}) {
		t.Errorf("without a KubeFedConfig: Clusters = %v, %v; want the KubeFedCluster only", names(clusters), err)
	}
	cfg := &corev1beta1.KubeFedConfig{ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: core.KubeFedConfigName},
		Spec: corev1beta1.KubeFedConfigSpec{Inventory: &corev1beta1.InventoryConfig{Namespace: "fleet"}}}
	r = reader(t, append(objs, cfg)...)
	without := r
	r.Inventory = r.Client
	clusters, err := r.Clusters(ctx)
	if err != nil || !slices.Equal(names(clusters), []string{"member1", "moon"}) {
		t.Fatalf("Clusters = %v, %v; want member1 (joined) and moon (the inventory's)", names(clusters), err)
	}
	if l := clusters[1].Labels; l["fleet"] != "inv" || l[corev1.LabelTopologyRegion] != "moon" {
		t.Errorf("the inventory cluster's labels = %v, want its labels and its region property", l)
	}
	if clusters, err := without.Clusters(ctx); err != nil || len(clusters) != 1 {
		t.Errorf("without an Inventory reader: Clusters = %v, %v; want the KubeFedCluster only", names(clusters), err)
	}
}

func TestNamespace(t *testing.T) {
	ctx := context.Background()
	if got, err := reader(t).Namespace(ctx, "shop"); err != nil || got != NamespacesNotEnabled {
		t.Errorf("without the namespaces type: %v, %v", got, err)
	}
	if got, err := reader(t, namespacesFTC).Namespace(ctx, "shop"); err != nil || got != NamespaceNotFederated {
		t.Errorf("without a FederatedNamespace: %v, %v", got, err)
	}
	fns := &unstructured.Unstructured{}
	fns.SetAPIVersion("types.kubefed.io/v1beta1")
	fns.SetKind("FederatedNamespace")
	fns.SetNamespace("shop")
	fns.SetName("shop")
	if got, err := reader(t, namespacesFTC, fns).Namespace(ctx, "shop"); err != nil || got != NamespaceFederated {
		t.Errorf("with its FederatedNamespace: %v, %v", got, err)
	}
}

func TestPropagated(t *testing.T) {
	ftc := func(kind string, mode corev1beta1.PropagationMode, status corev1beta1.ControllerStatus) *corev1beta1.FederatedTypeConfig {
		return &corev1beta1.FederatedTypeConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: kubeFedNS, Name: strings.ToLower(kind) + "s"},
			Spec: corev1beta1.FederatedTypeConfigSpec{
				TargetType:    corev1beta1.APIResource{Version: "v1", Kind: kind, PluralName: strings.ToLower(kind) + "s", Scope: corev1beta1.NamespaceScoped},
				FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "Federated" + kind, Scope: corev1beta1.NamespaceScoped},
				Propagation:   mode,
			},
			Status: corev1beta1.FederatedTypeConfigStatus{PropagationController: status},
		}
	}
	running := corev1beta1.ControllerStatusRunning
	deleting := ftc("Service", corev1beta1.PropagationEnabled, running)
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	deleting.Finalizers = []string{"core.kubefed.io/federated-type-config"}
	namespaces := namespacesFTC.DeepCopy()
	namespaces.Status.PropagationController = running
	r := reader(t, namespaces, deleting,
		ftc("ConfigMap", corev1beta1.PropagationEnabled, running),
		ftc("Secret", corev1beta1.PropagationDisabled, corev1beta1.ControllerStatusNotRunning),
		ftc("Job", corev1beta1.PropagationEnabled, ""),
		ftc("Role", corev1beta1.PropagationEnabled, corev1beta1.ControllerStatusNotRunning))
	for kind, want := range map[string]bool{
		"FederatedConfigMap": true,
		"FederatedSecret":    false, // propagation Disabled
		"FederatedJob":       false, // no syncer has reported it Running
		"FederatedRole":      false, // the syncer does not run it
		"FederatedService":   false, // its FederatedTypeConfig is being deleted
		"FederatedNamespace": false, // the syncer decides
		"FederatedIngress":   false, // not enabled
	} {
		if got, err := r.Propagated(context.Background(), "types.kubefed.io", kind); err != nil || got != want {
			t.Errorf("Propagated(%s) = %v, %v; want %v", kind, got, err, want)
		}
	}
}
