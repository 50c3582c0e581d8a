package krew

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/completion"
)

const sample = `# comment kept
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: fed
spec:
  version: v0.1.0
  platforms:
  - selector:
      matchLabels: {os: linux, arch: amd64}
    uri: https://example.com/v0.1.0/kubectl-fed_linux_amd64.tar.gz
    sha256: "0000000000000000000000000000000000000000000000000000000000000000"
    bin: kubectl-fed
  - uri: "https://example.com/v0.1.0/kubectl-fed_windows_amd64.zip"
    sha256: old
    bin: kubectl-fed.exe
    selector:
      matchLabels: {os: windows, arch: amd64}
`

func TestPlatforms(t *testing.T) {
	ps, err := Platforms([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].String() != "linux/amd64" || ps[0].Archive() != "kubectl-fed_linux_amd64.tar.gz" || ps[1].Bin != "kubectl-fed.exe" {
		t.Errorf("platforms = %+v", ps)
	}
	if _, err := Platforms([]byte("spec: {platforms: [{uri: x}]}")); err == nil {
		t.Error("a platform without selector and bin was accepted")
	}
}

func TestTheRepositoryManifest(t *testing.T) {
	data, err := os.ReadFile("../../../plugins.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Platforms(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
		wantBin := "kubectl-fed"
		if p.OS == "windows" {
			wantBin += ".exe"
		}
		if p.Bin != wantBin || !strings.Contains(p.Archive(), p.OS+"_"+p.Arch) {
			t.Errorf("platform %s: bin %s, archive %s", p, p.Bin, p.Archive())
		}
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "darwin/amd64 darwin/arm64 linux/amd64 linux/arm64 windows/amd64" {
		t.Errorf("platforms = %v", got)
	}
	// Every file WriteArchive packs is installed: the Unix archives hold the
	// completion helper too.
	var m struct {
		Spec struct {
			Platforms []struct {
				Bin   string `json:"bin"`
				Files []struct {
					From string `json:"from"`
				} `json:"files"`
			} `json:"platforms"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Spec.Platforms {
		var from []string
		for _, f := range p.Files {
			from = append(from, f.From)
		}
		want := "kubectl-fed kubectl_complete-fed LICENSE"
		if p.Bin == "kubectl-fed.exe" {
			want = "kubectl-fed.exe LICENSE"
		}
		if strings.Join(from, " ") != want {
			t.Errorf("platform with bin %s installs %v, want %s", p.Bin, from, want)
		}
	}
}

func TestRewriteSHA256(t *testing.T) {
	a := strings.Repeat("a", 64)
	b := strings.Repeat("b", 64)
	out, err := RewriteSHA256([]byte(sample), map[string]string{"kubectl-fed_linux_amd64.tar.gz": a, "kubectl-fed_windows_amd64.zip": b})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(sample, `sha256: "0000000000000000000000000000000000000000000000000000000000000000"`, `sha256: "`+a+`"`, 1)
	want = strings.Replace(want, "sha256: old", `sha256: "`+b+`"`, 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if _, err := RewriteSHA256([]byte(sample), map[string]string{"kubectl-fed_linux_arm64.tar.gz": a}); err == nil {
		t.Error("a sum for an archive the manifest does not name was accepted")
	}
	if _, err := RewriteSHA256([]byte(sample), map[string]string{"kubectl-fed_linux_amd64.tar.gz": strings.ToUpper(a)}); err == nil {
		t.Error("an uppercase sum was accepted (krew rejects it)")
	}
}

func TestWriteArchive(t *testing.T) {
	dir := t.TempDir()
	exe, license := filepath.Join(dir, "exe"), filepath.Join(dir, "LICENSE.txt")
	if err := os.WriteFile(exe, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(license, []byte("license"), 0o644); err != nil {
		t.Fatal(err)
	}
	tgz := filepath.Join(dir, "out", "a.tar.gz")
	sum, err := WriteArchive(tgz, "kubectl-fed", exe, license)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	if fileSum := sha256.Sum256(data); hex.EncodeToString(fileSum[:]) != sum {
		t.Errorf("sum %s, file sum %s", sum, fileSum)
	}
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		got[h.Name] = string(data)
		if (h.Name == "kubectl-fed" || h.Name == "kubectl_complete-fed") && h.Mode&0o111 == 0 {
			t.Errorf("%s is not executable in the archive", h.Name)
		}
	}
	if got["kubectl-fed"] != "binary" || got["LICENSE"] != "license" || got["kubectl_complete-fed"] != completion.Helper || len(got) != 3 {
		t.Errorf("tar.gz holds %v", got)
	}

	zipPath := filepath.Join(dir, "a.zip")
	if _, err := WriteArchive(zipPath, "kubectl-fed.exe", exe, license); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "kubectl-fed.exe,LICENSE" {
		t.Errorf("zip holds %v", names)
	}
}
