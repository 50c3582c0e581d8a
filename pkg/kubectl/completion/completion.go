// Package completion holds `kubectl fed completion`: the shell completion
// scripts of the kubectl-fed binary, and the kubectl_complete-fed helper
// that kubectl runs to complete `kubectl fed <TAB>`.
package completion

import (
	"context"
	_ "embed"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// HelperName is the name kubectl looks for on PATH to complete the
// arguments of the fed plugin.
const HelperName = "kubectl_complete-fed"

// Program is the name of the plugin's executable, which the shell scripts
// complete.
const Program = "kubectl-fed"

// Helper is the kubectl_complete-fed script: it runs `kubectl-fed
// __complete` with the words kubectl passes.
//
//go:embed kubectl_complete-fed
var Helper string

// Shells are the shells (and kubectl-plugin, the helper) completion
// prints a script for.
var Shells = []string{"bash", "zsh", "fish", "powershell", "kubectl-plugin"}

var completionLong = templates.LongDesc(`
	Print a shell completion script.

	kubectl-plugin prints the kubectl_complete-fed helper: kubectl (1.26 and
	later) runs it to complete 'kubectl fed <TAB>' once it is on PATH. krew
	installs only kubectl-fed on PATH, so krew users write the helper with
	this command. bash, zsh, fish and powershell print the scripts that
	complete the kubectl-fed binary when it is run directly.`)

var completionExample = templates.Examples(`
	# Complete 'kubectl fed <TAB>' with kubectl's own completion (krew users)
	kubectl fed completion kubectl-plugin > ~/.krew/bin/kubectl_complete-fed
	chmod +x ~/.krew/bin/kubectl_complete-fed

	# Complete 'kubectl-fed <TAB>' in bash
	source <(kubectl fed completion bash)`)

// Options are the inputs of `kubectl fed completion`.
type Options struct {
	streams genericiooptions.IOStreams
	// Shell is the argument.
	Shell string

	root *cobra.Command
}

// NewCmdCompletion returns `kubectl fed completion SHELL`. It replaces
// cobra's default completion command, whose scripts complete a program
// named after the root command (fed) rather than kubectl-fed.
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{streams: streams}
	return &cobra.Command{
		Use:                   "completion (bash | zsh | fish | powershell | kubectl-plugin)",
		Short:                 "Print a shell completion script, or kubectl's completion helper for the plugin",
		Long:                  completionLong,
		Example:               completionExample,
		Args:                  cobra.ExactArgs(1),
		ValidArgs:             Shells,
		DisableFlagsInUseLine: true,
		RunE:                  cli.RunE(o),
	}
}

// Complete reads the shell and finds the root command.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	o.Shell = args[0]
	o.root = cmd.Root()
	return nil
}

// Validate checks the shell.
func (o *Options) Validate() error {
	for _, s := range Shells {
		if s == o.Shell {
			return nil
		}
	}
	return fmt.Errorf("unsupported shell %q: use one of bash, zsh, fish, powershell or kubectl-plugin", o.Shell)
}

// Run prints the script.
func (o *Options) Run(context.Context) error {
	if o.Shell == "kubectl-plugin" {
		_, err := io.WriteString(o.streams.Out, Helper)
		return err
	}
	return Script(o.root, o.Shell, o.streams.Out)
}

// Script writes the completion script of shell for the kubectl-fed
// program: the root command is renamed for the time it takes.
func Script(root *cobra.Command, shell string, w io.Writer) error {
	use := root.Use
	root.Use = Program
	defer func() { root.Use = use }()
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("unsupported shell %q", shell)
}
