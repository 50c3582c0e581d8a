package syncer

import (
	"strings"
	"testing"
)

// TestHugeErrorStillYieldsAStatus federates a ConfigMap whose data key is
// 400 KB of invalid characters: each member refuses it with an error that
// echoes the key, and the status still says so, with the message cut to
// its bound.
func TestHugeErrorStillYieldsAStatus(t *testing.T) {
	ns := federatedNamespace(t)
	badKey := strings.Repeat("!", 400*1024)
	fcm := federated(federatedConfigMapKind, ns, "huge", object{
		"template": object{"data": object{badKey: "x"}}, "placement": onClusters("member1", "member2")})
	create(t, fcm)
	for _, cluster := range []string{"member1", "member2"} {
		message := waitClusterStatus(t, fcm, cluster, "CreationFailed", "truncated")
		if len(message) > 1024 {
			t.Errorf("%s: status message is %d bytes, want at most 1024", cluster, len(message))
		}
		t.Logf("%s: CreationFailed, message cut to %d bytes: %.120s...", cluster, len(message), message)
	}
}
