package failover

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// setAdoptResources sets the KubeFedConfig's syncController.adoptResources;
// the syncer reads it when it starts.
func setAdoptResources(t *testing.T, c client.Client, mode corev1beta1.ResourceAdoption) {
	t.Helper()
	testkit.Eventually(t, "adoptResources "+string(mode), func(ctx context.Context) (bool, error) {
		cfg := &corev1beta1.KubeFedConfig{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: core.KubeFedConfigName}, cfg); err != nil {
			return false, err
		}
		if cfg.Spec.SyncController == nil {
			cfg.Spec.SyncController = &corev1beta1.SyncControllerConfig{}
		}
		cfg.Spec.SyncController.AdoptResources = &mode
		return c.Update(ctx, cfg) == nil, nil
	})
}

func TestExistingObjectIsNotAdoptedWhenAdoptionIsDisabled(t *testing.T) {
	runtimeScheme, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	host, err := client.New(shared.Host().RESTConfig(), client.Options{Scheme: runtimeScheme})
	if err != nil {
		t.Fatal(err)
	}
	setAdoptResources(t, host, corev1beta1.AdoptResourcesDisabled)
	t.Cleanup(func() { setAdoptResources(t, host, corev1beta1.AdoptResourcesEnabled) })
	startSyncer(t, "no-adoption")

	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	ns := federatedNamespace(t, dyn)
	testkit.Eventually(t, "the namespace in the member", func(ctx context.Context) (bool, error) {
		_, err := member.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil, nil
	})
	if _, err := member.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "theirs"}, Data: map[string]string{"name": "someone else's"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Create(context.Background(), federatedConfigMap(ns, "theirs"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	memberName := shared.Members()[0].Name
	testkit.Eventually(t, memberName+" status AlreadyExists", func(ctx context.Context) (bool, error) {
		fcm, err := dyn.Resource(federatedConfigMaps).Namespace(ns).Get(ctx, "theirs", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		clusters, _, _ := unstructured.NestedSlice(fcm.Object, "status", "clusters")
		for _, c := range clusters {
			if entry := c.(map[string]interface{}); entry["name"] == memberName {
				return entry["status"] == "AlreadyExists", nil
			}
		}
		return false, nil
	})
	cm, err := member.CoreV1().ConfigMaps(ns).Get(context.Background(), "theirs", metav1.GetOptions{})
	if err != nil || cm.Data["name"] != "someone else's" || cm.Labels[core.ManagedByKubeFedLabelKey] != "" {
		t.Errorf("the existing member object was changed although adoption is disabled: %v %v %v", cm.Data, cm.Labels, err)
	}
}
