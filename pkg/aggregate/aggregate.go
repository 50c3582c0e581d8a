// Package aggregate judges the collected member statuses of a federated
// object: whether the workload is ready in each placed cluster, the sums of
// the well-known status counters, and the object's Ready condition. It is
// pure: the syncer feeds it what it collected, and `kubectl fed status`
// uses it to explain each cluster.
//
// The Ready rule, per placed cluster:
//
//   - The member object must exist and be propagated (Member.Propagated).
//   - If the member's status reports an observedGeneration, it must equal the
//     member object's generation (when known). Deployments, ReplicaSets,
//     StatefulSets and DaemonSets always report it, so for them a status
//     without observedGeneration is not ready yet.
//   - Deployment, ReplicaSet, StatefulSet: readyReplicas and
//     availableReplicas (and updatedReplicas, which a ReplicaSet does not
//     report) equal replicas.
//   - DaemonSet: numberReady and updatedNumberScheduled equal
//     desiredNumberScheduled.
//   - Job: ready once it has finished successfully (condition Complete or
//     SuccessCriteriaMet True). A running or suspended Job is not ready yet;
//     a failed one (Failed or FailureTarget True) is failing.
//   - Service: of type LoadBalancer, ready once the load balancer has an
//     ingress point; of any other type, ready when it exists.
//   - Every kind: no standard condition may be failing (Ready or Available
//     False, or Failed, Degraded or ReplicaFailure True).
//
// The object is Ready when every placed cluster is; with no placed cluster
// it is not Ready (reason NoClusters).
package aggregate

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Member is what the syncer knows about one placed cluster.
type Member struct {
	// Cluster is the KubeFedCluster name.
	Cluster string
	// Propagated is set when the cluster's propagation status is OK and the
	// member object exists.
	Propagated bool
	// Generation is the member object's metadata.generation; 0 if unknown.
	Generation int64
	// Status is the member object's .status; nil if none.
	Status *apiextensionsv1.JSON
	// ServiceType is the member Service's spec.type; empty if unknown or not
	// a Service. Only LoadBalancer changes the verdict: such a Service is
	// ready once it has a load-balancer ingress point.
	ServiceType corev1.ServiceType
}

// Reasons of the Ready condition and of a cluster's Verdict.
const (
	// ReasonReady means every placed cluster is ready.
	ReasonReady typesv1beta1.AggregateReason = "ClustersReady"
	// ReasonNoClusters means the object is placed in no cluster.
	ReasonNoClusters = typesv1beta1.NoClusters
	// ReasonClustersNotReady is used when the clusters that are not ready
	// have different reasons.
	ReasonClustersNotReady typesv1beta1.AggregateReason = "ClustersNotReady"

	// ReasonNotPropagated means the member object is not (yet) propagated.
	ReasonNotPropagated typesv1beta1.AggregateReason = "NotPropagated"
	// ReasonStatusPending means the member object reports no status yet.
	ReasonStatusPending typesv1beta1.AggregateReason = "StatusPending"
	// ReasonStatusUnreadable means the member status is not what its kind
	// reports (e.g. a counter that is not a number).
	ReasonStatusUnreadable typesv1beta1.AggregateReason = "StatusUnreadable"
	// ReasonGenerationNotObserved means the member's controller has not
	// seen the latest generation yet.
	ReasonGenerationNotObserved typesv1beta1.AggregateReason = "GenerationNotObserved"
	// ReasonConditionFailing means a standard condition reports a failure.
	ReasonConditionFailing typesv1beta1.AggregateReason = "ConditionFailing"
	// ReasonReplicasNotReady means not every replica (or daemon pod) is
	// ready, available and up to date.
	ReasonReplicasNotReady typesv1beta1.AggregateReason = "ReplicasNotReady"
	// ReasonJobRunning means the Job has not finished yet.
	ReasonJobRunning typesv1beta1.AggregateReason = "JobRunning"
	// ReasonJobFailed means the Job failed.
	ReasonJobFailed typesv1beta1.AggregateReason = "JobFailed"
	// ReasonLoadBalancerPending means a LoadBalancer Service has no
	// ingress point yet.
	ReasonLoadBalancerPending typesv1beta1.AggregateReason = "LoadBalancerPending"
)

// maxNamedClusters bounds how many clusters the Ready message names.
const maxNamedClusters = 5

