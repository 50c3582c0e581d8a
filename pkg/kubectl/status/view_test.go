package status

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func render(t *testing.T, table Table, opts RenderOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, table, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func raw(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

var deployments = Type{
	Config: corev1beta1.FederatedTypeConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "deployments.apps"},
		Spec: corev1beta1.FederatedTypeConfigSpec{
			TargetType:    corev1beta1.APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: "Namespaced"},
			FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment", PluralName: "federateddeployments", Scope: "Namespaced"},
			Propagation:   corev1beta1.PropagationEnabled,
		},
	},
	Target: schema.GroupKind{Group: "apps", Kind: "Deployment"},
}

func condition(t typesv1beta1.ConditionType, status corev1.ConditionStatus, reason typesv1beta1.AggregateReason, msg string) typesv1beta1.Condition {
	return typesv1beta1.Condition{Type: t, Status: status, Reason: reason, Message: msg}
}

// sampleObjects are federated Deployments in every state, out of order.
func sampleObjects() []Object {
	ready := `{"observedGeneration":1,"replicas":3,"readyReplicas":3,"availableReplicas":3,"updatedReplicas":3}`
	rolling := `{"observedGeneration":1,"replicas":3,"readyReplicas":2,"availableReplicas":2,"updatedReplicas":3}`
	return []Object{
		{
			Namespace: "shop", Name: "web", Created: now.Add(-3 * time.Hour), Generation: 2,
			Status: typesv1beta1.FederatedStatus{
				ObservedGeneration: 2,
				Conditions: []typesv1beta1.Condition{
					condition(typesv1beta1.PropagationConditionType, corev1.ConditionTrue, "", ""),
					condition(typesv1beta1.ReadyConditionType, corev1.ConditionFalse, "ReplicasNotReady", "not ready in 1/2 clusters: member2: 2/3 ready, 3 up-to-date, 2 available"),
				},
				Clusters: []typesv1beta1.ClusterStatus{
					{Name: "member2", RemoteStatus: raw(rolling)},
					{Name: "member1", RemoteStatus: raw(ready)},
				},
				Aggregated: &typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 2, Replicas: 6, ReadyReplicas: 5, AvailableReplicas: 5, UpdatedReplicas: 6},
			},
		},
		{
			Namespace: "shop", Name: "api", Created: now.Add(-49 * time.Hour), Generation: 1,
			Status: typesv1beta1.FederatedStatus{
				ObservedGeneration: 1,
				Conditions: []typesv1beta1.Condition{
					condition(typesv1beta1.PropagationConditionType, corev1.ConditionFalse, typesv1beta1.CheckClusters, ""),
					condition(typesv1beta1.ReadyConditionType, corev1.ConditionFalse, "ClustersNotReady", "not ready in 1/2 clusters: member2: not propagated"),
				},
				Clusters: []typesv1beta1.ClusterStatus{
					{Name: "member1", RemoteStatus: raw(ready)},
					{Name: "member2", Status: typesv1beta1.ClusterNotReady, Message: "cluster member2 is not ready"},
				},
				Aggregated: &typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 2, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, UpdatedReplicas: 3},
			},
		},
		{Namespace: "blog", Name: "new", Created: now.Add(-5 * time.Second), Generation: 1},
		{
			Namespace: "blog", Name: "ok", Created: now.Add(-10 * time.Minute), Generation: 1,
			Status: typesv1beta1.FederatedStatus{
				ObservedGeneration: 1,
				Conditions: []typesv1beta1.Condition{
					condition(typesv1beta1.PropagationConditionType, corev1.ConditionTrue, "", ""),
					condition(typesv1beta1.ReadyConditionType, corev1.ConditionTrue, "ClustersReady", "ready in 2/2 clusters"),
				},
				Clusters:   []typesv1beta1.ClusterStatus{{Name: "member1", RemoteStatus: raw(ready)}, {Name: "member2", RemoteStatus: raw(ready)}},
				Aggregated: &typesv1beta1.AggregatedStatus{ClustersReady: 2, ClustersTotal: 2, Replicas: 6, ReadyReplicas: 6, AvailableReplicas: 6, UpdatedReplicas: 6},
			},
		},
	}
}

