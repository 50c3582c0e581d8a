// Package status computes the propagation status of a federated object
// (reference §1.5) from the results of one sync pass, and decides whether
// it differs from the stored one, so that nothing is written when nothing
// changed. It is pure.
package status

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Pass is what one sync pass learned about a federated object.
type Pass struct {
	// Generation is the federated object's metadata.generation.
	Generation int64
	// Reason is set when the pass failed before looking at clusters
	// (ClusterRetrievalFailed, ComputePlacementFailed), found the namespace
	// not federated (NamespaceNotFederated), or found the placement naming
	// clusters that are not joined (UnknownCluster) or selecting none of
	// them (NoClusters), or a dependency missing on the host
	// (DependencyNotFound), of a type not enabled (DependencyTypeNotEnabled),
	// kept out of a cluster by a policy (DependencyDenied) or not written to
	// one (DependencyPropagationFailed). Those of the last three kinds
	// (placement and dependencies) yield to CheckClusters. Message says
	// why, for the condition's message.
	Reason  typesv1beta1.AggregateReason
	Message string
	// Clusters holds the status of every placed cluster ("" is OK), and
	// Messages why a cluster's status is not OK.
	Clusters map[string]typesv1beta1.PropagationStatus
	Messages map[string]string
	// CollectStatus is set when member statuses are collected; RemoteStatus
	// then holds each member object's .status.
	CollectStatus bool
	RemoteStatus  map[string]*apiextensionsv1.JSON
	// Versions holds, per cluster, the record of the syncer's last write to
	// (or check of) the member object, kept in the cluster's entry so that a
	// restarted syncer tells a changed member object from an unchanged one.
	Versions map[string]string
	// Propagated is set when the pass wrote to some member object.
	Propagated bool
	// Aggregated and Ready summarise the collected member statuses; both
	// are nil when statuses are not collected, which removes them.
	Aggregated *typesv1beta1.AggregatedStatus
	Ready      *typesv1beta1.Condition
}

// Next returns the status after the pass and whether it differs from old.
// The condition's lastTransitionTime moves only when its status or reason
// changes; lastUpdateTime also moves when changes were propagated.
func Next(old typesv1beta1.FederatedStatus, pass Pass, now metav1.Time) (typesv1beta1.FederatedStatus, bool) {
	reason := aggregateReason(pass)
	clusters := clusterStatuses(pass)
	previous := propagationCondition(old)
	condition := typesv1beta1.Condition{
		Type:   typesv1beta1.PropagationConditionType,
		Status: corev1.ConditionTrue,
		Reason: reason,
	}
	if reason == pass.Reason {
		condition.Message = pass.Message
	}
	if reason != typesv1beta1.AggregateSuccess {
		condition.Status = corev1.ConditionFalse
	}
	transition := previous == nil || previous.Status != condition.Status || previous.Reason != condition.Reason
	switch {
	case transition:
		condition.LastTransitionTime, condition.LastUpdateTime = &now, &now
	case pass.Propagated:
		condition.LastTransitionTime, condition.LastUpdateTime = previous.LastTransitionTime, &now
	default:
		condition.LastTransitionTime, condition.LastUpdateTime = previous.LastTransitionTime, previous.LastUpdateTime
	}
	conditions := replaceCondition(old.Conditions, condition)
	readyChanged := false
	if pass.Ready == nil {
		readyChanged = findCondition(old, typesv1beta1.ReadyConditionType) != nil
		conditions = slices.DeleteFunc(conditions, func(c typesv1beta1.Condition) bool { return c.Type == typesv1beta1.ReadyConditionType })
	} else {
		var ready typesv1beta1.Condition
		ready, readyChanged = nextReady(findCondition(old, typesv1beta1.ReadyConditionType), *pass.Ready, now)
		conditions = replaceCondition(conditions, ready)
		slices.SortStableFunc(conditions, func(a, b typesv1beta1.Condition) int { return conditionOrder(a) - conditionOrder(b) })
	}
	next := typesv1beta1.FederatedStatus{
		ObservedGeneration: pass.Generation,
		Conditions:         conditions,
		Clusters:           clusters,
		Aggregated:         pass.Aggregated,
	}
	changed := old.ObservedGeneration != pass.Generation || transition || (previous != nil && previous.Message != condition.Message) || pass.Propagated || readyChanged ||
		!sameClusters(old.Clusters, clusters) || !equality.Semantic.DeepEqual(old.Aggregated, pass.Aggregated)
	return next, changed
}

