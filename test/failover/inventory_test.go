package failover

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// credPlugin is the test credential plugin the inventory tests build.
const credPlugin = "test/cmd/credplugin"

// installInventoryCRDs installs the ClusterProfile and PlacementDecision
// CRDs of manifests/inventory (the inventory module's own).
func installInventoryCRDs(ctx context.Context) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	crds, err := testkit.LoadCRDs(filepath.Join(root, "manifests", "inventory"))
	if err != nil {
		return err
	}
	return testkit.InstallCRDs(ctx, shared.Host().RESTConfig(), crds...)
}

// hostToken returns a token of a new cluster-admin service account of the
// host, for a ClusterProfile that makes the host a member.
func hostToken(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	name := "inventory-admin"
	if _, err := kube.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if _, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: metav1.NamespaceDefault, Name: name}},
	}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	hour := int64(3600)
	token, err := kube.CoreV1().ServiceAccounts(metav1.NamespaceDefault).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &hour}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return token.Status.Token
}

// providerFile writes the syncer's access provider file: the provider
// "test-token" is the test credential plugin, reading tokenPath.
func providerFile(t *testing.T, tokenPath string) string {
	t.Helper()
	cfg := map[string]interface{}{"providers": []interface{}{map[string]interface{}{
		"name": "test-token",
		"execConfig": map[string]interface{}{
			"apiVersion": "client.authentication.k8s.io/v1", "command": testkit.Command(t, credPlugin),
			"args": []string{"--token-file", tokenPath}, "provideClusterInfo": true, "interactiveMode": "Never",
		},
	}}}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "providers.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// createProfile creates a ClusterProfile of another cluster manager whose
// access provider is provider, for the host's API server, with status
// properties.
func createProfile(t *testing.T, c client.Client, namespace, name, provider string, labels map[string]string, props map[string]string) {
	t.Helper()
	ctx := context.Background()
	host := shared.Host()
	p := &inventoryv1alpha1.ClusterProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: labels},
		Spec:       inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: "test-inventory"}},
	}
	if err := c.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	// The cluster manager's status: the syncer may write its condition
	// in between, so the write is retried on the latest version.
	testkit.Eventually(t, "the status of ClusterProfile "+name, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		p.Status.AccessProviders = []inventoryv1alpha1.AccessProvider{{Name: provider,
			Cluster: clientcmdv1.Cluster{Server: host.Server, CertificateAuthorityData: host.CAData()}}}
		p.Status.Properties = nil
		for k, v := range props {
			p.Status.Properties = append(p.Status.Properties, inventoryv1alpha1.Property{Name: k, Value: v, LastObservedTime: metav1.Now()})
		}
		err := c.Status().Update(ctx, p)
		return err == nil, client.IgnoreNotFound(ignoreConflict(err))
	})
}

// useInventory sets the KubeFedConfig's spec.inventory (read by syncers
// started after it) until the test ends.
func useInventory(t *testing.T, c client.Client, inv corev1beta1.InventoryConfig) {
	t.Helper()
	changeConfig(t, c, "spec.inventory", func(spec *corev1beta1.KubeFedConfigSpec) { spec.Inventory = &inv })
	t.Cleanup(func() {
		changeConfig(t, c, "no spec.inventory", func(spec *corev1beta1.KubeFedConfigSpec) { spec.Inventory = nil })
	})
}

