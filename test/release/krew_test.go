package release

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/krew"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// TestKrewInstallsThePluginOffline installs the plugin with the real krew
// from plugins.yaml and the archive (no index, no network), then runs it
// through kubectl's plugin dispatch from $KREW_ROOT/bin.
func TestKrewInstallsThePluginOffline(t *testing.T) {
	bin := toolDir(t)
	krewRoot := t.TempDir()
	env := []string{"KREW_ROOT=" + krewRoot, "KREW_NO_UPGRADE_CHECK=1", "HOME=" + t.TempDir()}
	run(t, env, filepath.Join(bin, "krew"), "install", "--manifest="+build.manifest, "--archive="+build.archive)
	for _, f := range []string{"receipts/fed.yaml", "store/fed/v0.1.0/LICENSE", "store/fed/v0.1.0/kubectl-fed", "store/fed/v0.1.0/kubectl_complete-fed", "bin/kubectl-fed"} {
		if _, err := os.Stat(filepath.Join(krewRoot, f)); err != nil {
			t.Errorf("krew did not install %s: %v", f, err)
		}
	}
	// Only kubectl and the krew-installed plugin are on PATH.
	kubectlOnly := t.TempDir()
	if err := os.Symlink(filepath.Join(bin, "kubectl"), filepath.Join(kubectlOnly, "kubectl")); err != nil {
		t.Fatal(err)
	}
	out := run(t, append(env, "PATH="+filepath.Join(krewRoot, "bin")+string(os.PathListSeparator)+kubectlOnly),
		filepath.Join(kubectlOnly, "kubectl"), "fed", "version", "--short")
	if strings.TrimSpace(out) != testVersion {
		t.Errorf("kubectl fed version --short = %q, want %q", out, testVersion)
	}
	// The caveat's step puts kubectl's completion helper on PATH.
	helper := run(t, append(env, "PATH="+filepath.Join(krewRoot, "bin")+string(os.PathListSeparator)+kubectlOnly),
		filepath.Join(kubectlOnly, "kubectl"), "fed", "completion", "kubectl-plugin")
	if err := os.WriteFile(filepath.Join(krewRoot, "bin", "kubectl_complete-fed"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	out = run(t, append(env, "PATH="+filepath.Join(krewRoot, "bin")+string(os.PathListSeparator)+kubectlOnly),
		filepath.Join(kubectlOnly, "kubectl"), "__complete", "fed", "vers")
	if !strings.HasPrefix(out, "version") {
		t.Errorf("kubectl __complete fed vers after the caveat's step = %q", out)
	}
}

// TestValidateKrewManifest runs krew-index's validate-krew-manifest on a
// copy of plugins.yaml named fed.yaml, which installs every platform's
// archive from a server on 127.0.0.1. The archives of the other platforms
// hold this platform's executable: the test checks the manifest and the
// packaging (`make dist` cross-builds the real ones).
func TestValidateKrewManifest(t *testing.T) {
	bin := toolDir(t)
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	served := t.TempDir()
	srv := httptest.NewServer(http.FileServer(http.Dir(served)))
	defer srv.Close()

	manifest, err := os.ReadFile(build.manifest)
	if err != nil {
		t.Fatal(err)
	}
	platforms, err := krew.Platforms(manifest)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	text := string(manifest)
	for _, p := range platforms {
		sums[p.Archive()], err = krew.WriteArchive(filepath.Join(served, p.Archive()), p.Bin, filepath.Join(build.binDir, "kubectl-fed"), filepath.Join(root, "LICENSE"))
		if err != nil {
			t.Fatal(err)
		}
		text = strings.ReplaceAll(text, p.URI, srv.URL+"/"+p.Archive())
	}
	updated, err := krew.RewriteSHA256([]byte(text), sums)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fedYAML := filepath.Join(dir, "fed.yaml")
	if err := os.WriteFile(fedYAML, updated, 0o644); err != nil {
		t.Fatal(err)
	}
	// validate-krew-manifest installs through `kubectl krew`.
	pathDir := t.TempDir()
	for name, target := range map[string]string{"kubectl": "kubectl", "kubectl-krew": "krew"} {
		if err := os.Symlink(filepath.Join(bin, target), filepath.Join(pathDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"PATH=" + pathDir + string(os.PathListSeparator) + os.Getenv("PATH"), "KREW_NO_UPGRADE_CHECK=1", "HOME=" + t.TempDir()}
	run(t, env, filepath.Join(bin, "validate-krew-manifest"), "-manifest", fedYAML)
}

// toolDir returns the directory of the pinned tools (krew, kubectl, ...).
func toolDir(t *testing.T) string {
	t.Helper()
	bin, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// run runs a program with extra environment entries and returns its
// standard output, failing the test if it fails.
func run(t *testing.T, env []string, program string, args ...string) string {
	t.Helper()
	cmd := exec.Command(program, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(program), strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}