// Verdict is the judgement on one placed cluster.
type Verdict struct {
	// Cluster is the KubeFedCluster name.
	Cluster string
	// Ready is set when the workload is fully available in the cluster.
	Ready bool
	// Reason says why the cluster is not ready; empty when ready.
	Reason typesv1beta1.AggregateReason
	// Message explains Reason for people; empty when ready.
	Message string
	// Counts holds the cluster's own counters (ClustersReady and
	// ClustersTotal are 1/1 or 0/1).
	Counts typesv1beta1.AggregatedStatus
	// Ingress is a Service's load-balancer ingress in the cluster.
	Ingress []corev1.LoadBalancerIngress
}

// Well-known target kinds.
var (
	deployment  = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	replicaSet  = schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	statefulSet = schema.GroupKind{Group: "apps", Kind: "StatefulSet"}
	daemonSet   = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
	job         = schema.GroupKind{Group: "batch", Kind: "Job"}
	service     = schema.GroupKind{Kind: "Service"}
)

// Summarize returns the aggregated status and the Ready condition of a
// federated object whose target kind is target, placed in members. The
// condition's times are left nil for the caller to fill.
func Summarize(target schema.GroupKind, members []Member) (*typesv1beta1.AggregatedStatus, typesv1beta1.Condition) {
	verdicts := make([]Verdict, 0, len(members))
	for _, m := range members {
		verdicts = append(verdicts, Judge(target, m))
	}
	sort.SliceStable(verdicts, func(i, j int) bool { return verdicts[i].Cluster < verdicts[j].Cluster })

	var sum counters
	agg := &typesv1beta1.AggregatedStatus{}
	for _, v := range verdicts {
		sum.add(v.Counts)
		if len(v.Ingress) > 0 {
			agg.LoadBalancer = append(agg.LoadBalancer, typesv1beta1.ClusterLoadBalancer{Cluster: v.Cluster, Ingress: v.Ingress})
		}
	}
	sum.store(agg)
	return agg, readyCondition(verdicts)
}

// readyCondition is the Ready condition over sorted verdicts.
func readyCondition(verdicts []Verdict) typesv1beta1.Condition {
	c := typesv1beta1.Condition{Type: typesv1beta1.ReadyConditionType, Status: corev1.ConditionFalse}
	if len(verdicts) == 0 {
		c.Reason = ReasonNoClusters
		c.Message = "the object is placed in no cluster; check its placement and the clusters' readiness"
		return c
	}
	var notReady []Verdict
	for _, v := range verdicts {
		if !v.Ready {
			notReady = append(notReady, v)
		}
	}
	if len(notReady) == 0 {
		c.Status = corev1.ConditionTrue
		c.Reason = ReasonReady
		c.Message = fmt.Sprintf("ready in %d/%d clusters", len(verdicts), len(verdicts))
		return c
	}
	c.Reason = notReady[0].Reason
	for _, v := range notReady[1:] {
		if v.Reason != c.Reason {
			c.Reason = ReasonClustersNotReady
			break
		}
	}
	parts := make([]string, 0, maxNamedClusters+1)
	for i, v := range notReady {
		if i == maxNamedClusters {
			parts = append(parts, fmt.Sprintf("and %d more", len(notReady)-maxNamedClusters))
			break
		}
		parts = append(parts, v.Cluster+": "+v.Message)
	}
	c.Message = fmt.Sprintf("not ready in %d/%d clusters: %s", len(notReady), len(verdicts), strings.Join(parts, "; "))
	return c
}

// Judge returns the verdict on one placed cluster of a federated object
// whose target kind is target.
func Judge(target schema.GroupKind, m Member) Verdict {
	v := Verdict{Cluster: m.Cluster, Counts: typesv1beta1.AggregatedStatus{ClustersTotal: 1}}
	if !m.Propagated {
		return v.notReady(ReasonNotPropagated, "not propagated")
	}
	st, err := decodeStatus(m.Status)
	if err != nil {
		return v.notReady(ReasonStatusUnreadable, "status cannot be read: "+err.Error())
	}
	if st == nil {
		if reportsGeneration(target) || target == job {
			return v.notReady(ReasonStatusPending, "no status reported yet")
		}
		st = status{}
	}
	if err := collect(target, st, &v); err != nil {
		return v.notReady(ReasonStatusUnreadable, "status cannot be read: "+err.Error())
	}
	if reason, msg := generationVerdict(target, st, m.Generation); reason != "" {
		return v.notReady(reason, msg)
	}
	if target == job {
		if reason, msg := jobVerdict(st); reason != "" {
			return v.notReady(reason, msg)
		}
	}
	if reason, msg := kindVerdict(target, m.ServiceType, st, v); reason != "" {
		return v.notReady(reason, msg)
	}
	if msg := failingCondition(st); msg != "" {
		return v.notReady(ReasonConditionFailing, msg)
	}
	v.Ready = true
	v.Counts.ClustersReady = 1
	return v
}

