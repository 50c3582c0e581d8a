package propagation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// memberObject returns a ConfigMap in a member: labels nil means unlabeled.
func memberObject(labels map[string]string, deleting bool, data string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: object{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": object{"name": "web", "namespace": "ns1", "resourceVersion": "7", "uid": "member-uid"},
		"data":     object{"k": data}}}
	obj.SetLabels(labels)
	if deleting {
		now := metav1.Now()
		obj.SetDeletionTimestamp(&now)
	}
	return obj
}

var (
	managedLabels   = map[string]string{core.ManagedByKubeFedLabelKey: core.ManagedByKubeFedLabelValue}
	unmanagedLabels = map[string]string{core.ManagedByKubeFedLabelKey: core.UnmanagedByKubeFedLabelValue}
	cm              = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
)

// TestPlan covers every branch of the plan (reference §3.3 step 6 and
// deletion, §10 items 4 and 8): one cluster "c" at a time.
func TestPlan(t *testing.T) {
	fed := federated("ns1", object{"template": object{"data": object{"k": "v"}},
		"overrides": []interface{}{object{"clusterName": "bad", "clusterOverrides": []interface{}{object{"path": "/data/k/x", "value": "y"}}}}})
	upToDate := memberObject(managedLabels, false, "v")
	stale := memberObject(managedLabels, false, "old")
	cases := []struct {
		name     string
		in       Input
		member   Member
		action   Action
		status   typesv1beta1.PropagationStatus
		listed   bool
		current  bool
		event    string
		message  string
		desiredK string // the desired object's data.k
	}{
		// Sync: placed.
		{name: "placed, absent: create", in: Input{Placement: placedOn("c")}, member: ready(nil), action: Create, listed: true, desiredK: "v"},
		{name: "placed, up to date: skip, current", in: Input{Placement: placedOn("c")}, member: ready(upToDate), action: Skip, listed: true, current: true},
		{name: "placed, differs: update", in: Input{Placement: placedOn("c")}, member: ready(stale), action: Update, listed: true, desiredK: "v"},
		{name: "placed, labeled managed=false: left", in: Input{Placement: placedOn("c")}, member: ready(memberObject(unmanagedLabels, false, "x")),
			action: Skip, status: typesv1beta1.ManagedLabelFalse, listed: true, message: "kubefed.io/managed=false"},
		{name: "placed, unmanaged, adoption enabled: adopt", in: Input{Placement: placedOn("c"), AdoptResources: true}, member: ready(memberObject(nil, false, "v")),
			action: Adopt, listed: true, event: "CreateInClusterFailed", desiredK: "v"},
		{name: "placed, unmanaged, adoption disabled: AlreadyExists", in: Input{Placement: placedOn("c")}, member: ready(memberObject(nil, false, "x")),
			action: Skip, status: typesv1beta1.AlreadyExists, listed: true, event: "AlreadyExists", message: "adoptResources is Disabled"},
		{name: "placed, policy denies: PolicyDenied", in: Input{Placement: placement.Result{Clusters: sets.New("c"), Denied: map[string]string{"c": "policy p denies c"}}},
			member: ready(stale), action: Skip, status: typesv1beta1.PolicyDenied, listed: true, message: "policy p denies c"},
		{name: "placed, not ready: ClusterNotReady", in: Input{Placement: placement.Result{Clusters: sets.New("c"), NotReady: sets.New("c")}},
			member: Member{Name: "c"}, action: Skip, status: typesv1beta1.ClusterNotReady, listed: true, event: "ClusterNotReady", message: "see its KubeFedCluster's conditions"},
		{name: "placed, inventory cluster not ready: ClusterNotReady naming its ClusterProfile", in: Input{Placement: placement.Result{Clusters: sets.New("c"), NotReady: sets.New("c")}},
			member: Member{Name: "c", Inventory: true}, action: Skip, status: typesv1beta1.ClusterNotReady, listed: true, event: "ClusterNotReady",
			message: `see the conditions of its ClusterProfile "c" in the inventory namespace`},
		{name: "placed, cache not filled: wait", in: Input{Placement: placedOn("c")}, member: Member{Name: "c", Ready: true},
			action: Wait, status: typesv1beta1.CachedRetrievalFailed, listed: true},
		{name: "placed, overrides fail: ApplyOverridesFailed", in: Input{Placement: placedOn("bad")}, member: Member{Name: "bad", Ready: true, Synced: true},
			action: Skip, status: typesv1beta1.ApplyOverridesFailed, listed: true, event: "ApplyOverridesFailed", message: "/data/k"},
		{name: "placed, tainted: nothing, Tainted", in: Input{Placement: tainted("c", "team=a:NoSchedule")}, member: ready(nil),
			action: Skip, status: typesv1beta1.Tainted, listed: true, message: "team=a:NoSchedule"},
		{name: "placed, evicting and kept: updated, Evicting", in: Input{Placement: placedOn("c"), Evicting: map[string]string{"c": "waits for x"}}, member: ready(stale),
			action: Update, status: typesv1beta1.Evicting, listed: true, message: "waits for x", desiredK: "v"},
		// Sync: not placed.
		{name: "not placed, absent: nothing", in: Input{Placement: placedOn()}, member: ready(nil), action: Skip},
		{name: "not placed, managed: delete", in: Input{Placement: placedOn()}, member: ready(upToDate), action: Delete, status: typesv1beta1.WaitingForRemoval, listed: true},
		{name: "not placed, being deleted: wait", in: Input{Placement: placedOn()}, member: ready(memberObject(managedLabels, true, "v")),
			action: Wait, status: typesv1beta1.WaitingForRemoval, listed: true},
		{name: "not placed, unlabeled: never touched", in: Input{Placement: placedOn()}, member: ready(memberObject(nil, false, "v")), action: Skip},
		{name: "not placed, not ready: nothing", in: Input{Placement: placedOn()}, member: Member{Name: "c"}, action: Skip},
		{name: "not placed, cache not filled: wait unlisted", in: Input{Placement: placedOn()}, member: Member{Name: "c", Ready: true},
			action: Wait, status: typesv1beta1.CachedRetrievalFailed},
		{name: "denied but not placed: nothing", in: Input{Placement: placement.Result{Clusters: sets.New[string](), Denied: map[string]string{}}}, member: ready(nil), action: Skip},
		// Deletion.
		{name: "deleting: delete", in: Input{Deleting: true, Placement: placedOn("c")}, member: ready(upToDate), action: Delete, status: typesv1beta1.WaitingForRemoval, listed: true},
		{name: "deleting, not placed: delete too", in: Input{Deleting: true, Placement: placedOn()}, member: ready(upToDate), action: Delete, status: typesv1beta1.WaitingForRemoval, listed: true},
		{name: "deleting, policy denied: delete too", in: Input{Deleting: true, Placement: placement.Result{Clusters: sets.New("c"), Denied: map[string]string{"c": "no"}}},
			member: ready(upToDate), action: Delete, status: typesv1beta1.WaitingForRemoval, listed: true},
		{name: "deleting, orphan: unlabel", in: Input{Deleting: true, Orphan: true, Placement: placedOn("c")}, member: ready(upToDate), action: Unlabel},
		{name: "deleting, member being deleted: wait", in: Input{Deleting: true, Placement: placedOn("c")}, member: ready(memberObject(managedLabels, true, "v")),
			action: Wait, status: typesv1beta1.WaitingForRemoval, listed: true},
		{name: "deleting, absent: nothing", in: Input{Deleting: true, Placement: placedOn("c")}, member: ready(nil), action: Skip},
		{name: "deleting, unlabeled: never touched", in: Input{Deleting: true, Placement: placedOn("c")}, member: ready(memberObject(nil, false, "v")), action: Skip},
		{name: "deleting, placed not ready: holds deletion up", in: Input{Deleting: true, Placement: placedOn("c")}, member: Member{Name: "c"},
			action: Wait, status: typesv1beta1.ClusterNotReady, listed: true, message: "unjoin it to stop waiting"},
		{name: "deleting, placed inventory cluster not ready: holds deletion up", in: Input{Deleting: true, Placement: placedOn("c")}, member: Member{Name: "c", Inventory: true},
			action: Wait, status: typesv1beta1.ClusterNotReady, listed: true, message: `remove its ClusterProfile "c" from the inventory to stop waiting`},
		{name: "deleting, not placed and not ready: nothing", in: Input{Deleting: true, Placement: placedOn()}, member: Member{Name: "c"}, action: Skip},
		{name: "deleting, placement failed: every unready cluster holds up", in: Input{Deleting: true, PlacementFailed: true}, member: Member{Name: "c"},
			action: Wait, status: typesv1beta1.ClusterNotReady, listed: true},
		{name: "deleting, cache not filled: wait", in: Input{Deleting: true, Placement: placedOn()}, member: Member{Name: "c", Ready: true},
			action: Wait, status: typesv1beta1.CachedRetrievalFailed, listed: true},
		// The federated object is gone.
		{name: "gone: managed objects are unlabeled", in: Input{}, member: ready(upToDate), action: Unlabel},
		{name: "gone: unlabeled objects are left", in: Input{}, member: ready(memberObject(nil, false, "v")), action: Skip},
		{name: "gone: objects being deleted are left", in: Input{}, member: ready(memberObject(managedLabels, true, "v")), action: Skip},
		{name: "gone: not ready clusters are left", in: Input{}, member: Member{Name: "c", Observed: upToDate}, action: Skip},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Target = cm
			if !strings.HasPrefix(tc.name, "gone") {
				tc.in.Federated = fed
			}
			tc.in.Members = []Member{tc.member}
			got := Plan(tc.in)[0]
			if got.Cluster != tc.member.Name || got.Action != tc.action || got.Status != tc.status || got.Listed != tc.listed || got.Current != tc.current {
				t.Errorf("got %s %s %q listed=%v current=%v; want %s %q listed=%v current=%v",
					got.Cluster, got.Action, got.Status, got.Listed, got.Current, tc.action, tc.status, tc.listed, tc.current)
			}
			if !strings.Contains(got.Message, tc.message) {
				t.Errorf("message %q does not contain %q", got.Message, tc.message)
			}
			if (got.Event == nil) != (tc.event == "") || (got.Event != nil && got.Event.Reason != tc.event) {
				t.Errorf("event %+v, want reason %q", got.Event, tc.event)
			}
			if tc.desiredK == "" {
				if got.Desired != nil {
					t.Errorf("desired object %v for action %s", got.Desired, got.Action)
				}
				return
			}
			if k, _, _ := unstructured.NestedString(got.Desired.Object, "data", "k"); k != tc.desiredK || got.Desired.GetLabels()[core.ManagedByKubeFedLabelKey] != "true" {
				t.Errorf("desired %v, want data.k=%s and the managed label", got.Desired.Object, tc.desiredK)
			}
		})
	}
}

