package aggregate

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func raw(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

// member is a propagated member at generation 2 with the given status.
func member(cluster, status string) Member {
	m := Member{Cluster: cluster, Propagated: true, Generation: 2}
	if status != "" {
		m.Status = raw(status)
	}
	return m
}

const (
	readyDeploy   = `{"observedGeneration":2,"replicas":3,"readyReplicas":3,"availableReplicas":3,"updatedReplicas":3}`
	rollingDeploy = `{"observedGeneration":2,"replicas":4,"readyReplicas":3,"availableReplicas":3,"updatedReplicas":1}`
)

func TestJudge(t *testing.T) {
	configMap := schema.GroupKind{Kind: "ConfigMap"}
	widget := schema.GroupKind{Group: "example.com", Kind: "Widget"}
	tests := []struct {
		name        string
		target      schema.GroupKind
		member      Member
		wantReady   bool
		wantReason  typesv1beta1.AggregateReason
		wantMessage string // substring
	}{
		{"deployment ready", deployment, member("a", readyDeploy), true, "", ""},
		{"deployment not propagated", deployment, Member{Cluster: "a", Status: raw(readyDeploy)}, false, ReasonNotPropagated, "not propagated"},
		{"deployment without status", deployment, member("a", ""), false, ReasonStatusPending, "no status"},
		{"deployment with null status", deployment, member("a", "null"), false, ReasonStatusPending, "no status"},
		{"deployment with empty status", deployment, member("a", "{}"), false, ReasonGenerationNotObserved, "observedGeneration"},
		{"deployment old generation", deployment, member("a", `{"observedGeneration":1,"replicas":3,"readyReplicas":3,"availableReplicas":3,"updatedReplicas":3}`),
			false, ReasonGenerationNotObserved, "observedGeneration 1, generation 2"},
		{"deployment generation unknown", deployment, Member{Cluster: "a", Propagated: true, Status: raw(readyDeploy)}, true, "", ""},
		{"deployment rolling out", deployment, member("a", rollingDeploy), false, ReasonReplicasNotReady, "3/4 ready, 1 up-to-date, 3 available"},
		{"deployment scaled to zero", deployment, member("a", `{"observedGeneration":2}`), true, "", ""},
		{"deployment replica failure", deployment, member("a", `{"observedGeneration":2,"conditions":[{"type":"ReplicaFailure","status":"True","reason":"FailedCreate","message":"quota"}]}`),
			false, ReasonConditionFailing, "ReplicaFailure=True (FailedCreate): quota"},
		{"deployment counter not a number", deployment, member("a", `{"observedGeneration":2,"replicas":"three"}`), false, ReasonStatusUnreadable, `status.replicas is "three", not an integer`},
		{"deployment fractional counter", deployment, member("a", `{"observedGeneration":2,"replicas":1.5}`), false, ReasonStatusUnreadable, "1.5"},
		{"status not an object", deployment, member("a", `[1]`), false, ReasonStatusUnreadable, "list, not an object"},
		{"status invalid JSON", deployment, member("a", `{`), false, ReasonStatusUnreadable, "cannot be read"},
		{"replicaset ready without updatedReplicas", replicaSet, member("a", `{"observedGeneration":2,"replicas":2,"readyReplicas":2,"availableReplicas":2}`), true, "", ""},
		{"replicaset not available", replicaSet, member("a", `{"observedGeneration":2,"replicas":2,"readyReplicas":2,"availableReplicas":1}`), false, ReasonReplicasNotReady, "2/2 ready, 2 up-to-date, 1 available"},
		{"statefulset ready", statefulSet, member("a", readyDeploy), true, "", ""},
		{"statefulset not updated", statefulSet, member("a", `{"observedGeneration":2,"replicas":3,"readyReplicas":3,"availableReplicas":3,"updatedReplicas":2}`), false, ReasonReplicasNotReady, "2 up-to-date"},
		{"daemonset ready", daemonSet, member("a", `{"observedGeneration":2,"desiredNumberScheduled":2,"numberReady":2,"updatedNumberScheduled":2}`), true, "", ""},
		{"daemonset not ready", daemonSet, member("a", `{"observedGeneration":2,"desiredNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2}`), false, ReasonReplicasNotReady, "1/2 ready, 2 up-to-date"},
		{"daemonset not updated", daemonSet, member("a", `{"observedGeneration":2,"desiredNumberScheduled":2,"numberReady":2,"updatedNumberScheduled":1}`), false, ReasonReplicasNotReady, "1 up-to-date"},
		{"daemonset bad updated counter", daemonSet, member("a", `{"observedGeneration":2,"desiredNumberScheduled":2,"numberReady":2,"updatedNumberScheduled":true}`), false, ReasonStatusUnreadable, "updatedNumberScheduled is true"},
		{"job complete", job, member("a", `{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`), true, "", ""},
		{"job success criteria met", job, member("a", `{"succeeded":1,"conditions":[{"type":"SuccessCriteriaMet","status":"True"}]}`), true, "", ""},
		{"job running", job, member("a", `{"active":2}`), false, ReasonJobRunning, "not finished (2 active)"},
		{"job suspended", job, member("a", `{"conditions":[{"type":"Suspended","status":"True"}]}`), false, ReasonJobRunning, "suspended"},
		{"job failed", job, member("a", `{"failed":3,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}`), false, ReasonJobFailed, "Failed=True (BackoffLimitExceeded)"},
		{"job without status", job, member("a", ""), false, ReasonStatusPending, "no status"},
		{"clusterip service", service, member("a", `{"loadBalancer":{}}`), true, "", ""},
		{"service without status", service, member("a", ""), true, "", ""},
		{"load balancer pending", service, Member{Cluster: "a", Propagated: true, ServiceType: corev1.ServiceTypeLoadBalancer, Status: raw(`{"loadBalancer":{}}`)},
			false, ReasonLoadBalancerPending, "no ingress"},
		{"load balancer with ingress", service, Member{Cluster: "a", Propagated: true, ServiceType: corev1.ServiceTypeLoadBalancer, Status: raw(`{"loadBalancer":{"ingress":[{"ip":"10.1.2.3"}]}}`)},
			true, "", ""},
		{"load balancer ingress malformed", service, member("a", `{"loadBalancer":{"ingress":"10.1.2.3"}}`), false, ReasonStatusUnreadable, "not a list of ingress points"},
		{"configmap exists", configMap, member("a", ""), true, "", ""},
		{"configmap not propagated", configMap, Member{Cluster: "a"}, false, ReasonNotPropagated, ""},
		{"custom kind ready", widget, member("a", `{"observedGeneration":2,"conditions":[{"type":"Ready","status":"True"}]}`), true, "", ""},
		{"custom kind not ready", widget, member("a", `{"conditions":[{"type":"Ready","status":"False","reason":"Waiting"}]}`), false, ReasonConditionFailing, "Ready=False (Waiting)"},
		{"custom kind degraded", widget, member("a", `{"conditions":[{"type":"Degraded","status":"True"}]}`), false, ReasonConditionFailing, "Degraded=True"},
		{"custom kind unavailable", widget, member("a", `{"conditions":[{"type":"Available","status":"False"}]}`), false, ReasonConditionFailing, "Available=False"},
		{"custom kind failed", widget, member("a", `{"conditions":[{"type":"Failed","status":"True"}]}`), false, ReasonConditionFailing, "Failed=True"},
		{"custom kind progressing false is fine", widget, member("a", `{"conditions":[{"type":"Progressing","status":"False"}]}`), true, "", ""},
		{"custom kind stale generation", widget, member("a", `{"observedGeneration":1}`), false, ReasonGenerationNotObserved, "observedGeneration 1"},
		{"custom kind without observedGeneration", widget, member("a", `{"phase":"Running"}`), true, "", ""},
		{"malformed conditions are ignored", widget, member("a", `{"conditions":[1,"x",{"type":7},{"status":"False"}]}`), true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.target, tt.member)
			if v.Cluster != tt.member.Cluster {
				t.Errorf("cluster = %q, want %q", v.Cluster, tt.member.Cluster)
			}
			if v.Ready != tt.wantReady || v.Reason != tt.wantReason {
				t.Errorf("ready, reason = %v, %q (%s), want %v, %q", v.Ready, v.Reason, v.Message, tt.wantReady, tt.wantReason)
			}
			if !strings.Contains(v.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", v.Message, tt.wantMessage)
			}
			if tt.wantReady && v.Message != "" {
				t.Errorf("ready verdict has message %q", v.Message)
			}
			wantReadyCount := int32(0)
			if tt.wantReady {
				wantReadyCount = 1
			}
			if v.Counts.ClustersTotal != 1 || v.Counts.ClustersReady != wantReadyCount {
				t.Errorf("clusters ready/total = %d/%d, want %d/1", v.Counts.ClustersReady, v.Counts.ClustersTotal, wantReadyCount)
			}
		})
	}
}

