package failover

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// setAdoptResources sets the KubeFedConfig's syncController.adoptResources.
func setAdoptResources(t *testing.T, c client.Client, mode corev1beta1.ResourceAdoption) {
	t.Helper()
	changeConfig(t, c, "adoptResources "+string(mode), func(spec *corev1beta1.KubeFedConfigSpec) {
		if spec.SyncController == nil {
			spec.SyncController = &corev1beta1.SyncControllerConfig{}
		}
		spec.SyncController.AdoptResources = &mode
	})
}

// changeConfig changes the KubeFedConfig's spec.
func changeConfig(t *testing.T, c client.Client, what string, change func(*corev1beta1.KubeFedConfigSpec)) {
	t.Helper()
	testkit.Eventually(t, what, func(ctx context.Context) (bool, error) {
		cfg := &corev1beta1.KubeFedConfig{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: core.KubeFedConfigName}, cfg); err != nil {
			return false, err
		}
		change(&cfg.Spec)
		return c.Update(ctx, cfg) == nil, nil
	})
}

// hostFederationClient returns a controller-runtime client for the host's
// federation objects.
func hostFederationClient(t *testing.T) client.Client {
	t.Helper()
	return testkit.Client(t, shared.Host().RESTConfig())
}

func TestExistingObjectIsNotAdoptedWhenAdoptionIsDisabled(t *testing.T) {
	host := hostFederationClient(t)
	setAdoptResources(t, host, corev1beta1.AdoptResourcesDisabled)
	t.Cleanup(func() { setAdoptResources(t, host, corev1beta1.AdoptResourcesEnabled) })
	startSyncer(t, "no-adoption")

	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	ns := federatedNamespace(t, dyn)
	waitMemberNamespace(t, member, ns)
	createInMember(t, member, ns, "theirs", map[string]string{"name": "someone else's"})
	if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, "theirs"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitMemberStatus(t, dyn, ns, "theirs", "AlreadyExists")
	cm, err := member.CoreV1().ConfigMaps(ns).Get(context.Background(), "theirs", metav1.GetOptions{})
	if err != nil || cm.Data["name"] != "someone else's" || cm.Labels[core.ManagedByKubeFedLabelKey] != "" {
		t.Errorf("the existing member object was changed although adoption is disabled: %v %v %v", cm.Data, cm.Labels, err)
	}
}

// waitMemberStatus waits for the member's entry in a FederatedConfigMap's
// status to be want.
func waitMemberStatus(t *testing.T, dyn dynamic.Interface, ns, name, want string) {
	t.Helper()
	memberName := shared.Members()[0].Name
	testkit.Eventually(t, memberName+" status "+want+" for "+name, func(ctx context.Context) (bool, error) {
		fcm, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		status, err := typesv1beta1.StatusOf(fcm)
		if err != nil {
			return false, err
		}
		entry := status.Cluster(memberName)
		return entry != nil && string(entry.Status) == want, nil
	})
}

