package deploy

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// CheckSyncerPropagates runs a propagation with the syncer holding only the
// manifests' RBAC: it must hold its Lease, probe the members, run the
// enabled types, propagate a ConfigMap of namespace ns (federating ns too
// unless it is the KubeFed namespace) and write status, without a single
// denied request.
func (cp *ControlPlane) CheckSyncerPropagates(t testing.TB, ns string) {
	t.Helper()
	federate := [][]string{{"federate", "configmap", "settings", "-n", ns}}
	if ns != KubeFedNamespace {
		testkit.MustKubectl(t, cp.fleet.KubeconfigPath(), "create", "namespace", ns)
		federate = append([][]string{{"federate", "namespace", ns}}, federate...)
	}
	testkit.MustKubectl(t, cp.fleet.KubeconfigPath(), "-n", ns, "create", "configmap", "settings", "--from-literal=mode=strict")
	for _, args := range federate {
		if r := cp.Fed(args...); r.Err != nil {
			t.Fatalf("kubectl fed %s: %v\n%s", strings.Join(args, " "), r.Err, r.Stderr)
		}
	}
	for _, m := range cp.fleet.Members() {
		member := testkit.Clientset(t, m.RESTConfig())
		testkit.Eventually(t, "ConfigMap settings in "+m.Name, func(ctx context.Context) (bool, error) {
			cm, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{})
			return err == nil && cm.Data["mode"] == "strict", err
		})
	}
	testkit.Eventually(t, "the propagation status of FederatedConfigMap settings", func(context.Context) (bool, error) {
		status := cp.federatedStatus(t, "federatedconfigmap", "settings", "-n", ns)
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
		return Holds(propagated && ok == len(cp.fleet.Members()), "status %+v", status)
	})
	testkit.Eventually(t, "the syncer's status of FederatedTypeConfig configmaps and of the KubeFedClusters", func(context.Context) (bool, error) {
		ftc := HostObject(t, cp.fleet, "-n", KubeFedNamespace, "federatedtypeconfig", "configmaps")
		running, _, _ := unstructured.NestedString(ftc.Object, "status", "propagationController")
		for _, m := range cp.fleet.Members() {
			cluster := HostObject(t, cp.fleet, "-n", KubeFedNamespace, "kubefedcluster", m.Name)
			if !HasCondition(cluster, "Ready", "True") {
				return false, fmt.Errorf("KubeFedCluster %s is not Ready: %v", m.Name, cluster.Object["status"])
			}
		}
		return Holds(running == "Running", "propagationController %q", running)
	})
	lease := HostObject(t, cp.fleet, "-n", KubeFedNamespace, "lease", "kubectl-fed-syncer")
	if holder, _, _ := unstructured.NestedString(lease.Object, "spec", "holderIdentity"); holder == "" {
		t.Errorf("the syncer holds no Lease: %v", lease.Object["spec"])
	}
	NoDenials(t, cp.SyncerLog)
}

// CheckWebhookRotatesAndAdmits runs the webhook with only the manifests'
// RBAC: it keeps its CA in its Secret and patches it into its
// configurations (so the API server reaches it by TLS) and judges a
// federated object of namespace ns; the policy it admits there gets its
// status from the syncer (the elected leader), also with the manifests'
// RBAC.
func (cp *ControlPlane) CheckWebhookRotatesAndAdmits(t testing.TB, ns string, configurations ...string) {
	t.Helper()
	secret := HostObject(t, cp.fleet, "-n", KubeFedNamespace, "secret", "kubefed-admission-webhook-cert")
	encoded, _, _ := unstructured.NestedString(secret.Object, "data", "ca.crt")
	ca, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(ca) == 0 {
		t.Fatalf("Secret kubefed-admission-webhook-cert has no ca.crt (%v)", err)
	}
	for _, kind := range configurations {
		config := HostObject(t, cp.fleet, kind)
		hooks, _, _ := unstructured.NestedSlice(config.Object, "webhooks")
		for _, h := range hooks {
			bundle, _, _ := unstructured.NestedString(h.(map[string]any), "clientConfig", "caBundle")
			decoded, _ := base64.StdEncoding.DecodeString(bundle)
			if !strings.Contains(string(decoded), strings.TrimSpace(string(ca))) {
				t.Errorf("%s webhook %v: caBundle is not the rotated CA", kind, h.(map[string]any)["name"])
			}
		}
	}

	if ns != KubeFedNamespace {
		testkit.MustKubectl(t, cp.fleet.KubeconfigPath(), "create", "namespace", ns)
	}
	bad := fmt.Sprintf(`apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: moved, namespace: %s}
spec:
  template: {data: {a: b}}
  placement: {clusters: [{name: %s}]}
  overrides:
  - clusterName: %s
    clusterOverrides: [{path: /metadata/namespace, value: elsewhere}]
`, ns, cp.fleet.Members()[0].Name, cp.fleet.Members()[0].Name)
	r := testkit.Kubectl(t, cp.fleet.KubeconfigPath(), nil, "apply", "-f", writeTemp(t, bad))
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
	testkit.MustKubectl(t, cp.fleet.KubeconfigPath(), "apply", "-f", writeTemp(t, policy))
	testkit.Eventually(t, "the syncer to write the policy's status", func(context.Context) (bool, error) {
		p := HostObject(t, cp.fleet, "-n", ns, "federationpolicy", "at-most-one")
		observed, _, _ := unstructured.NestedInt64(p.Object, "status", "observedGeneration")
		return Holds(observed == p.GetGeneration(), "status %v", p.Object["status"])
	})
	NoDenials(t, cp.WebhookLog)
	NoDenials(t, cp.SyncerLog)
}

// federatedStatus reads the status of a federated object of the host.
func (cp *ControlPlane) federatedStatus(t testing.TB, args ...string) typesv1beta1.FederatedStatus {
	t.Helper()
	obj := HostObject(t, cp.fleet, args...)
	status, err := typesv1beta1.StatusOf(obj)
	if err != nil {
		t.Fatal(err)
	}
	return *status
}

// writeTemp writes a manifest to a file of the test's temporary directory.
func writeTemp(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
