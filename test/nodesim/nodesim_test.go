package nodesim

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCapacityDefaultsFillOnlyZeroFields(t *testing.T) {
	got := Capacity{Pods: 2}.WithDefaults()
	if got.String() != "cpu=4 memory=8Gi pods=2" {
		t.Errorf("Capacity{Pods: 2}.WithDefaults() = %s", got)
	}
	if got := (Capacity{}).WithDefaults().String(); got != "cpu=4 memory=8Gi pods=20" {
		t.Errorf("Capacity{}.WithDefaults() = %s", got)
	}
	if got := (Capacity{CPU: resource.MustParse("500m")}).WithDefaults().String(); got != "cpu=500m memory=8Gi pods=20" {
		t.Errorf("a given CPU is kept: %s", got)
	}
}

func TestAddresses(t *testing.T) {
	cases := map[string]string{
		NodeIP(1):          "10.64.0.1",
		NodeIP(256):        "10.64.1.0",
		PodIP(0):           "10.128.0.1",
		PodIP(255):         "10.128.1.0",
		PodIP(1<<23 - 2):   "10.128.0.1", // wraps before leaving 10.128.0.0/9
		PodIP(1<<23 - 3):   "10.255.255.254",
		NodeName("m1-", 3): "m1-3",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestNewNodeIsReadyUntaintedWithCapacityAsAllocatable(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := since.Add(time.Minute)
	n := NewNode("n1", "10.64.0.1", Capacity{Pods: 2}.WithDefaults(), since, now)
	if n.Labels[NodeLabel] != "true" || n.Labels[corev1.LabelHostname] != "n1" || n.Labels[corev1.LabelOSStable] != "linux" {
		t.Errorf("labels = %v", n.Labels)
	}
	if len(n.Spec.Taints) != 0 || n.Spec.Unschedulable {
		t.Errorf("a new node must be schedulable and untainted: %+v", n.Spec)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods} {
		c, a := n.Status.Capacity[r], n.Status.Allocatable[r]
		if c.Cmp(a) != 0 || c.IsZero() {
			t.Errorf("%s: capacity %s, allocatable %s", r, c.String(), a.String())
		}
	}
	if pods := n.Status.Allocatable[corev1.ResourcePods]; pods.Value() != 2 {
		t.Errorf("allocatable pods = %s, want 2", pods.String())
	}
	ready := 0
	for _, c := range n.Status.Conditions {
		want := corev1.ConditionFalse
		if c.Type == corev1.NodeReady {
			want = corev1.ConditionTrue
			ready++
		}
		if c.Status != want || !c.LastHeartbeatTime.Time.Equal(now) || !c.LastTransitionTime.Time.Equal(since) {
			t.Errorf("condition %s = %s (heartbeat %s, transition %s), want %s (heartbeat now, transition since)",
				c.Type, c.Status, c.LastHeartbeatTime, c.LastTransitionTime, want)
		}
	}
	if ready != 1 {
		t.Errorf("want exactly one Ready condition, got %d", ready)
	}
}

func TestNewLeaseIsHeldByTheNode(t *testing.T) {
	now := time.Now()
	l := NewLease("n1", now)
	if l.Namespace != "kube-node-lease" || l.Name != "n1" || *l.Spec.HolderIdentity != "n1" ||
		*l.Spec.LeaseDurationSeconds != 40 || !l.Spec.RenewTime.Time.Equal(now) {
		t.Errorf("lease = %+v", l)
	}
}

func pod(node string, mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"},
		Spec: corev1.PodSpec{
			NodeName:       node,
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "a", Image: "nginx"}, {Name: "b", Image: "redis"}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func TestDecide(t *testing.T) {
	nodes := map[string]bool{"n1": true}
	now := time.Now()
	cases := []struct {
		name string
		pod  *corev1.Pod
		want Action
	}{
		{"unscheduled", pod(""), Ignore},
		{"on another node", pod("elsewhere"), Ignore},
		{"bound, pending", pod("n1"), MarkRunning},
		{"bound, being deleted", pod("n1", func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now} }), Finalize},
		{"unscheduled, being deleted", pod("", func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now} }), Ignore},
		{"succeeded", pod("n1", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), Ignore},
		{"failed", pod("n1", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }), Ignore},
		{"running and ready", pod("n1", func(p *corev1.Pod) { p.Status = RunningStatus(p, "10.64.0.1", "10.128.0.1", now) }), Ignore},
		{"running, a container not ready", pod("n1", func(p *corev1.Pod) {
			p.Status = RunningStatus(p, "10.64.0.1", "10.128.0.1", now)
			p.Status.ContainerStatuses[1].Ready = false
		}), MarkRunning},
		{"running, a container added", pod("n1", func(p *corev1.Pod) {
			p.Status = RunningStatus(p, "10.64.0.1", "10.128.0.1", now)
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c"})
		}), MarkRunning},
	}
	for _, tc := range cases {
		if got := Decide(tc.pod, nodes); got != tc.want {
			t.Errorf("%s: Decide = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestRunningStatusIsWhatAKubeletReports(t *testing.T) {
	scheduledAt := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now := scheduledAt.Add(time.Second)
	p := pod("n1", func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: scheduledAt}}
	})
	s := RunningStatus(p, "10.64.0.1", "10.128.0.7", now)
	if s.Phase != corev1.PodRunning || s.PodIP != "10.128.0.7" || s.HostIP != "10.64.0.1" ||
		len(s.PodIPs) != 1 || len(s.HostIPs) != 1 || s.StartTime == nil || s.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("status = %+v", s)
	}
	want := map[corev1.PodConditionType]bool{
		corev1.PodScheduled: true, corev1.PodInitialized: true, corev1.PodReadyToStartContainers: true,
		corev1.ContainersReady: true, corev1.PodReady: true,
	}
	for _, c := range s.Conditions {
		if !want[c.Type] || c.Status != corev1.ConditionTrue {
			t.Errorf("unexpected condition %s=%s", c.Type, c.Status)
		}
		delete(want, c.Type)
		if c.Type == corev1.PodScheduled && !c.LastTransitionTime.Equal(&scheduledAt) {
			t.Errorf("PodScheduled transition time changed to %s", c.LastTransitionTime)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing conditions %v", want)
	}
	if len(s.ContainerStatuses) != 2 || s.ContainerStatuses[1].Name != "b" || !s.ContainerStatuses[1].Ready ||
		s.ContainerStatuses[1].State.Running == nil || s.ContainerStatuses[1].Started == nil || !*s.ContainerStatuses[1].Started {
		t.Errorf("container statuses = %+v", s.ContainerStatuses)
	}
	if len(s.InitContainerStatuses) != 1 || s.InitContainerStatuses[0].State.Terminated == nil ||
		s.InitContainerStatuses[0].State.Terminated.ExitCode != 0 {
		t.Errorf("init container statuses = %+v", s.InitContainerStatuses)
	}
	if len(p.Status.ContainerStatuses) != 0 {
		t.Error("RunningStatus modified its input")
	}

	p.Status = s
	again := RunningStatus(p, "10.64.0.1", "10.128.0.99", now.Add(time.Minute))
	if again.PodIP != "10.128.0.7" {
		t.Errorf("a pod's IP must not change: %s", again.PodIP)
	}
	if Decide(p, map[string]bool{"n1": true}) != Ignore {
		t.Error("a pod with RunningStatus is marked again")
	}
}
