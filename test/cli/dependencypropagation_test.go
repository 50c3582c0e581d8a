package cli

import (
	"strings"
	"testing"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// TestEnableSetsDependencyPropagation runs `kubectl fed enable
// --dependency-propagation` through kubectl's plugin dispatch: -o yaml
// shows the field, the FederatedTypeConfig gets it, enabling again with
// the same value (or without the flag) changes nothing and keeps it,
// Disabled turns it off; a bad value and a type without a pod template
// are refused, naming the flag and the fix, and change nothing.
func TestEnableSetsDependencyPropagation(t *testing.T) {
	host := hostClient(t)
	mode := func() string {
		ftc := &corev1beta1.FederatedTypeConfig{}
		mustGet(t, host, ftc, kubefedNS, "daemonsets.apps")
		if ftc.Spec.DependencyPropagation == nil {
			return "<unset>"
		}
		return string(*ftc.Spec.DependencyPropagation)
	}
	if out := mustFed(t, "enable", "daemonsets.apps", "--dependency-propagation=Enabled", "-o", "yaml"); !strings.Contains(out, "\n  dependencyPropagation: Enabled\n") {
		t.Errorf("-o yaml lacks spec.dependencyPropagation: Enabled:\n%s", out)
	}
	assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "daemonsets.apps")

	mustFail(t, fed(t, "enable", "daemonsets.apps", "--dependency-propagation=on"), `invalid value "on" for --dependency-propagation`, "use Enabled or Disabled")
	mustFail(t, fed(t, "enable", "daemonsets.apps", "configmaps", "--dependency-propagation=Enabled"),
		"--dependency-propagation applies to types with a pod template", "configmaps has none", "leave the flag out")
	assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "daemonsets.apps")

	mustFed(t, "enable", "daemonsets.apps", "--dependency-propagation=Enabled")
	if got := mode(); got != "Enabled" {
		t.Fatalf("dependencyPropagation after enabling with Enabled: %s", got)
	}
	for _, args := range [][]string{{"--dependency-propagation=Enabled"}, nil} {
		out := mustFed(t, append([]string{"enable", "daemonsets.apps"}, args...)...)
		if !strings.Contains(out, "federatedtypeconfig.core.kubefed.io/daemonsets.apps unchanged") {
			t.Errorf("enabling again with %v:\n%s", args, out)
		}
		if got := mode(); got != "Enabled" {
			t.Errorf("dependencyPropagation after enabling again with %v: %s", args, got)
		}
	}
	if out := mustFed(t, "enable", "daemonsets.apps", "--dependency-propagation=Disabled"); !strings.Contains(out, "federatedtypeconfig.core.kubefed.io/daemonsets.apps updated") {
		t.Errorf("enabling with Disabled:\n%s", out)
	}
	if got := mode(); got != "Disabled" {
		t.Errorf("dependencyPropagation after enabling with Disabled: %s", got)
	}
}