// notReady marks the verdict not ready with a reason and message.
func (v Verdict) notReady(reason typesv1beta1.AggregateReason, msg string) Verdict {
	v.Ready, v.Reason, v.Message = false, reason, msg
	return v
}

// reportsGeneration reports whether the kind's controller always reports
// status.observedGeneration.
func reportsGeneration(target schema.GroupKind) bool {
	switch target {
	case deployment, replicaSet, statefulSet, daemonSet:
		return true
	}
	return false
}

// collect reads the kind's counters from st into v.Counts and v.Ingress.
// It returns an error when the status does not have the kind's shape.
func collect(target schema.GroupKind, st status, v *Verdict) error {
	var err error
	c := &v.Counts
	switch target {
	case deployment, replicaSet, statefulSet:
		c.Replicas, err = st.int32("replicas", err)
		c.ReadyReplicas, err = st.int32("readyReplicas", err)
		c.AvailableReplicas, err = st.int32("availableReplicas", err)
		c.UpdatedReplicas, err = st.int32("updatedReplicas", err)
		if target == replicaSet {
			// A ReplicaSet has no rollout: all its replicas are up to date.
			c.UpdatedReplicas = c.Replicas
		}
	case daemonSet:
		c.DesiredNumberScheduled, err = st.int32("desiredNumberScheduled", err)
		c.NumberReady, err = st.int32("numberReady", err)
	case job:
		c.Active, err = st.int32("active", err)
		c.Succeeded, err = st.int32("succeeded", err)
		c.Failed, err = st.int32("failed", err)
	case service:
		v.Ingress, err = st.ingress()
	}
	return err
}

// generationVerdict checks status.observedGeneration against the member's
// generation.
func generationVerdict(target schema.GroupKind, st status, generation int64) (typesv1beta1.AggregateReason, string) {
	observed, present, err := st.int64("observedGeneration")
	if err != nil {
		return ReasonStatusUnreadable, "status cannot be read: " + err.Error()
	}
	if !present {
		if reportsGeneration(target) {
			return ReasonGenerationNotObserved, "the member's controller has not reported an observedGeneration yet"
		}
		return "", ""
	}
	if generation > 0 && observed != generation {
		return ReasonGenerationNotObserved, fmt.Sprintf("observedGeneration %d, generation %d", observed, generation)
	}
	return "", ""
}

// jobVerdict judges a Job by its conditions.
func jobVerdict(st status) (typesv1beta1.AggregateReason, string) {
	conds := st.conditions()
	for _, t := range []string{"Failed", "FailureTarget"} {
		if c, ok := conds[t]; ok && c.status == "True" {
			return ReasonJobFailed, c.describe(t)
		}
	}
	for _, t := range []string{"Complete", "SuccessCriteriaMet"} {
		if c, ok := conds[t]; ok && c.status == "True" {
			return "", ""
		}
	}
	if c, ok := conds["Suspended"]; ok && c.status == "True" {
		return ReasonJobRunning, "suspended"
	}
	active, _, _ := st.int64("active")
	return ReasonJobRunning, fmt.Sprintf("not finished (%d active)", active)
}

// failingCondition returns a message when a standard condition reports a
// failure, or "".
func failingCondition(st status) string {
	conds := st.conditions()
	names := make([]string, 0, len(conds))
	for t := range conds {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		c := conds[t]
		switch {
		case (t == "Ready" || t == "Available") && c.status == "False",
			(t == "Failed" || t == "Degraded" || t == "ReplicaFailure") && c.status == "True":
			return c.describe(t)
		}
	}
	return ""
}

