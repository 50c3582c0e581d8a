package health

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

func at(minute int) metav1.Time {
	return metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC))
}

func statusOf(conditions []corev1beta1.ClusterCondition, t corev1beta1.ClusterConditionType) (corev1.ConditionStatus, string) {
	for _, c := range conditions {
		if c.Type == t {
			return c.Status, c.Reason
		}
	}
	return "", ""
}

func TestConditions(t *testing.T) {
	cases := []struct {
		name  string
		probe Probe
		want  map[corev1beta1.ClusterConditionType]string // type -> status/reason
	}{
		{"ok", Probe{Body: "ok"}, map[corev1beta1.ClusterConditionType]string{corev1beta1.ClusterReady: "True/ClusterReady"}},
		{"OK in capitals", Probe{Body: "OK\n"}, map[corev1beta1.ClusterConditionType]string{corev1beta1.ClusterReady: "True/ClusterReady"}},
		{"not ok", Probe{Body: "[-]etcd failed"}, map[corev1beta1.ClusterConditionType]string{
			corev1beta1.ClusterReady: "False/ClusterNotReady", corev1beta1.ClusterOffline: "False/ClusterReachable"}},
		{"unreachable", Probe{Err: errors.New("dial tcp: refused")}, map[corev1beta1.ClusterConditionType]string{
			corev1beta1.ClusterReady: "False/ClusterNotReachable", corev1beta1.ClusterOffline: "True/ClusterNotReachable"}},
		{"malformed", Probe{ConfigError: errors.New("secret has no token")}, map[corev1beta1.ClusterConditionType]string{
			corev1beta1.ClusterReady: "False/ClusterConfigMalformed", corev1beta1.ClusterConfigMalformed: "True/ClusterConfigMalformed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.probe.Time = at(1)
			got := Conditions(tc.probe)
			if len(got) != len(tc.want) {
				t.Fatalf("conditions %v, want %d", got, len(tc.want))
			}
			for typ, want := range tc.want {
				status, reason := statusOf(got, typ)
				if string(status)+"/"+reason != want {
					t.Errorf("%s = %s/%s, want %s", typ, status, reason, want)
				}
			}
			for _, c := range got {
				if !c.LastProbeTime.Equal(&tc.probe.Time) || !c.LastTransitionTime.Equal(&tc.probe.Time) {
					t.Errorf("%s times %v/%v, want the probe time", c.Type, c.LastProbeTime, c.LastTransitionTime)
				}
			}
		})
	}
	if _, reason := statusOf(Conditions(Probe{Err: errors.New("timeout")}), corev1beta1.ClusterOffline); reason == "" ||
		!strings.Contains(Conditions(Probe{Err: errors.New("timeout")})[0].Message, "cluster is not reachable: timeout") {
		t.Error("the unreachable message does not carry the error")
	}
}

func probeAt(minute int, healthy bool) []corev1beta1.ClusterCondition {
	if healthy {
		return Conditions(Probe{Time: at(minute), Body: "ok"})
	}
	return Conditions(Probe{Time: at(minute), Err: errors.New("down")})
}

// TestSmoothing walks a sequence of probes with failureThreshold 3 and
// successThreshold 1 (KubeFed's defaults).
func TestSmoothing(t *testing.T) {
	thresholds := Thresholds{Failure: 3, Success: 1}
	steps := []struct {
		healthy        bool
		wantReady      bool
		wantTransition int
	}{
		{true, true, 1},   // first probe: published as is
		{true, true, 1},   // agrees: transition time kept
		{false, true, 1},  // 1st failure: still ready
		{false, true, 1},  // 2nd failure: still ready
		{true, true, 1},   // a success clears the count
		{false, true, 1},  // 1st failure again
		{false, true, 1},  // 2nd
		{false, false, 8}, // 3rd consecutive failure: not ready
		{false, false, 8}, // agrees: transition kept
		{true, true, 10},  // success threshold 1: ready at once
	}
	var mem *Memory
	for i, step := range steps {
		minute := i + 1
		published, next := Smooth(mem, probeAt(minute, step.healthy), thresholds)
		mem = &next
		if got := ready(published); got != step.wantReady {
			t.Fatalf("probe %d (healthy %v): ready %v, want %v", minute, step.healthy, got, step.wantReady)
		}
		readyCondition := published[0]
		if !readyCondition.LastProbeTime.Equal(ptr(at(minute))) {
			t.Errorf("probe %d: lastProbeTime %v, want the probe's", minute, readyCondition.LastProbeTime)
		}
		if !readyCondition.LastTransitionTime.Equal(ptr(at(step.wantTransition))) {
			t.Errorf("probe %d: lastTransitionTime %v, want minute %d", minute, readyCondition.LastTransitionTime, step.wantTransition)
		}
	}
}

func ptr(t metav1.Time) *metav1.Time { return &t }