// nextReady returns the Ready condition after a pass and whether it differs
// from the stored one. Its times move only when its status, reason or
// message changes.
func nextReady(previous *typesv1beta1.Condition, ready typesv1beta1.Condition, now metav1.Time) (typesv1beta1.Condition, bool) {
	ready.Type = typesv1beta1.ReadyConditionType
	if previous != nil && previous.Status == ready.Status && previous.Reason == ready.Reason && previous.Message == ready.Message {
		ready.LastTransitionTime, ready.LastUpdateTime = previous.LastTransitionTime, previous.LastUpdateTime
		return ready, false
	}
	ready.LastUpdateTime = &now
	ready.LastTransitionTime = &now
	if previous != nil && previous.Status == ready.Status {
		ready.LastTransitionTime = previous.LastTransitionTime
	}
	return ready, true
}

// conditionOrder puts Propagation first and Ready second, keeping any
// other condition after them.
func conditionOrder(c typesv1beta1.Condition) int {
	switch c.Type {
	case typesv1beta1.PropagationConditionType:
		return 0
	case typesv1beta1.ReadyConditionType:
		return 1
	}
	return 2
}

// aggregateReason applies the reference's precedence: a failure before the
// clusters, then an unfederated namespace, then any cluster not OK (or, when
// collecting, without a remote status yet), then a placement naming
// clusters that are not joined or selecting none.
func aggregateReason(pass Pass) typesv1beta1.AggregateReason {
	switch pass.Reason {
	case typesv1beta1.AggregateSuccess, typesv1beta1.UnknownCluster, typesv1beta1.NoClusters,
		typesv1beta1.DependencyNotFound, typesv1beta1.DependencyTypeNotEnabled,
		typesv1beta1.DependencyDenied, typesv1beta1.DependencyPropagationFailed:
	default:
		return pass.Reason
	}
	for name, s := range pass.Clusters {
		if s != typesv1beta1.ClusterPropagationOK || (pass.CollectStatus && pass.RemoteStatus[name] == nil) {
			return typesv1beta1.CheckClusters
		}
	}
	return pass.Reason
}

// clusterStatuses lists the clusters sorted by name, so that equal statuses
// encode equally.
func clusterStatuses(pass Pass) []typesv1beta1.ClusterStatus {
	out := make([]typesv1beta1.ClusterStatus, 0, len(pass.Clusters))
	for name, s := range pass.Clusters {
		entry := typesv1beta1.ClusterStatus{Name: name, Status: s, Message: Truncate(pass.Messages[name], MessageLimit), Version: pass.Versions[name]}
		if pass.CollectStatus {
			entry.RemoteStatus = pass.RemoteStatus[name]
		}
		out = append(out, entry)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func propagationCondition(s typesv1beta1.FederatedStatus) *typesv1beta1.Condition {
	return findCondition(s, typesv1beta1.PropagationConditionType)
}

func findCondition(s typesv1beta1.FederatedStatus, conditionType typesv1beta1.ConditionType) *typesv1beta1.Condition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == conditionType {
			return &s.Conditions[i]
		}
	}
	return nil
}

// replaceCondition returns conditions with the condition of c's type
// replaced (or added first), keeping any other condition as it was.
func replaceCondition(conditions []typesv1beta1.Condition, c typesv1beta1.Condition) []typesv1beta1.Condition {
	out := []typesv1beta1.Condition{c}
	for _, existing := range conditions {
		if existing.Type != c.Type {
			out = append(out, existing)
		}
	}
	return out
}

// sameClusters compares cluster statuses as sets keyed by name (the order
// KubeFed wrote them in is not deterministic); remote statuses compare as
// JSON values.
func sameClusters(a, b []typesv1beta1.ClusterStatus) bool {
	if len(a) != len(b) {
		return false
	}
	byName := make(map[string]typesv1beta1.ClusterStatus, len(a))
	for _, c := range a {
		byName[c.Name] = c
	}
	for _, c := range b {
		old, ok := byName[c.Name]
		if !ok || old.Status != c.Status || old.Message != c.Message || old.Version != c.Version || !sameJSON(old.RemoteStatus, c.RemoteStatus) {
			return false
		}
	}
	return true
}

func sameJSON(a, b *apiextensionsv1.JSON) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(normalize(a.Raw), normalize(b.Raw))
}

// normalize re-encodes JSON so that key order and number spelling do not
// matter.
func normalize(raw []byte) []byte {
	var v interface{}
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	out, _ := json.Marshal(v)
	return out
}
