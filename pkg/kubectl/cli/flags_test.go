package cli

import (
	"testing"

	"github.com/spf13/cobra"
)

func TestHostClusterContextIsAnAliasOfContext(t *testing.T) {
	for _, flag := range []string{"--context", "--host-cluster-context"} {
		f := NewFlags()
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		f.AddTo(cmd)
		cmd.SetArgs([]string{flag, "hub", "--kubefed-namespace", "fed"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got, err := f.HostContext(); err != nil || got != "hub" {
			t.Errorf("%s hub: HostContext() = %q, %v", flag, got, err)
		}
		if f.KubeFedNamespace != "fed" {
			t.Errorf("--kubefed-namespace = %q", f.KubeFedNamespace)
		}
	}
	f := NewFlags()
	cmd := &cobra.Command{Use: "x"}
	f.AddTo(cmd)
	if fl := cmd.PersistentFlags().Lookup("server"); fl == nil || fl.Shorthand != "" {
		t.Errorf("--server must exist without the -s shorthand, which federate uses: %+v", fl)
	}
	if f.KubeFedNamespace != "kube-federation-system" {
		t.Errorf("default --kubefed-namespace = %q", f.KubeFedNamespace)
	}
}
