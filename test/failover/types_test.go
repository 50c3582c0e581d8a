package failover

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

var sprocketTarget = typesv1beta1.TargetType{Group: "example.com", Version: "v1", Kind: "Sprocket", PluralName: "sprockets", Scope: apiextensionsv1.NamespaceScoped}

// deleteCRD deletes a CRD and waits until it is gone.
func deleteCRD(t *testing.T, cfg *rest.Config, name string) {
	t.Helper()
	crds := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	if err := crds.Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "CRD "+name+" gone", func(ctx context.Context) (bool, error) {
		_, err := crds.Get(ctx, name, metav1.GetOptions{})
		return err != nil, client.IgnoreNotFound(err)
	})
}

// ftcCondition waits for a FederatedTypeConfig's condition to have status
// and a message containing fragment, and for its propagationController to
// be controller ("" for any); it returns the FederatedTypeConfig.
func ftcCondition(t *testing.T, host client.Client, name, condition string, status metav1.ConditionStatus, fragment string, controller corev1beta1.ControllerStatus) *corev1beta1.FederatedTypeConfig {
	t.Helper()
	ftc := &corev1beta1.FederatedTypeConfig{}
	testkit.Eventually(t, name+" "+condition+"="+string(status)+" saying "+fragment, func(ctx context.Context) (bool, error) {
		if err := host.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: name}, ftc); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(ftc.Status.Conditions, condition)
		return c != nil && c.Status == status && strings.Contains(c.Message, fragment) &&
			(controller == "" || ftc.Status.PropagationController == controller), nil
	})
	return ftc
}

// TestTargetTypeThatDisappears federates a custom type, then deletes its
// CRD from the member and from the host: the FederatedTypeConfig says so
// (and is not Running once the host lacks it), the member's watch of the
// type stops, and deleting a federated object of the type completes with
// an event saying why the member could not be checked.
func TestTargetTypeThatDisappears(t *testing.T) {
	ctx := context.Background()
	host := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	memberCfg := shared.Members()[0].RESTConfig()
	memberName := shared.Members()[0].Name
	for _, cfg := range []*rest.Config{shared.Host().RESTConfig(), memberCfg} {
		if err := testkit.InstallCRDs(ctx, cfg, fixtures.ExampleCRD("Sprocket")); err != nil {
			t.Fatal(err)
		}
	}
	if err := federation.Enable(ctx, sprocketTarget); err != nil {
		t.Fatal(err)
	}
	syncer := startSyncer(t, "types")
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	ns := federatedNamespace(t, dyn)
	federatedSprockets := schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedsprockets"}
	fs := federatedConfigMap(ns, "gear")
	fs.SetKind("FederatedSprocket")
	fs.Object["spec"].(map[string]interface{})["template"] = map[string]interface{}{"spec": map[string]interface{}{"teeth": int64(12)}}
	if _, err := dyn.Resource(federatedSprockets).Namespace(ns).Create(ctx, fs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sprockets := schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "sprockets"}
	member := dynamic.NewForConfigOrDie(memberCfg)
	testkit.Eventually(t, "the sprocket in the member", func(ctx context.Context) (bool, error) {
		_, err := member.Resource(sprockets).Namespace(ns).Get(ctx, "gear", metav1.GetOptions{})
		return err == nil, nil
	})
	ftcCondition(t, host, "sprockets.example.com", corev1beta1.TargetTypeServed, metav1.ConditionTrue, "", corev1beta1.ControllerStatusRunning)

	deleteCRD(t, memberCfg, "sprockets.example.com")
	removed := time.Now()
	ftcCondition(t, host, "sprockets.example.com", corev1beta1.TargetTypeServed, metav1.ConditionFalse,
		"sprockets.example.com/v1 is not served by "+memberName, corev1beta1.ControllerStatusRunning)
	t.Logf("TargetTypeServed=False naming %s %s after its CRD was deleted", memberName, since(removed))

	if err := dyn.Resource(federatedSprockets).Namespace(ns).Delete(ctx, "gear", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	testkit.Eventually(t, "the FederatedSprocket's deletion to complete", func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(federatedSprockets).Namespace(ns).Get(ctx, "gear", metav1.GetOptions{})
		return err != nil, client.IgnoreNotFound(err)
	})
	t.Logf("deletion of a FederatedSprocket placed on a member without the CRD completed in %s", since(deleted))
	testkit.Eventually(t, "the MemberObjectsNotChecked event", func(ctx context.Context) (bool, error) {
		events, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=MemberObjectsNotChecked"})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == "gear" && strings.Contains(e.Message, "does not serve sprockets.example.com/v1") {
				return true, nil
			}
		}
		return false, nil
	})

	deleteCRD(t, shared.Host().RESTConfig(), "sprockets.example.com")
	removed = time.Now()
	ftcCondition(t, host, "sprockets.example.com", corev1beta1.TargetTypeServed, metav1.ConditionFalse,
		"not served by the host, "+memberName, corev1beta1.ControllerStatusNotRunning)
	t.Logf("NotRunning %s after the host's CRD was deleted", since(removed))
	log, _ := os.ReadFile(syncer.LogPath())
	watchErrors := len(regexp.MustCompile(`(?i)(failed to (list|watch)).*sprockets`).FindAll(log, -1))
	t.Logf("the syncer logged %d list/watch errors for sprockets in all", watchErrors)
}

