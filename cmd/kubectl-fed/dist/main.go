// Command dist cross-builds kubectl-fed for the platforms of the krew
// manifest, packs each build with the LICENSE into the archive the manifest
// names, and writes the manifest with the archives' sha256 sums to
// -manifest-out (the tracked plugins.yaml stays as it is).
//
//	go run ./cmd/kubectl-fed/dist -manifest plugins.yaml -manifest-out _output/dist/plugins.yaml -out _output/dist -ldflags "..."
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/krew"
)

func main() {
	manifestPath := flag.String("manifest", "plugins.yaml", "krew manifest to read")
	manifestOut := flag.String("manifest-out", "_output/dist/plugins.yaml", "where to write the manifest with the archives' sha256 sums")
	out := flag.String("out", "_output/dist", "directory for the archives (executables go to OUT/bin/OS_ARCH)")
	ldflags := flag.String("ldflags", "", "-ldflags for go build (version information)")
	license := flag.String("license", "LICENSE", "license file to put into every archive")
	only := flag.String("platforms", "", "comma-separated os/arch pairs to build (default: every platform of the manifest)")
	flag.Parse()
	if err := run(*manifestPath, *manifestOut, *out, *ldflags, *license, *only); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(manifestPath, manifestOut, out, ldflags, license, only string) error {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return err
	}
	platforms, err := krew.Platforms(data)
	if err != nil {
		return err
	}
	selected := map[string]bool{}
	for _, p := range strings.Split(only, ",") {
		if p != "" {
			selected[p] = true
		}
	}
	// wanted are the selected platforms not found in the manifest yet.
	wanted := maps.Clone(selected)
	sums := map[string]string{}
	for _, p := range platforms {
		if len(selected) > 0 && !selected[p.String()] {
			continue
		}
		delete(wanted, p.String())
		fmt.Fprintf(os.Stderr, "   building kubectl-fed for %s\n", p)
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
	if err := os.WriteFile(manifestOut, updated, 0o644); err != nil {
		return err
	}
	fmt.Printf("manifest with these sums: %s\n", manifestOut)
	return nil
}