// TestPlanHostNamespace: the host's own namespace (the host joined as a
// member) is unlabeled, never deleted, and always adopted (reference §3.3,
// §10 items 4 and 8).
func TestPlanHostNamespace(t *testing.T) {
	fed := federated("ns1", object{})
	fed.SetName("ns1")
	hostNS := func(labels map[string]string) *unstructured.Unstructured {
		obj := &unstructured.Unstructured{Object: object{"apiVersion": "v1", "kind": "Namespace", "metadata": object{"name": "ns1", "uid": "host-uid"}}}
		obj.SetLabels(labels)
		return obj
	}
	otherNS := hostNS(managedLabels)
	otherNS.SetUID("member-uid")
	base := Input{Federated: fed, Target: namespace, HostNamespaceUID: "host-uid",
		Placement: placement.Result{Clusters: sets.New[string](), Denied: map[string]string{}, NotReady: sets.New[string]()}}
	member := func(obj *unstructured.Unstructured) []Member {
		return []Member{{Name: "host", Ready: true, Synced: true, Observed: obj}}
	}
	cases := []struct {
		name     string
		deleting bool
		placed   bool
		obj      *unstructured.Unstructured
		want     Action
	}{
		{name: "unplaced host namespace: unlabel", obj: hostNS(managedLabels), want: Unlabel},
		{name: "unplaced member namespace: delete", obj: otherNS, want: Delete},
		{name: "deleting, host namespace: unlabel", deleting: true, obj: hostNS(managedLabels), want: Unlabel},
		{name: "deleting, member namespace: delete", deleting: true, obj: otherNS, want: Delete},
		{name: "host namespace adopted although adoption is disabled", placed: true, obj: hostNS(nil), want: Adopt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Deleting = tc.deleting
			if tc.placed {
				in.Placement.Clusters, in.Placement.Targets = sets.New("host"), sets.New("host")
			}
			in.Members = member(tc.obj)
			if got := Plan(in)[0]; got.Action != tc.want {
				t.Errorf("action %s (status %q), want %s", got.Action, got.Status, tc.want)
			}
		})
	}
}

