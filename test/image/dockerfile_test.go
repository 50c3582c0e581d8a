// Package image checks the Dockerfile without a Docker engine: its stages,
// base images and user; that every file it copies is in the build context
// (after .dockerignore); that its build command, run locally on a copy of
// exactly that context, builds the three binaries with the version injected;
// and that the manifests run binaries the image holds.
package image

import (
	"bufio"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

// stage is one FROM and the instructions under it.
type stage struct {
	from, name   string
	instructions []instruction
}

// parseDockerfile splits a Dockerfile into stages.
func parseDockerfile(t *testing.T, file string) []*stage {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var stages []*stage
	var pending strings.Builder
	start := 0
	scanner := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; scanner.Scan(); n++ {
		text := strings.TrimSpace(scanner.Text())
		if pending.Len() == 0 && (text == "" || strings.HasPrefix(text, "#")) {
			continue
		}
		if pending.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(text, "\\"); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(text)
		cmd, args, _ := strings.Cut(pending.String(), " ")
		pending.Reset()
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			fields := strings.Fields(in.args)
			s := &stage{from: fields[0]}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				s.name = fields[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile:%d: %s before the first FROM", in.line, in.cmd)
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	return stages
}

func (s *stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.instructions {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// copySources returns a COPY's --from stage ("" for the build context), its
// sources and its destination.
func copySources(in instruction) (from string, sources []string, dest string) {
	fields := strings.Fields(in.args)
	var rest []string
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, "--from="); ok {
			from = v
		} else if !strings.HasPrefix(f, "--") {
			rest = append(rest, f)
		}
	}
	if len(rest) < 2 {
		return from, nil, ""
	}
	return from, rest[:len(rest)-1], rest[len(rest)-1]
}

// dockerignore is a parsed .dockerignore: the last matching pattern wins.
type dockerignore []struct {
	re     *regexp.Regexp
	negate bool
}

func loadDockerignore(t *testing.T, file string) dockerignore {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d dockerignore
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		negate := strings.HasPrefix(line, "!")
		pattern := path.Clean(strings.TrimPrefix(line, "!"))
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(pattern); i++ {
			switch {
			case strings.HasPrefix(pattern[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(pattern[i:], "**"):
				re.WriteString(".*")
				i++
			case pattern[i] == '*':
				re.WriteString("[^/]*")
			case pattern[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			}
		}
		re.WriteString("(/.*)?$") // a pattern matching a directory matches what is in it
		d = append(d, struct {
			re     *regexp.Regexp
			negate bool
		}{regexp.MustCompile(re.String()), negate})
	}
	return d
}

// excluded reports whether a context-relative path is left out of the
// build context.
func (d dockerignore) excluded(rel string) bool {
	out := false
	for _, p := range d {
		if p.re.MatchString(rel) {
			out = !p.negate
		}
	}
	return out
}

// copyContext copies src (relative to root) into dst as the build context
// holds it, and returns the number of files copied.
func copyContext(root, src, dst string, ignore dockerignore) (int, error) {
	files := 0
	err := filepath.WalkDir(filepath.Join(root, src), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if ignore.excluded(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		return os.WriteFile(target, data, 0o644)
	})
	return files, err
}

// expand replaces ${NAME} and $NAME with values from vars.
func expand(s string, vars map[string]string) string {
	return os.Expand(s, func(k string) string { return vars[k] })
}

func repositoryRoot(t *testing.T) string {
	t.Helper()
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDockerfile checks the stages, base images, user and COPY sources, and
// that the manifests' commands name binaries the final stage holds.
func TestDockerfile(t *testing.T) {
	root := repositoryRoot(t)
	stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if len(stages) != 2 {
		t.Fatalf("want 2 stages (builder, final), got %d", len(stages))
	}
	builder, final := stages[0], stages[1]
	goVersion := strings.TrimPrefix(strings.Fields(runOutput(t, root, "go", "version"))[2], "go")
	if builder.from != "golang:"+goVersion || builder.name == "" {
		t.Errorf("builder stage is FROM %s AS %q; want golang:%s (the Go of `make build`) with a name", builder.from, builder.name, goVersion)
	}
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") || !strings.HasSuffix(final.from, ":nonroot") {
		t.Errorf("final stage is FROM %s; want a distroless static nonroot image", final.from)
	}
	users := final.all("USER")
	if len(users) != 1 || users[0].args != "65532:65532" {
		t.Errorf("final stage USER %v; want 65532:65532 (distroless nonroot)", users)
	}
	ignore := loadDockerignore(t, filepath.Join(root, ".dockerignore"))
	inImage := map[string]bool{}
	for _, s := range stages {
		for _, in := range s.all("COPY") {
			from, sources, dest := copySources(in)
			if len(sources) == 0 {
				t.Errorf("Dockerfile:%d: COPY %s has no source", in.line, in.args)
				continue
			}
			if from != "" && from != builder.name {
				t.Errorf("Dockerfile:%d: COPY --from=%s names no stage", in.line, from)
			}
			for _, src := range sources {
				if from != "" {
					if s == final && strings.HasSuffix(dest, "/") {
						inImage[path.Join(dest, path.Base(src))] = true
					}
					continue
				}
				clean := strings.TrimSuffix(src, "/")
				if _, err := os.Stat(filepath.Join(root, clean)); err != nil {
					t.Errorf("Dockerfile:%d: COPY source %s does not exist: %v", in.line, src, err)
				} else if ignore.excluded(clean) {
					t.Errorf("Dockerfile:%d: COPY source %s is excluded by .dockerignore", in.line, src)
				}
			}
		}
	}
	for _, bin := range []string{"syncer", "webhook", "kubectl-fed"} {
		if !inImage["/usr/local/bin/"+bin] {
			t.Errorf("the final stage does not copy /usr/local/bin/%s from the builder", bin)
		}
	}
	for _, manifest := range []string{"manifests/syncer/deployment.yaml", "manifests/webhook/common/deployment.yaml"} {
		var d struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Image   string
							Command []string
						}
					}
				}
			}
		}
		data, err := os.ReadFile(filepath.Join(root, manifest))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", manifest, err)
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if len(c.Command) == 0 || !inImage[c.Command[0]] {
				t.Errorf("%s: command %v is not a binary of the image (%v)", manifest, c.Command, inImage)
			}
			if !strings.HasPrefix(c.Image, "ghcr.io/kubectl-fed/kubectl-fed:") {
				t.Errorf("%s: image %s; want ghcr.io/kubectl-fed/kubectl-fed:<version>", manifest, c.Image)
			}
		}
	}
}

