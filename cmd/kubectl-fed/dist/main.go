// Command dist cross-builds kubectl-fed for the platforms of the krew
// manifest, packs each build with the LICENSE into the archive the manifest
// names, and writes the archives' sha256 sums into the manifest.
//
//	go run ./cmd/kubectl-fed/dist -manifest plugins.yaml -out _output/dist -ldflags "..."
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/krew"
)

func main() {
	manifestPath := flag.String("manifest", "plugins.yaml", "krew manifest to read and update")
	out := flag.String("out", "_output/dist", "directory for the archives (executables go to OUT/bin/OS_ARCH)")
	ldflags := flag.String("ldflags", "", "-ldflags for go build (version information)")
	license := flag.String("license", "LICENSE", "license file to put into every archive")
	only := flag.String("platforms", "", "comma-separated os/arch pairs to build (default: every platform of the manifest)")
	flag.Parse()
	if err := run(*manifestPath, *out, *ldflags, *license, *only); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(manifestPath, out, ldflags, license, only string) error {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return err
	}
	platforms, err := krew.Platforms(data)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, p := range strings.Split(only, ",") {
		if p != "" {
			wanted[p] = true
		}
	}
	sums := map[string]string{}
	for _, p := range platforms {
		if len(wanted) > 0 && !wanted[p.String()] {
			continue
		}
		delete(wanted, p.String())
		exe := filepath.Join(out, "bin", p.OS+"_"+p.Arch, p.Bin)
		build := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", exe, "./cmd/kubectl-fed")
		build.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building kubectl-fed for %s: %w", p, err)
		}
		archive := filepath.Join(out, p.Archive())
		if sums[p.Archive()], err = krew.WriteArchive(archive, p.Bin, exe, license); err != nil {
			return fmt.Errorf("writing %s: %w", archive, err)
		}
		fmt.Printf("%s  %s\n", sums[p.Archive()], archive)
	}
	if len(wanted) > 0 {
		missing := make([]string, 0, len(wanted))
		for p := range wanted {
			missing = append(missing, p)
		}
		sort.Strings(missing)
		return fmt.Errorf("platforms %s are not in %s", strings.Join(missing, ", "), manifestPath)
	}
	updated, err := krew.RewriteSHA256(data, sums)
	if err != nil {
		return err
	}
	return os.WriteFile(manifestPath, updated, 0o644)
}
