package main

import (
	"reflect"
	"strings"
	"testing"
)

const mod = "example.com/m"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"pkg/apis/...", mod + "/pkg/apis", true},
		{"pkg/apis/...", mod + "/pkg/apis/core/v1beta1", true},
		{"pkg/apis/...", mod + "/pkg/apiserver", false},
		{"pkg/apis/...", "other.org/pkg/apis", false},
		{"...", mod, true},
		{"...", mod + "/cmd/syncer", true},
		{"...", "strings", false},
		{"...", "k8s.io/api/core/v1", false},
		{"pkg/.../validation/...", mod + "/pkg/apis/types/v1beta1/validation", true},
		{"pkg/.../validation/...", mod + "/pkg/validation", true},
		{"pkg/.../validation/...", mod + "/pkg/validation/rules", true},
		{"pkg/.../validation/...", mod + "/pkg/apis/types/v1beta1", false},
		{"pkg/.../defaults/...", mod + "/pkg/apis/core/v1beta1/defaults", true},
		{"k8s.io/client-go/...", "k8s.io/client-go/rest", true},
		{"k8s.io/client-go/...", "k8s.io/client-gold", false},
		{"k8s.io/client-go/...", mod + "/k8s.io/client-go", false},
		{"pkg/syncer", mod + "/pkg/syncer", true},
		{"pkg/syncer", mod + "/pkg/syncer/rsp", false},
	} {
		if got := Match(mod, tc.pattern, tc.path); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

// graph builds packages from "importer: import import ..." lines, module
// paths written relative (a leading "~/" is the module).
func graph(lines ...string) []Package {
	expand := func(s string) string { return strings.ReplaceAll(s, "~", mod) }
	var out []Package
	for _, l := range lines {
		head, imports, _ := strings.Cut(l, ":")
		p := Package{}
		if id, forTest, ok := strings.Cut(head, "|"); ok {
			p.ImportPath, p.ForTest = expand(strings.TrimSpace(id)), expand(strings.TrimSpace(forTest))
		} else {
			p.ImportPath = expand(strings.TrimSpace(head))
		}
		for _, imp := range strings.Split(imports, ",") {
			if imp = strings.TrimSpace(imp); imp != "" {
				p.Imports = append(p.Imports, expand(imp))
			}
		}
		out = append(out, p)
	}
	return out
}

func messages(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

func TestCheckRules(t *testing.T) {
	const (
		api    = "API packages (pkg/apis/...) import no package of ours but other API packages"
		pure   = "pure decision packages import no client-go, controller-runtime or entry package (pkg/syncer, pkg/webhook, pkg/kubectl, cmd)"
		entry  = "the entry packages pkg/syncer, pkg/webhook and pkg/kubectl (and their subpackages, tests included) do not import each other"
		noTest = "packages under pkg/ (tests included) import nothing under test/"
		fixt   = "only tests import pkg/fixtures (and pkg/fixtures/golden, which registers the -update test flag): code under pkg/ and cmd/ does not"
	)
	for _, tc := range []struct {
		name  string
		graph []Package
		want  []string
	}{{
		name: "a tree that keeps the rules",
		graph: graph(
			"~/pkg/apis/core/v1beta1: k8s.io/apimachinery/pkg/runtime, strings",
			"~/pkg/apis/types/v1beta1/validation: ~/pkg/apis/core/v1beta1",
			"~/pkg/placement: ~/pkg/apis/core/v1beta1",
			"~/pkg/scheduling: ~/pkg/placement",
			"~/pkg/clusterclient: k8s.io/client-go/rest",
			"~/pkg/hostread: ~/pkg/clusterclient, sigs.k8s.io/controller-runtime/pkg/client",
			"~/pkg/syncer/rsp: ~/pkg/scheduling, ~/pkg/hostread",
			"~/pkg/webhook: ~/pkg/hostread, ~/pkg/apis/types/v1beta1/validation",
			"~/pkg/kubectl/plan: ~/pkg/scheduling, ~/pkg/kubectl/cli",
			"~/pkg/kubectl/cli:",
			"~/test/testkit: ~/pkg/syncer/rsp, ~/pkg/webhook",
			"~/test/syncer_test [~/test/syncer.test] | ~/test/syncer: ~/test/testkit",
			"~/cmd/syncer: ~/pkg/syncer/rsp",
		),
	}, {
		name: "an API package imports a package of ours outside pkg/apis",
		graph: graph(
			"~/pkg/apis/types/v1beta1: ~/pkg/apis/core/v1beta1, ~/pkg/placement",
			"~/pkg/apis/core/v1beta1: k8s.io/apimachinery/pkg/runtime",
			"~/pkg/placement:",
		),
		want: []string{"pkg/apis/types/v1beta1 imports pkg/placement: " + api},
	}, {
		name: "a validation package reaches client-go through an I/O package",
		graph: graph(
			"~/pkg/overrides/validation: ~/pkg/clusterclient",
			"~/pkg/clusterclient: k8s.io/client-go/rest, k8s.io/client-go/dynamic",
			"k8s.io/client-go/dynamic: k8s.io/client-go/rest",
		),
		want: []string{"pkg/overrides/validation imports k8s.io/client-go/rest through pkg/clusterclient: " + pure},
	}, {
		name: "pure packages import controller-runtime and an entry package",
		graph: graph(
			"~/pkg/scheduling: sigs.k8s.io/controller-runtime/pkg/client, ~/pkg/syncer/rsp",
			"~/pkg/health/probe: ~/cmd/syncer",
			"~/pkg/syncer/rsp:",
			"~/cmd/syncer:",
		),
		want: []string{
			"pkg/health/probe imports cmd/syncer: " + pure,
			"pkg/scheduling imports pkg/syncer/rsp: " + pure,
			"pkg/scheduling imports sigs.k8s.io/controller-runtime/pkg/client: " + pure,
		},
	}, {
		name: "a pure package's tests may use controller-runtime",
		graph: graph(
			"~/pkg/status:",
			"~/pkg/status [~/pkg/status.test] | ~/pkg/status: sigs.k8s.io/controller-runtime/pkg/client/fake",
		),
	}, {
		name: "entry packages import each other, directly, through a shared package, and in tests",
		graph: graph(
			"~/pkg/kubectl/plan: ~/pkg/syncer/rsp",
			"~/pkg/syncer/rsp:",
			"~/pkg/webhook: ~/pkg/shared",
			"~/pkg/shared: ~/pkg/kubectl/cli",
			"~/pkg/kubectl/cli:",
			"~/pkg/syncer:",
			"~/pkg/syncer_test [~/pkg/syncer.test] | ~/pkg/syncer: ~/pkg/syncer [~/pkg/syncer.test], ~/pkg/webhook",
			"~/pkg/syncer [~/pkg/syncer.test] | ~/pkg/syncer:",
		),
		want: []string{
			"pkg/kubectl/plan imports pkg/syncer/rsp: " + entry,
			"pkg/syncer (tests) imports pkg/webhook: " + entry,
			"pkg/webhook imports pkg/kubectl/cli through pkg/shared: " + entry,
		},
	}, {
		name: "a package's tests import test/; what the package itself breaks is reported once",
		graph: graph(
			"~/pkg/webhook: ~/pkg/syncer",
			"~/pkg/syncer:",
			"~/pkg/webhook [~/pkg/webhook.test] | ~/pkg/webhook: ~/pkg/syncer, ~/test/testkit",
			"~/test/testkit [~/pkg/webhook.test] | ~/pkg/webhook: ~/pkg/webhook [~/pkg/webhook.test]",
			"~/pkg/webhook.test: ~/pkg/webhook [~/pkg/webhook.test], testing",
			"~/pkg/webhook_test [~/pkg/webhook.test] | ~/pkg/webhook: ~/pkg/webhook [~/pkg/webhook.test]",
		),
		want: []string{
			"pkg/webhook (tests) imports test/testkit: " + noTest,
			"pkg/webhook imports pkg/syncer: " + entry,
		},
	}, {
		name: "pkg/fixtures is for tests",
		graph: graph(
			"~/pkg/fixtures: ~/pkg/apis/types/v1beta1",
			"~/pkg/webhook:",
			"~/pkg/webhook [~/pkg/webhook.test] | ~/pkg/webhook: ~/pkg/fixtures",
			"~/test/testkit: ~/pkg/fixtures",
			"~/cmd/syncer: ~/pkg/fixtures",
		),
		want: []string{"cmd/syncer imports pkg/fixtures: " + fixt},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := messages(Check(mod, Rules, tc.graph))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDecode(t *testing.T) {
	got, err := decode(strings.NewReader(`{"ImportPath": "a", "Imports": ["b"]}
{"ImportPath": "a [a.test]", "ForTest": "a"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{{ImportPath: "a", Imports: []string{"b"}}, {ImportPath: "a [a.test]", ForTest: "a"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decode = %+v, want %+v", got, want)
	}
	if _, err := decode(strings.NewReader(`{"ImportPath": `)); err == nil {
		t.Error("decode accepted truncated output")
	}
}