// TestDockerfileBuilds runs the builder stage's RUN commands on a copy of
// the build context (exactly what its COPYs and .dockerignore let in) and
// checks the binaries it writes report the version passed as a build arg.
func TestDockerfileBuilds(t *testing.T) {
	root := repositoryRoot(t)
	builder := parseDockerfile(t, filepath.Join(root, "Dockerfile"))[0]
	ignore := loadDockerignore(t, filepath.Join(root, ".dockerignore"))
	work, out := t.TempDir(), t.TempDir()
	vars := map[string]string{}
	env := []string{}
	for _, in := range builder.instructions {
		switch in.cmd {
		case "ARG":
			name, value, _ := strings.Cut(in.args, "=")
			vars[name] = value
		case "ENV":
			name, value, _ := strings.Cut(in.args, "=")
			vars[name] = value
			env = append(env, name+"="+value)
		}
	}
	vars["VERSION"], vars["GIT_COMMIT"], vars["TARGETOS"], vars["TARGETARCH"] = "v9.8.7-image-test", "0123abc", "linux", runOutput(t, root, "go", "env", "GOARCH")
	var runs []string
	for _, in := range builder.instructions {
		switch in.cmd {
		case "COPY":
			_, sources, _ := copySources(in)
			for _, src := range sources {
				n, err := copyContext(root, strings.TrimSuffix(src, "/"), work, ignore)
				if err != nil || n == 0 {
					t.Fatalf("Dockerfile:%d: copying %s into the context: %d files, %v", in.line, src, n, err)
				}
			}
		case "RUN":
			cmd := strings.ReplaceAll(expand(in.args, vars), "/out/", out+"/")
			runs = append(runs, cmd)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			run := exec.CommandContext(ctx, "sh", "-c", cmd)
			run.Dir, run.Env = work, append(append(os.Environ(), env...), "GOFLAGS=-mod=readonly")
			started := time.Now()
			output, err := run.CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("Dockerfile:%d: %s: %v\n%s", in.line, cmd, err, output)
			}
			t.Logf("Dockerfile:%d ran in %s", in.line, time.Since(started).Round(time.Second))
		}
	}
	if !slices.ContainsFunc(runs, func(r string) bool { return strings.Contains(r, "go build -trimpath") }) {
		t.Fatalf("no RUN builds with `go build -trimpath`: %v", runs)
	}
	for _, bin := range []string{"syncer", "webhook", "kubectl-fed"} {
		got := runOutput(t, root, filepath.Join(out, bin), "--version")
		if !strings.Contains(got, "v9.8.7-image-test") {
			t.Errorf("%s --version = %q; want the VERSION build arg", bin, got)
		}
	}
}

// runOutput runs a command in dir and returns its trimmed output.
func runOutput(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, output)
	}
	return strings.TrimSpace(string(output))
}
