package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// kubeconfig is a kubeconfig with the contexts hub and member1.
const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "https://127.0.0.1:1"}}
users:
- {name: u, user: {}}
contexts:
- {name: hub, context: {cluster: c, user: u}}
- {name: member1, context: {cluster: c, user: u}}
`

func writeKubeconfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostClusterContextIsAnAliasOfContext(t *testing.T) {
	path := writeKubeconfig(t)
	for _, flag := range []string{"--context", "--host-cluster-context"} {
		f := NewFlags()
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		f.AddTo(cmd)
		cmd.SetArgs([]string{"--kubeconfig", path, flag, "hub", "--kubefed-namespace", "fed"})
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

// TestMissingKubeconfigOrContext checks that a kubeconfig or context that
// does not exist is named, with the contexts there are.
func TestMissingKubeconfigOrContext(t *testing.T) {
	path := writeKubeconfig(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--kubeconfig", path, "--context", "nope"}, []string{`context "nope" does not exist`, "its contexts are: hub, member1"}},
		{[]string{"--kubeconfig", path + ".missing"}, []string{"the kubeconfig " + path + ".missing (--kubeconfig) cannot be read"}},
	} {
		f := NewFlags()
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		f.AddTo(cmd)
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		for _, get := range []func() (string, error){f.HostContext, f.Namespace} {
			_, err := get()
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%v: error = %v, want %q", tc.args, err, want)
				}
			}
		}
	}
}
