// Package readme runs the shell commands shown in the repository's README.md.
//
// Every fenced code block of a shell language (sh, bash, shell, console) in
// README.md must be preceded by a marker line (an HTML comment, invisible
// when rendered):
//
//	<!-- readme-test: run -->                       the test runs the block with bash against a fresh local federation
//	<!-- readme-test: covered-by PATH (why) -->     another test runs these commands; PATH must exist in the repository
//
// A block of another language may be marked
//
//	<!-- readme-test: file NAME -->
//
// and is then written to NAME in the working directory before the next
// block runs, so that commands can use it (e.g. `kubectl apply -f NAME`).
//
// Commands written as indented code (four spaces, then `kubectl`, `make` or
// `$`) are refused: they would escape the test.
package readme

import (
	"bufio"
	"fmt"
	"strings"
)

// Marker kinds.
const (
	KindRun       = "run"
	KindCoveredBy = "covered-by"
	KindFile      = "file"
)

const markerPrefix = "<!-- readme-test:"

// Block is a fenced code block of the README.
type Block struct {
	// Line is the 1-based line of the opening fence.
	Line int
	// Lang is the fence's info string (e.g. "sh").
	Lang string
	// Body is the text between the fences.
	Body string
	// Kind is the marker's kind, "" without a marker.
	Kind string
	// Arg is what follows the kind in the marker (the path for covered-by,
	// the file name for file).
	Arg string
}

// Shell reports whether the block is in a shell language.
func (b Block) Shell() bool {
	switch b.Lang {
	case "sh", "bash", "shell", "console":
		return true
	}
	return false
}

// Parse returns the fenced code blocks of a Markdown text, each with the
// marker on the last non-blank line before it, and an error for every
// unmarked shell block, malformed marker or indented command.
func Parse(text string) ([]Block, []error) {
	var (
		blocks  []Block
		errs    []error
		inBlock bool
		cur     Block
		body    strings.Builder
		prev    string // last non-blank line outside blocks
		prevNo  int
		prevRaw string // the raw previous line, to tell indented code from list items
	)
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if inBlock {
			if strings.HasPrefix(line, "```") && trimmed == "```" {
				cur.Body = body.String()
				blocks = append(blocks, cur)
				inBlock = false
				prev, prevNo, prevRaw = "", 0, line
				continue
			}
			body.WriteString(line + "\n")
			continue
		}
		if strings.HasPrefix(line, "```") {
			inBlock = true
			body.Reset()
			cur = Block{Line: n, Lang: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
			if strings.HasPrefix(prev, markerPrefix) {
				kind, arg, err := parseMarker(prev)
				if err != nil {
					errs = append(errs, fmt.Errorf("README.md:%d: %w", prevNo, err))
				}
				cur.Kind, cur.Arg = kind, arg
			}
			if cur.Shell() && cur.Kind != KindRun && cur.Kind != KindCoveredBy {
				errs = append(errs, fmt.Errorf("README.md:%d: a ```%s block needs a marker line before it: %q or %q",
					n, cur.Lang, markerPrefix+" run -->", markerPrefix+" covered-by test/PACKAGE (why) -->"))
			}
			if !cur.Shell() && cur.Kind != "" && cur.Kind != KindFile {
				errs = append(errs, fmt.Errorf("README.md:%d: marker %q on a ```%s block; only `file NAME` applies to non-shell blocks", prevNo, cur.Kind, cur.Lang))
			}
			continue
		}
		if indentedCommand(line, prevRaw) {
			errs = append(errs, fmt.Errorf("README.md:%d: indented command %q: put commands in a marked ```sh block", n, trimmed))
		}
		if trimmed != "" {
			prev, prevNo = trimmed, n
		}
		prevRaw = line
	}
	if inBlock {
		errs = append(errs, fmt.Errorf("README.md:%d: code block never closed", cur.Line))
	}
	return blocks, errs
}

func parseMarker(line string) (kind, arg string, err error) {
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, markerPrefix), "-->"))
	kind, arg, _ = strings.Cut(inner, " ")
	arg = strings.TrimSpace(arg)
	switch kind {
	case KindRun:
		if arg != "" {
			return kind, arg, fmt.Errorf("marker %q takes no argument", line)
		}
	case KindCoveredBy, KindFile:
		if arg == "" {
			return kind, arg, fmt.Errorf("marker %q needs an argument", line)
		}
		if kind == KindCoveredBy {
			arg, _, _ = strings.Cut(arg, " ")
		}
	default:
		return "", "", fmt.Errorf("unknown marker %q (want run, covered-by PATH or file NAME)", line)
	}
	return kind, arg, nil
}

// indentedCommand reports whether line is a command in an indented code
// block: four spaces then a command, after a blank line or another indented
// line (a list item's continuation follows text, not a blank line).
func indentedCommand(line, prevRaw string) bool {
	if !strings.HasPrefix(line, "    ") {
		return false
	}
	if strings.TrimSpace(prevRaw) != "" && !strings.HasPrefix(prevRaw, "    ") {
		return false
	}
	cmd := strings.TrimSpace(line)
	for _, p := range []string{"kubectl ", "make ", "$ ", "KREW_ROOT=", "export "} {
		if strings.HasPrefix(cmd, p) {
			return true
		}
	}
	return false
}