// TestSettingsApplyWithoutRestart changes the KubeFedConfig under one
// running syncer: adoptResources Disabled then Enabled applies at once (an
// existing member object is left, then adopted); an invalid KubeFedConfig
// keeps the settings in force and says so in an event; a setting that needs
// a restart is reported as such.
func TestSettingsApplyWithoutRestart(t *testing.T) {
	host := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	t.Cleanup(func() {
		changeConfig(t, host, "the suite's KubeFedConfig back", func(spec *corev1beta1.KubeFedConfigSpec) {
			enabled := corev1beta1.AdoptResourcesEnabled
			spec.SyncController.AdoptResources = &enabled
			spec.SyncController.MaxConcurrentReconciles = nil
			spec.LeaderElect.LeaseDuration = &metav1.Duration{Duration: 1500 * time.Millisecond}
		})
	})
	startSyncer(t, "live-settings")
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	ns := federatedNamespace(t, dyn)
	waitMemberNamespace(t, member, ns)
	preexisting := func(name string) {
		t.Helper()
		createInMember(t, member, ns, name, map[string]string{"name": "someone else's"})
		if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	setAdoptResources(t, host, corev1beta1.AdoptResourcesDisabled)
	changed := time.Now()
	testkit.Eventually(t, "the KubeFedConfigApplied event", hasEvent(kube, "KubeFedConfigApplied", "adoptResources=Disabled"))
	t.Logf("adoptResources Disabled applied %s after the change", since(changed))
	preexisting("first")
	waitMemberStatus(t, dyn, ns, "first", "AlreadyExists")

	setAdoptResources(t, host, corev1beta1.AdoptResourcesEnabled)
	changed = time.Now()
	testkit.Eventually(t, "the existing object adopted", memberHas(member, ns, "first"))
	t.Logf("adoptResources Enabled applied, and the existing object adopted, %s after the change", since(changed))

	// Invalid (leaseDuration below renewDeadline), and asking for Disabled
	// adoption: the syncer keeps adopting. The CRD and the webhook refuse
	// such a KubeFedConfig, so it is written as if stored before its rules
	// existed: through a copy of the CRD without them, then put back.
	withoutLeaderElectRules(t, func() {
		changeConfig(t, host, "an invalid KubeFedConfig", func(spec *corev1beta1.KubeFedConfigSpec) {
			disabled := corev1beta1.AdoptResourcesDisabled
			spec.SyncController.AdoptResources = &disabled
			spec.LeaderElect.LeaseDuration = &metav1.Duration{Duration: 100 * time.Millisecond}
		})
	})
	testkit.Eventually(t, "the InvalidKubeFedConfig event", hasEvent(kube, "InvalidKubeFedConfig", "keeps the settings in force (syncController.adoptResources Enabled)"))
	preexisting("second")
	testkit.Eventually(t, "the second existing object adopted under the kept settings", memberHas(member, ns, "second"))

	changeConfig(t, host, "a setting that needs a restart", func(spec *corev1beta1.KubeFedConfigSpec) {
		enabled := corev1beta1.AdoptResourcesEnabled
		spec.SyncController.AdoptResources = &enabled
		spec.LeaderElect.LeaseDuration = &metav1.Duration{Duration: 1500 * time.Millisecond}
		workers := int64(3)
		spec.SyncController.MaxConcurrentReconciles = &workers
	})
	testkit.Eventually(t, "the RestartRequired event", hasEvent(kube, "RestartRequired", "syncController.maxConcurrentReconciles"))
}

// withoutLeaderElectRules runs write with the KubeFedConfig CRD's rules on
// spec.leaderElect removed, and puts the CRD back.
func withoutLeaderElectRules(t *testing.T, write func()) {
	t.Helper()
	crds, err := testkit.LoadCRDs(filepath.Join("..", "..", "manifests", "crds"))
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range crds {
		if crd.Name != "kubefedconfigs.core.kubefed.io" {
			continue
		}
		loose := crd.DeepCopy()
		spec := loose.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
		leaderElect := spec.Properties["leaderElect"]
		leaderElect.XValidations = nil
		spec.Properties["leaderElect"] = leaderElect
		loose.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec
		if err := testkit.InstallCRDs(context.Background(), shared.Host().RESTConfig(), loose); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := testkit.InstallCRDs(context.Background(), shared.Host().RESTConfig(), crd); err != nil {
				t.Fatal(err)
			}
		}()
		write()
		return
	}
	t.Fatal("no KubeFedConfig CRD in manifests/crds")
}

// hasEvent reports whether the KubeFedConfig has an event with reason whose
// message contains fragment.
func hasEvent(kube kubernetes.Interface, reason, fragment string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		events, err := kube.CoreV1().Events(kubefedNamespace).List(ctx, metav1.ListOptions{
			FieldSelector: "involvedObject.kind=KubeFedConfig,reason=" + reason})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if strings.Contains(e.Message, fragment) {
				return true, nil
			}
		}
		return false, nil
	}
}

func since(start time.Time) string { return time.Since(start).Round(time.Millisecond).String() }