// ignoreConflict returns err unless it is a conflict.
func ignoreConflict(err error) error {
	if apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// profileCondition waits until a ClusterProfile's condition has status
// and a message containing fragment.
func profileCondition(t *testing.T, c client.Client, namespace, name, condition string, status metav1.ConditionStatus, fragment string) {
	t.Helper()
	testkit.Eventually(t, "ClusterProfile "+namespace+"/"+name+" "+condition+"="+string(status)+" ("+fragment+")", func(ctx context.Context) (bool, error) {
		p := &inventoryv1alpha1.ClusterProfile{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, p); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		got := meta.FindStatusCondition(p.Status.Conditions, condition)
		return got != nil && got.Status == status && strings.Contains(got.Message, fragment), nil
	})
}

// fastHealthChecks probes the clusters every second (a second's timeout, two
// failures) until the test ends, and returns the period and the failure
// threshold.
func fastHealthChecks(t *testing.T, c client.Client) (time.Duration, int64) {
	t.Helper()
	period, failures := time.Second, int64(2)
	changeConfig(t, c, "fast health checks", func(spec *corev1beta1.KubeFedConfigSpec) {
		spec.ClusterHealthCheck = &corev1beta1.ClusterHealthCheckConfig{Period: &metav1.Duration{Duration: period},
			Timeout: &metav1.Duration{Duration: time.Second}, FailureThreshold: &failures}
	})
	t.Cleanup(func() {
		changeConfig(t, c, "default health checks", func(spec *corev1beta1.KubeFedConfigSpec) { spec.ClusterHealthCheck = nil })
	})
	return period, failures
}

// TestInventoryProfilesAreMembers runs a syncer on an inventory namespace
// given by --inventory-namespace, which it writes into the KubeFedConfig's
// spec.inventory (with an InventoryFromFlags event), with the test
// credential plugin as access provider: a ClusterProfile
// for the host becomes a ready member placed by its region property and
// receives its objects, a profile whose provider the syncer lacks reports
// why while the others keep working, and a profile named like the joined
// KubeFedCluster is an error on both until it is removed.
func TestInventoryProfilesAreMembers(t *testing.T) {
	ctx := context.Background()
	c := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	inv := testkit.CreateNamespace(t, kube, "inventory-")
	tokenPath := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenPath, []byte(hostToken(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		changeConfig(t, c, "no spec.inventory", func(spec *corev1beta1.KubeFedConfigSpec) { spec.Inventory = nil })
	})
	fastHealthChecks(t, c)
	startSyncer(t, "inventory", "--inventory-namespace", inv, "--clusterprofile-provider-file", providerFile(t, tokenPath))
	testkit.Eventually(t, "spec.inventory.namespace set from --inventory-namespace", func(ctx context.Context) (bool, error) {
		cfg := &corev1beta1.KubeFedConfig{}
		err := c.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: core.KubeFedConfigName}, cfg)
		return err == nil && cfg.Spec.Inventory != nil && cfg.Spec.Inventory.Namespace == inv, err
	})
	testkit.Eventually(t, "the InventoryFromFlags event", hasEvent(kube, "InventoryFromFlags",
		`spec.inventory.namespace set from --inventory-namespace="`+inv+`"`))

	createProfile(t, c, inv, "moon", "test-token", map[string]string{"fleet": "inventory"}, map[string]string{inventory.PropertyRegion: "moon"})
	createProfile(t, c, inv, "lost", "vault-oidc", nil, nil)
	profileCondition(t, c, inv, "moon", inventory.ConditionMemberReady, metav1.ConditionTrue, "/healthz responded with ok")
	profileCondition(t, c, inv, "lost", inventory.ConditionMemberReady, metav1.ConditionFalse, "no matching cluster accessor")

	// Placement by the region property: only the profile's cluster (the
	// host) gets the ConfigMap; the joined member gets the namespace only.
	ns := federatedNamespace(t, dyn)
	waitMemberNamespace(t, member, ns)
	cm := federatedConfigMap(ns, "placed-by-region")
	cm.Object["spec"].(map[string]interface{})["placement"] = map[string]interface{}{"clusterSelector": map[string]interface{}{
		"matchLabels": map[string]interface{}{corev1.LabelTopologyRegion: "moon", "fleet": "inventory"}}}
	if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the ConfigMap in the inventory cluster (the host)", memberHas(kube, ns, "placed-by-region"))
	if _, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "placed-by-region", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the ConfigMap placed by region=moon reached the joined member (err %v); it has no such label", err)
	}
	profileCondition(t, c, inv, "lost", inventory.ConditionMemberReady, metav1.ConditionFalse, "--clusterprofile-provider-file")

	// A profile named like the joined cluster: an error on both.
	joined := shared.Members()[0].Name
	createProfile(t, c, inv, joined, "test-token", nil, nil)
	profileCondition(t, c, inv, joined, inventory.ConditionMemberReady, metav1.ConditionFalse, "is used by both")
	testkit.Eventually(t, "the KubeFedCluster reports the name conflict", func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: joined}, kfc); err != nil {
			return false, err
		}
		for _, cond := range kfc.Status.Conditions {
			if cond.Type == corev1beta1.ClusterReady && cond.Status == corev1.ConditionFalse && strings.Contains(cond.Message, "ClusterProfile "+inv+"/"+joined) {
				return true, nil
			}
		}
		return false, nil
	})
	if err := c.Delete(ctx, &inventoryv1alpha1.ClusterProfile{ObjectMeta: metav1.ObjectMeta{Namespace: inv, Name: joined}}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the joined cluster ready again once the profile is gone", func(ctx context.Context) (bool, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		err := c.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: joined}, kfc)
		return err == nil && kfc.Status.IsReady(), err
	})
}

