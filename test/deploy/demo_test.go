package deploy

import (
	"bytes"
	"context"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/demo"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// TestDemo runs every step of `make demo` on this package's fleet, whose
// syncer and webhook hold only the manifests' RBAC.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	var members []string
	for _, m := range shared.Members() {
		members = append(members, m.Name)
	}
	err := demo.Run(context.Background(), demo.Config{
		Kubeconfig: shared.KubeconfigPath(), Host: fleet.HostName, Members: members, BinDir: control.Bin, Out: &out,
	})
	t.Log("demo output:\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	NoDenials(t, control.SyncerLog)
	NoDenials(t, control.WebhookLog)
}