// kindVerdict applies the kind's readiness rule to the counters.
func kindVerdict(target schema.GroupKind, serviceType corev1.ServiceType, st status, v Verdict) (typesv1beta1.AggregateReason, string) {
	c := v.Counts
	switch target {
	case deployment, replicaSet, statefulSet:
		if c.ReadyReplicas != c.Replicas || c.AvailableReplicas != c.Replicas || c.UpdatedReplicas != c.Replicas {
			return ReasonReplicasNotReady, fmt.Sprintf("%d/%d ready, %d up-to-date, %d available",
				c.ReadyReplicas, c.Replicas, c.UpdatedReplicas, c.AvailableReplicas)
		}
	case daemonSet:
		updated, err := st.int32("updatedNumberScheduled", nil)
		if err != nil {
			return ReasonStatusUnreadable, "status cannot be read: " + err.Error()
		}
		if c.NumberReady != c.DesiredNumberScheduled || updated != c.DesiredNumberScheduled {
			return ReasonReplicasNotReady, fmt.Sprintf("%d/%d ready, %d up-to-date",
				c.NumberReady, c.DesiredNumberScheduled, updated)
		}
	case service:
		if serviceType == corev1.ServiceTypeLoadBalancer && len(v.Ingress) == 0 {
			return ReasonLoadBalancerPending, "the load balancer has no ingress point yet"
		}
	}
	return "", ""
}

// counters sums int32 counters in int64 so that no input overflows.
type counters [11]int64

// fields lists the AggregatedStatus counters in a fixed order.
func fields(a *typesv1beta1.AggregatedStatus) [11]*int32 {
	return [11]*int32{&a.ClustersReady, &a.ClustersTotal, &a.Replicas, &a.ReadyReplicas, &a.AvailableReplicas,
		&a.UpdatedReplicas, &a.DesiredNumberScheduled, &a.NumberReady, &a.Active, &a.Succeeded, &a.Failed}
}

// add adds one cluster's counters.
func (s *counters) add(a typesv1beta1.AggregatedStatus) {
	for i, p := range fields(&a) {
		s[i] += int64(*p)
	}
}

// store writes the sums into a, saturated at the int32 bounds.
func (s *counters) store(a *typesv1beta1.AggregatedStatus) {
	for i, p := range fields(a) {
		*p = int32(min(max(s[i], math.MinInt32), math.MaxInt32))
	}
}

// status is a decoded member status.
type status map[string]any

// decodeStatus decodes raw status JSON; nil or JSON null give a nil status.
func decodeStatus(raw *apiextensionsv1.JSON) (status, error) {
	if raw == nil || len(raw.Raw) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw.Raw, &v); err != nil {
		return nil, err
	}
	switch s := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return s, nil
	}
	return nil, fmt.Errorf("status is a %s, not an object", jsonType(v))
}

// int64 returns the integer field name, whether it is present, and an error
// when it is not an integer.
func (s status) int64(name string) (int64, bool, error) {
	raw, ok := s[name]
	if !ok || raw == nil {
		return 0, false, nil
	}
	f, ok := raw.(float64)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, true, fmt.Errorf("status.%s is %s, not an integer", name, describe(raw))
	}
	return int64(f), true, nil
}

// int32 returns the integer field name clamped to int32, or 0 when absent.
// It passes on an earlier error so that calls can be chained.
func (s status) int32(name string, err error) (int32, error) {
	if err != nil {
		return 0, err
	}
	n, _, err := s.int64(name)
	if err != nil {
		return 0, err
	}
	return int32(min(max(n, math.MinInt32), math.MaxInt32)), nil
}

// ingress returns status.loadBalancer.ingress.
func (s status) ingress() ([]corev1.LoadBalancerIngress, error) {
	lb, ok := s["loadBalancer"].(map[string]any)
	if !ok || lb["ingress"] == nil {
		return nil, nil
	}
	raw, err := json.Marshal(lb["ingress"])
	if err != nil {
		return nil, err
	}
	var out []corev1.LoadBalancerIngress
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("status.loadBalancer.ingress is not a list of ingress points: %w", err)
	}
	return out, nil
}

// condition is the part of a status condition the rules read.
type condition struct {
	status, reason, message string
}

// describe renders the condition for a message.
func (c condition) describe(t string) string {
	out := t + "=" + c.status
	if c.reason != "" {
		out += " (" + c.reason + ")"
	}
	if c.message != "" {
		out += ": " + c.message
	}
	return out
}

// conditions returns status.conditions by type; entries that are not
// objects with a string type are skipped.
func (s status) conditions() map[string]condition {
	list, _ := s["conditions"].([]any)
	out := make(map[string]condition, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		t, ok := m["type"].(string)
		if !ok {
			continue
		}
		st, _ := m["status"].(string)
		reason, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		out[t] = condition{status: st, reason: reason, message: msg}
	}
	return out
}

// describe renders a JSON value's type and, for scalars, its value.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case float64, bool:
		return fmt.Sprint(x)
	}
	return "a " + jsonType(v)
}

// jsonType names a decoded JSON value's type.
func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