func TestObjectsTableGolden(t *testing.T) {
	objects := sampleObjects()
	golden.Assert(t, "testdata/objects.txt", render(t, ObjectsTable(deployments, objects[:2], false, now), RenderOptions{}))
	golden.Assert(t, "testdata/objects-all-namespaces.txt", render(t, ObjectsTable(deployments, objects, true, now), RenderOptions{}))
	golden.Assert(t, "testdata/objects-wide.txt", render(t, ObjectsTable(deployments, objects, true, now), RenderOptions{Wide: true}))
	golden.Assert(t, "testdata/objects-no-headers.txt", render(t, ObjectsTable(deployments, objects, true, now), RenderOptions{NoHeaders: true}))
}

func TestObjectViewGolden(t *testing.T) {
	web := sampleObjects()[0]
	var b bytes.Buffer
	if err := writeSummary(&b, Summary(deployments, web)); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	b.WriteString(render(t, ClustersTable(deployments, web), RenderOptions{}))
	b.WriteString("\n")
	b.WriteString(render(t, EventsTable([]Event{
		{Last: now.Add(-time.Minute), Type: "Warning", Reason: "ClusterNotReady", Message: "cluster member2 is not ready", Count: 3},
		{Last: now.Add(-2 * time.Hour), Type: "Normal", Reason: "CreateInCluster", Message: "Creating Deployment shop/web in cluster member1"},
	}, now), RenderOptions{}))
	golden.Assert(t, "testdata/object.txt", b.String())
	golden.Assert(t, "testdata/object-failing-cluster.txt", render(t, ClustersTable(deployments, sampleObjects()[1]), RenderOptions{}))
}

