package status

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	"github.com/kubectl-fed/kubectl-fed/pkg/aggregate"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// none is printed for an empty value, as kubectl does.
const none = "<none>"

// State is the propagation state of a federated object.
type State string

// The states, in the order the fleet view lists them.
const (
	// Propagated: every placed cluster holds the current object.
	Propagated State = "Propagated"
	// Pending: the syncer has not (yet) reported on the current generation,
	// or is waiting for member statuses.
	Pending State = "Pending"
	// Failing: propagation failed in some cluster, or before any.
	Failing State = "Failing"
)

// States lists the states in display order.
var States = []State{Propagated, Pending, Failing}

// Object is a federated object as the views see it.
type Object struct {
	// Namespace and Name identify the object; Namespace is empty for a
	// cluster-scoped type.
	Namespace, Name string
	// Created is the creation time.
	Created time.Time
	// Generation is metadata.generation.
	Generation int64
	// Status is the status the syncer wrote.
	Status typesv1beta1.FederatedStatus
	// ServiceType is spec.template.spec.type (Services only).
	ServiceType corev1.ServiceType
	// StatusError is set when the status could not be decoded.
	StatusError string
}

// Type is an enabled federated type.
type Type struct {
	// Config is its FederatedTypeConfig.
	Config corev1beta1.FederatedTypeConfig
	// Target is the target group and kind.
	Target schema.GroupKind
}

// Condition returns the object's condition of type t, or nil.
func (o Object) Condition(t typesv1beta1.ConditionType) *typesv1beta1.Condition {
	for i := range o.Status.Conditions {
		if o.Status.Conditions[i].Type == t {
			return &o.Status.Conditions[i]
		}
	}
	return nil
}

// State returns the object's propagation state and, when failing, why.
func (o Object) State() (State, string) {
	if o.StatusError != "" {
		return Failing, "StatusUnreadable"
	}
	c := o.Condition(typesv1beta1.PropagationConditionType)
	if c == nil || o.Status.ObservedGeneration != o.Generation {
		return Pending, ""
	}
	if c.Reason != typesv1beta1.AggregateSuccess && c.Reason != typesv1beta1.CheckClusters {
		// Any other reason, known or not (e.g. NamespaceNotFederated), is a
		// problem, whatever the condition's status says.
		return Failing, string(c.Reason)
	}
	optedOut := false
	for _, cl := range sortedClusters(o.Status.Clusters) {
		switch cl.Status {
		case typesv1beta1.ClusterPropagationOK:
		case typesv1beta1.ManagedLabelFalse:
			// The user opted this member object out on purpose.
			optedOut = true
		default:
			return Failing, string(cl.Status)
		}
	}
	switch {
	case len(o.Status.Clusters) == 0:
		// Placed nowhere: never shown as a green "Propagated 0/0".
		return Failing, NoClusters
	case c.Status == corev1.ConditionTrue || optedOut:
		return Propagated, ""
	}
	// Every cluster is OK but some member status is not collected yet.
	return Pending, ""
}

// NoClusters is the reason shown for an object placed on no cluster (its
// placement names no joined cluster, or selects none).
const NoClusters = "NoClusters"

// Ready reports whether the object is propagated and, when its member
// statuses are aggregated, Ready.
func (o Object) Ready() bool {
	if s, _ := o.State(); s != Propagated {
		return false
	}
	c := o.Condition(typesv1beta1.ReadyConditionType)
	return c == nil || c.Status == corev1.ConditionTrue
}

// stateText renders a state for the STATUS column.
func stateCell(o Object) Cell {
	s, reason := o.State()
	switch s {
	case Propagated:
		return Cell{Text: string(s), Colour: Green}
	case Failing:
		return Cell{Text: string(s) + ": " + reason, Colour: Red}
	}
	return Cell{Text: string(s), Colour: Yellow}
}

// age renders the time since t, or <unknown>.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

