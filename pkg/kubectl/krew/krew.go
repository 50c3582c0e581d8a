// Package krew builds the release archives of the kubectl fed plugin and
// keeps the krew manifest (plugins.yaml) in step with them.
package krew

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/completion"
)

// Platform is one platform entry of a krew manifest.
type Platform struct {
	// OS and Arch are the selector's os and arch labels.
	OS, Arch string
	// URI is where krew downloads the archive.
	URI string
	// Bin is the executable's path inside the archive.
	Bin string
}

// Archive is the archive's file name: the last element of its URI.
func (p Platform) Archive() string {
	return path.Base(p.URI)
}

// String is "os/arch".
func (p Platform) String() string {
	return p.OS + "/" + p.Arch
}

// manifest is the part of a krew manifest this package reads.
type manifest struct {
	Spec struct {
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI string `json:"uri"`
			Bin string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// Platforms lists the platforms of a krew manifest. Each must select one
// os and arch with matchLabels and name its uri and bin.
func Platforms(data []byte) ([]Platform, error) {
	m := &manifest{}
	if err := yaml.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("reading the krew manifest: %w", err)
	}
	var out []Platform
	for i, p := range m.Spec.Platforms {
		pl := Platform{OS: p.Selector.MatchLabels["os"], Arch: p.Selector.MatchLabels["arch"], URI: p.URI, Bin: p.Bin}
		if pl.OS == "" || pl.Arch == "" || pl.URI == "" || pl.Bin == "" {
			return nil, fmt.Errorf("platform %d of the krew manifest needs selector.matchLabels os and arch, uri and bin", i+1)
		}
		out = append(out, pl)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the krew manifest lists no platforms")
	}
	return out, nil
}

var (
	uriLine    = regexp.MustCompile(`^\s*(?:-\s+)?uri:\s*"?([^"\s]+)"?\s*$`)
	sha256Line = regexp.MustCompile(`^(\s*(?:-\s+)?)sha256:.*$`)
)

// RewriteSHA256 sets, in a krew manifest, the sha256 of each platform whose
// archive (the last element of its uri) is a key of sums, keeping the
// rest of the file (comments, order, quoting) as it is. Every sum must be
// used, and must be 64 lowercase hex digits.
func RewriteSHA256(data []byte, sums map[string]string) ([]byte, error) {
	valid := regexp.MustCompile(`^[a-f0-9]{64}$`)
	for archive, sum := range sums {
		if !valid.MatchString(sum) {
			return nil, fmt.Errorf("sha256 of %s is %q, not 64 lowercase hex digits", archive, sum)
		}
	}
	lines := strings.Split(string(data), "\n")
	used := map[string]bool{}
	current := ""
	for i, line := range lines {
		if m := uriLine.FindStringSubmatch(line); m != nil {
			current = path.Base(m[1])
			continue
		}
		if m := sha256Line.FindStringSubmatch(line); m != nil && current != "" {
			if sum, ok := sums[current]; ok {
				lines[i] = m[1] + `sha256: "` + sum + `"`
				used[current] = true
			}
			current = ""
		}
	}
	for archive := range sums {
		if !used[archive] {
			return nil, fmt.Errorf("the krew manifest has no platform with archive %s and a sha256 line after its uri", archive)
		}
	}
	return []byte(strings.Join(lines, "\n")), nil
}

// WriteArchive writes the archive of one platform to dest: a .zip when
// dest ends in .zip, else a .tar.gz, holding at its root the executable
// (named bin), the license (named LICENSE) and, in a .tar.gz (the Unix
// platforms), kubectl's completion helper kubectl_complete-fed. It returns
// the archive's sha256 in lowercase hex.
func WriteArchive(dest, bin, executable, license string) (string, error) {
	var buf bytes.Buffer
	type file struct {
		name string
		data []byte
		mode int64
	}
	var files []file
	for _, f := range []struct {
		name, src string
		mode      int64
	}{{bin, executable, 0o755}, {"LICENSE", license, 0o644}} {
		data, err := os.ReadFile(f.src)
		if err != nil {
			return "", err
		}
		files = append(files, file{f.name, data, f.mode})
	}
	if strings.HasSuffix(dest, ".zip") {
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
			h.SetMode(os.FileMode(f.mode))
			w, err := zw.CreateHeader(h)
			if err != nil {
				return "", err
			}
			if _, err := w.Write(f.data); err != nil {
				return "", err
			}
		}
		if err := zw.Close(); err != nil {
			return "", err
		}
	} else {
		files = append(files, file{completion.HelperName, []byte(completion.Helper), 0o755})
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, f := range files {
			if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
				return "", err
			}
			if _, err := tw.Write(f.data); err != nil {
				return "", err
			}
		}
		if err := tw.Close(); err != nil {
			return "", err
		}
		if err := gz.Close(); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(dest, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}
