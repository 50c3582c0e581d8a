package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
)

// CompleteNamespaces completes the host cluster's namespace names.
func (f *Flags) CompleteNamespaces(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	host, err := f.Host()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list := &corev1.NamespaceList{}
	if err := host.Client.List(completionContext(cmd), list); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, prefix) {
			out = append(out, ns.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteJoinedClusters completes the names of the KubeFedClusters of the
// host cluster, for the first argument only.
func (f *Flags) CompleteJoinedClusters(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	host, err := f.Host()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list := &corev1beta1.KubeFedClusterList{}
	if err := host.Client.List(completionContext(cmd), list, clientInNamespace(f.KubeFedNamespace)); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, c := range list.Items {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteFirstArgContexts completes kubeconfig contexts for the first
// argument only.
func (f *Flags) CompleteFirstArgContexts(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.CompleteContexts(cmd, args, prefix)
}

func completionContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// CompleteTypes completes, for the first argument, the group-qualified
// plural names of the types the host cluster serves.
func (f *Flags) CompleteTypes(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	host, err := f.Host()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	resources, err := apiresource.Discover(host.Discovery, "")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, r := range resources {
		if name := r.QualifiedName(); strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteTypeConfigs completes, for the first argument, the names of the
// host's FederatedTypeConfigs (the enabled types).
func (f *Flags) CompleteTypeConfigs(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	host, err := f.Host()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list := &corev1beta1.FederatedTypeConfigList{}
	if err := host.Client.List(completionContext(cmd), list, clientInNamespace(f.KubeFedNamespace)); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, ftc := range list.Items {
		if strings.HasPrefix(ftc.Name, prefix) {
			out = append(out, ftc.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
