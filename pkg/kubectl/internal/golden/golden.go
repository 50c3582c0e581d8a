// Package golden compares the output of the kubectl-fed unit tests with
// golden files. Only tests import it: importing it registers the -update
// test flag.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag: `go test ./pkg/kubectl/... -update` rewrites
// the golden files from the output of the tests.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Assert fails t when got differs from the content of the golden file at
// path (relative to the package under test, e.g. "testdata/x.txt"). With
// -update it first writes got to path, creating its directory.
func Assert(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("the output differs from the golden file %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
