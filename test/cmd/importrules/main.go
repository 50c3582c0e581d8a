// Command importrules fails when a package of the module breaks one of the
// project's import rules (Rules), naming the package, the import and the
// rule. `make verify` runs it from the repository root:
//
//	go run ./test/cmd/importrules
//
// It reads the import graph, tests included, from
// `go list -deps -test -json ./...`.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

func main() {
	violations, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "importrules:", err)
		os.Exit(2)
	}
	for _, v := range violations {
		fmt.Fprintln(os.Stderr, v)
	}
	if len(violations) > 0 {
		fmt.Fprintf(os.Stderr, "%d import rule violation(s): move what both sides need below them (see ../shared/DESIGN.md, \"Import direction\")\n", len(violations))
		os.Exit(1)
	}
}

func run() ([]Violation, error) {
	module, err := goList("-m", "-f", "{{.Path}}")
	if err != nil {
		return nil, err
	}
	out, err := goList("-deps", "-test", "-json=ImportPath,ForTest,Imports", "./...")
	if err != nil {
		return nil, err
	}
	graph, err := decode(strings.NewReader(out))
	if err != nil {
		return nil, err
	}
	return Check(strings.TrimSpace(module), Rules, graph), nil
}

// decode reads the stream of JSON objects `go list -json` prints.
func decode(r io.Reader) ([]Package, error) {
	dec := json.NewDecoder(r)
	var graph []Package
	for {
		var p Package
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return graph, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading go list's output: %w", err)
		}
		graph = append(graph, p)
	}
}

func goList(args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go list %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