// TestProducedProfilesFollowHealth runs a syncer that writes a
// ClusterProfile per joined cluster: the member's profile is
// ControlPlaneHealthy with its version, nothing is written while nothing
// changes, it turns False within the health thresholds once the member's
// API server stops, and the profile of an unjoined cluster is deleted.
func TestProducedProfilesFollowHealth(t *testing.T) {
	ctx := context.Background()
	c := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	out := testkit.CreateNamespace(t, kube, "profiles-")
	period, failures := fastHealthChecks(t, c)
	useInventory(t, c, corev1beta1.InventoryConfig{ProfileNamespace: out})
	startSyncer(t, "producer")
	joined := shared.Members()[0]
	profileCondition(t, c, out, joined.Name, inventoryv1alpha1.ClusterConditionControlPlaneHealthy, metav1.ConditionTrue, "")
	p := &inventoryv1alpha1.ClusterProfile{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: out, Name: joined.Name}, p); err != nil {
		t.Fatal(err)
	}
	if p.Status.Version.Kubernetes == "" || p.Labels[inventoryv1alpha1.LabelClusterManagerKey] != inventory.ClusterManagerName || p.Spec.ClusterManager.Name != inventory.ClusterManagerName {
		t.Errorf("produced profile: version %q, labels %v, manager %q; want a version and cluster manager %s",
			p.Status.Version.Kubernetes, p.Labels, p.Spec.ClusterManager.Name, inventory.ClusterManagerName)
	}
	// Written with the generation it observes, not fixed up by a second
	// write (which the window below would count).
	if c := meta.FindStatusCondition(p.Status.Conditions, inventoryv1alpha1.ClusterConditionControlPlaneHealthy); c == nil || c.ObservedGeneration != p.Generation {
		t.Errorf("produced profile of generation %d: ControlPlaneHealthy %+v, want it to observe that generation", p.Generation, c)
	}

	// Nothing changes for five health periods: no write.
	profiles := hostDynamic(t).Resource(schema.GroupVersionResource{Group: inventoryv1alpha1.Group, Version: inventoryv1alpha1.Version, Resource: "clusterprofiles"}).Namespace(out)
	w, err := profiles.Watch(ctx, metav1.ListOptions{ResourceVersion: p.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	writes := count(t, w, func(e watch.Event) bool { return e.Type == watch.Modified })
	time.Sleep(5 * period) // an observation window: the writes it counts must stay 0
	if n := writes.writes.Load(); n != 0 {
		t.Errorf("%d writes to the produced profiles of an unchanged fleet in %s, want 0", n, 5*period)
	}

	joined.StopAPIServer()
	t.Cleanup(func() {
		if err := joined.StartAPIServer(context.Background()); err != nil {
			t.Error(err)
		}
		testkit.Eventually(t, "the member ready again", func(ctx context.Context) (bool, error) {
			kfc := &corev1beta1.KubeFedCluster{}
			err := c.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: joined.Name}, kfc)
			return err == nil && kfc.Status.IsReady(), err
		})
	})
	stopped := time.Now()
	profileCondition(t, c, out, joined.Name, inventoryv1alpha1.ClusterConditionControlPlaneHealthy, metav1.ConditionFalse, "not reachable")
	// The thresholds: failures probes a period apart, each up to the timeout.
	if took, limit := time.Since(stopped), time.Duration(failures)*(period+time.Second)+5*time.Second; took > limit {
		t.Errorf("ControlPlaneHealthy turned False %s after the API server stopped, want within %s", took.Round(time.Millisecond), limit)
	}

	// Unjoin: a KubeFedCluster that joined (to nowhere) and left.
	ghost := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNamespace, Name: "ghost"},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://127.0.0.1:1", SecretRef: corev1beta1.LocalSecretReference{Name: "ghost"}}}
	if err := c.Create(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	profileCondition(t, c, out, "ghost", inventoryv1alpha1.ClusterConditionControlPlaneHealthy, metav1.ConditionFalse, "")
	if err := c.Delete(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the unjoined cluster's profile deleted", func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Namespace: out, Name: "ghost"}, &inventoryv1alpha1.ClusterProfile{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}

// hostDynamic returns a dynamic client of the host.
func hostDynamic(t *testing.T) dynamic.Interface {
	t.Helper()
	d, err := dynamic.NewForConfig(shared.Host().RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// placementDecision returns the clusters a PlacementDecision names, as
// namespace/name of their ClusterProfiles, or nil when it does not exist.
func placementDecision(ctx context.Context, c client.Client, namespace, name string) ([]string, error) {
	pd := &inventoryv1alpha1.PlacementDecision{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, pd); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	out := []string{}
	for _, d := range pd.Decisions {
		out = append(out, d.ClusterProfileRef.Namespace+"/"+d.ClusterProfileRef.Name)
	}
	return out, nil
}

// TestPlacementDecisionsFollowPlacement runs a syncer that writes
// PlacementDecisions, with the host as an inventory cluster beside the
// joined member: a FederatedConfigMap's decision names the clusters of
// its placement (each by its ClusterProfile: the inventory's, or the one
// written for the joined cluster), follows a placement change, costs no
// write while nothing changes, and goes with the object.
func TestPlacementDecisionsFollowPlacement(t *testing.T) {
	ctx := context.Background()
	c := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	d := hostDynamic(t)
	inv := testkit.CreateNamespace(t, kube, "inventory-")
	out := testkit.CreateNamespace(t, kube, "profiles-")
	tokenPath := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenPath, []byte(hostToken(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	useInventory(t, c, corev1beta1.InventoryConfig{Namespace: inv, ProfileNamespace: out, PlacementDecisions: true})
	startSyncer(t, "decisions", "--clusterprofile-provider-file", providerFile(t, tokenPath))
	createProfile(t, c, inv, "moon", "test-token", nil, nil)
	profileCondition(t, c, inv, "moon", inventory.ConditionMemberReady, metav1.ConditionTrue, "")
	joined := shared.Members()[0].Name

	ns := federatedNamespace(t, d)
	cm := federatedConfigMap(ns, "web")
	setClusters := func(names ...string) {
		refs := []interface{}{}
		for _, n := range names {
			refs = append(refs, map[string]interface{}{"name": n})
		}
		testkit.Eventually(t, "placement on "+strings.Join(names, ","), func(ctx context.Context) (bool, error) {
			obj, err := d.Resource(federatedConfigMaps).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			obj.Object["spec"].(map[string]interface{})["placement"] = map[string]interface{}{"clusters": refs}
			_, err = d.Resource(federatedConfigMaps).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{})
			return err == nil, ignoreConflict(err)
		})
	}
	cm.Object["spec"].(map[string]interface{})["placement"] = map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": joined}}}
	if _, err := d.Resource(federatedConfigMaps).Namespace(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	name := inventory.PlacementDecisionName("FederatedConfigMap", "web")
	waitDecision := func(want ...string) {
		t.Helper()
		testkit.Eventually(t, "PlacementDecision "+name+" naming "+strings.Join(want, ","), func(ctx context.Context) (bool, error) {
			got, err := placementDecision(ctx, c, ns, name)
			return got != nil && slices.Equal(got, want), err
		})
	}
	waitDecision(out + "/" + joined)
	setClusters(joined, "moon")
	waitDecision(out+"/"+joined, inv+"/moon")
	setClusters("moon")
	waitDecision(inv + "/moon")

	// Nothing changes for five decision intervals: no write.
	decisions := d.Resource(inventoryv1alpha1.PlacementDecisionSchemeGroupVersionResource).Namespace(ns)
	list, err := decisions.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := decisions.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	if err != nil {
		t.Fatal(err)
	}
	writes := count(t, w, func(e watch.Event) bool { return e.Type == watch.Modified })
	time.Sleep(5 * syncer.DecisionInterval) // an observation window: the writes it counts must stay 0
	if n := writes.writes.Load(); n != 0 {
		t.Errorf("%d writes to the PlacementDecisions of unchanged objects in %s, want 0", n, 5*syncer.DecisionInterval)
	}

	if err := d.Resource(federatedConfigMaps).Namespace(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the PlacementDecision gone with its object", func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &inventoryv1alpha1.PlacementDecision{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}