func TestSummarizeWorkloads(t *testing.T) {
	tests := []struct {
		name        string
		target      schema.GroupKind
		members     []Member
		wantAgg     typesv1beta1.AggregatedStatus
		wantStatus  corev1.ConditionStatus
		wantReason  typesv1beta1.AggregateReason
		wantMessage string
	}{
		{
			name:       "deployments ready everywhere",
			target:     deployment,
			members:    []Member{member("b", readyDeploy), member("a", readyDeploy)},
			wantAgg:    typesv1beta1.AggregatedStatus{ClustersReady: 2, ClustersTotal: 2, Replicas: 6, ReadyReplicas: 6, AvailableReplicas: 6, UpdatedReplicas: 6},
			wantStatus: corev1.ConditionTrue, wantReason: ReasonReady, wantMessage: "ready in 2/2 clusters",
		},
		{
			name:       "one cluster rolling out",
			target:     deployment,
			members:    []Member{member("b", rollingDeploy), member("a", readyDeploy)},
			wantAgg:    typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 2, Replicas: 7, ReadyReplicas: 6, AvailableReplicas: 6, UpdatedReplicas: 4},
			wantStatus: corev1.ConditionFalse, wantReason: ReasonReplicasNotReady,
			wantMessage: "not ready in 1/2 clusters: b: 3/4 ready, 1 up-to-date, 3 available",
		},
		{
			name:       "different reasons, named in cluster order",
			target:     deployment,
			members:    []Member{member("c", rollingDeploy), {Cluster: "a"}, member("b", readyDeploy)},
			wantAgg:    typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 3, Replicas: 7, ReadyReplicas: 6, AvailableReplicas: 6, UpdatedReplicas: 4},
			wantStatus: corev1.ConditionFalse, wantReason: ReasonClustersNotReady,
			wantMessage: "not ready in 2/3 clusters: a: not propagated; c: 3/4 ready, 1 up-to-date, 3 available",
		},
		{
			name:       "no clusters",
			target:     deployment,
			wantAgg:    typesv1beta1.AggregatedStatus{},
			wantStatus: corev1.ConditionFalse, wantReason: ReasonNoClusters,
			wantMessage: "the object is placed in no cluster; check its placement and the clusters' readiness",
		},
		{
			name:   "daemonsets summed",
			target: daemonSet,
			members: []Member{
				member("a", `{"observedGeneration":2,"desiredNumberScheduled":3,"numberReady":3,"updatedNumberScheduled":3}`),
				member("b", `{"observedGeneration":2,"desiredNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2}`),
			},
			wantAgg:    typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 2, DesiredNumberScheduled: 5, NumberReady: 4},
			wantStatus: corev1.ConditionFalse, wantReason: ReasonReplicasNotReady,
			wantMessage: "not ready in 1/2 clusters: b: 1/2 ready, 2 up-to-date",
		},
		{
			name:   "jobs summed",
			target: job,
			members: []Member{
				member("a", `{"succeeded":2,"failed":1,"conditions":[{"type":"Complete","status":"True"}]}`),
				member("b", `{"active":1,"failed":2}`),
			},
			wantAgg:    typesv1beta1.AggregatedStatus{ClustersReady: 1, ClustersTotal: 2, Active: 1, Succeeded: 2, Failed: 3},
			wantStatus: corev1.ConditionFalse, wantReason: ReasonJobRunning,
			wantMessage: "not ready in 1/2 clusters: b: not finished (1 active)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg, cond := Summarize(tt.target, tt.members)
			if agg == nil || !reflect.DeepEqual(*agg, tt.wantAgg) {
				t.Errorf("aggregated = %+v, want %+v", agg, tt.wantAgg)
			}
			want := typesv1beta1.Condition{Type: typesv1beta1.ReadyConditionType, Status: tt.wantStatus, Reason: tt.wantReason, Message: tt.wantMessage}
			if !reflect.DeepEqual(cond, want) {
				t.Errorf("condition = %+v\nwant        %+v", cond, want)
			}
		})
	}
}

