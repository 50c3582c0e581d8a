package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// TestVersion is the version the commands built for tests report.
const TestVersion = "v0.1.0-test"

// built holds the commands built for this test binary, in one temporary
// directory that Main removes.
var built struct {
	sync.Mutex
	inMain bool // Main is running: it removes dir at its end
	dir    string
	paths  map[string]string // by command name
}

// BuildCommands builds the named commands of this repository (kubectl-fed,
// syncer, webhook under cmd/, or a module-relative package path such as
// test/cmd/fleet) into this test binary's command directory, in one `go
// build` with -trimpath and TestVersion (so the build cache serves every
// suite), skipping those already built. Main calls it before the fleet
// starts; Command calls it for a command Main was not asked for.
func BuildCommands(names ...string) error {
	built.Lock()
	defer built.Unlock()
	var pkgs []string
	for _, n := range names {
		if _, ok := built.paths[filepath.Base(n)]; !ok {
			pkgs = append(pkgs, commandPackage(n))
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	if built.dir == "" {
		if built.dir, err = os.MkdirTemp("", "kubectl-fed-commands-"); err != nil {
			return err
		}
		built.paths = map[string]string{}
	}
	if err := goBuild(root, built.dir, pkgs); err != nil {
		return err
	}
	for _, p := range pkgs {
		built.paths[filepath.Base(p)] = filepath.Join(built.dir, filepath.Base(p))
	}
	return nil
}

// BuildInto builds the named commands (as BuildCommands names them) into
// dir in one `go build`, as BuildCommands does, for a test that lays out
// its own directory of programs.
func BuildInto(dir string, names ...string) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	pkgs := make([]string, 0, len(names))
	for _, n := range names {
		pkgs = append(pkgs, commandPackage(n))
	}
	return goBuild(root, dir, pkgs)
}

// goBuild builds pkgs of the repository at root into dir in one `go build`.
func goBuild(root, dir string, pkgs []string) error {
	args := append([]string{"build", "-trimpath", "-ldflags", "-X github.com/kubectl-fed/kubectl-fed/pkg/version.gitVersion=" + TestVersion,
		"-o", dir + string(os.PathSeparator)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %v: %v\n%s", pkgs, err, out)
	}
	return nil
}

// commandPackage turns a command name into the package to build: a bare
// name is a command under cmd/.
func commandPackage(name string) string {
	if filepath.Base(name) == name {
		return "./cmd/" + name
	}
	return "./" + name
}

// Command returns the path of a command built for this test binary (see
// BuildCommands), building it first if need be. In a package whose
// TestMain is not Main, it builds the command into the test's temporary
// directory each time.
func Command(t testing.TB, name string) string {
	t.Helper()
	built.Lock()
	inMain := built.inMain
	built.Unlock()
	if !inMain {
		dir := t.TempDir()
		if err := BuildInto(dir, name); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, filepath.Base(name))
	}
	path, err := CommandPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// CommandPath is Command for code without a test at hand, in a package
// whose TestMain is Main.
func CommandPath(name string) (string, error) {
	if err := BuildCommands(name); err != nil {
		return "", err
	}
	built.Lock()
	defer built.Unlock()
	return built.paths[filepath.Base(name)], nil
}

// removeCommands deletes the commands built for this test binary.
func removeCommands() {
	built.Lock()
	defer built.Unlock()
	built.inMain = false
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
		built.dir, built.paths = "", nil
	}
}
