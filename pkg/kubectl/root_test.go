package kubectl

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestHelp checks that help speaks of `kubectl fed`, has an example for
// every command and leaves the global flags to `kubectl fed options`.
func TestHelp(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	root := NewCmdFed(streams)
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if c.Example == "" {
			t.Errorf("%s has no example", c.Name())
		}
		if !strings.HasPrefix(c.UseLine(), "kubectl fed "+c.Name()) {
			t.Errorf("usage line %q does not start with kubectl fed", c.UseLine())
		}
	}
	root.SetArgs([]string{"join", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	for _, want := range []string{"kubectl fed join CLUSTER_NAME", "--cluster-context", `Use "kubectl fed options" for the global flags`} {
		if !strings.Contains(help, want) {
			t.Errorf("join help lacks %q:\n%s", want, help)
		}
	}
	for _, unwanted := range []string{"Global Flags", "--as-group"} {
		if strings.Contains(help, unwanted) {
			t.Errorf("join help lists %q:\n%s", unwanted, help)
		}
	}

	out.Reset()
	root.SetArgs([]string{"options"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--kubeconfig", "--context", "--host-cluster-context", "--kubefed-namespace", "--namespace"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("options lacks %s:\n%s", want, out.String())
		}
	}
}
