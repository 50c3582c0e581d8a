// Package cli holds what every `kubectl fed` command shares: the kubeconfig
// and KubeFed flags, clients for the host and member clusters, the
// --dry-run and -o flags, help-text helpers and shell completion.
package cli

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// HostClusterContextFlag is the KubeFed name of --context, kept as an alias.
const HostClusterContextFlag = "host-cluster-context"

// KubeFedNamespaceFlag names the flag of the control plane's namespace.
const KubeFedNamespaceFlag = "kubefed-namespace"

// Flags are the global flags: kubectl's kubeconfig flags (whose --context
// selects the host cluster) and the namespace of the control plane.
type Flags struct {
	// ConfigFlags are kubectl's --kubeconfig, --context, -n, ... flags.
	ConfigFlags *genericclioptions.ConfigFlags
	// KubeFedNamespace is the namespace of the control plane in the host
	// cluster (and of the join artifacts in members).
	KubeFedNamespace string
}

// NewFlags returns the global flags with their defaults.
func NewFlags() *Flags {
	return &Flags{
		ConfigFlags:      genericclioptions.NewConfigFlags(false),
		KubeFedNamespace: core.DefaultKubeFedSystemNamespace,
	}
}

// AddTo registers the flags as persistent flags of the root command, with
// --host-cluster-context as an alias of --context.
func (f *Flags) AddTo(cmd *cobra.Command) {
	fs := cmd.PersistentFlags()
	// kubectl's -s shorthand of --server is KubeFed's -s of federate
	// --skip-api-resources; --server keeps only its long form.
	server := f.ConfigFlags.APIServer
	f.ConfigFlags.APIServer = nil
	f.ConfigFlags.AddFlags(fs)
	f.ConfigFlags.APIServer = server
	fs.StringVar(server, "server", "", "The address and port of the Kubernetes API server of the host cluster")
	fs.StringVar(f.ConfigFlags.Context, HostClusterContextFlag, "",
		"Alias of --context: the kubeconfig context of the host cluster (KubeFed's name for it)")
	fs.StringVar(&f.KubeFedNamespace, KubeFedNamespaceFlag, f.KubeFedNamespace,
		"Namespace of the federation control plane in the host cluster")
	for _, name := range []string{"context", HostClusterContextFlag, "cluster-context"} {
		_ = cmd.RegisterFlagCompletionFunc(name, f.CompleteContexts)
	}
	_ = cmd.RegisterFlagCompletionFunc("namespace", f.CompleteNamespaces)
}

// rawConfig returns the merged kubeconfig; a --kubeconfig file that does
// not exist is an error that says so.
func (f *Flags) rawConfig() (clientcmdapi.Config, error) {
	if p := *f.ConfigFlags.KubeConfig; p != "" {
		if _, err := os.Stat(p); err != nil {
			return clientcmdapi.Config{}, fmt.Errorf("the kubeconfig %s (--kubeconfig) cannot be read: %w", p, err)
		}
	}
	raw, err := f.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return raw, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	return raw, nil
}

// HostContext returns the name of the host cluster's context: --context, or
// the kubeconfig's current context. A context the kubeconfig lacks is an
// error that lists the contexts it has.
func (f *Flags) HostContext() (string, error) {
	raw, err := f.rawConfig()
	if err != nil {
		return "", err
	}
	name := *f.ConfigFlags.Context
	if name == "" {
		name = raw.CurrentContext
	}
	if name == "" {
		return "", fmt.Errorf("the kubeconfig has no current context: pass --context (or --%s) to name the host cluster; %s", HostClusterContextFlag, contextList(raw))
	}
	if _, ok := raw.Contexts[name]; !ok {
		return "", fmt.Errorf("context %q does not exist in the kubeconfig; %s", name, contextList(raw))
	}
	return name, nil
}

// contextList names the contexts of a kubeconfig for an error message.
func contextList(raw clientcmdapi.Config) string {
	if len(raw.Contexts) == 0 {
		return "the kubeconfig has no contexts (set KUBECONFIG or pass --kubeconfig)"
	}
	names := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		names = append(names, name)
	}
	sort.Strings(names)
	return "its contexts are: " + strings.Join(names, ", ")
}

// Namespace returns -n, else the host context's namespace, else "default".
// A --kubeconfig or --context that does not exist is an error that says
// so; no kubeconfig at all is not (offline commands need none).
func (f *Flags) Namespace() (string, error) {
	if *f.ConfigFlags.KubeConfig != "" || *f.ConfigFlags.Context != "" {
		if _, err := f.HostContext(); err != nil {
			return "", err
		}
	}
	ns, _, err := f.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("reading the namespace of the host's context from the kubeconfig: %w", err)
	}
	return ns, nil
}

// contextLoader returns a client configuration for a named context of the
// same kubeconfig files the global flags select.
func (f *Flags) contextLoader(context string) clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if p := *f.ConfigFlags.KubeConfig; p != "" {
		rules.ExplicitPath = p
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
}

// CompleteContexts completes kubeconfig context names.
func (f *Flags) CompleteContexts(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	raw, err := f.rawConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for name := range raw.Contexts {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
