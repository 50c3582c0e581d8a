package cli

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// TestTaintCordonDrain edits a cluster's taints through kubectl fed taint,
// cordon, drain --wait=false and uncordon (plugin dispatch), in kubectl
// taint's syntax and with its errors.
func TestTaintCordonDrain(t *testing.T) {
	host := hostClient(t)
	ctx := context.Background()
	const name = "tainted-member"
	kfc := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Namespace: kubefedNS, Name: name},
		Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://127.0.0.1:1", SecretRef: corev1beta1.LocalSecretReference{Name: "none"}}}
	if err := host.Create(ctx, kfc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Delete(context.Background(), kfc) })
	taintsNow := func() string {
		t.Helper()
		got := &corev1beta1.KubeFedCluster{}
		mustGet(t, host, got, kubefedNS, name)
		return taints.Join(got.Spec.Taints)
	}
	steps := []struct {
		args      []string
		out       string
		wantErr   string
		wantAfter string
	}{
		{[]string{"taint", name, "team=a:NoSchedule", "maintenance:NoExecute"}, "kubefedcluster/" + name + " tainted", "", "team=a:NoSchedule,maintenance:NoExecute"},
		{[]string{"taint", name, "team=b:NoSchedule"}, "", "--overwrite", "team=a:NoSchedule,maintenance:NoExecute"},
		{[]string{"taint", name, "team=b:NoSchedule", "--overwrite"}, "tainted", "", "team=b:NoSchedule,maintenance:NoExecute"},
		{[]string{"taint", name, "team=b"}, "", "has no effect", "team=b:NoSchedule,maintenance:NoExecute"},
		{[]string{"taint", name, "maintenance-"}, "tainted", "", "team=b:NoSchedule"},
		{[]string{"taint", name, "maintenance-"}, "", `"maintenance" not found`, "team=b:NoSchedule"},
		{[]string{"cordon", name}, "cordoned", "", "team=b:NoSchedule,kubefed.io/unschedulable:NoSchedule"},
		{[]string{"cordon", name}, "already cordoned", "", "team=b:NoSchedule,kubefed.io/unschedulable:NoSchedule"},
		{[]string{"drain", name, "--wait=false"}, "tainted kubefed.io/drain:NoExecute", "", "team=b:NoSchedule,kubefed.io/unschedulable:NoSchedule,kubefed.io/drain:NoExecute"},
		{[]string{"uncordon", name}, "uncordoned", "", "team=b:NoSchedule"},
		{[]string{"uncordon", name}, "already uncordoned", "", "team=b:NoSchedule"},
		{[]string{"cordon", "no-such-cluster"}, "", "kubectl fed status", "team=b:NoSchedule"},
	}
	for _, s := range steps {
		r := fed(t, s.args...)
		if s.wantErr != "" {
			mustFail(t, r, s.wantErr)
		} else if r.Err != nil || !strings.Contains(r.Stdout, s.out) {
			t.Errorf("kubectl fed %s: %v, output %q, want %q\n%s", strings.Join(s.args, " "), r.Err, r.Stdout, s.out, r.Stderr)
		}
		if got := taintsNow(); got != s.wantAfter {
			t.Errorf("after kubectl fed %s: taints %s, want %s", strings.Join(s.args, " "), got, s.wantAfter)
		}
	}
	if out := mustFed(t, "status"); !strings.Contains(out, "TAINTS") || !strings.Contains(out, "team=b:NoSchedule") {
		t.Errorf("kubectl fed status does not show the taints:\n%s", out)
	}
}
