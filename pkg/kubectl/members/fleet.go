package members

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/cluster-inventory-api/pkg/access"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// ProviderFileFlag is the flag naming the cluster inventory's access
// provider file, as the syncer's flag of the same name.
const ProviderFileFlag = "clusterprofile-provider-file"

// Fleet is the member clusters as the host records them, the one place the
// views read them from: the joined clusters (the KubeFedClusters of the
// KubeFed namespace) and the clusters of the cluster inventory (the
// ClusterProfiles of the KubeFedConfig's spec.inventory.namespace that
// kubectl-fed did not write).
type Fleet struct {
	// Joined are the KubeFedClusters; JoinedVersion is their list's
	// resourceVersion (to watch from).
	Joined        []corev1beta1.KubeFedCluster
	JoinedVersion string
	// Profiles are the inventory's member clusters; InventoryNamespace is
	// "" when the KubeFedConfig names no inventory; ProfilesVersion is
	// their list's resourceVersion.
	Profiles           []inventoryv1alpha1.ClusterProfile
	InventoryNamespace string
	ProfilesVersion    string
}

// ReadFleet lists the fleet's clusters. Without an inventory namespace, or
// when the host has no ClusterProfile API, there are no inventory
// clusters.
func ReadFleet(ctx context.Context, host *cli.Cluster, kubefedNS string) (Fleet, error) {
	var f Fleet
	joined := &corev1beta1.KubeFedClusterList{}
	if err := host.Client.List(ctx, joined, client.InNamespace(kubefedNS)); err != nil {
		return f, fmt.Errorf("listing the KubeFedClusters in namespace %s of the host cluster (context %q): %w", kubefedNS, host.Name, err)
	}
	f.Joined, f.JoinedVersion = joined.Items, joined.ResourceVersion
	cfg := &corev1beta1.KubeFedConfig{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: core.KubeFedConfigName}, cfg); err != nil {
		return f, client.IgnoreNotFound(err)
	}
	if cfg.Spec.Inventory == nil || cfg.Spec.Inventory.Namespace == "" {
		return f, nil
	}
	ns := cfg.Spec.Inventory.Namespace
	list := &inventoryv1alpha1.ClusterProfileList{}
	if err := host.Client.List(ctx, list, client.InNamespace(ns)); err != nil {
		if meta.IsNoMatchError(err) {
			return f, nil
		}
		return f, fmt.Errorf("listing the ClusterProfiles of the inventory namespace %s of the host cluster (context %q): %w", ns, host.Name, err)
	}
	f.InventoryNamespace, f.ProfilesVersion = ns, list.ResourceVersion
	for _, p := range list.Items {
		if !inventory.Ours(&p) {
			f.Profiles = append(f.Profiles, p)
		}
	}
	return f, nil
}

// Flags are the flags of the fleet views that read the member clusters.
type Flags struct {
	// Timeout bounds each cluster's queries (--cluster-timeout).
	Timeout time.Duration
	// ProviderFile is the cluster inventory's access provider file
	// (--clusterprofile-provider-file): the credential plugin of each
	// access provider a ClusterProfile may list, as the syncer is given.
	// Without it, the inventory's clusters are shown without being read.
	ProviderFile string
}

// NewFlags returns the flags at their defaults.
func NewFlags() Flags { return Flags{Timeout: DefaultTimeout} }

// AddTo adds --cluster-timeout and --clusterprofile-provider-file to fs.
func (f *Flags) AddTo(fs *pflag.FlagSet) {
	fs.DurationVar(&f.Timeout, "cluster-timeout", f.Timeout, "How long each cluster may take to answer")
	fs.StringVar(&f.ProviderFile, ProviderFileFlag, "",
		"The cluster inventory's access provider file (JSON, as the syncer's flag of the same name): how to reach the clusters of ClusterProfiles")
}

// Validate checks the flags.
func (f *Flags) Validate() error {
	if f.Timeout <= 0 {
		return fmt.Errorf("--cluster-timeout must be positive, not %s", f.Timeout)
	}
	return nil
}

// List reads the fleet's clusters, joined and from the inventory, and
// connects to each (without a request yet): a KubeFedCluster as the syncer
// does, a ClusterProfile through the access provider file. only, when not
// empty, keeps the clusters it names; a name that is no member cluster is
// an error that lists them. A profile named like a KubeFedCluster is left
// out (the syncer uses neither and says so on both). Members come sorted by
// name.
func (f *Flags) List(ctx context.Context, host *cli.Cluster, kubefedNS string, only []string) ([]Member, error) {
	fleet, err := ReadFleet(ctx, host, kubefedNS)
	if err != nil {
		return nil, err
	}
	var providers *access.Config
	var providersErr error
	if f.ProviderFile != "" && len(fleet.Profiles) > 0 {
		if providers, err = access.NewFromFile(f.ProviderFile); err != nil {
			providersErr = fmt.Errorf("--%s %s: %w", ProviderFileFlag, f.ProviderFile, err)
		}
	}
	out := connectJoined(ctx, host, fleet.Joined)
	joined := make(map[string]bool, len(out))
	for _, m := range out {
		joined[m.Name()] = true
	}
	for i := range fleet.Profiles {
		p := &fleet.Profiles[i]
		if p.DeletionTimestamp != nil || joined[p.Name] {
			continue
		}
		m := Member{Cluster: standIn(p), Source: clusterclient.SourceInventory}
		switch {
		case providersErr != nil:
			m.Err = providersErr
		case providers == nil:
			m.Err = fmt.Errorf("no credentials for the cluster of ClusterProfile %s/%s: pass the inventory's access provider file with --%s (the syncer's)", p.Namespace, p.Name, ProviderFileFlag)
		default:
			m.connect(p, providers)
		}
		out = append(out, m)
	}
	return keep(out, only)
}

// standIn is the KubeFedCluster an inventory cluster stands for: its name,
// labels (inventory.Labels) and health as the syncer last published it
// (the profile's KubeFedMemberReady condition).
func standIn(p *inventoryv1alpha1.ClusterProfile) corev1beta1.KubeFedCluster {
	return corev1beta1.KubeFedCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, Labels: inventory.Labels(p), CreationTimestamp: p.CreationTimestamp},
		Status:     corev1beta1.KubeFedClusterStatus{Conditions: inventory.PublishedHealth(p)},
	}
}

// connect builds the clients of an inventory cluster through its access
// provider.
func (m *Member) connect(p *inventoryv1alpha1.ClusterProfile, providers *access.Config) {
	cfg, err := providers.BuildConfigFromCP(p)
	if err != nil {
		m.Err = fmt.Errorf("resolving the access of ClusterProfile %s/%s (status.accessProviders): %w; the --%s file must name a credential plugin for one of its providers",
			p.Namespace, p.Name, err, ProviderFileFlag)
		return
	}
	m.Config = clusterclient.WithMemberDefaults(cfg)
	if m.Dynamic, m.Err = dynamic.NewForConfig(m.Config); m.Err != nil {
		return
	}
	m.Discovery, m.Err = discovery.NewDiscoveryClientForConfig(m.Config)
}
