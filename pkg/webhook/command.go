// Package webhook is the admission webhook process: it validates and
// defaults federation objects and enforces federation policy. The handlers
// are thin adapters over the validation, defaults and policy packages.
package webhook

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/version"
)

// NewCommand returns the webhook's root command: it serves the webhooks;
// its subcommands help run it as a local process.
func NewCommand() *cobra.Command {
	o := DefaultOptions()
	var kubeconfig, kubeContext, master string
	verbosity := 0
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Validate and default federation objects at admission time",
		Long: "The webhook serves the validating and mutating admission webhooks that\n" +
			"check federation objects and federation policy on the host cluster.",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctrl.SetLogger(textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(verbosity))))
			rules := clientcmd.NewDefaultClientConfigLoadingRules()
			rules.ExplicitPath = kubeconfig
			overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext, ClusterInfo: clientcmdapi.Cluster{Server: master}}
			cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
			if err != nil {
				return fmt.Errorf("loading the host cluster's kubeconfig: %w", err)
			}
			return Run(ctrl.SetupSignalHandler(), cfg, o)
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "Kubeconfig of the host cluster; $KUBECONFIG, ~/.kube/config or the in-cluster configuration if empty.")
	cmd.Flags().StringVar(&kubeContext, "context", "", "Kubeconfig context of the host cluster; the current context if empty.")
	cmd.Flags().StringVar(&master, "master", "", "Address of the host's API server; overrides the kubeconfig.")
	cmd.Flags().IntVarP(&verbosity, "v", "v", 0, "Log verbosity.")
	o.AddFlags(cmd.Flags())
	version.AddFlag(cmd, "webhook")
	cmd.AddCommand(newConfigurationsCommand(), newServingCertCommand())
	return cmd
}

// newConfigurationsCommand prints the webhook configurations for a webhook
// reached by URL (a local process) or by Service.
func newConfigurationsCommand() *cobra.Command {
	var url, caFile, namespace, service, syncerUser string
	var namespaced bool
	var timeout int32
	cmd := &cobra.Command{
		Use:   "configurations",
		Short: "Print the webhook configurations as YAML",
		Long: "Print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration that\n" +
			"send federation objects to this webhook, e.g. for a local process:\n\n" +
			"  webhook configurations --url https://127.0.0.1:8443 --ca-file certs/ca.crt | kubectl apply -f -",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := ConfigOptions{URL: url, TimeoutSeconds: timeout, SyncerUser: syncerUser}
			if namespaced {
				o.Namespace = namespace
			} else if syncerUser == "" {
				o.SyncerUser = "system:serviceaccount:" + namespace + ":" + SyncerServiceAccount
			}
			if (url == "") == (service == "") {
				return errors.New("exactly one of --url and --service is required")
			}
			if service != "" {
				ns, name, ok := strings.Cut(service, "/")
				if !ok {
					return fmt.Errorf("--service %q: want NAMESPACE/NAME", service)
				}
				port := int32(443)
				o.Service = &admissionregistrationv1.ServiceReference{Namespace: ns, Name: name, Port: &port}
			}
			if caFile != "" {
				ca, err := os.ReadFile(caFile)
				if err != nil {
					return fmt.Errorf("reading the CA bundle: %w", err)
				}
				o.CABundle = ca
			}
			return WriteConfigurations(cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "Base URL of a webhook outside the cluster, e.g. https://127.0.0.1:8443.")
	cmd.Flags().StringVar(&service, "service", "", "NAMESPACE/NAME of the webhook's Service (port 443).")
	cmd.Flags().StringVar(&caFile, "ca-file", "", "PEM CA bundle the API server trusts.")
	cmd.Flags().StringVar(&namespace, "kubefed-namespace", core.DefaultKubeFedSystemNamespace, "Namespace of the control plane.")
	cmd.Flags().BoolVar(&namespaced, "namespaced", false, "The control plane is namespaced: select only --kubefed-namespace.")
	cmd.Flags().Int32Var(&timeout, "timeout-seconds", DefaultTimeoutSeconds, "Timeout of each admission call (1-30).")
	cmd.Flags().StringVar(&syncerUser, "syncer-user", "", "User the syncer authenticates as, whose requests the webhooks skip; default: the service account "+
		SyncerServiceAccount+" of --kubefed-namespace.")
	return cmd
}

// WriteConfigurations writes the rendered configurations as a YAML stream.
func WriteConfigurations(w io.Writer, o ConfigOptions) error {
	v, m := Configurations(o)
	for _, obj := range []any{v, m} {
		data, err := yaml.Marshal(obj)
		if err != nil {
			return fmt.Errorf("encoding the webhook configurations: %w", err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", data); err != nil {
			return fmt.Errorf("writing the webhook configurations: %w", err)
		}
	}
	return nil
}

// newServingCertCommand writes a CA and serving certificate for a local
// webhook process.
func newServingCertCommand() *cobra.Command {
	var dir string
	hosts := []string{"127.0.0.1", "localhost"}
	cmd := &cobra.Command{
		Use:   "serving-cert",
		Short: "Write a self-signed CA and serving certificate for a local webhook",
		Long: "Write ca.crt, tls.crt and tls.key into --dir. Start the webhook with\n" +
			"--cert-dir DIR and register it with `webhook configurations --ca-file DIR/ca.crt`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := GenerateServingCert(dir, hosts...); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s and %s to %s\n", CAFile, CertFile, KeyFile, dir)
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "Directory to write the files to.")
	cmd.Flags().StringSliceVar(&hosts, "host", hosts, "Host names and IP addresses the certificate is valid for.")
	_ = cmd.MarkFlagRequired("dir")
	return cmd
}
