package version

import "github.com/spf13/cobra"

// AddFlag gives cmd a --version flag that prints "<binary> version: <info>"
// and exits successfully.
func AddFlag(cmd *cobra.Command, binary string) {
	cmd.Version = Get().GitVersion
	cmd.SetVersionTemplate(binary + " version: " + Get().String() + "\n")
}