func TestSummarizeLoadBalancers(t *testing.T) {
	lb := func(cluster, status string) Member {
		return Member{Cluster: cluster, Propagated: true, ServiceType: corev1.ServiceTypeLoadBalancer, Status: raw(status)}
	}
	agg, cond := Summarize(service, []Member{
		lb("c", `{"loadBalancer":{"ingress":[{"hostname":"c.example.com","ports":[{"port":80,"protocol":"TCP"}]}]}}`),
		lb("b", `{"loadBalancer":{}}`),
		lb("a", `{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]}}`),
	})
	want := []typesv1beta1.ClusterLoadBalancer{
		{Cluster: "a", Ingress: []corev1.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}},
		{Cluster: "c", Ingress: []corev1.LoadBalancerIngress{{Hostname: "c.example.com", Ports: []corev1.PortStatus{{Port: 80, Protocol: corev1.ProtocolTCP}}}}},
	}
	if !reflect.DeepEqual(agg.LoadBalancer, want) {
		t.Errorf("loadBalancer = %+v, want %+v", agg.LoadBalancer, want)
	}
	if agg.ClustersReady != 2 || agg.ClustersTotal != 3 {
		t.Errorf("clusters ready/total = %d/%d, want 2/3", agg.ClustersReady, agg.ClustersTotal)
	}
	if cond.Status != corev1.ConditionFalse || cond.Reason != ReasonLoadBalancerPending ||
		cond.Message != "not ready in 1/3 clusters: b: the load balancer has no ingress point yet" {
		t.Errorf("condition = %+v", cond)
	}
}

