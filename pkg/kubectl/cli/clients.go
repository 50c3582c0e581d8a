package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
)

// Client limits: a command makes a few dozen calls in a burst.
const (
	clientQPS   = 50
	clientBurst = 100
	// memberTimeout bounds each request to a member whose kubeconfig entry
	// sets no timeout, so that an unreachable address fails instead of
	// hanging.
	memberTimeout = 20 * time.Second
)

// Scheme is the CLI's instance of the project's one scheme (package
// scheme): the built-in kinds, CustomResourceDefinitions and the
// statically typed KubeFed kinds.
var Scheme = newScheme()

func newScheme() *runtime.Scheme {
	s, err := scheme.New()
	if err != nil {
		panic(err) // only on a programming error in a scheme builder
	}
	return s
}

// Cluster is a connection to one cluster of the federation.
type Cluster struct {
	// Name is how messages refer to the cluster: its kubeconfig context.
	Name string
	// Config is the client configuration.
	Config *rest.Config
	// Client reads and writes typed and unstructured objects.
	Client client.Client
	// Discovery lists the API resources the cluster serves (not cached:
	// types enabled a moment ago must be visible).
	Discovery discovery.DiscoveryInterface
	// ServerDryRun is set when Client sends every write as a dry run
	// (ForDryRun): nothing a write would start can be waited for.
	ServerDryRun bool
}

// ForDryRun returns the cluster whose writes follow a --dry-run mode: for
// a server-side dry run, a copy whose client sends every write with
// dryRun=All; otherwise c itself.
func (c *Cluster) ForDryRun(d DryRun) *Cluster {
	if !d.Server() {
		return c
	}
	out := *c
	out.Client = client.NewDryRunClient(c.Client)
	out.ServerDryRun = true
	return &out
}

// NewCluster connects to the cluster that cfg describes.
func NewCluster(name string, cfg *rest.Config) (*Cluster, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = clientQPS, clientBurst
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	if err != nil {
		return nil, fmt.Errorf("connecting to cluster %q: %w", name, err)
	}
	d, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to cluster %q: %w", name, err)
	}
	return &Cluster{Name: name, Config: cfg, Client: c, Discovery: d}, nil
}

// Host connects to the host cluster (--context, or the current context).
func (f *Flags) Host() (*Cluster, error) {
	name, err := f.HostContext()
	if err != nil {
		return nil, err
	}
	cfg, err := f.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("building the client of the host cluster (context %q): %w", name, err)
	}
	return NewCluster(name, cfg)
}

// Member connects to the cluster of a kubeconfig context and also returns
// the context's cluster entry (server, CA, proxy) as the kubeconfig states
// it, with the CA file's content loaded.
func (f *Flags) Member(context string) (*Cluster, *clientcmdapi.Cluster, error) {
	loader := f.contextLoader(context)
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	kctx, ok := raw.Contexts[context]
	if !ok {
		return nil, nil, fmt.Errorf("context %q not found in the kubeconfig: pass the member's context with --cluster-context (kubectl config get-contexts lists them)", context)
	}
	entry, ok := raw.Clusters[kctx.Cluster]
	if !ok {
		return nil, nil, fmt.Errorf("context %q refers to cluster %q, which is not in the kubeconfig", context, kctx.Cluster)
	}
	entry = entry.DeepCopy()
	if len(entry.CertificateAuthorityData) == 0 && entry.CertificateAuthority != "" {
		if entry.CertificateAuthorityData, err = os.ReadFile(entry.CertificateAuthority); err != nil {
			return nil, nil, fmt.Errorf("reading the CA of context %q: %w", context, err)
		}
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("building the client of context %q: %w", context, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = memberTimeout
	}
	c, err := NewCluster(context, cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, entry, nil
}

// Unreachable reports whether err looks like a failure to reach a cluster
// rather than an answer from its API server.
func Unreachable(err error) bool {
	var status apierrors.APIStatus
	return err != nil && !errors.As(err, &status)
}

// clientInNamespace restricts a List to one namespace.
func clientInNamespace(ns string) client.ListOption { return client.InNamespace(ns) }

// RequireControlPlane checks that the cluster runs a KubeFed control plane
// in namespace ns (its KubeFedConfig exists there), and otherwise says how
// to find the right namespace or context.
func (c *Cluster) RequireControlPlane(ctx context.Context, ns string) error {
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.KubeFedConfigName}, &corev1beta1.KubeFedConfig{})
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err) || discovery.IsGroupDiscoveryFailedError(err):
		return fmt.Errorf("no KubeFed control plane in namespace %s of context %q (no KubeFedConfig %s/%s there): "+
			"find the namespace with kubectl get kubefedconfigs -A --context %s and pass --%s, "+
			"or pass the host cluster's context with --context (kubectl config get-contexts lists them)",
			ns, c.Name, ns, core.KubeFedConfigName, c.Name, KubeFedNamespaceFlag)
	case Unreachable(err):
		return fmt.Errorf("cannot reach the host cluster (context %q): %w\nCheck it with: kubectl --context %s get --raw /healthz", c.Name, err, c.Name)
	}
	return fmt.Errorf("reading KubeFedConfig %s/%s of the host cluster (context %q): %w", ns, core.KubeFedConfigName, c.Name, err)
}
