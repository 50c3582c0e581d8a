package status

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// shopObjects creates namespace shop with three FederatedDeployments: web
// (propagated, 5/6 ready), api (failing in member2) and new (no status).
func shopObjects(t *testing.T, ns string) (web, api *unstructured.Unstructured) {
	t.Helper()
	createNamespace(t, ns)
	web = createDeployment(t, ns, "web", object{
		"conditions": []any{
			condition("Propagation", "True", "", ""),
			condition("Ready", "False", "ReplicasNotReady", "not ready in 1/2 clusters: member2: 2/3 ready, 3 up-to-date, 2 available"),
		},
		"clusters": []any{
			object{"name": "member2", "remoteStatus": deploymentStatus(3, 2)},
			object{"name": "member1", "remoteStatus": deploymentStatus(3, 3)},
		},
		"aggregated": object{"clustersReady": int64(1), "clustersTotal": int64(2), "replicas": int64(6), "readyReplicas": int64(5),
			"availableReplicas": int64(5), "updatedReplicas": int64(6)},
	})
	api = createDeployment(t, ns, "api", object{
		"conditions": []any{
			condition("Propagation", "False", "CheckClusters", ""),
			condition("Ready", "False", "NotPropagated", "not ready in 1/2 clusters: member2: not propagated"),
		},
		"clusters": []any{
			object{"name": "member1", "remoteStatus": deploymentStatus(3, 3)},
			object{"name": "member2", "status": "ClusterNotReady", "message": "cluster member2 is not ready"},
		},
		"aggregated": object{"clustersReady": int64(1), "clustersTotal": int64(2), "replicas": int64(3), "readyReplicas": int64(3),
			"availableReplicas": int64(3), "updatedReplicas": int64(3)},
	})
	createDeployment(t, ns, "new", nil)
	return web, api
}

func TestTypeView(t *testing.T) {
	shopObjects(t, "shop")

	out := mustFed(t, "status", "deployments", "-n", "shop")
	golden(t, "type.txt", out)
	for _, name := range []string{"deploy", "deployment", "Deployment", "deployments.apps", "federateddeployments", "fdeploy", "FederatedDeployment"} {
		if got := mustFed(t, "status", name, "-n", "shop"); normalize(got) != normalize(out) {
			t.Errorf("status %s differs from status deployments:\n%s", name, got)
		}
	}
	golden(t, "type-wide.txt", mustFed(t, "status", "deployments", "-n", "shop", "-o", "wide"))
	golden(t, "type-no-headers.txt", mustFed(t, "status", "deployments", "-n", "shop", "--no-headers"))

	all := mustFed(t, "status", "deployments", "-A")
	if !strings.HasPrefix(all, "NAMESPACE ") || !strings.Contains(normalize(all), "shop | web | 2/2 | 5/6 | Propagated | <age>") {
		t.Errorf("status deployments -A lacks the NAMESPACE column or shop/web:\n%s", all)
	}

	r := fed(t, "status", "deployments", "-n", "shop", "--fail-if-not-ready")
	mustFail(t, r, "3 federateddeployments not ready: shop/api, shop/new, shop/web")
	if !strings.Contains(r.Stdout, "web") {
		t.Errorf("--fail-if-not-ready printed no table:\n%s", r.Stdout)
	}
	if r := fed(t, "status", "deployments", "-n", "empty-namespace"); r.Err != nil || r.Stdout != "" || !strings.Contains(r.Stderr, "No federateddeployments found in namespace empty-namespace.") {
		t.Errorf("an empty namespace: %v\nstdout:\n%s\nstderr:\n%s", r.Err, r.Stdout, r.Stderr)
	}
}