func TestFleetGolden(t *testing.T) {
	region := "eu-west-1"
	clusters := []corev1beta1.KubeFedCluster{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "member2", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour)),
				Labels: map[string]string{corev1.LabelTopologyZone: "us-east-1a"}},
			Status: corev1beta1.KubeFedClusterStatus{Conditions: []corev1beta1.ClusterCondition{
				{Type: corev1beta1.ClusterOffline, Status: corev1.ConditionTrue, Reason: "ClusterNotReachable", Message: "cluster is not reachable"},
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "member1", CreationTimestamp: metav1.NewTime(now.Add(-3 * time.Hour))},
			Spec: corev1beta1.KubeFedClusterSpec{Taints: []corev1beta1.Taint{{Key: corev1beta1.TaintUnschedulable, Effect: corev1beta1.TaintNoSchedule},
				{Key: "team", Value: "a", Effect: corev1beta1.TaintNoExecute}}},
			Status: corev1beta1.KubeFedClusterStatus{KubernetesVersion: "v1.37.2", Region: &region,
				Conditions: []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue}}},
		},
		{ObjectMeta: metav1.ObjectMeta{Name: "member3", CreationTimestamp: metav1.NewTime(now.Add(-time.Second))}},
	}
	enabled := corev1beta1.StatusCollectionEnabled
	collected := deployments
	collected.Config.Spec.StatusCollection = &enabled
	configMaps := Type{Config: corev1beta1.FederatedTypeConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "configmaps"},
		Spec: corev1beta1.FederatedTypeConfigSpec{
			TargetType:    corev1beta1.APIResource{Version: "v1", Kind: "ConfigMap", PluralName: "configmaps"},
			FederatedType: corev1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedConfigMap", PluralName: "federatedconfigmaps"},
			Propagation:   corev1beta1.PropagationDisabled,
		},
	}}
	objects := map[string][]Object{"deployments.apps": sampleObjects(), "configmaps": {}}
	var b bytes.Buffer
	profiles := []inventoryv1alpha1.ClusterProfile{
		{ObjectMeta: metav1.ObjectMeta{Name: "edge1", CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
			Status: inventoryv1alpha1.ClusterProfileStatus{Version: inventoryv1alpha1.ClusterVersion{Kubernetes: "v1.36.0"},
				Properties: []inventoryv1alpha1.Property{{Name: "region", Value: "moon"}},
				Conditions: []metav1.Condition{{Type: inventory.ConditionMemberReady, Status: metav1.ConditionTrue, Reason: "ClusterReady"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "lost", CreationTimestamp: metav1.NewTime(now.Add(-time.Minute))},
			Status: inventoryv1alpha1.ClusterProfileStatus{Conditions: []metav1.Condition{{Type: inventory.ConditionMemberReady, Status: metav1.ConditionFalse,
				Reason: "ClusterConfigMalformed", Message: "no matching cluster accessor found"}}}},
	}
	b.WriteString(render(t, ClustersFleetTable(clusters, profiles, now), RenderOptions{}))
	b.WriteString("\n")
	b.WriteString(render(t, TypesFleetTable([]Type{collected, configMaps}, objects), RenderOptions{}))
	b.WriteString("\n")
	b.WriteString(render(t, StatesFleetTable(objects), RenderOptions{}))
	golden.Assert(t, "testdata/fleet.txt", b.String())
	golden.Assert(t, "testdata/fleet-types-wide.txt", render(t, TypesFleetTable([]Type{collected, configMaps}, objects), RenderOptions{Wide: true}))
}

func TestStates(t *testing.T) {
	objects := sampleObjects()
	tests := []struct {
		object     Object
		wantState  State
		wantReason string
		wantReady  bool
	}{
		{objects[0], Propagated, "", false},
		{objects[1], Failing, "ClusterNotReady", false},
		{objects[2], Pending, "", false},
		{objects[3], Propagated, "", true},
		{Object{Name: "stale", Generation: 3, Status: objects[3].Status}, Pending, "", false},
		{Object{Name: "nsfail", Status: typesv1beta1.FederatedStatus{Conditions: []typesv1beta1.Condition{
			condition(typesv1beta1.PropagationConditionType, corev1.ConditionFalse, typesv1beta1.NamespaceNotFederated, "")}}}, Failing, "NamespaceNotFederated", false},
		{Object{Name: "waiting", Status: typesv1beta1.FederatedStatus{Conditions: []typesv1beta1.Condition{
			condition(typesv1beta1.PropagationConditionType, corev1.ConditionFalse, typesv1beta1.CheckClusters, "")},
			Clusters: []typesv1beta1.ClusterStatus{{Name: "a"}}}}, Pending, "", false},
		{Object{Name: "uncollected", Status: typesv1beta1.FederatedStatus{Conditions: []typesv1beta1.Condition{
			condition(typesv1beta1.PropagationConditionType, corev1.ConditionTrue, "", "")},
			Clusters: []typesv1beta1.ClusterStatus{{Name: "a"}}}}, Propagated, "", true},
		{Object{Name: "placed nowhere", Status: typesv1beta1.FederatedStatus{Conditions: []typesv1beta1.Condition{
			condition(typesv1beta1.PropagationConditionType, corev1.ConditionTrue, "", "")}}}, Failing, NoClusters, false},
		{Object{Name: "unknown reason", Status: typesv1beta1.FederatedStatus{Conditions: []typesv1beta1.Condition{
			condition(typesv1beta1.PropagationConditionType, corev1.ConditionTrue, "UnknownCluster", "member9 is not joined")},
			Clusters: []typesv1beta1.ClusterStatus{{Name: "a"}}}}, Failing, "UnknownCluster", false},
		{Object{Name: "opted out", Status: typesv1beta1.FederatedStatus{Conditions: []typesv1beta1.Condition{
			condition(typesv1beta1.PropagationConditionType, corev1.ConditionFalse, typesv1beta1.CheckClusters, "")},
			Clusters: []typesv1beta1.ClusterStatus{{Name: "a"}, {Name: "b", Status: typesv1beta1.ManagedLabelFalse}}}}, Propagated, "", true},
		{Object{Name: "garbled", StatusError: "status cannot be read"}, Failing, "StatusUnreadable", false},
	}
	for _, tt := range tests {
		state, reason := tt.object.State()
		if state != tt.wantState || reason != tt.wantReason || tt.object.Ready() != tt.wantReady {
			t.Errorf("%s: state %s %q ready %v, want %s %q ready %v", tt.object.Name, state, reason, tt.object.Ready(), tt.wantState, tt.wantReason, tt.wantReady)
		}
	}
}

func TestRenderColourOnlyWhenAsked(t *testing.T) {
	table := ObjectsTable(deployments, sampleObjects()[:2], false, now)
	plain := render(t, table, RenderOptions{})
	if strings.Contains(plain, "\x1b[") {
		t.Errorf("plain output has escape sequences:\n%q", plain)
	}
	coloured := render(t, table, RenderOptions{Colour: true})
	for _, want := range []string{"\x1b[32mPropagated\x1b[0m", "\x1b[31mFailing: ClusterNotReady\x1b[0m"} {
		if !strings.Contains(coloured, want) {
			t.Errorf("coloured output lacks %q:\n%q", want, coloured)
		}
	}
	// Escapes do not shift the columns: without them the text is the same.
	stripped := strings.NewReplacer("\x1b[32m", "", "\x1b[31m", "", "\x1b[33m", "", "\x1b[0m", "").Replace(coloured)
	if stripped != plain {
		t.Errorf("coloured output, without escapes, differs from the plain one:\n%s\n%s", stripped, plain)
	}
}

func TestRenderMinWidthsAlignLaterRows(t *testing.T) {
	table := ObjectsTable(deployments, sampleObjects()[:2], false, now)
	widths := ColumnWidths(table, RenderOptions{})
	later := render(t, Table{Columns: table.Columns, Rows: [][]Cell{{{Text: "x"}, {Text: "1/1"}, {Text: "1/1"}, {Text: "Propagated"}, {Text: "1s"}}}},
		RenderOptions{NoHeaders: true, MinWidths: widths})
	first := strings.SplitN(render(t, table, RenderOptions{}), "\n", 2)[0]
	if strings.Index(later, "Propagated") != strings.Index(first, "STATUS") {
		t.Errorf("a later row is not aligned with the header:\n%s\n%s", first, later)
	}
}

func TestObjectFrom(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "lb", "namespace": "shop", "generation": int64(4)},
		"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"type": "LoadBalancer"}}},
		"status":   map[string]any{"observedGeneration": int64(4), "aggregated": map[string]any{"clustersReady": int64(1), "clustersTotal": int64(2)}},
	}}
	o := ObjectFrom(u)
	if o.Name != "lb" || o.Namespace != "shop" || o.Generation != 4 || o.ServiceType != corev1.ServiceTypeLoadBalancer ||
		o.Status.ObservedGeneration != 4 || o.Status.Aggregated == nil || o.Status.Aggregated.ClustersTotal != 2 || o.StatusError != "" {
		t.Errorf("object = %+v", o)
	}
	u.Object["status"] = map[string]any{"observedGeneration": "four"}
	if o := ObjectFrom(u); o.StatusError == "" {
		t.Errorf("a garbled status decoded: %+v", o)
	}
}

