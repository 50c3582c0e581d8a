package failover

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// followingDeployment is a FederatedDeployment placed on every cluster that
// follows its dependencies: its pod mounts the ConfigMaps named.
func followingDeployment(ns, name string, configMaps []string) *unstructured.Unstructured {
	var volumes []interface{}
	for _, c := range configMaps {
		volumes = append(volumes, map[string]interface{}{"name": c, "configMap": map[string]interface{}{"name": c}})
	}
	labels := map[string]interface{}{"app": name}
	d := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
		"metadata": map[string]interface{}{"name": name, "namespace": ns,
			"annotations": map[string]interface{}{core.PropagateDependenciesAnnotation: "true"}},
		"spec": map[string]interface{}{
			"template": map[string]interface{}{"spec": map[string]interface{}{
				"replicas": int64(1), "selector": map[string]interface{}{"matchLabels": labels},
				"template": map[string]interface{}{"metadata": map[string]interface{}{"labels": labels}, "spec": map[string]interface{}{
					"containers": []interface{}{map[string]interface{}{"name": "app", "image": "app:1"}}, "volumes": volumes}}}},
			"placement": map[string]interface{}{"clusterSelector": map[string]interface{}{}}},
	}}
	return d
}

// copyState is what identifies a member copy and its last write.
type copyState struct{ uid, resourceVersion, dependencyOf string }

// memberCopy returns the state of a member ConfigMap, whether it exists,
// and an error other than NotFound.
func memberCopy(ctx context.Context, member kubernetes.Interface, ns, name string) (copyState, bool, error) {
	meta, err := member.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return copyState{}, false, nil
	}
	if err != nil {
		return copyState{}, false, err
	}
	return copyState{uid: string(meta.GetUID()), resourceVersion: meta.GetResourceVersion(), dependencyOf: meta.GetAnnotations()[core.DependencyOfAnnotation]}, true, nil
}