func TestObjectView(t *testing.T) {
	web, _ := shopObjects(t, "shop-object")
	ctx := context.Background()
	event := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop-object", Name: "web.1"},
		InvolvedObject: corev1.ObjectReference{APIVersion: federatedDeployment.GroupVersion().String(), Kind: federatedDeployment.Kind,
			Namespace: "shop-object", Name: "web", UID: web.GetUID()},
		Type: corev1.EventTypeWarning, Reason: "ClusterNotReady", Message: "cluster member2 is not ready", Count: 3,
		FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(),
		Source: corev1.EventSource{Component: "syncer"},
	}
	if err := host.Create(ctx, event); err != nil {
		t.Fatal(err)
	}

	golden(t, "object.txt", mustFed(t, "status", "deployment", "web", "-n", "shop-object"))
	golden(t, "object-failing.txt", mustFed(t, "status", "fdeploy", "api", "-n", "shop-object"))

	r := fed(t, "status", "deployment", "web", "-n", "shop-object", "--fail-if-not-ready")
	mustFail(t, r, "FederatedDeployment shop-object/web is not ready: not ready in 1/2 clusters: member2: 2/3 ready")

	writeStatus(t, web, object{
		"conditions": []any{condition("Propagation", "True", "", ""), condition("Ready", "True", "ClustersReady", "ready in 2/2 clusters")},
		"clusters": []any{
			object{"name": "member1", "remoteStatus": deploymentStatus(3, 3)},
			object{"name": "member2", "remoteStatus": deploymentStatus(3, 3)},
		},
		"aggregated": object{"clustersReady": int64(2), "clustersTotal": int64(2), "replicas": int64(6), "readyReplicas": int64(6),
			"availableReplicas": int64(6), "updatedReplicas": int64(6)},
	})
	mustFed(t, "status", "deployment", "web", "-n", "shop-object", "--fail-if-not-ready")
}

func TestJSONRoundTrips(t *testing.T) {
	shopObjects(t, "shop-json")
	ctx := context.Background()

	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(federatedDeployment)
	if err := host.Get(ctx, client.ObjectKey{Namespace: "shop-json", Name: "web"}, live); err != nil {
		t.Fatal(err)
	}
	// Like kubectl get, -o json leaves out metadata.managedFields.
	unstructured.RemoveNestedField(live.Object, "metadata", "managedFields")
	printed := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(mustFed(t, "status", "deployment", "web", "-n", "shop-json", "-o", "json")), &printed.Object); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalizeNumbers(t, printed.Object), normalizeNumbers(t, live.Object)) {
		t.Errorf("-o json is not the object:\n%v\n%v", printed.Object, live.Object)
	}

	list := &unstructured.UnstructuredList{}
	if err := list.UnmarshalJSON([]byte(mustFed(t, "status", "deployments", "-n", "shop-json", "-o", "json"))); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, item := range list.Items {
		names = append(names, item.GetName())
		if item.GetKind() != "FederatedDeployment" {
			t.Errorf("item %s has kind %q", item.GetName(), item.GetKind())
		}
	}
	if list.GetKind() != "List" || strings.Join(names, ",") != "api,new,web" {
		t.Errorf("-o json list: kind %q, items %v", list.GetKind(), names)
	}
	yamlOut := mustFed(t, "status", "deployments", "-n", "shop-json", "-o", "yaml")
	if !strings.Contains(yamlOut, "kind: List") || !strings.Contains(yamlOut, "readyReplicas: 5") {
		t.Errorf("-o yaml:\n%s", yamlOut)
	}

	fleetList := &unstructured.UnstructuredList{}
	if err := fleetList.UnmarshalJSON([]byte(mustFed(t, "status", "-o", "json"))); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, item := range fleetList.Items {
		kinds[item.GetKind()]++
	}
	if kinds["KubeFedCluster"] != 2 || kinds["FederatedTypeConfig"] < 3 {
		t.Errorf("fleet -o json kinds = %v, want 2 KubeFedClusters and the FederatedTypeConfigs", kinds)
	}
}