// TestPlanSafety covers the branches for records, adopted objects, types a
// member lacks, namespaces holding unmanaged objects and finalizers added by
// overrides.
func TestPlanSafety(t *testing.T) {
	fed := federated("ns1", object{"template": object{"data": object{"k": "v"}},
		"overrides": []interface{}{object{"clusterName": "c", "clusterOverrides": []interface{}{
			object{"op": "add", "path": "/metadata/finalizers", "value": []interface{}{"example.com/hold"}}}}}})
	placed, nowhere := placedOn("c"), placedOn()
	current := memberObject(managedLabels, false, "v")
	current.SetFinalizers([]string{"example.com/hold", "member/own"})
	rendered, err := Render(fed, cm, overrides.Destination{Cluster: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	record := SyncedVersion(current, RenderedHash(rendered))
	edited := current.DeepCopy()
	edited.SetResourceVersion("8")
	adopted := current.DeepCopy()
	MarkAdopted(adopted)
	deleting := current.DeepCopy()
	now := metav1.Now()
	deleting.SetDeletionTimestamp(&now)
	deleteAdopted := fed.DeepCopy()
	deleteAdopted.SetAnnotations(map[string]string{core.DeleteAdoptedAnnotation: "true"})
	cases := []struct {
		name    string
		in      Input
		member  Member
		action  Action
		status  typesv1beta1.PropagationStatus
		message string
		drifted bool
		version string
		drop    []string
		event   string
	}{
		{name: "recorded and unchanged: skip, keep the record", in: Input{Placement: placed}, member: withRecord(ready(current), record), action: Skip, version: record},
		{name: "changed by someone else: revert", in: Input{Placement: placed}, member: withRecord(ready(edited), record), action: Update, drifted: true},
		{name: "lacks the type, placed: says why", in: Input{Placement: placed}, member: Member{Name: "c", Ready: true, Missing: "no CRD"},
			action: Skip, status: typesv1beta1.CachedRetrievalFailed, message: "no CRD", event: "CachedRetrievalFailed"},
		{name: "lacks the type, not placed: nothing", in: Input{Placement: nowhere}, member: Member{Name: "c", Ready: true, Missing: "no CRD"}, action: Skip},
		{name: "lacks the type, deleting: nothing to wait for", in: Input{Placement: placed, Deleting: true}, member: Member{Name: "c", Ready: true, Missing: "no CRD"},
			action: Skip, event: "MemberObjectsNotChecked"},
		{name: "adopted, unplaced: released", in: Input{Placement: nowhere}, member: ready(adopted), action: Unlabel},
		{name: "adopted, deleting: released", in: Input{Placement: placed, Deleting: true}, member: ready(adopted), action: Unlabel},
		{name: "adopted, deleting, delete-adopted: deleted", in: Input{Federated: deleteAdopted, Placement: placed, Deleting: true}, member: ready(adopted),
			action: Delete, status: typesv1beta1.WaitingForRemoval, drop: []string{"example.com/hold"}},
		{name: "deleting: override finalizers dropped", in: Input{Placement: placed, Deleting: true}, member: ready(current),
			action: Delete, status: typesv1beta1.WaitingForRemoval, drop: []string{"example.com/hold"}},
		{name: "deleting, already going: override finalizers dropped", in: Input{Placement: placed, Deleting: true}, member: ready(deleting),
			action: Wait, status: typesv1beta1.WaitingForRemoval, drop: []string{"example.com/hold"}},
		{name: "unplaced, holds unmanaged objects: not deleted", in: Input{Placement: nowhere}, member: withHolds(ready(current), "configmaps/theirs"),
			action: Wait, status: typesv1beta1.WaitingForRemoval, message: "holds objects the federation does not manage: configmaps/theirs", event: "NamespaceHoldsUnmanagedObjects"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Target = cm
			if tc.in.Federated == nil {
				tc.in.Federated = fed
			}
			got := PlanCluster(tc.in, tc.member)
			if got.Action != tc.action || got.Status != tc.status || got.Drifted != tc.drifted || got.Version != tc.version ||
				strings.Join(got.DropFinalizers, ",") != strings.Join(tc.drop, ",") || !strings.Contains(got.Message, tc.message) {
				t.Errorf("got %s %q %q drifted=%v version=%q drop=%v", got.Action, got.Status, got.Message, got.Drifted, got.Version, got.DropFinalizers)
			}
			if (got.Event == nil) != (tc.event == "") || (got.Event != nil && got.Event.Reason != tc.event) {
				t.Errorf("event %+v, want %q", got.Event, tc.event)
			}
		})
	}
	adopt := PlanCluster(Input{Federated: fed, Target: cm, Placement: placed, AdoptResources: true}, ready(memberObject(nil, false, "x")))
	if adopt.Action != Adopt || !Adopted(adopt.Desired) {
		t.Errorf("adoption: %s, desired annotations %v; want the adopted mark", adopt.Action, adopt.Desired.GetAnnotations())
	}
}

// ready is cluster "c", ready and synced, holding observed.
func ready(observed *unstructured.Unstructured) Member {
	return Member{Name: "c", Ready: true, Synced: true, Observed: observed}
}

// placedOn is a placement on the named clusters, all ready and allowed.
func placedOn(names ...string) placement.Result {
	return placement.Result{Clusters: sets.New(names...), Denied: map[string]string{}, NotReady: sets.New[string](), Targets: sets.New(names...)}
}

func tainted(cluster, taint string) placement.Result {
	res := placedOn()
	res.Clusters.Insert(cluster)
	res.Tainted = map[string]string{cluster: taint}
	return res
}

func withRecord(m Member, record string) Member { m.Recorded = record; return m }

func withHolds(m Member, holds ...string) Member { m.Holds = holds; return m }

// TestPlanDependency covers a dependency's plan: its copies carry the
// workloads that pull it in, are deleted where it is not placed, while a
// managed object that is not its copy is released, and an unmanaged one is
// left unless adoption is on.
func TestPlanDependency(t *testing.T) {
	dep := federated("ns1", object{"template": object{"data": object{"k": "v"}}})
	copyOf := func(data string) *unstructured.Unstructured {
		obj := memberObject(managedLabels, false, data)
		obj.SetAnnotations(map[string]string{core.DependencyOfAnnotation: "Deployment/web"})
		return obj
	}
	cases := []struct {
		name   string
		in     Input
		member Member
		action Action
		status typesv1beta1.PropagationStatus
	}{
		{"placed, absent: create", Input{Placement: placedOn("c")}, ready(nil), Create, ""},
		{"placed, up to date", Input{Placement: placedOn("c")}, ready(copyOf("v")), Skip, ""},
		{"placed, workloads changed: update", Input{Placement: placedOn("c"), DependencyOf: map[string]string{"c": "Deployment/api,Deployment/web"}}, ready(copyOf("v")), Update, ""},
		{"placed, unmanaged, no adoption: left", Input{Placement: placedOn("c")}, ready(memberObject(nil, false, "x")), Skip, typesv1beta1.AlreadyExists},
		{"placed, unmanaged, adoption: adopted", Input{Placement: placedOn("c"), AdoptResources: true}, ready(memberObject(nil, false, "x")), Adopt, ""},
		{"placed, managed=false: left", Input{Placement: placedOn("c")}, ready(memberObject(unmanagedLabels, false, "x")), Skip, typesv1beta1.ManagedLabelFalse},
		{"not placed, its copy: deleted", Input{Placement: placedOn()}, ready(copyOf("v")), Delete, typesv1beta1.WaitingForRemoval},
		{"not placed, managed but not its copy: released", Input{Placement: placedOn()}, ready(memberObject(managedLabels, false, "v")), Unlabel, ""},
		{"not placed, unmanaged: left", Input{Placement: placedOn()}, ready(memberObject(nil, false, "v")), Skip, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Federated, in.Target, in.Dependency = dep, cm, true
			if in.DependencyOf == nil {
				in.DependencyOf = map[string]string{"c": "Deployment/web"}
			}
			p := PlanCluster(in, tc.member)
			if p.Action != tc.action || p.Status != tc.status {
				t.Fatalf("got %s %q (%s), want %s %q", p.Action, p.Status, p.Message, tc.action, tc.status)
			}
			if p.Desired != nil {
				if got := p.Desired.GetAnnotations()[core.DependencyOfAnnotation]; got != in.DependencyOf["c"] {
					t.Errorf("desired %s = %q, want %q", core.DependencyOfAnnotation, got, in.DependencyOf["c"])
				}
			}
		})
	}
}