// TestDependencyCopiesSurviveAndLeaveAcrossARestart propagates the
// dependencies of three Deployments that follow them: web (ConfigMaps
// settings and web-only), api (settings, ConfigMap extra) and worker
// (ConfigMap queue). While the syncer is down, web is deleted, api stops
// referencing extra and worker stops following its dependencies. Once the
// syncer is back, the copies no longer needed (web-only, extra, queue) are
// deleted from the member, settings stays (same uid) pulled in by api
// alone, and theirs, a member ConfigMap the federation does not manage,
// is untouched. A second restart with nothing changed writes no copy: once
// the restarted syncer has reconciled everything (its /metrics), the
// copies' uid and resourceVersion are those from before and a watch saw no
// write.
func TestDependencyCopiesSurviveAndLeaveAcrossARestart(t *testing.T) {
	ctx := context.Background()
	dyn, _ := dynamic.NewForConfig(shared.Host().RESTConfig())
	host := testkit.Clientset(t, shared.Host().RESTConfig())
	member := testkit.Clientset(t, shared.Members()[0].RESTConfig())
	fds := func(ns string) dynamic.ResourceInterface { return dyn.Resource(federatedDeployments).Namespace(ns) }
	syncer := startSyncer(t, "deps-before")
	ns := federatedNamespace(t, dyn)
	waitMemberNamespace(t, member, ns)
	for _, name := range []string{"settings", "web-only", "extra", "queue"} {
		if _, err := host.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name},
			Data: map[string]string{"v": name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	theirs := createInMember(t, member, ns, "theirs", map[string]string{"v": "the member's"})
	for _, d := range []*unstructured.Unstructured{
		followingDeployment(ns, "web", []string{"settings", "web-only"}),
		followingDeployment(ns, "api", []string{"settings", "extra"}),
		followingDeployment(ns, "worker", []string{"queue"}),
	} {
		if _, err := fds(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	type dep struct{ kind, name, pulledBy string }
	waitCopies := func(what string, want []dep, gone []dep) map[string]copyState {
		t.Helper()
		states := map[string]copyState{}
		testkit.Eventually(t, what, func(ctx context.Context) (bool, error) {
			for _, d := range want {
				s, ok, err := memberCopy(ctx, member, ns, d.name)
				if err != nil || !ok || s.dependencyOf != d.pulledBy {
					return false, fmt.Errorf("%s %s: %+v, exists %v, want pulled in by %s: %v", d.kind, d.name, s, ok, d.pulledBy, err)
				}
				states[d.kind+"/"+d.name] = s
			}
			for _, d := range gone {
				if s, ok, err := memberCopy(ctx, member, ns, d.name); err != nil || ok {
					return false, fmt.Errorf("%s %s still in the member, pulled in by %q: %v", d.kind, d.name, s.dependencyOf, err)
				}
			}
			return true, nil
		})
		return states
	}
	start := time.Now()
	before := waitCopies("the dependencies copied to the member", []dep{
		{"ConfigMap", "settings", "Deployment/api,Deployment/web"}, {"ConfigMap", "web-only", "Deployment/web"},
		{"ConfigMap", "extra", "Deployment/api"}, {"ConfigMap", "queue", "Deployment/worker"}}, nil)
	t.Logf("4 dependencies copied in %s", since(start))

	crashOnlySyncer(t, syncer)
	if err := fds(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fds(ns).Patch(ctx, "api", types.JSONPatchType,
		[]byte(`[{"op":"test","path":"/spec/template/spec/template/spec/volumes/1/name","value":"extra"},{"op":"remove","path":"/spec/template/spec/template/spec/volumes/1"}]`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fds(ns).Patch(ctx, "worker", types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"`+core.PropagateDependenciesAnnotation+`":null}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	syncer = startSyncer(t, "deps-restarted")
	start = time.Now()
	after := waitCopies("the copies no longer needed removed, settings kept for api",
		[]dep{{"ConfigMap", "settings", "Deployment/api"}},
		[]dep{{"ConfigMap", "web-only", ""}, {"ConfigMap", "extra", ""}, {"ConfigMap", "queue", ""}})
	t.Logf("3 copies no longer needed removed %s after the syncer was ready", since(start))
	testkit.Eventually(t, "the deleted FederatedDeployment gone", func(ctx context.Context) (bool, error) {
		_, err := fds(ns).Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if after["ConfigMap/settings"].uid != before["ConfigMap/settings"].uid {
		t.Errorf("the settings copy still needed was re-created: uid %s, was %s", after["ConfigMap/settings"].uid, before["ConfigMap/settings"].uid)
	}
	got, err := member.CoreV1().ConfigMaps(ns).Get(ctx, "theirs", metav1.GetOptions{})
	if err != nil || got.ResourceVersion != theirs.ResourceVersion || len(got.Labels) != 0 || len(got.Annotations) != 0 {
		t.Errorf("the member's unmanaged ConfigMap theirs: %+v %v, want it untouched (resourceVersion %s, no labels nor annotations)", got, err, theirs.ResourceVersion)
	}

	// A restart with nothing changed: no copy is written.
	writes := countMemberWrites(t, member, ns)
	managed, err := member.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{LabelSelector: core.ManagedByKubeFedLabelKey})
	if err != nil {
		t.Fatal(err)
	}
	crashOnlySyncer(t, syncer)
	ports, err := fleet.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	address := "127.0.0.1:" + strconv.Itoa(ports[0])
	startSyncer(t, "deps-unchanged", "--metrics-bind-address", address, "--metrics-secure=false")
	start = time.Now()
	testkit.Eventually(t, fmt.Sprintf("the restarted syncer to reconcile the %d managed member ConfigMaps and empty its queues", len(managed.Items)), func(ctx context.Context) (bool, error) {
		body := scrape(ctx, t, "http://"+address+"/metrics")
		reconciles, _ := sampleValue(body, "kubectl_fed_propagation_reconcile_duration_seconds_count", `type="configmaps"`)
		deployments, _ := sampleValue(body, "kubectl_fed_propagation_reconcile_duration_seconds_count", `type="deployments.apps"`)
		if reconciles < float64(len(managed.Items)) || deployments < 2 {
			return false, fmt.Errorf("%v configmap and %v deployment reconciles", reconciles, deployments)
		}
		for _, typ := range []string{"configmaps", "deployments.apps"} {
			if queued, _ := sampleValue(body, "kubectl_fed_propagation_queue_depth", `type="`+typ+`"`); queued != 0 {
				return false, fmt.Errorf("%v %s queued", queued, typ)
			}
		}
		return true, nil
	})
	settled := since(start)
	unchanged, ok, err := memberCopy(ctx, member, ns, "settings")
	if err != nil || !ok {
		t.Fatalf("the settings copy after a restart with nothing changed: exists %v, %v", ok, err)
	}
	t.Logf("restart with nothing changed: reconciled in %s; %d writes to the member's managed ConfigMaps; settings %+v, was %+v",
		settled, writes.writes.Load(), unchanged, after["ConfigMap/settings"])
	if unchanged != after["ConfigMap/settings"] {
		t.Errorf("the settings copy was written by a restart with nothing changed: %+v, was %+v", unchanged, after["ConfigMap/settings"])
	}
	if n := writes.writes.Load(); n != 0 {
		t.Errorf("%d writes to the member's managed ConfigMaps in a restart with nothing changed, want 0", n)
	}
	for _, gone := range []struct{ kind, name string }{{"ConfigMap", "web-only"}, {"ConfigMap", "extra"}, {"ConfigMap", "queue"}} {
		if _, ok, err := memberCopy(ctx, member, ns, gone.name); err != nil || ok {
			t.Errorf("%s %s came back after a restart with nothing changed: %v", gone.kind, gone.name, err)
		}
	}
}