// orNone returns s, or <none> when it is empty.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// sortedClusters returns the cluster statuses sorted by name.
func sortedClusters(in []typesv1beta1.ClusterStatus) []typesv1beta1.ClusterStatus {
	out := append([]typesv1beta1.ClusterStatus(nil), in...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Well-known kinds whose READY column counts replicas.
var (
	replicaKinds = map[schema.GroupKind]bool{
		{Group: "apps", Kind: "Deployment"}: true, {Group: "apps", Kind: "ReplicaSet"}: true, {Group: "apps", Kind: "StatefulSet"}: true,
	}
	daemonSetKind = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
)

// unknown is printed for a readiness not known yet (no status collected).
const unknown = "-"

// readyText renders the aggregated readiness of an object: ready/desired
// replicas or daemon pods for workloads, ready/placed clusters otherwise;
// "-" until a status is collected.
func readyText(target schema.GroupKind, agg *typesv1beta1.AggregatedStatus) string {
	switch {
	case agg == nil:
		return unknown
	case replicaKinds[target]:
		return fmt.Sprintf("%d/%d", agg.ReadyReplicas, agg.Replicas)
	case target == daemonSetKind:
		return fmt.Sprintf("%d/%d", agg.NumberReady, agg.DesiredNumberScheduled)
	}
	return fmt.Sprintf("%d/%d", agg.ClustersReady, agg.ClustersTotal)
}

// readyCell renders readyText, coloured by the Ready condition: green when
// ready, red when failing, yellow while in progress (a rollout whose new
// generation is not observed or whose replicas are not ready yet, a status
// still pending), so that a rollout reads as progress, not as a failure.
func readyCell(target schema.GroupKind, o Object) Cell {
	c := Cell{Text: readyText(target, o.Status.Aggregated)}
	cond := o.Condition(typesv1beta1.ReadyConditionType)
	switch {
	case cond == nil || o.Status.Aggregated == nil:
	case cond.Status == corev1.ConditionTrue:
		c.Colour = Green
	case failingReasons[cond.Reason]:
		c.Colour = Red
	default:
		c.Colour = Yellow
	}
	return c
}

// failingReasons are the Ready reasons of a failure rather than progress.
var failingReasons = map[typesv1beta1.AggregateReason]bool{
	aggregate.ReasonJobFailed: true, aggregate.ReasonConditionFailing: true, aggregate.ReasonStatusUnreadable: true,
}

// ObjectsTable is the view of `kubectl fed status TYPE`: one row per
// object, sorted by namespace and name. withNamespace adds a NAMESPACE
// column first (-A).
func ObjectsTable(t Type, objects []Object, withNamespace bool, now time.Time) Table {
	table := Table{Columns: []Column{
		{Name: "NAME"}, {Name: "CLUSTERS"}, {Name: "READY"}, {Name: "STATUS"}, {Name: "AGE"},
		{Name: "READY-CLUSTERS", Wide: true}, {Name: "MESSAGE", Wide: true},
	}}
	if withNamespace {
		table.Columns = append([]Column{{Name: "NAMESPACE"}}, table.Columns...)
	}
	sorted := append([]Object(nil), objects...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Namespace != sorted[j].Namespace {
			return sorted[i].Namespace < sorted[j].Namespace
		}
		return sorted[i].Name < sorted[j].Name
	})
	for _, o := range sorted {
		row := ObjectRow(t, o, now)
		if withNamespace {
			row = append([]Cell{{Text: o.Namespace}}, row...)
		}
		table.Rows = append(table.Rows, row)
	}
	return table
}

// ObjectRow is one object's row of ObjectsTable, without NAMESPACE.
func ObjectRow(t Type, o Object, now time.Time) []Cell {
	ok := 0
	for _, c := range o.Status.Clusters {
		if c.Status == typesv1beta1.ClusterPropagationOK {
			ok++
		}
	}
	clusters := Cell{Text: fmt.Sprintf("%d/%d", ok, len(o.Status.Clusters))}
	readyClusters := none
	if agg := o.Status.Aggregated; agg != nil {
		readyClusters = fmt.Sprintf("%d/%d", agg.ClustersReady, agg.ClustersTotal)
	}
	return []Cell{
		{Text: o.Name}, clusters, readyCell(t.Target, o), stateCell(o), {Text: age(now, o.Created)},
		{Text: readyClusters}, {Text: objectMessage(o)},
	}
}

// objectMessage explains an object that is not fine: the status error,
// the Ready condition's message, or the failing clusters.
func objectMessage(o Object) string {
	if o.StatusError != "" {
		return o.StatusError
	}
	var parts []string
	for _, c := range sortedClusters(o.Status.Clusters) {
		if c.Status != typesv1beta1.ClusterPropagationOK {
			part := c.Name + ": " + string(c.Status)
			if c.Message != "" {
				part += ": " + c.Message
			}
			parts = append(parts, part)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	if c := o.Condition(typesv1beta1.ReadyConditionType); c != nil && c.Status != corev1.ConditionTrue {
		return c.Message
	}
	return ""
}

// ClustersTable is the per-cluster part of `kubectl fed status TYPE NAME`:
// one row per placed cluster, sorted by name, judged from the collected
// member status. READY is shown only for types whose member status is
// collected, UP-TO-DATE and AVAILABLE only for replicated workloads: a
// ConfigMap or Namespace has no readiness to show.
func ClustersTable(t Type, o Object) Table {
	table := Table{Columns: []Column{{Name: "CLUSTER"}, {Name: "PROPAGATION"}}}
	if hasReadiness(t, o) {
		table.Columns = append(table.Columns, Column{Name: "READY"})
		if replicaKinds[t.Target] {
			table.Columns = append(table.Columns, Column{Name: "UP-TO-DATE"}, Column{Name: "AVAILABLE"})
		}
	}
	table.Columns = append(table.Columns, Column{Name: "MESSAGE"})
	for _, c := range sortedClusters(o.Status.Clusters) {
		table.Rows = append(table.Rows, ClusterRow(t, o, c))
	}
	return table
}

// hasReadiness reports whether the clusters of o show readiness: its type
// collects member status, or a member status was collected anyway.
func hasReadiness(t Type, o Object) bool {
	if t.Config.GetStatusEnabled() {
		return true
	}
	for _, c := range o.Status.Clusters {
		if c.RemoteStatus != nil {
			return true
		}
	}
	return false
}

// ClusterRow is one cluster's row of ClustersTable, with its columns.
func ClusterRow(t Type, o Object, c typesv1beta1.ClusterStatus) []Cell {
	row := clusterRow(t, o, c)
	if !hasReadiness(t, o) {
		// CLUSTER, PROPAGATION, MESSAGE.
		return []Cell{row[0], row[1], row[5]}
	}
	if !replicaKinds[t.Target] {
		return []Cell{row[0], row[1], row[2], row[5]}
	}
	return row
}

// clusterRow is a cluster's row with every column ClustersTable may show.
func clusterRow(t Type, o Object, c typesv1beta1.ClusterStatus) []Cell {
	propagation := Cell{Text: "ok", Colour: Green}
	if c.Status != typesv1beta1.ClusterPropagationOK {
		propagation = Cell{Text: string(c.Status), Colour: Red}
		return []Cell{{Text: c.Name}, propagation, {Text: unknown}, {Text: unknown}, {Text: unknown}, {Text: c.Message}}
	}
	if c.RemoteStatus == nil {
		return []Cell{{Text: c.Name}, propagation, {Text: unknown}, {Text: unknown}, {Text: unknown}, {Text: c.Message}}
	}
	v := aggregate.Judge(t.Target, aggregate.Member{Cluster: c.Name, Propagated: true, Status: c.RemoteStatus, ServiceType: o.ServiceType})
	ready := Cell{Text: readyText(t.Target, &v.Counts), Colour: Green}
	upToDate, available := none, none
	if replicaKinds[t.Target] {
		upToDate, available = fmt.Sprint(v.Counts.UpdatedReplicas), fmt.Sprint(v.Counts.AvailableReplicas)
	}
	if !replicaKinds[t.Target] && t.Target != daemonSetKind {
		ready.Text = "True"
	}
	if !v.Ready {
		ready.Colour = Yellow
		if !replicaKinds[t.Target] && t.Target != daemonSetKind {
			ready.Text = "False"
		}
		if v.Reason == aggregate.ReasonJobFailed || v.Reason == aggregate.ReasonConditionFailing || v.Reason == aggregate.ReasonStatusUnreadable {
			ready.Colour = Red
		}
	}
	return []Cell{{Text: c.Name}, propagation, ready, {Text: upToDate}, {Text: available}, {Text: v.Message}}
}

// Summary is the header of `kubectl fed status TYPE NAME`: "Key: value"
// lines.
func Summary(t Type, o Object) [][2]string {
	lines := [][2]string{{"Name", o.Name}}
	if o.Namespace != "" {
		lines = append(lines, [2]string{"Namespace", o.Namespace})
	}
	lines = append(lines, [2]string{"Type", t.Config.Spec.FederatedType.Kind + " (" + t.Config.Name + ")"})
	state, reason := o.State()
	status := string(state)
	if reason != "" {
		status += ": " + reason
	}
	lines = append(lines, [2]string{"Status", status})
	if c := o.Condition(typesv1beta1.ReadyConditionType); c != nil {
		ready := string(c.Status)
		if c.Reason != "" {
			ready += " (" + string(c.Reason) + ")"
		}
		if c.Message != "" {
			ready += ": " + c.Message
		}
		lines = append(lines, [2]string{"Ready", ready})
	} else {
		lines = append(lines, [2]string{"Ready", "<unknown>: status collection is off for " + t.Config.Name})
	}
	if agg := o.Status.Aggregated; agg != nil {
		lines = append(lines, [2]string{"Clusters", fmt.Sprintf("%d/%d ready", agg.ClustersReady, agg.ClustersTotal)})
		switch {
		case replicaKinds[t.Target]:
			lines = append(lines, [2]string{"Replicas", fmt.Sprintf("%d/%d ready, %d up-to-date, %d available",
				agg.ReadyReplicas, agg.Replicas, agg.UpdatedReplicas, agg.AvailableReplicas)})
		case t.Target == daemonSetKind:
			lines = append(lines, [2]string{"Pods", fmt.Sprintf("%d/%d ready", agg.NumberReady, agg.DesiredNumberScheduled)})
		case t.Target.Kind == "Job" && t.Target.Group == "batch":
			lines = append(lines, [2]string{"Pods", fmt.Sprintf("%d active, %d succeeded, %d failed", agg.Active, agg.Succeeded, agg.Failed)})
		}
		for _, lb := range agg.LoadBalancer {
			var points []string
			for _, in := range lb.Ingress {
				points = append(points, orNone(in.IP+in.Hostname))
			}
			lines = append(lines, [2]string{"LoadBalancer", lb.Cluster + ": " + strings.Join(points, ", ")})
		}
	}
	return lines
}

// Event is a host event about a federated object.
type Event struct {
	// Last is when it was last seen.
	Last time.Time
	// Type is Normal or Warning.
	Type string
	// Reason and Message are the event's.
	Reason, Message string
	// Count is how often it happened.
	Count int32
}

// EventsTable lists events oldest first.
func EventsTable(events []Event, now time.Time) Table {
	table := Table{Columns: []Column{{Name: "LAST SEEN"}, {Name: "TYPE"}, {Name: "REASON"}, {Name: "MESSAGE"}}}
	sorted := append([]Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Last.Before(sorted[j].Last) })
	for _, e := range sorted {
		c := Cell{Text: e.Type}
		if e.Type == corev1.EventTypeWarning {
			c.Colour = Red
		}
		last := age(now, e.Last)
		if e.Count > 1 {
			last += fmt.Sprintf(" (x%d)", e.Count)
		}
		table.Rows = append(table.Rows, []Cell{{Text: last}, c, {Text: e.Reason}, {Text: e.Message}})
	}
	return table
}

// ClustersFleetTable is the clusters part of `kubectl fed status`: the
// joined KubeFedClusters and the ClusterProfiles of the inventory, with
// where each comes from (SOURCE joined or inventory).
func ClustersFleetTable(clusters []corev1beta1.KubeFedCluster, profiles []inventoryv1alpha1.ClusterProfile, now time.Time) Table {
	table := Table{Columns: []Column{
		{Name: "NAME"}, {Name: "SOURCE"}, {Name: "READY"}, {Name: "VERSION"}, {Name: "REGION"}, {Name: "ZONES"}, {Name: "TAINTS"}, {Name: "AGE"}, {Name: "MESSAGE"},
	}}
	type row struct {
		name  string
		cells []Cell
	}
	var rows []row
	for _, c := range clusters {
		ready, message := clusterReadiness(c)
		region := c.Labels[corev1.LabelTopologyRegion]
		if c.Status.Region != nil && *c.Status.Region != "" {
			region = *c.Status.Region
		}
		zones := strings.Join(c.Status.Zones, ",")
		if zones == "" {
			zones = c.Labels[corev1.LabelTopologyZone]
		}
		rows = append(rows, row{c.Name, []Cell{
			{Text: c.Name}, {Text: "joined"}, ready, {Text: orNone(c.Status.KubernetesVersion)}, {Text: orNone(region)}, {Text: orNone(zones)},
			taintsCell(c.Spec.Taints), {Text: age(now, c.CreationTimestamp.Time)}, {Text: message},
		}})
	}
	for _, p := range profiles {
		ready, message := Cell{Text: "Unknown", Colour: Red}, "not probed yet (is the syncer started with this inventory namespace?)"
		if cond := meta.FindStatusCondition(p.Status.Conditions, inventory.ConditionMemberReady); cond != nil {
			ready.Text, message = string(cond.Status), cond.Reason+": "+cond.Message
			if cond.Status == metav1.ConditionTrue {
				ready.Colour, message = Green, ""
			}
		}
		labels := inventory.Labels(&p)
		rows = append(rows, row{p.Name, []Cell{
			{Text: p.Name}, {Text: "inventory"}, ready, {Text: orNone(p.Status.Version.Kubernetes)},
			{Text: orNone(labels[corev1.LabelTopologyRegion])}, {Text: orNone(labels[corev1.LabelTopologyZone])},
			{Text: none}, {Text: age(now, p.CreationTimestamp.Time)}, {Text: message},
		}})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	for _, r := range rows {
		table.Rows = append(table.Rows, r.cells)
	}
	return table
}

// taintsCell shows a cluster's taints in kubectl taint's syntax: yellow for
// NoSchedule only, red with a NoExecute one.
func taintsCell(list []corev1beta1.Taint) Cell {
	if len(list) == 0 {
		return Cell{Text: orNone("")}
	}
	colour := Yellow
	if _, ok := taints.NoExecuteSince(list, time.Time{}); ok {
		colour = Red
	}
	return Cell{Text: taints.Join(list), Colour: colour}
}

// clusterReadiness renders a cluster's Ready condition and, when it is not
// ready, why: the Ready or Offline condition's reason and message.
// ClusterReadiness is a cluster's READY (True, False or Unknown) and why,
// as the fleet view shows them.
func ClusterReadiness(c corev1beta1.KubeFedCluster) (ready, message string) {
	cell, message := clusterReadiness(c)
	return cell.Text, message
}

func clusterReadiness(c corev1beta1.KubeFedCluster) (Cell, string) {
	var ready, offline *corev1beta1.ClusterCondition
	for i := range c.Status.Conditions {
		switch c.Status.Conditions[i].Type {
		case corev1beta1.ClusterReady:
			ready = &c.Status.Conditions[i]
		case corev1beta1.ClusterOffline:
			offline = &c.Status.Conditions[i]
		}
	}
	describe := func(cond *corev1beta1.ClusterCondition) string {
		parts := []string{}
		if cond.Reason != "" {
			parts = append(parts, cond.Reason)
		}
		if cond.Message != "" {
			parts = append(parts, cond.Message)
		}
		return strings.Join(parts, ": ")
	}
	switch {
	case ready != nil && ready.Status == corev1.ConditionTrue:
		return Cell{Text: "True", Colour: Green}, ""
	case offline != nil && offline.Status == corev1.ConditionTrue:
		return Cell{Text: "False", Colour: Red}, describe(offline)
	case ready != nil:
		return Cell{Text: string(ready.Status), Colour: Red}, describe(ready)
	}
	return Cell{Text: "Unknown", Colour: Yellow}, "no health report yet"
}

// TypesFleetTable is the types part of `kubectl fed status`: one row per
// enabled type with its number of federated objects (<unknown> when the
// type has no entry in objects, i.e. its objects could not be listed).
func TypesFleetTable(types []Type, objects map[string][]Object) Table {
	table := Table{Columns: []Column{{Name: "TYPE"}, {Name: "PROPAGATION"}, {Name: "STATUS-COLLECTION"}, {Name: "OBJECTS"},
		{Name: "FEDERATED-TYPE", Wide: true}}}
	sorted := append([]Type(nil), types...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Config.Name < sorted[j].Config.Name })
	for _, t := range sorted {
		spec := t.Config.Spec
		propagation := Cell{Text: string(spec.Propagation), Colour: Green}
		if spec.Propagation != corev1beta1.PropagationEnabled {
			propagation.Colour = Yellow
		}
		collection := string(corev1beta1.StatusCollectionDisabled)
		if t.Config.GetStatusEnabled() {
			collection = string(corev1beta1.StatusCollectionEnabled)
		}
		count := "<unknown>"
		if list, ok := objects[t.Config.Name]; ok {
			count = fmt.Sprint(len(list))
		}
		table.Rows = append(table.Rows, []Cell{
			{Text: t.Config.Name}, propagation, {Text: collection}, {Text: count},
			{Text: spec.FederatedType.QualifiedName()},
		})
	}
	return table
}

// StatesFleetTable counts the federated objects of every type by state.
func StatesFleetTable(objects map[string][]Object) Table {
	counts := map[State]int{}
	for _, list := range objects {
		for _, o := range list {
			s, _ := o.State()
			counts[s]++
		}
	}
	table := Table{Columns: []Column{{Name: "STATE"}, {Name: "OBJECTS"}}}
	colours := map[State]Colour{Propagated: Green, Pending: Yellow, Failing: Red}
	for _, s := range States {
		c := Cell{Text: string(s)}
		if counts[s] > 0 {
			c.Colour = colours[s]
		}
		table.Rows = append(table.Rows, []Cell{c, {Text: fmt.Sprint(counts[s])}})
	}
	return table
}
