package deploy

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestSyncerServiceAccountPropagates runs a propagation with the syncer
// holding only the manifests' RBAC: it must elect itself, probe the members,
// run the enabled types, propagate a federated namespace and ConfigMap and
// write their status, without a single denied request.
func TestSyncerServiceAccountPropagates(t *testing.T) {
	setUp(t)
	const ns = "rbac-check"
	testkit.MustKubectl(t, shared.KubeconfigPath(), "create", "namespace", ns)
	testkit.MustKubectl(t, shared.KubeconfigPath(), "-n", ns, "create", "configmap", "settings", "--from-literal=mode=strict")
	for _, args := range [][]string{{"federate", "namespace", ns}, {"federate", "configmap", "settings", "-n", ns}} {
		if r := fed(control.bin, args...); r.Err != nil {
			t.Fatalf("kubectl fed %s: %v\n%s", strings.Join(args, " "), r.Err, r.Stderr)
		}
	}
	for _, m := range shared.Members() {
		member := testkit.Clientset(t, m.RESTConfig())
		testkit.Eventually(t, "ConfigMap settings in "+m.Name, func(ctx context.Context) (bool, error) {
			cm, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{})
			return err == nil && cm.Data["mode"] == "strict", err
		})
	}
	testkit.Eventually(t, "the propagation status of FederatedConfigMap settings", func(context.Context) (bool, error) {
		status := federatedStatus(t, "federatedconfigmap", "settings", "-n", ns)
		propagated := false
		for _, c := range status.Conditions {
			propagated = propagated || (c.Type == typesv1beta1.PropagationConditionType && c.Status == "True")
		}
		ok := 0
		for _, c := range status.Clusters {
			if c.Status == typesv1beta1.ClusterPropagationOK {
				ok++
			}
		}
		return holds(propagated && ok == len(shared.Members()), "status %+v", status)
	})
	testkit.Eventually(t, "the syncer's status of FederatedTypeConfig configmaps and of the KubeFedClusters", func(context.Context) (bool, error) {
		ftc := getHost(t, "-n", kubefedNamespace, "federatedtypeconfig", "configmaps")
		running, _, _ := unstructured.NestedString(ftc.Object, "status", "propagationController")
		for _, m := range shared.Members() {
			cluster := getHost(t, "-n", kubefedNamespace, "kubefedcluster", m.Name)
			if !hasCondition(cluster, "Ready", "True") {
				return false, fmt.Errorf("KubeFedCluster %s is not Ready: %v", m.Name, cluster.Object["status"])
			}
		}
		return holds(running == "Running", "propagationController %q", running)
	})
	lease := getHost(t, "-n", kubefedNamespace, "lease", "kubectl-fed-syncer")
	if holder, _, _ := unstructured.NestedString(lease.Object, "spec", "holderIdentity"); holder == "" {
		t.Errorf("the syncer holds no Lease: %v", lease.Object["spec"])
	}
	noDenials(t, control.syncerLog)
}

// TestWebhookServiceAccountRotatesAndAdmits runs the webhook with only the
// manifests' RBAC: it keeps its CA in its Secret and patches it into its
// configurations (so the API server reaches it by TLS), judges a federated
// object, and writes policy status as the elected replica.
func TestWebhookServiceAccountRotatesAndAdmits(t *testing.T) {
	setUp(t)
	secret := getHost(t, "-n", kubefedNamespace, "secret", "kubefed-admission-webhook-cert")
	encoded, _, _ := unstructured.NestedString(secret.Object, "data", "ca.crt")
	ca, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(ca) == 0 {
		t.Fatalf("Secret kubefed-admission-webhook-cert has no ca.crt (%v)", err)
	}
	for _, kind := range []string{"validatingwebhookconfiguration/validations.core.kubefed.io", "mutatingwebhookconfiguration/mutation.core.kubefed.io"} {
		config := getHost(t, kind)
		hooks, _, _ := unstructured.NestedSlice(config.Object, "webhooks")
		for _, h := range hooks {
			bundle, _, _ := unstructured.NestedString(h.(map[string]any), "clientConfig", "caBundle")
			decoded, _ := base64.StdEncoding.DecodeString(bundle)
			if !strings.Contains(string(decoded), strings.TrimSpace(string(ca))) {
				t.Errorf("%s webhook %v: caBundle is not the rotated CA", kind, h.(map[string]any)["name"])
			}
		}
	}

	const ns = "webhook-check"
	testkit.MustKubectl(t, shared.KubeconfigPath(), "create", "namespace", ns)
	bad := fmt.Sprintf(`apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: moved, namespace: %s}
spec:
  template: {data: {a: b}}
  placement: {clusters: [{name: %s}]}
  overrides:
  - clusterName: %s
    clusterOverrides: [{path: /metadata/namespace, value: elsewhere}]
`, ns, shared.Members()[0].Name, shared.Members()[0].Name)
	r := testkit.Kubectl(t, shared.KubeconfigPath(), nil, "apply", "-f", writeTemp(t, bad))
	if r.Err == nil || !strings.Contains(r.Stderr, "denied the request") || !strings.Contains(r.Stderr, "/metadata/namespace") {
		t.Errorf("an override of /metadata/namespace was not denied by the webhook: %v\n%s%s", r.Err, r.Stdout, r.Stderr)
	}

	policy := fmt.Sprintf(`apiVersion: policy.kubefed.io/v1alpha1
kind: FederationPolicy
metadata: {name: at-most-one, namespace: %s}
spec:
  resourceSelector: {kinds: [FederatedConfigMap]}
  maxClusters: 1
`, ns)
	testkit.MustKubectl(t, shared.KubeconfigPath(), "apply", "-f", writeTemp(t, policy))
	testkit.Eventually(t, "the webhook to write the policy's status", func(context.Context) (bool, error) {
		p := getHost(t, "-n", ns, "federationpolicy", "at-most-one")
		observed, _, _ := unstructured.NestedInt64(p.Object, "status", "observedGeneration")
		return holds(observed == p.GetGeneration(), "status %v", p.Object["status"])
	})
	lease := getHost(t, "-n", kubefedNamespace, "lease", "kubectl-fed-webhook")
	if holder, _, _ := unstructured.NestedString(lease.Object, "spec", "holderIdentity"); holder == "" {
		t.Errorf("the webhook holds no Lease: %v", lease.Object["spec"])
	}
	noDenials(t, control.webhookLog)
}

func federatedStatus(t *testing.T, args ...string) typesv1beta1.FederatedStatus {
	t.Helper()
	obj := getHost(t, args...)
	var status typesv1beta1.FederatedStatus
	if raw, found, _ := unstructured.NestedMap(obj.Object, "status"); found {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &status); err != nil {
			t.Fatal(err)
		}
	}
	return status
}

func hasCondition(obj *unstructured.Unstructured, conditionType, status string) bool {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		if m["type"] == conditionType && m["status"] == status {
			return true
		}
	}
	return false
}

// holds is the result of a polled condition: done, or not yet and why.
func holds(ok bool, format string, args ...any) (bool, error) {
	if ok {
		return true, nil
	}
	return false, fmt.Errorf(format, args...)
}