func TestNotReadyError(t *testing.T) {
	if err := notReadyError(nil, "things"); err != nil {
		t.Errorf("no problems gave %v", err)
	}
	var many []string
	for i := range 12 {
		many = append(many, string(rune('a'+i)))
	}
	err := notReadyError(many, "federateddeployments")
	want := "12 federateddeployments not ready: a, b, c, d, e, f, g, h, i, j and 2 more"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestClustersTableOtherKinds(t *testing.T) {
	kind := func(group, k string) Type { return Type{Target: schema.GroupKind{Group: group, Kind: k}} }
	tests := []struct {
		name   string
		t      Type
		object Object
		want   []string
	}{
		{
			name: "daemonset counts pods",
			t:    kind("apps", "DaemonSet"),
			object: Object{Status: typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{
				{Name: "a", RemoteStatus: raw(`{"observedGeneration":1,"desiredNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2}`)}}}},
			want: []string{"a", "ok", "1/2", "1/2 ready, 2 up-to-date"},
		},
		{
			name: "job running",
			t:    kind("batch", "Job"),
			object: Object{Status: typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{
				{Name: "a", RemoteStatus: raw(`{"active":1}`)}}}},
			want: []string{"a", "ok", "False", "not finished (1 active)"},
		},
		{
			name:   "load balancer pending",
			t:      kind("", "Service"),
			object: Object{ServiceType: corev1.ServiceTypeLoadBalancer, Status: typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{{Name: "a", RemoteStatus: raw(`{"loadBalancer":{}}`)}}}},
			want:   []string{"a", "ok", "False", "the load balancer has no ingress point yet"},
		},
		{
			name:   "configmap exists",
			t:      kind("", "ConfigMap"),
			object: Object{Status: typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{{Name: "a", RemoteStatus: raw(`{}`)}}}},
			want:   []string{"a", "ok", "True", ""},
		},
		{
			// No readiness columns for a kind whose status is not collected.
			name:   "status not collected",
			t:      kind("", "ConfigMap"),
			object: Object{Status: typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{{Name: "a"}}}},
			want:   []string{"a", "ok", ""},
		},
	}
	for _, tt := range tests {
		table := ClustersTable(tt.t, tt.object)
		if len(table.Columns) != len(tt.want) {
			t.Errorf("%s: %d columns %v for rows of %d cells", tt.name, len(table.Columns), table.Columns, len(tt.want))
		}
		rows := table.Rows
		if len(rows) != 1 {
			t.Fatalf("%s: %d rows", tt.name, len(rows))
		}
		var got []string
		for _, c := range rows[0] {
			got = append(got, c.Text)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: row = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestReadyCellShowsProgress checks that a rollout in progress (the new
// generation not observed yet, replicas not ready) is yellow, a failure
// red, readiness green, and a status not collected yet "-" without colour.
func TestReadyCellShowsProgress(t *testing.T) {
	agg := &typesv1beta1.AggregatedStatus{ClustersTotal: 2, Replicas: 6, ReadyReplicas: 6, UpdatedReplicas: 3}
	withReady := func(status corev1.ConditionStatus, reason typesv1beta1.AggregateReason) Object {
		return Object{Status: typesv1beta1.FederatedStatus{Aggregated: agg, Conditions: []typesv1beta1.Condition{condition(typesv1beta1.ReadyConditionType, status, reason, "")}}}
	}
	for _, tt := range []struct {
		name   string
		o      Object
		text   string
		colour Colour
	}{
		{"rollout: generation not observed", withReady(corev1.ConditionFalse, "GenerationNotObserved"), "6/6", Yellow},
		{"replicas not ready", withReady(corev1.ConditionFalse, "ReplicasNotReady"), "6/6", Yellow},
		{"ready", withReady(corev1.ConditionTrue, "ClustersReady"), "6/6", Green},
		{"failing", withReady(corev1.ConditionFalse, "ConditionFailing"), "6/6", Red},
		{"no status yet", Object{}, "-", Plain},
	} {
		c := readyCell(deployments.Target, tt.o)
		if c.Text != tt.text || c.Colour != tt.colour {
			t.Errorf("%s: cell %+v, want %q in colour %d", tt.name, c, tt.text, tt.colour)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		o       Options
		wantErr string
	}{
		{Options{}, ""},
		{Options{TypeName: "deploy", Output: "wide", Watch: true}, ""},
		{Options{Output: "xml"}, `Invalid value for --output: "xml"`},
		{Options{Watch: true}, ""},
		{Options{TypeName: "deploy", Watch: true, FailIfNotReady: true}, "cannot be used together"},
		{Options{TypeName: "deploy", Watch: true, Output: "json"}, "cannot be used with -o json"},
		{Options{TypeName: "deploy", Name: "web", AllNamespaces: true}, "--all-namespaces cannot be used with NAME"},
	}
	for _, tt := range tests {
		err := tt.o.Validate()
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.o, err, tt.wantErr)
		}
	}
}

func TestSummaryLineLeavesOutIdentity(t *testing.T) {
	got := summaryLine([][2]string{{"Name", "web"}, {"Namespace", "shop"}, {"Type", "FederatedDeployment"},
		{"Status", "Propagated"}, {"Clusters", "2/2 ready"}})
	if want := "Status: Propagated; Clusters: 2/2 ready"; got != want {
		t.Errorf("summaryLine = %q, want %q", got, want)
	}
}
