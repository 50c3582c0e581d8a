package status

import (
	"github.com/spf13/cobra"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// CompleteEnabledTypesThenObjects returns the completion of TYPE NAME for
// commands on federated objects (status, orphaning-deletion): the enabled
// types (the FederatedTypeConfigs' names), then the names of the type's
// federated objects in the namespace (-n; every namespace for namespaces,
// whose federated objects live in themselves).
func CompleteEnabledTypesThenObjects(flags *cli.Flags) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) != 1 {
			return flags.CompleteTypeConfigs(cmd, args, prefix)
		}
		host, err := flags.Host()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cli.CommandContext(cmd)
		t, err := ResolveType(ctx, host, flags.KubeFedNamespace, args[0])
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		namespace := ""
		if namespaced(t) && !isNamespaceType(t) {
			if namespace, err = flags.Namespace(); err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		return host.ObjectNames(ctx, federatedGVK(t), namespace, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}
