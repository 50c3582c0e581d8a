package main

import (
	"fmt"
	"sort"
	"strings"
)

// Rule forbids a set of packages to import, directly or through other
// packages, a set of others.
type Rule struct {
	// Name says what the rule requires; violations quote it.
	Name string
	// Packages are the patterns of the packages the rule constrains.
	Packages []string
	// Forbidden are the patterns of the imports the rule forbids.
	Forbidden []string
	// Allowed are patterns excepted from Forbidden.
	Allowed []string
	// Tests makes the rule apply to the packages' tests too.
	Tests bool
}

// Rules are the project's import rules (see ../shared/DESIGN.md, "Import
// direction"). A pattern whose first element has no dot is relative to the
// module (a domain like k8s.io starts the others); "..." stands for any number of path elements, none included, so
// "pkg/apis/..." is pkg/apis and everything below it.
var Rules = []Rule{
	{
		Name:      "API packages (pkg/apis/...) import no package of ours but other API packages",
		Packages:  []string{"pkg/apis/..."},
		Forbidden: []string{"..."},
		Allowed:   []string{"pkg/apis/..."},
	},
	{
		Name: "pure decision packages import no client-go, controller-runtime or entry package (pkg/syncer, pkg/webhook, pkg/kubectl, cmd)",
		Packages: []string{"pkg/placement/...", "pkg/overrides/...", "pkg/propagation/...", "pkg/scheduling/...",
			"pkg/planner/...", "pkg/taints/...", "pkg/policy/...", "pkg/policyref/...", "pkg/dependencies/...", "pkg/status/...", "pkg/aggregate/...", "pkg/health/...",
			"pkg/.../validation/...", "pkg/.../defaults/..."},
		Forbidden: []string{"k8s.io/client-go/...", "sigs.k8s.io/controller-runtime/...",
			"pkg/syncer/...", "pkg/webhook/...", "pkg/kubectl/...", "cmd/..."},
	},
	entryRule("pkg/syncer", "pkg/webhook", "pkg/kubectl"),
	entryRule("pkg/webhook", "pkg/syncer", "pkg/kubectl"),
	entryRule("pkg/kubectl", "pkg/syncer", "pkg/webhook"),
	{
		Name:      "packages under pkg/ (tests included) import nothing under test/",
		Packages:  []string{"pkg/..."},
		Forbidden: []string{"test/..."},
		Tests:     true,
	},
	{
		Name:      "only tests import pkg/fixtures (and pkg/fixtures/golden, which registers the -update test flag): code under pkg/ and cmd/ does not",
		Packages:  []string{"pkg/...", "cmd/..."},
		Forbidden: []string{"pkg/fixtures/..."},
	},
}

// entryRule forbids an entry package (and its subpackages, tests included)
// to import the other entry packages: what two of them need moves below them.
func entryRule(entry string, others ...string) Rule {
	r := Rule{
		Name:     "the entry packages pkg/syncer, pkg/webhook and pkg/kubectl (and their subpackages, tests included) do not import each other",
		Packages: []string{entry + "/..."},
		Tests:    true,
	}
	for _, o := range others {
		r.Forbidden = append(r.Forbidden, o+"/...")
	}
	return r
}

// Package is one node of the import graph, as `go list -deps -test -json`
// describes it.
type Package struct {
	// ImportPath identifies the package; a package compiled for a test has
	// the suffix " [P.test]".
	ImportPath string
	// ForTest is P for the test variants of package P.
	ForTest string
	// Imports are the ImportPaths the package imports directly.
	Imports []string
}

// Violation is one import a rule forbids.
type Violation struct {
	// Package is the module-relative path of the importing package, with
	// " (tests)" for its tests.
	Package string
	// Import is the forbidden package.
	Import string
	// Via is the chain of packages between Package and Import; empty for
	// a direct import.
	Via []string
	// Rule is the name of the broken rule.
	Rule string
}

func (v Violation) String() string {
	via := ""
	if len(v.Via) > 0 {
		via = " through " + strings.Join(v.Via, " -> ")
	}
	return fmt.Sprintf("%s imports %s%s: %s", v.Package, v.Import, via, v.Rule)
}