// normalizeNumbers round-trips through JSON so that int64 and float64
// compare equal.
func normalizeNumbers(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFleetView(t *testing.T) {
	markClusters(t)
	shopObjects(t, "shop-fleet")
	out := normalize(mustFed(t, "status"))
	for _, want := range []string{
		"NAME | SOURCE | READY | VERSION | REGION | ZONES | TAINTS | AGE | MESSAGE\n",
		"member1 | joined | True | v1.37.2 | region-member1 | <none> | <none> | <age>\n",
		"member2 | joined | False | v1.37.2 | region-member2 | <none> | <none> | <age> | ClusterNotReachable: cluster is not reachable\n",
		"TYPE | PROPAGATION | STATUS-COLLECTION | OBJECTS\n",
		"configmaps | Enabled | Disabled | 0\n",
		"services | Enabled | Enabled | 0\n",
		"STATE | OBJECTS\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fleet view lacks %q:\n%s", want, out)
		}
	}
	for _, state := range []string{"Propagated", "Pending", "Failing"} {
		if !strings.Contains(out, "\n"+state+" | ") {
			t.Errorf("fleet view lacks the %s count:\n%s", state, out)
		}
	}
	mustFail(t, fed(t, "status", "--fail-if-not-ready"), "not ready: cluster member2")
}

func TestErrors(t *testing.T) {
	mustFail(t, fed(t, "status", "cronjobs"),
		"type cronjobs.batch is not enabled for federation", "kubectl fed enable cronjobs.batch")
	mustFail(t, fed(t, "status", "nosuchthings"), `Unable to find api resource named "nosuchthings"`)
	mustFail(t, fed(t, "status", "deployment", "missing", "-n", "shop"),
		`FederatedDeployment "missing" not found in namespace shop`, "kubectl fed status deployments.apps")
	mustFail(t, fed(t, "status", "deployments", "-o", "xml"), `Invalid value for --output: "xml"`)
	mustFail(t, fed(t, "status", "-l", "app=web"), "--selector filters the list of a type")
	mustFail(t, fed(t, "status", "deployments", "-w", "--fail-if-not-ready"), "cannot be used together")
}

func TestEnableCollectsWorkloadStatus(t *testing.T) {
	ctx := context.Background()
	mustFed(t, "enable", "jobs.batch", "--status-collection=false")
	mustFed(t, "enable", "secrets", "--status-collection")
	for name, want := range map[string]string{
		"deployments.apps": "Enabled", "services": "Enabled", "configmaps": "<unset>", "jobs.batch": "Disabled", "secrets": "Enabled",
	} {
		ftc := &corev1beta1.FederatedTypeConfig{}
		if err := host.Get(ctx, client.ObjectKey{Namespace: "kube-federation-system", Name: name}, ftc); err != nil {
			t.Fatal(err)
		}
		got := "<unset>"
		if ftc.Spec.StatusCollection != nil {
			got = string(*ftc.Spec.StatusCollection)
		}
		if got != want {
			t.Errorf("%s: statusCollection = %s, want %s", name, got, want)
		}
	}
}

// lines collects a process's output lines.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) read(r io.Reader) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		l.mu.Lock()
		l.all = append(l.all, s.Text())
		l.mu.Unlock()
	}
}

// find returns the first line after the first skip lines containing every
// fragment, and its index.
func (l *lines) find(skip int, fragments ...string) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := skip; i < len(l.all); i++ {
		ok := true
		for _, f := range fragments {
			ok = ok && strings.Contains(normalize(l.all[i]), f)
		}
		if ok {
			return l.all[i], i
		}
	}
	return "", -1
}

// startWatch runs `kubectl fed ARGS --context host` in its own process
// group, killed at the end of the test.
func startWatch(t *testing.T, args ...string) *lines {
	t.Helper()
	bin, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin+"/kubectl", append(append([]string{"fed"}, args...), "--context", fleet.HostName)...)
	cmd.Env = append(cmd.Environ(), pluginEnv(t)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lines{}
	done := make(chan struct{})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { out.read(stdout); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		_ = cmd.Wait()
	})
	return out
}

