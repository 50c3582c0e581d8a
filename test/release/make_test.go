package release

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/krew"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// runMake runs make with args in the repository root and returns its
// combined output.
func runMake(t *testing.T, args ...string) string {
	t.Helper()
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestMakeBuildAnnouncesAndSkipsWhatIsUpToDate checks the first run's
// output: each build announced with a heartbeat while it runs and its
// duration, raw commands shown only with V=1, and nothing rebuilt (local-up
// and local-down included) when nothing changed.
func TestMakeBuildAnnouncesAndSkipsWhatIsUpToDate(t *testing.T) {
	bin := t.TempDir()
	out := runMake(t, "build", "BIN="+bin, "HEARTBEAT=1")
	for _, want := range []string{">> building kubectl-fed, syncer and webhook", "   ... still building kubectl-fed, syncer and webhook (", "   done in "} {
		if !strings.Contains(out, want) {
			t.Errorf("make build lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "go build") || strings.Contains(out, "go: downloading") {
		t.Errorf("make build shows raw commands or downloads without V=1:\n%s", out)
	}
	if out := runMake(t, "build", "BIN="+bin); strings.Contains(out, ">> building") {
		t.Errorf("a second make build rebuilt:\n%s", out)
	}
	out = runMake(t, bin+"/fleet", "BIN="+bin)
	if !strings.Contains(out, ">> building the local fleet tool") {
		t.Errorf("the fleet tool's build is not announced:\n%s", out)
	}
	if out := runMake(t, "-n", "local-down", "BIN="+bin); strings.Contains(out, "go build") {
		t.Errorf("local-down would rebuild the fleet tool that is up to date:\n%s", out)
	}
	if out := runMake(t, "build", "BIN="+t.TempDir(), "V=1"); !strings.Contains(out, "go build -trimpath -ldflags") {
		t.Errorf("V=1 does not show the raw command:\n%s", out)
	}
}

// TestMakeDistOnePlatform checks that `make dist PLATFORMS=os/arch` builds
// that platform only, announces it, and writes the filled manifest under
// the dist directory without touching the tracked plugins.yaml.
func TestMakeDistOnePlatform(t *testing.T) {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(root, "plugins.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	out := runMake(t, "dist", "PLATFORMS="+platform, "DIST="+dist)
	if !strings.Contains(out, "building kubectl-fed for "+platform) {
		t.Errorf("make dist does not announce %s:\n%s", platform, out)
	}
	after, err := os.ReadFile(filepath.Join(root, "plugins.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("make dist changed the tracked plugins.yaml")
	}
	manifest, err := os.ReadFile(filepath.Join(dist, "plugins.yaml"))
	if err != nil {
		t.Fatalf("make dist wrote no manifest into %s: %v", dist, err)
	}
	platforms, err := krew.Platforms(manifest)
	if err != nil {
		t.Fatal(err)
	}
	built := 0
	for _, p := range platforms {
		_, statErr := os.Stat(filepath.Join(dist, p.Archive()))
		if p.String() == platform {
			built++
			if statErr != nil {
				t.Errorf("no archive for %s: %v", platform, statErr)
			}
		} else if statErr == nil {
			t.Errorf("make dist PLATFORMS=%s also built %s", platform, p)
		}
	}
	if built != 1 {
		t.Errorf("plugins.yaml has %d entries for %s", built, platform)
	}
	if bytes.Equal(manifest, before) {
		t.Error("the manifest under the dist directory has no new sha256")
	}
}