// Check returns every violation of rules in the graph of the packages of
// module, sorted. For each package it reports, per direct import, the
// nearest forbidden package that the import leads to; a test variant's
// findings that its package has already are not repeated.
func Check(module string, rules []Rule, graph []Package) []Violation {
	byID := make(map[string]Package, len(graph))
	for _, p := range graph {
		byID[p.ImportPath] = p
	}
	type key struct{ pkg, rule, imp, first string }
	seen := map[key]bool{}
	var out []Violation
	// Plain packages first, so that their test variants can skip what they
	// already reported.
	ordered := append([]Package(nil), graph...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].ForTest == "" && ordered[j].ForTest != "" })
	for _, p := range ordered {
		path, isTest, ok := subject(p)
		if !ok || !inModule(module, path) {
			continue
		}
		for _, r := range rules {
			if !matchesAny(module, r.Packages, path) || isTest && !r.Tests {
				continue
			}
			for _, f := range findings(module, r, p, path, byID) {
				k := key{path, r.Name, f.imp, f.first}
				if seen[k] {
					continue
				}
				seen[k] = true
				name := rel(module, path)
				if isTest {
					name += " (tests)"
				}
				out = append(out, Violation{Package: name, Import: rel(module, f.imp), Via: f.via, Rule: r.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// subject returns the path of the package whose code p is: the package
// itself, or for a test variant the package under test. ok is false for
// what is neither (test mains, dependencies recompiled for a test).
func subject(p Package) (path string, isTest, ok bool) {
	base := strip(p.ImportPath)
	switch {
	case p.ForTest == "":
		return base, false, !strings.HasSuffix(base, ".test")
	case base == p.ForTest || base == p.ForTest+"_test":
		return p.ForTest, true, true
	}
	return "", false, false
}

// finding is the nearest forbidden package that one direct import leads to.
type finding struct {
	imp   string   // the forbidden package
	first string   // the direct import that leads there
	via   []string // the packages in between, module-relative
}

// findings walks the imports of p (whose code is the package at path)
// breadth first, without walking through a forbidden package nor through
// path itself (an external test's import of its package: that package's
// test variant is checked on its own), and returns per direct import the
// nearest forbidden package it reaches.
func findings(module string, r Rule, p Package, path string, byID map[string]Package) []finding {
	parent := map[string]string{p.ImportPath: ""}
	queue := []string{p.ImportPath}
	done := map[string]bool{} // direct imports already reported
	var out []finding
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, imp := range byID[id].Imports {
			if _, ok := parent[imp]; ok || strip(imp) == path {
				continue
			}
			parent[imp] = id
			target := strip(imp)
			if !matchesAny(module, r.Forbidden, target) || matchesAny(module, r.Allowed, target) {
				queue = append(queue, imp)
				continue
			}
			var chain []string // from the direct import down to imp's importer
			for at := id; at != p.ImportPath; at = parent[at] {
				chain = append([]string{rel(module, strip(at))}, chain...)
			}
			first := target
			if len(chain) > 0 {
				first = chain[0]
			}
			if done[first] {
				continue
			}
			done[first] = true
			out = append(out, finding{imp: target, first: first, via: chain})
		}
	}
	return out
}

// strip removes a test variant's " [P.test]" suffix.
func strip(id string) string {
	if i := strings.Index(id, " ["); i >= 0 {
		return id[:i]
	}
	return id
}

func inModule(module, path string) bool {
	return path == module || strings.HasPrefix(path, module+"/")
}

// rel returns path relative to the module, or path itself outside it.
func rel(module, path string) string {
	if strings.HasPrefix(path, module+"/") {
		return strings.TrimPrefix(path, module+"/")
	}
	return path
}

func matchesAny(module string, patterns []string, path string) bool {
	for _, p := range patterns {
		if Match(module, p, path) {
			return true
		}
	}
	return false
}

// Match reports whether an import path matches a pattern: elements are
// compared one by one, "..." matches any number of elements (none
// included), and a pattern whose first element is "..." or has no dot is
// relative to module.
func Match(module, pattern, path string) bool {
	first, _, _ := strings.Cut(pattern, "/")
	if first == "..." || !strings.Contains(first, ".") {
		if !inModule(module, path) {
			return false
		}
		path = strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	}
	var elems []string
	if path != "" {
		elems = strings.Split(path, "/")
	}
	return matchElems(strings.Split(pattern, "/"), elems)
}

func matchElems(pattern, elems []string) bool {
	if len(pattern) == 0 {
		return len(elems) == 0
	}
	if pattern[0] == "..." {
		for i := 0; i <= len(elems); i++ {
			if matchElems(pattern[1:], elems[i:]) {
				return true
			}
		}
		return false
	}
	return len(elems) > 0 && pattern[0] == elems[0] && matchElems(pattern[1:], elems[1:])
}
