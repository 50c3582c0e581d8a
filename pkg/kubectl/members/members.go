// Package members connects the fleet views (get, explain, diff, describe)
// to the member clusters as the syncer does (a joined KubeFedCluster and
// its Secret, through clusterclient.RESTConfig; a ClusterProfile of the
// cluster inventory through its access provider) and runs one query per
// cluster concurrently, each bounded by a timeout, so that one slow or
// unreachable cluster costs its own row and nothing else.
package members

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// DefaultTimeout bounds each cluster's query unless --request-timeout or
// --cluster-timeout says otherwise.
const DefaultTimeout = 10 * time.Second

// Member is one member cluster and, when its connection could be built,
// the clients to reach it.
type Member struct {
	// Cluster is the KubeFedCluster; for a cluster of the inventory, the
	// one it stands for (name, labels and health of its ClusterProfile).
	Cluster corev1beta1.KubeFedCluster
	// Source is where the cluster comes from: joined or inventory.
	Source clusterclient.Source
	// Config, Dynamic and Discovery reach the member; nil when Err is set.
	Config    *rest.Config
	Dynamic   dynamic.Interface
	Discovery discovery.DiscoveryInterface
	// Err says why the member cannot be reached, nil when it can be tried.
	Err error
}

// Name is the cluster's name.
func (m Member) Name() string { return m.Cluster.Name }

// Ready reports whether the KubeFedCluster's Ready condition is True.
func (m Member) Ready() bool { return m.Cluster.Status.IsReady() }

// PlacementCluster is the member as placement.Compute sees it: the syncer
// places on ready clusters it has a connection to, with the cluster's taints
// as written (a NoExecute taint acts only once the syncer's eviction rate
// limit admits the cluster: syncview replays that). A joined cluster this
// command cannot connect to, the syncer cannot either; for an inventory
// cluster, the syncer's own access providers decide, as its published
// health says (this command's missing provider file is a read error).
func (m Member) PlacementCluster() placement.Cluster {
	connected := m.Err == nil || m.Source == clusterclient.SourceInventory
	return placement.Cluster{Name: m.Name(), Labels: m.Cluster.Labels, Ready: m.Ready() && connected, Taints: m.Cluster.Spec.Taints}
}

// Joined reads the KubeFedClusters in kubefedNS and connects to each
// (without a request yet), sorted by name: the joined clusters only.
func Joined(ctx context.Context, host *cli.Cluster, kubefedNS string) ([]Member, error) {
	list := &corev1beta1.KubeFedClusterList{}
	if err := host.Client.List(ctx, list, client.InNamespace(kubefedNS)); err != nil {
		return nil, fmt.Errorf("listing the KubeFedClusters in namespace %s of the host cluster (context %q): %w", kubefedNS, host.Name, err)
	}
	return keep(connectJoined(ctx, host, list.Items), nil)
}

// connectJoined connects to each KubeFedCluster.
func connectJoined(ctx context.Context, host *cli.Cluster, clusters []corev1beta1.KubeFedCluster) []Member {
	out := make([]Member, 0, len(clusters))
	for _, c := range clusters {
		out = append(out, connect(ctx, host, c))
	}
	return out
}

// keep returns the members only names (all when empty), sorted by name;
// a name of only that no member has is an error that lists them.
func keep(list []Member, only []string) ([]Member, error) {
	if err := CheckNames(Names(list), only); err != nil {
		return nil, err
	}
	if len(only) > 0 {
		list = slices.DeleteFunc(list, func(m Member) bool { return !slices.Contains(only, m.Name()) })
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name() < list[j].Name() })
	return list, nil
}

// CheckNames checks that every name of only is a member cluster's (of
// names); the error lists them.
func CheckNames(names, only []string) error {
	if unknown := sets.List(sets.New(only...).Difference(sets.New(names...))); len(unknown) > 0 {
		return fmt.Errorf("no member cluster is named %s: the member clusters (joined, or from the cluster inventory) are %s (kubectl fed status lists them)",
			strings.Join(unknown, ", "), orNone(sets.List(sets.New(names...))))
	}
	return nil
}

// Names returns the members' names.
func Names(list []Member) []string {
	out := make([]string, 0, len(list))
	for _, m := range list {
		out = append(out, m.Name())
	}
	return out
}

// connect builds the clients of one member from its KubeFedCluster and
// Secret, as the syncer does.
func connect(ctx context.Context, host *cli.Cluster, c corev1beta1.KubeFedCluster) Member {
	m := Member{Cluster: c, Source: clusterclient.SourceJoined}
	secret := &corev1.Secret{}
	err := host.Client.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.Spec.SecretRef.Name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		secret = nil
	case err != nil:
		m.Err = fmt.Errorf("reading the Secret %s/%s of cluster %s: %w", c.Namespace, c.Spec.SecretRef.Name, c.Name, err)
		return m
	}
	if m.Config, m.Err = clusterclient.RESTConfig(&c, secret); m.Err != nil {
		return m
	}
	if m.Dynamic, m.Err = dynamic.NewForConfig(m.Config); m.Err != nil {
		return m
	}
	m.Discovery, m.Err = discovery.NewDiscoveryClientForConfig(m.Config)
	return m
}

// Each runs fn for every member concurrently, each with its own deadline,
// and returns fn's errors in the order of members (nil where it
// succeeded). A member that cannot be reached gets its connection error
// without fn being called.
func Each(ctx context.Context, members []Member, timeout time.Duration, fn func(ctx context.Context, m Member) error) []error {
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		if m.Err != nil {
			errs[i] = m.Err
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if err := fn(ctx, m); err != nil {
				if ctx.Err() != nil {
					err = fmt.Errorf("no answer within %s: %w", timeout, err)
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return errs
}

// Reason says in a few words why a query of cluster m failed, for a table
// cell: "unreachable", "timeout", "forbidden", "not ready", ...
func Reason(m Member, err error) string {
	var dns *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns):
		return "unreachable"
	case apierrors.IsForbidden(err):
		return "forbidden"
	case apierrors.IsUnauthorized(err):
		return "unauthorized"
	case m.Err != nil && m.Source == clusterclient.SourceInventory:
		return "no credentials"
	case m.Err != nil:
		return "no connection"
	case cli.Unreachable(err):
		return "unreachable"
	}
	return "error"
}

// Describe is the sentence that goes with Reason on stderr: the cluster,
// its readiness as the syncer last saw it, and the error.
func Describe(m Member, err error) string {
	state := "not ready"
	if m.Ready() {
		state = "ready"
	}
	if m.Source == clusterclient.SourceInventory {
		state += ", from the inventory"
	}
	return fmt.Sprintf("cluster %s (%s when last probed): %v", m.Name(), state, err)
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none (join one with kubectl fed join)"
	}
	return strings.Join(names, ", ")
}