func TestWithInsecureWarning(t *testing.T) {
	t0, t1 := metav1.NewTime(time.Unix(100, 0)), metav1.NewTime(time.Unix(200, 0))
	ready := corev1beta1.ClusterCondition{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue}
	warned := WithInsecureWarning([]corev1beta1.ClusterCondition{ready}, "TLS validations are disabled (*)", t0)
	if len(warned) != 2 || warned[1].Type != corev1beta1.ClusterInsecureConnection || warned[1].Status != corev1.ConditionTrue ||
		warned[1].Message != "TLS validations are disabled (*) (the KubeFedConfig sets allowInsecureClusterConnections)" {
		t.Fatalf("warning not added: %+v", warned)
	}
	again := WithInsecureWarning(warned, "TLS validations are disabled (*)", t1)
	if len(again) != 2 || !again[1].LastTransitionTime.Equal(&t0) || !again[1].LastProbeTime.Equal(&t1) {
		t.Fatalf("an unchanged warning must keep its transition time: %+v", again)
	}
	if cleared := WithInsecureWarning(again, "", t1); len(cleared) != 1 || cleared[0].Type != corev1beta1.ClusterReady {
		t.Fatalf("warning not removed: %+v", cleared)
	}
}

func TestNotReadySince(t *testing.T) {
	t0 := metav1.NewTime(time.Unix(100, 0))
	cond := func(typ corev1beta1.ClusterConditionType, s corev1.ConditionStatus) corev1beta1.ClusterCondition {
		return corev1beta1.ClusterCondition{Type: typ, Status: s, LastTransitionTime: &t0}
	}
	tests := []struct {
		name       string
		conditions []corev1beta1.ClusterCondition
		want       time.Time
	}{
		{"ready", []corev1beta1.ClusterCondition{cond(corev1beta1.ClusterReady, corev1.ConditionTrue)}, time.Time{}},
		{"not ready", []corev1beta1.ClusterCondition{cond(corev1beta1.ClusterReady, corev1.ConditionFalse)}, t0.Time},
		{"offline without a Ready condition (KubeFed's)", []corev1beta1.ClusterCondition{cond(corev1beta1.ClusterOffline, corev1.ConditionTrue)}, t0.Time},
		{"no time", []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionFalse}}, time.Time{}},
		{"never probed", nil, time.Time{}},
	}
	for _, tt := range tests {
		if got := NotReadySince(tt.conditions); !got.Equal(tt.want) {
			t.Errorf("%s: NotReadySince = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNextProbe(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		period time.Duration
		took   time.Duration
		want   time.Duration
	}{
		{"a quick probe waits out the rest of the period", 10 * time.Second, 20 * time.Millisecond, 10*time.Second - 20*time.Millisecond},
		{"a probe that timed out does not push the next one back", 10 * time.Second, 3 * time.Second, 7 * time.Second},
		{"a probe longer than the period is followed at once", time.Second, 1500 * time.Millisecond, time.Millisecond},
		{"a period of 0 probes no more", 0, time.Second, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := NextProbe(c.period, start, start.Add(c.took)); got != c.want {
				t.Errorf("NextProbe(%s, took %s) = %s, want %s", c.period, c.took, got, c.want)
			}
		})
	}
}

// TestStalledClusterTurnsNotReadyWithinTheBound replays the probes of a
// cluster that stops answering at some phase of the probe period: each
// probe starts NextProbe after the previous one started, a failed one
// takes the whole timeout, and Smooth flips the cluster at the Failure-th
// failure, at most Failure x period + timeout after the stall.
func TestStalledClusterTurnsNotReadyWithinTheBound(t *testing.T) {
	const period, timeout, quick = 10 * time.Second, 3 * time.Second, 50 * time.Millisecond
	thresholds := Thresholds{Failure: 3, Success: 1}
	bound := time.Duration(thresholds.Failure)*period + timeout
	origin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for phase := time.Duration(0); phase < period; phase += 700 * time.Millisecond {
		stall := origin.Add(phase)
		mem := &Memory{}
		started := origin
		var flipped time.Time
		for i := 0; i < 20 && flipped.IsZero(); i++ {
			probe, took := Probe{Time: metav1.NewTime(started), Body: "ok"}, quick
			if !started.Before(stall) {
				probe, took = Probe{Time: metav1.NewTime(started), Err: errors.New("timeout")}, timeout
			}
			published, next := Smooth(mem, Conditions(probe), thresholds)
			mem = &next
			ended := started.Add(took)
			if !ready(published) {
				flipped = ended
			}
			started = ended.Add(NextProbe(period, started, ended))
		}
		if flipped.IsZero() || flipped.Sub(stall) > bound {
			t.Errorf("stalled %s into the period: not ready after %s, bound %s", phase, flipped.Sub(stall), bound)
		}
	}
}