func TestWatchPrintsChangedRows(t *testing.T) {
	web, _ := shopObjects(t, "shop-watch")

	rows := startWatch(t, "status", "deployments", "-n", "shop-watch", "-w")
	var first int
	testkit.Eventually(t, "the initial table", func(context.Context) (bool, error) {
		_, first = rows.find(0, "web | 2/2 | 5/6 | Propagated")
		return first >= 0, nil
	})
	writeStatus(t, web, object{
		"conditions": []any{condition("Propagation", "True", "", ""), condition("Ready", "True", "ClustersReady", "ready in 2/2 clusters")},
		"clusters": []any{
			object{"name": "member1", "remoteStatus": deploymentStatus(3, 3)},
			object{"name": "member2", "remoteStatus": deploymentStatus(3, 3)},
		},
		"aggregated": object{"clustersReady": int64(2), "clustersTotal": int64(2), "replicas": int64(6), "readyReplicas": int64(6),
			"availableReplicas": int64(6), "updatedReplicas": int64(6)},
	})
	testkit.Eventually(t, "an updated row for web", func(context.Context) (bool, error) {
		_, i := rows.find(first+1, "web | 2/2 | 6/6 | Propagated")
		return i > first, nil
	})
	if _, i := rows.find(first+1, "api"); i >= 0 {
		t.Errorf("watch printed api again though it did not change")
	}

	cluster := startWatch(t, "status", "deployment", "web", "-n", "shop-watch", "-w")
	testkit.Eventually(t, "the per-cluster table", func(context.Context) (bool, error) {
		_, i := cluster.find(0, "member2 | ok | 3/3 | 3 | 3")
		return i >= 0, nil
	})
	writeStatus(t, web, object{
		"conditions": []any{condition("Propagation", "False", "CheckClusters", "")},
		"clusters": []any{
			object{"name": "member1", "remoteStatus": deploymentStatus(3, 3)},
			object{"name": "member2", "status": "ClusterNotReady", "message": "cluster member2 is not ready"},
		},
	})
	testkit.Eventually(t, "an updated row for member2", func(context.Context) (bool, error) {
		_, i := cluster.find(0, "member2 | ClusterNotReady | - | - | - | cluster member2 is not ready")
		return i >= 0, nil
	})
	testkit.Eventually(t, "a fresh summary line", func(context.Context) (bool, error) {
		_, i := cluster.find(0, "Summary: Status: Failing: ClusterNotReady")
		return i >= 0, nil
	})
}

// TestFleetWatchPrintsChangedClusters: `status -w` without a type prints
// the fleet, then a cluster's row each time it changes.
func TestFleetWatchPrintsChangedClusters(t *testing.T) {
	markClusters(t)
	rows := startWatch(t, "status", "-w")
	testkit.Eventually(t, "the fleet's cluster table", func(context.Context) (bool, error) {
		_, i := rows.find(0, "member1 | joined | True | v1.37.2")
		return i >= 0, nil
	})
	testkit.SetClusterStatus(t, host, "kube-federation-system", "member1", func(s *corev1beta1.KubeFedClusterStatus) { s.KubernetesVersion = "v1.99.0" })
	t.Cleanup(func() { markClusters(t) })
	testkit.Eventually(t, "a row for member1 with its new version", func(context.Context) (bool, error) {
		_, i := rows.find(0, "member1 | joined | True | v1.99.0")
		return i >= 0, nil
	})
	if _, i := rows.find(0, "member2 | joined | False"); i < 0 {
		t.Errorf("the fleet table lacks member2")
	}
}

