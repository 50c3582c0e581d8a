package doctor

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRender: the table of checks, then the fix of each check that is not
// ok (golden file; UPDATE_GOLDEN=1 rewrites it).
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
	path := filepath.Join("testdata", "doctor.txt")
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
