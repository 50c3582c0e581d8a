package fleet

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// modulePath is the main module's path; the repository root is the directory
// whose go.mod declares it.
const modulePath = "github.com/kubectl-fed/kubectl-fed"

// BinDirEnv names the environment variable that overrides where the fleet's
// binaries are looked up. By default they are in <repository>/_output/bin,
// where `make tools` builds them.
const BinDirEnv = "KUBECTL_FED_BIN_DIR"

// Binaries are the paths of the programs a cluster is made of.
type Binaries struct {
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	// KubeScheduler is needed only by fleets with simulated nodes
	// (Options.Nodes); Check does not require it.
	KubeScheduler string
}

// DefaultBinaries finds the fleet's binaries in $KUBECTL_FED_BIN_DIR or in
// the repository's _output/bin, and checks that each one is there.
func DefaultBinaries() (Binaries, error) {
	dir, err := BinDir()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{
		Etcd:                  filepath.Join(dir, "etcd"),
		KubeAPIServer:         filepath.Join(dir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(dir, "kube-controller-manager"),
		KubeScheduler:         filepath.Join(dir, "kube-scheduler"),
	}
	return b, b.Check()
}

// Check returns an error naming every binary a cluster without simulated
// nodes needs that is missing or not executable.
func (b Binaries) Check() error {
	var errs []error
	for _, path := range []string{b.Etcd, b.KubeAPIServer, b.KubeControllerManager} {
		if err := checkExecutable(path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkExecutable(path string) error {
	name := filepath.Base(path)
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s not found at %s: run `make tools` to build the pinned test binaries", name, path)
	case err != nil:
		return fmt.Errorf("%s at %s: %w", name, path, err)
	case info.IsDir() || info.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s at %s is not an executable file: run `make tools` to rebuild it", name, path)
	}
	return nil
}

// BinDir returns the directory holding the fleet's binaries.
func BinDir() (string, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		return filepath.Abs(dir)
	}
	root, err := RepositoryRoot()
	if err != nil {
		return "", fmt.Errorf("finding the test binaries: %w (or set %s)", err, BinDirEnv)
	}
	return filepath.Join(root, "_output", "bin"), nil
}

// RepositoryRoot walks up from the working directory to the directory whose
// go.mod declares the main module.
func RepositoryRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if declaresMainModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod declaring module %s above the working directory", modulePath)
		}
		dir = parent
	}
}

func declaresMainModule(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if fields := strings.Fields(scanner.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}