// TestKubeFedCreatedCRDIsReported gives the syncer a federated CRD shaped as
// KubeFed created it: the FederatedTypeConfig's FederatedSchemaCurrent
// condition names the missing status fields, with one event however often
// the type is looked at, and turns True once the CRD is upgraded.
func TestKubeFedCreatedCRDIsReported(t *testing.T) {
	ctx := context.Background()
	host := hostFederationClient(t)
	kube := testkit.Clientset(t, shared.Host().RESTConfig())
	target := typesv1beta1.TargetType{Version: "v1", Kind: "Secret", PluralName: "secrets", Scope: apiextensionsv1.NamespaceScoped}
	if err := federation.Enable(ctx, target); err != nil {
		t.Fatal(err)
	}
	if err := testkit.InstallCRDs(ctx, shared.Host().RESTConfig(), testkit.KubeFedCRD(target)); err != nil {
		t.Fatal(err)
	}
	startSyncer(t, "schema")
	ftcCondition(t, host, "secrets", corev1beta1.FederatedSchemaCurrent, metav1.ConditionFalse,
		"lacks status.aggregated, status.clusters[].message", "")
	// Touch the FederatedTypeConfig so that it is looked at again.
	changeFTC := func(ctx context.Context) (bool, error) {
		ftc := &corev1beta1.FederatedTypeConfig{}
		if err := host.Get(ctx, client.ObjectKey{Namespace: kubefedNamespace, Name: "secrets"}, ftc); err != nil {
			return false, err
		}
		ftc.Labels = map[string]string{"touched": "yes"}
		return host.Update(ctx, ftc) == nil, nil
	}
	testkit.Eventually(t, "a change to the FederatedTypeConfig", changeFTC)
	if err := testkit.InstallCRDs(ctx, shared.Host().RESTConfig(), typesv1beta1.FederatedCRD(target, "", "")); err != nil {
		t.Fatal(err)
	}
	ftcCondition(t, host, "secrets", corev1beta1.FederatedSchemaCurrent, metav1.ConditionTrue, "", "")
	events := countEvents(t, kube, "secrets", "FederatedSchemaOutdated")
	if events != 1 {
		t.Errorf("%d FederatedSchemaOutdated events, want 1", events)
	}
}

// countEvents counts the events with reason about a FederatedTypeConfig.
func countEvents(t *testing.T, kube kubernetes.Interface, ftc, reason string) int32 {
	t.Helper()
	events, err := kube.CoreV1().Events(kubefedNamespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + ftc + ",reason=" + reason})
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	for _, e := range events.Items {
		n += max(e.Count, 1)
	}
	return n
}
