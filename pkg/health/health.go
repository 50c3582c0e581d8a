// Package health turns probes of a member cluster's /healthz into the
// KubeFedCluster conditions (reference §3.1), smoothed by the failure and
// success thresholds. It is pure; the syncer does the probing.
package health

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// Condition reasons and messages, as KubeFed writes them.
const (
	ReasonReady           = "ClusterReady"
	ReasonNotReady        = "ClusterNotReady"
	ReasonNotReachable    = "ClusterNotReachable"
	ReasonReachable       = "ClusterReachable"
	ReasonConfigMalformed = "ClusterConfigMalformed"

	messageReady           = "/healthz responded with ok"
	messageNotReady        = "/healthz responded without ok"
	messageReachable       = "cluster is reachable"
	messageConfigMalformed = "cluster's configuration may be malformed"
)

// Probe is the outcome of one health check.
type Probe struct {
	Time metav1.Time
	// ConfigError is set when no client could be built for the cluster.
	ConfigError error
	// Err is set when /healthz could not be reached.
	Err error
	// Body is what /healthz answered.
	Body string
}

// Conditions returns the conditions one probe means. Unlike KubeFed, every
// outcome carries a Ready condition: an unreachable or malformed cluster is
// Ready=False with the reason, besides Offline=True or ConfigMalformed=True.
func Conditions(p Probe) []corev1beta1.ClusterCondition {
	condition := func(t corev1beta1.ClusterConditionType, s corev1.ConditionStatus, reason, message string) corev1beta1.ClusterCondition {
		return corev1beta1.ClusterCondition{Type: t, Status: s, Reason: reason, Message: message,
			LastProbeTime: p.Time, LastTransitionTime: &p.Time}
	}
	switch {
	case p.ConfigError != nil:
		message := fmt.Sprintf("%s: %v", messageConfigMalformed, p.ConfigError)
		return []corev1beta1.ClusterCondition{
			condition(corev1beta1.ClusterReady, corev1.ConditionFalse, ReasonConfigMalformed, message),
			condition(corev1beta1.ClusterConfigMalformed, corev1.ConditionTrue, ReasonConfigMalformed, message),
		}
	case p.Err != nil:
		message := fmt.Sprintf("cluster is not reachable: %v", p.Err)
		return []corev1beta1.ClusterCondition{
			condition(corev1beta1.ClusterReady, corev1.ConditionFalse, ReasonNotReachable, message),
			condition(corev1beta1.ClusterOffline, corev1.ConditionTrue, ReasonNotReachable, message),
		}
	case !strings.EqualFold(strings.TrimSpace(p.Body), "ok"):
		return []corev1beta1.ClusterCondition{
			condition(corev1beta1.ClusterReady, corev1.ConditionFalse, ReasonNotReady, messageNotReady),
			condition(corev1beta1.ClusterOffline, corev1.ConditionFalse, ReasonReachable, messageReachable),
		}
	default:
		return []corev1beta1.ClusterCondition{
			condition(corev1beta1.ClusterReady, corev1.ConditionTrue, ReasonReady, messageReady),
		}
	}
}

// Thresholds are how many consecutive probes must disagree with the
// published readiness before it flips.
type Thresholds struct {
	Failure int64 // probes saying not ready, to flip from ready
	Success int64 // probes saying ready, to flip from not ready
}

// NextProbe returns how long to wait, after a probe that started at started
// and whose result was published at now, before the next probe of the
// cluster, so that probes start every period however long each took (0 for
// a period of 0: no probing). A probe of a cluster that stopped answering
// takes the whole timeout; were the period counted from its end, Failure
// failed probes would take Failure x (period + timeout) and a stalled
// cluster would turn not ready late. Counted from each start, it turns not
// ready at most Failure x period + timeout after it stopped answering
// (the last probe that succeeded came at most a period before). A probe
// that took longer than the period is followed at once.
func NextProbe(period time.Duration, started, now time.Time) time.Duration {
	if period <= 0 {
		return 0
	}
	return max(period-now.Sub(started), time.Millisecond)
}

// Memory is what the health checker keeps per cluster between probes.
type Memory struct {
	// Published are the conditions last published.
	Published []corev1beta1.ClusterCondition
	// Disagreeing counts the consecutive probes, since the last publish of a
	// readiness change, whose readiness differs from the published one.
	Disagreeing int64
}

