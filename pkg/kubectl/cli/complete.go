package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	if err := host.Client.List(CommandContext(cmd), list); err != nil {
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
	if err := host.Client.List(CommandContext(cmd), list, clientInNamespace(f.KubeFedNamespace)); err != nil {
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

// CommandContext is the command's context, or the background context.
func CommandContext(cmd *cobra.Command) context.Context {
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
	if err := host.Client.List(CommandContext(cmd), list, clientInNamespace(f.KubeFedNamespace)); err != nil {
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

// CompleteTypesThenObjects completes a type the host cluster serves, then
// the names of its objects in the namespace (-n, else the context's).
func (f *Flags) CompleteTypesThenObjects(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) != 1 {
		return f.CompleteTypes(cmd, args, prefix)
	}
	host, err := f.Host()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	r, err := apiresource.Lookup(host.Discovery, "", args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	namespace := ""
	if r.Namespaced {
		if namespace, err = f.Namespace(); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
	}
	return host.ObjectNames(CommandContext(cmd), r.GroupVersionKind(), namespace, prefix), cobra.ShellCompDirectiveNoFileComp
}

// ObjectNames lists the names of the objects of a kind in namespace (every
// namespace when "") that start with prefix, for completion: nothing when
// the list fails.
func (c *Cluster) ObjectNames(ctx context.Context, gvk schema.GroupVersionKind, namespace, prefix string) []string {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	var opts []client.ListOption
	if namespace != "" {
		opts = append(opts, client.InNamespace(namespace))
	}
	if err := c.Client.List(ctx, list, opts...); err != nil {
		return nil
	}
	var out []string
	for _, item := range list.Items {
		if strings.HasPrefix(item.Name, prefix) {
			out = append(out, item.Name)
		}
	}
	return out
}
