package doctor

import (
	"bytes"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
)

// TestRender: the table of checks, then the fix of each check that is not
// ok (golden file; go test -update rewrites it).
func TestRender(t *testing.T) {
	checks := []Check{
		{Check: "crds", Name: "KubeFedCluster (core.kubefed.io/v1beta1)", Result: OK, Detail: "served"},
		{Check: "webhook", Name: "ValidatingWebhookConfiguration", Result: Warn, Detail: "neither exists", Fix: "deploy the webhook"},
		{Check: "syncer", Name: "Lease kube-federation-system/kubectl-fed-syncer", Result: Fail, Detail: "no syncer holds the Lease", Fix: "check the syncer"},
		{Check: "clusters", Name: "member1", Result: OK, Detail: "Ready; credentials and RBAC for 3 types ok"},
	}
	var out bytes.Buffer
	if err := Render(&out, checks); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/doctor.txt", out.String())
}