func TestSummarizeMessageNamesAtMostFiveClusters(t *testing.T) {
	var members []Member
	for i := range 8 {
		members = append(members, Member{Cluster: fmt.Sprintf("c%d", i)})
	}
	_, cond := Summarize(deployment, members)
	want := "not ready in 8/8 clusters: c0: not propagated; c1: not propagated; c2: not propagated; " +
		"c3: not propagated; c4: not propagated; and 3 more"
	if cond.Message != want || cond.Reason != ReasonNotPropagated {
		t.Errorf("condition = %+v, want message %q", cond, want)
	}
}

func TestSummarizeSaturatesCounters(t *testing.T) {
	huge := fmt.Sprintf(`{"observedGeneration":2,"replicas":%d,"readyReplicas":%d,"availableReplicas":%d,"updatedReplicas":%d}`,
		int64(math.MaxInt32)+5, math.MaxInt32, math.MaxInt32, math.MaxInt32)
	agg, _ := Summarize(deployment, []Member{member("a", huge), member("b", huge)})
	if agg.Replicas != math.MaxInt32 || agg.ReadyReplicas != math.MaxInt32 {
		t.Errorf("replicas, ready = %d, %d, want both %d", agg.Replicas, agg.ReadyReplicas, math.MaxInt32)
	}
	neg := `{"observedGeneration":2,"replicas":-2147483648}`
	agg, _ = Summarize(deployment, []Member{member("a", neg), member("b", neg)})
	if agg.Replicas != math.MinInt32 {
		t.Errorf("replicas = %d, want %d", agg.Replicas, math.MinInt32)
	}
}

func TestSummarizeLeavesTimesToTheCaller(t *testing.T) {
	_, cond := Summarize(deployment, []Member{member("a", readyDeploy)})
	if cond.LastTransitionTime != nil || cond.LastUpdateTime != nil {
		t.Errorf("condition times = %v, %v, want nil", cond.LastTransitionTime, cond.LastUpdateTime)
	}
}

// FuzzSummarize feeds arbitrary JSON as member status to every well-known
// kind and a custom one: it must never panic, and the counts must add up.
func FuzzSummarize(f *testing.F) {
	for _, seed := range []string{
		readyDeploy, rollingDeploy, `{}`, `null`, `[]`, `"x"`, `7`, `{`,
		`{"observedGeneration":1e400}`, `{"replicas":-1e30}`, `{"observedGeneration":9.3e18}`,
		`{"conditions":[{"type":"Ready","status":"False"}]}`, `{"conditions":{"type":"Ready"}}`,
		`{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ports":[{"port":"x"}]}]}}`,
		`{"loadBalancer":[]}`, `{"active":1.0,"succeeded":2,"failed":3}`,
	} {
		f.Add([]byte(seed), true, int64(2))
	}
	kinds := []schema.GroupKind{deployment, replicaSet, statefulSet, daemonSet, job, service, {Group: "x", Kind: "Y"}}
	f.Fuzz(func(t *testing.T, status []byte, propagated bool, generation int64) {
		for _, k := range kinds {
			members := []Member{
				{Cluster: "a", Propagated: propagated, Generation: generation, Status: raw(string(status)), ServiceType: corev1.ServiceTypeLoadBalancer},
				{Cluster: "b", Propagated: true, Generation: generation, Status: raw(string(status))},
			}
			agg, cond := Summarize(k, members)
			if agg.ClustersTotal != 2 || agg.ClustersReady < 0 || agg.ClustersReady > 2 {
				t.Fatalf("%v: clusters ready/total = %d/%d", k, agg.ClustersReady, agg.ClustersTotal)
			}
			if (cond.Status == corev1.ConditionTrue) != (agg.ClustersReady == 2) {
				t.Fatalf("%v: condition %+v with %d/2 ready", k, cond, agg.ClustersReady)
			}
			if cond.Reason == "" || cond.Message == "" {
				t.Fatalf("%v: condition without reason or message: %+v", k, cond)
			}
		}
	})
}