// Smooth decides what to publish after a probe. The first probe is
// published as is. Later, a probe that agrees with the published readiness
// is published (keeping the transition times) and clears the count; one
// that disagrees is published only once Failure (or Success) consecutive
// probes have disagreed — until then the old conditions are republished
// with the new probe time.
//
// This differs from KubeFed, whose count kept growing while readiness stayed
// the same, so that after a long healthy period a single failed probe
// flipped the cluster at once; here the threshold always means consecutive
// probes.
func Smooth(mem *Memory, probe []corev1beta1.ClusterCondition, t Thresholds) ([]corev1beta1.ClusterCondition, Memory) {
	if mem == nil || len(mem.Published) == 0 {
		return probe, Memory{Published: probe}
	}
	nowReady, wasReady := ready(probe), ready(mem.Published)
	if nowReady == wasReady {
		published := keepTransitions(probe, mem.Published)
		return published, Memory{Published: published}
	}
	threshold := t.Failure
	if nowReady {
		threshold = t.Success
	}
	if disagreeing := mem.Disagreeing + 1; disagreeing < threshold {
		published := withProbeTime(mem.Published, probe[0].LastProbeTime)
		return published, Memory{Published: published, Disagreeing: disagreeing}
	}
	return probe, Memory{Published: probe}
}

func ready(conditions []corev1beta1.ClusterCondition) bool {
	status := corev1beta1.KubeFedClusterStatus{Conditions: conditions}
	return status.IsReady()
}

// keepTransitions gives each new condition the old transition time of the
// condition of the same type when its status did not change.
func keepTransitions(next, old []corev1beta1.ClusterCondition) []corev1beta1.ClusterCondition {
	out := make([]corev1beta1.ClusterCondition, len(next))
	for i, c := range next {
		out[i] = c
		for _, o := range old {
			if o.Type == c.Type && o.Status == c.Status && o.LastTransitionTime != nil {
				out[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	return out
}

func withProbeTime(conditions []corev1beta1.ClusterCondition, probed metav1.Time) []corev1beta1.ClusterCondition {
	out := make([]corev1beta1.ClusterCondition, len(conditions))
	for i, c := range conditions {
		out[i] = c
		out[i].LastProbeTime = probed
	}
	return out
}

// ReasonInsecureConnection is the reason of the InsecureConnection
// condition.
const ReasonInsecureConnection = "InsecureConnectionAllowed"

// WithInsecureWarning returns the conditions with the InsecureConnection
// warning set to insecure (what makes the connection insecure), or removed
// when insecure is "". An unchanged warning keeps its transition time.
func WithInsecureWarning(conditions []corev1beta1.ClusterCondition, insecure string, now metav1.Time) []corev1beta1.ClusterCondition {
	out := make([]corev1beta1.ClusterCondition, 0, len(conditions)+1)
	var old *corev1beta1.ClusterCondition
	for i, c := range conditions {
		if c.Type == corev1beta1.ClusterInsecureConnection {
			old = &conditions[i]
			continue
		}
		out = append(out, c)
	}
	if insecure == "" {
		return out
	}
	warning := corev1beta1.ClusterCondition{Type: corev1beta1.ClusterInsecureConnection, Status: corev1.ConditionTrue,
		Reason: ReasonInsecureConnection, LastProbeTime: now, LastTransitionTime: &now,
		Message: insecure + " (the KubeFedConfig sets allowInsecureClusterConnections)"}
	if old != nil && old.Status == corev1.ConditionTrue && old.Message == warning.Message && old.LastTransitionTime != nil {
		warning.LastTransitionTime = old.LastTransitionTime
	}
	return append(out, warning)
}

// NotReadySince returns when a cluster with these conditions stopped being
// ready: the transition time of its Ready condition when that is not True
// (or, for conditions without one, of an Offline condition that is True);
// zero while it is ready or nothing says when.
func NotReadySince(conditions []corev1beta1.ClusterCondition) time.Time {
	if ready(conditions) {
		return time.Time{}
	}
	for _, c := range conditions {
		if c.Type == corev1beta1.ClusterReady && c.LastTransitionTime != nil {
			return c.LastTransitionTime.Time
		}
	}
	for _, c := range conditions {
		if c.Type == corev1beta1.ClusterOffline && c.Status == corev1.ConditionTrue && c.LastTransitionTime != nil {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}