// TestFleetWatchShowsInventoryClusters checks that `status -w` watches the
// inventory's ClusterProfiles as well as the joined clusters: a profile's
// row is printed again when its member condition changes, and as Removed
// when it is deleted. The profile's condition is written directly (no
// syncer consumes the inventory here).
func TestFleetWatchShowsInventoryClusters(t *testing.T) {
	ctx := context.Background()
	markClusters(t)
	useInventory(t, "views-inventory")
	profile := &inventoryv1alpha1.ClusterProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: "views-inventory", Name: "edge1"},
		Spec:       inventoryv1alpha1.ClusterProfileSpec{ClusterManager: inventoryv1alpha1.ClusterManager{Name: "test-inventory"}},
	}
	if err := host.Create(ctx, profile); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.IgnoreNotFound(host.Delete(context.Background(), profile)) })
	setMemberReady := func(status metav1.ConditionStatus, reason, message string) {
		t.Helper()
		meta.SetStatusCondition(&profile.Status.Conditions, metav1.Condition{Type: inventory.ConditionMemberReady, Status: status, Reason: reason, Message: message})
		if err := host.Status().Update(ctx, profile); err != nil {
			t.Fatal(err)
		}
	}
	setMemberReady(metav1.ConditionFalse, "ClusterNotReachable", "cluster is not reachable")

	rows := startWatch(t, "status", "-w")
	testkit.Eventually(t, "the fleet's cluster table with the inventory's cluster", func(context.Context) (bool, error) {
		_, i := rows.find(0, "edge1 | inventory | False")
		return i >= 0, nil
	})
	if _, i := rows.find(0, "member1 | joined | True"); i < 0 {
		t.Errorf("the fleet table lacks member1")
	}
	setMemberReady(metav1.ConditionTrue, "ClusterReady", "/healthz responded with ok")
	testkit.Eventually(t, "a row for edge1, now ready", func(context.Context) (bool, error) {
		_, i := rows.find(0, "edge1 | inventory | True")
		return i >= 0, nil
	})
	if err := host.Delete(ctx, profile); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "a row for edge1, removed", func(context.Context) (bool, error) {
		_, i := rows.find(0, "edge1 | inventory | Removed")
		return i >= 0, nil
	})
}

// TestKubectlPrintersAndSelector checks kubectl's -o printers and -l on the
// list of a type.
func TestKubectlPrintersAndSelector(t *testing.T) {
	web, _ := shopObjects(t, "shop-print")
	if out := mustFed(t, "status", "deployments", "-n", "shop-print", "-o", "name"); out != "federateddeployment.types.kubefed.io/api\nfederateddeployment.types.kubefed.io/new\nfederateddeployment.types.kubefed.io/web\n" {
		t.Errorf("-o name:\n%s", out)
	}
	if out := mustFed(t, "status", "deployments", "-n", "shop-print", "-o", "jsonpath={.items[*].metadata.name}"); out != "api new web" {
		t.Errorf("-o jsonpath: %q", out)
	}
	out := mustFed(t, "status", "deployments", "-n", "shop-print", "-o", "custom-columns=NAME:.metadata.name,READY:.status.aggregated.clustersReady")
	if got := normalize(out); !strings.Contains(got, "NAME | READY") || !strings.Contains(got, "web | 1") || !strings.Contains(got, "new | <none>") {
		t.Errorf("-o custom-columns:\n%s", out)
	}
	if out := mustFed(t, "status", "deployment", "web", "-n", "shop-print", "-o", "go-template={{.metadata.name}}"); out != "web" {
		t.Errorf("-o go-template of one object: %q", out)
	}

	if err := host.Patch(context.Background(), web, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"web"}}}`))); err != nil {
		t.Fatal(err)
	}
	if out := mustFed(t, "status", "deployments", "-n", "shop-print", "-l", "app=web", "-o", "name"); out != "federateddeployment.types.kubefed.io/web\n" {
		t.Errorf("-l app=web -o name:\n%s", out)
	}
	if out := mustFed(t, "status", "deployments", "-n", "shop-print", "-l", "app!=web", "--no-headers"); strings.Contains(out, "web") || !strings.Contains(out, "api") {
		t.Errorf("-l app!=web:\n%s", out)
	}
}
