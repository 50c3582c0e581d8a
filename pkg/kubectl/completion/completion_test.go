package completion

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestScriptCompletesTheProgram checks that each shell's script completes
// kubectl-fed (not the root command's name, fed) and leaves the root
// command as it was.
func TestScriptCompletesTheProgram(t *testing.T) {
	root := &cobra.Command{Use: "fed"}
	root.AddCommand(&cobra.Command{Use: "join", Run: func(*cobra.Command, []string) {}})
	for shell, want := range map[string]string{
		"bash":       "complete -o default -F __start_kubectl-fed kubectl-fed",
		"zsh":        "#compdef kubectl-fed",
		"fish":       "complete -c kubectl-fed",
		"powershell": "Register-ArgumentCompleter -CommandName 'kubectl-fed'",
	} {
		var b bytes.Buffer
		if err := Script(root, shell, &b); err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s script lacks %q", shell, want)
		}
		if root.Use != "fed" {
			t.Fatalf("the root command is left renamed %q", root.Use)
		}
	}
	if err := Script(root, "tcsh", &bytes.Buffer{}); err == nil {
		t.Error("tcsh was accepted")
	}
	if !strings.Contains(Helper, "exec kubectl-fed __complete \"$@\"") || !strings.HasPrefix(Helper, "#!/bin/sh\n") {
		t.Errorf("helper:\n%s", Helper)
	}
}
