package propagate

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
)

func TestPassEventsGroupsClustersByReason(t *testing.T) {
	p := newPassEvents()
	p.add(corev1.EventTypeNormal, "CreateInCluster", "Creating ConfigMap %q in cluster %q", "ns/a", "member1")
	p.add(corev1.EventTypeWarning, "ClusterNotReady", "Cluster %q is not ready", "member3")
	p.add(corev1.EventTypeNormal, "CreateInCluster", "Creating ConfigMap %q in cluster %q", "ns/a", "member2")
	recorder := record.NewFakeRecorder(10)
	p.emit(recorder, &corev1.ConfigMap{})
	want := []string{
		`Normal CreateInCluster Creating ConfigMap "ns/a" in cluster "member1"; Creating ConfigMap "ns/a" in cluster "member2"`,
		`Warning ClusterNotReady Cluster "member3" is not ready`,
	}
	for _, w := range want {
		if got := <-recorder.Events; got != w {
			t.Errorf("event %q, want %q", got, w)
		}
	}
	if len(recorder.Events) != 0 {
		t.Errorf("%d extra events", len(recorder.Events))
	}
	p.emit(recorder, &corev1.ConfigMap{})
	if len(recorder.Events) != 0 {
		t.Error("a second emit repeated the events")
	}
}

func TestPassEventsBoundHugeMessages(t *testing.T) {
	p := newPassEvents()
	huge := strings.Repeat("k", 400*1024)
	for _, cluster := range []string{"member1", "member2", "member3", "member4", "member5"} {
		p.add(corev1.EventTypeWarning, "UpdateInClusterFailed", "Failed to update in cluster %q: invalid key %s", cluster, huge)
	}
	recorder := record.NewFakeRecorder(10)
	p.emit(recorder, &corev1.ConfigMap{})
	if got := <-recorder.Events; len(got) > eventLimit+len("Warning UpdateInClusterFailed ") {
		t.Errorf("event message is %d bytes, want at most %d", len(got), eventLimit)
	}
}