// TestPreparedPlansAlike checks that an input prepared once (Prepared, as
// the syncer's pass does) plans every member as an unprepared one, whose
// each render decodes the object: with overrides that apply, and with
// overrides that do not decode (ComputeResourceFailed in every cluster).
func TestPreparedPlansAlike(t *testing.T) {
	undecodable := perClusterOverridesInput(3)
	undecodable.Federated = undecodable.Federated.DeepCopy()
	undecodable.Federated.Object["spec"].(object)["overrides"] = []interface{}{object{"clusterName": int64(1)}}
	for name, in := range map[string]Input{"overrides": perClusterOverridesInput(3), "undecodable": undecodable} {
		t.Run(name, func(t *testing.T) {
			prepared := in.Prepared()
			for _, m := range in.Members {
				want, got := PlanCluster(in, m), PlanCluster(prepared, m)
				if !equality.Semantic.DeepEqual(got, want) {
					t.Errorf("cluster %s: prepared plan\n%+v\nwant the unprepared one\n%+v", m.Name, got, want)
				}
				if name == "undecodable" && got.Status != typesv1beta1.ComputeResourceFailed {
					t.Errorf("cluster %s: status %q, want %q", m.Name, got.Status, typesv1beta1.ComputeResourceFailed)
				}
			}
		})
	}
}
