// Package fleet starts local fleets of real Kubernetes clusters for tests
// and for `make local-up`: each cluster is an etcd, a kube-apiserver and a
// kube-controller-manager process built from pinned Go modules, bound to
// 127.0.0.1, with TLS, RBAC and service-account tokens. With Options.Nodes,
// each cluster also runs kube-scheduler and simulated nodes (test/nodesim),
// so that pods are scheduled, run and become Ready, or stay Pending when
// they do not fit.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-fed/kubectl-fed/test/nodesim"
)

// HostName is the name, and kubeconfig context, of a fleet's host cluster.
const HostName = "host"

// StartTimeoutEnv names the environment variable that overrides
// DefaultStartTimeout, in Go duration syntax (e.g. "300s").
const StartTimeoutEnv = "FLEET_START_TIMEOUT"

// DefaultStartTimeout bounds the start of a whole fleet. It is generous
// because a loaded 2-core machine starts three clusters in about 15 s.
const DefaultStartTimeout = 180 * time.Second

// perClusterStartTimeout is the start timeout per cluster of large
// fleets, when it exceeds DefaultStartTimeout: 31 clusters on 2 cores
// take minutes.
const perClusterStartTimeout = 20 * time.Second

// sharedEtcdName names the members' etcd of a fleet with LightMembers, in
// its directory and logs.
const sharedEtcdName = "members-etcd"

// Options describe a fleet to start.
type Options struct {
	// Clusters are the clusters' names; the first is the host. Empty means
	// ClusterNames(1): a host and one member.
	Clusters []string
	// Dir holds the clusters' certificates and data (in <Dir>/<cluster>), logs
	// (in <Dir>/logs/<cluster>) and the kubeconfig. Empty means a new
	// temporary directory, removed by Stop.
	Dir string
	// Binaries are the programs to run. Zero means DefaultBinaries().
	Binaries Binaries
	// StartTimeout bounds the start. Zero means $FLEET_START_TIMEOUT or
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// Progress, if set, receives a line as each cluster becomes ready.
	Progress io.Writer
	// Nodes is how many simulated nodes each cluster gets; a cluster with
	// nodes also runs kube-scheduler. 0 means none: pods stay Pending.
	Nodes int
	// NodeCapacity is the capacity of each simulated node; zero fields take
	// nodesim.DefaultCapacity's (4 CPU, 8Gi of memory, 20 pods).
	NodeCapacity nodesim.Capacity
	// LightMembers makes the members light, so that tens fit on one
	// machine: they share one etcd (each API server under its own
	// --etcd-prefix), their API servers serve only the API groups members
	// need (see lightRuntimeConfig), and a member without simulated nodes
	// runs kube-controller-manager with only the controllers that service
	// account tokens and namespace deletion need (a member with nodes keeps
	// every controller, since pods need them). The host is never light.
	LightMembers bool
	// ClusterNodes overrides Nodes and NodeCapacity for the named clusters;
	// for example {"member2": {Count: 1, Capacity: nodesim.Capacity{Pods: 2}}}
	// leaves room for only 2 pods in member2. Count 0 gives a cluster no nodes.
	ClusterNodes map[string]NodePool
	// AuditPolicy, when not empty, is an audit.k8s.io/v1 Policy (YAML) under
	// which every cluster's API server writes an audit log (JSON lines) to
	// Cluster.AuditLogPath(), e.g. for a test to count the requests that
	// concern its own namespace. Keep it to the few requests a test needs:
	// the log is written before each selected request is answered.
	AuditPolicy string
	// NodeMonitorGracePeriod is kube-controller-manager's
	// --node-monitor-grace-period: how long a node may go without a
	// heartbeat before it is marked NotReady. Zero keeps its default
	// (DefaultNodeMonitorGracePeriod); a test that watches nodes stay Ready
	// beyond it sets it shorter, above two nodesim heartbeats.
	NodeMonitorGracePeriod time.Duration
	// NodeHeartbeat is how often the simulated nodes renew their Leases
	// and Ready conditions (nodesim.Config.Heartbeat). Zero keeps
	// nodesim.DefaultHeartbeat; a test that watches nodes stay Ready over
	// a shorter NodeMonitorGracePeriod shortens both.
	NodeHeartbeat time.Duration
}

// DefaultNodeMonitorGracePeriod is kube-controller-manager's default
// --node-monitor-grace-period.
const DefaultNodeMonitorGracePeriod = 50 * time.Second

// NodePool is the simulated nodes of one cluster.
type NodePool struct {
	// Count is how many nodes the cluster gets.
	Count int
	// Capacity is each node's capacity; zero fields take
	// nodesim.DefaultCapacity's.
	Capacity nodesim.Capacity
}

// NodePool returns the simulated nodes the named cluster gets.
func (o Options) NodePool(cluster string) NodePool {
	if pool, ok := o.ClusterNodes[cluster]; ok {
		pool.Capacity = pool.Capacity.WithDefaults()
		return pool
	}
	return NodePool{Count: o.Nodes, Capacity: o.NodeCapacity.WithDefaults()}
}

// ClusterNames returns "host" followed by "member1" .. "member<members>".
func ClusterNames(members int) []string {
	names := []string{HostName}
	for i := 1; i <= members; i++ {
		names = append(names, "member"+strconv.Itoa(i))
	}
	return names
}

// Fleet is a set of running clusters.
type Fleet struct {
	// Clusters are the fleet's clusters, the host first.
	Clusters []*Cluster

	dir        string
	removeDir  bool
	sharedEtcd *Process // the members' etcd with LightMembers
	kubeconfig string
	stopOnce   sync.Once
}

// Start starts every cluster in parallel and waits until all are ready.
// If any cluster fails, everything already started is stopped and the error
// names the cluster and the process that failed, with the tail of its log.
func Start(ctx context.Context, opts Options) (*Fleet, error) {
	if err := opts.complete(); err != nil {
		return nil, err
	}
	f := &Fleet{dir: opts.Dir, kubeconfig: filepath.Join(opts.Dir, "kubeconfig")}
	if f.dir == "" {
		dir, err := os.MkdirTemp("", "fleet-")
		if err != nil {
			return nil, err
		}
		f.dir, f.removeDir, f.kubeconfig = dir, true, filepath.Join(dir, "kubeconfig")
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	var membersEtcd string
	if opts.LightMembers && len(opts.Clusters) > 1 {
		var err error
		if f.sharedEtcd, membersEtcd, err = startEtcd(sharedEtcdName, filepath.Join(f.dir, sharedEtcdName), filepath.Join(f.dir, "logs", sharedEtcdName), opts.Binaries); err != nil {
			f.Stop()
			return nil, fmt.Errorf("starting the members' etcd: %w", err)
		}
	}
	clusters := make([]*Cluster, len(opts.Clusters))
	errs := make([]error, len(opts.Clusters))
	var wg sync.WaitGroup
	for i, name := range opts.Clusters {
		wg.Go(func() {
			started := time.Now()
			spec := clusterSpec{name: name, dir: filepath.Join(f.dir, name), logDir: filepath.Join(f.dir, "logs", name), bin: opts.Binaries, pool: opts.NodePool(name),
				auditPolicy: opts.AuditPolicy, nodeMonitorGrace: opts.NodeMonitorGracePeriod, heartbeat: opts.NodeHeartbeat}
			if i > 0 {
				spec.etcdURL, spec.light = membersEtcd, opts.LightMembers
			}
			clusters[i], errs[i] = startCluster(ctx, spec)
			if errs[i] == nil && opts.Progress != nil {
				nodes := ""
				if pool := opts.NodePool(name); pool.Count > 0 {
					nodes = fmt.Sprintf(", %d simulated node(s) of %s", pool.Count, pool.Capacity)
				}
				fmt.Fprintf(opts.Progress, "cluster %s ready at %s (%.1fs%s)\n", name, clusters[i].Server, time.Since(started).Seconds(), nodes)
			}
		})
	}
	wg.Wait()
	for _, c := range clusters {
		if c != nil {
			f.Clusters = append(f.Clusters, c)
		}
	}
	if err := errors.Join(errs...); err != nil {
		f.Stop()
		return nil, fmt.Errorf("starting the local fleet: %w", err)
	}
	if err := clientcmd.WriteToFile(*f.Kubeconfig(), f.kubeconfig); err != nil {
		f.Stop()
		return nil, err
	}
	return f, nil
}

func (o *Options) complete() error {
	if len(o.Clusters) == 0 {
		o.Clusters = ClusterNames(1)
	}
	seen := map[string]bool{}
	for _, name := range o.Clusters {
		if name == "" || seen[name] {
			return fmt.Errorf("fleet cluster names must be unique and non-empty, got %q", o.Clusters)
		}
		seen[name] = true
	}
	if err := o.checkNodes(seen); err != nil {
		return err
	}
	if o.NodeMonitorGracePeriod < 0 {
		return fmt.Errorf("fleet Options.NodeMonitorGracePeriod is %s; want 0 (kube-controller-manager's default, %s) or more", o.NodeMonitorGracePeriod, DefaultNodeMonitorGracePeriod)
	}
	if o.NodeHeartbeat < 0 {
		return fmt.Errorf("fleet Options.NodeHeartbeat is %s; want 0 (nodesim's default, %s) or more", o.NodeHeartbeat, nodesim.DefaultHeartbeat)
	}
	if o.Binaries == (Binaries{}) {
		bin, err := DefaultBinaries()
		if err != nil {
			return err
		}
		o.Binaries = bin
	} else if err := o.Binaries.Check(); err != nil {
		return err
	}
	if o.withNodes() {
		if err := checkExecutable(o.Binaries.KubeScheduler); err != nil {
			return fmt.Errorf("simulated nodes need kube-scheduler: %w", err)
		}
	}
	if o.StartTimeout == 0 {
		// Clusters start in parallel on few cores: tens of them take minutes.
		o.StartTimeout = max(DefaultStartTimeout, time.Duration(len(o.Clusters))*perClusterStartTimeout)
		if env := os.Getenv(StartTimeoutEnv); env != "" {
			d, err := time.ParseDuration(env)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s=%q: want a positive duration such as 300s", StartTimeoutEnv, env)
			}
			o.StartTimeout = d
		}
	}
	if o.Dir != "" {
		abs, err := filepath.Abs(o.Dir)
		if err != nil {
			return err
		}
		o.Dir = abs
	}
	return nil
}

// checkNodes rejects negative node counts and overrides for clusters the
// fleet does not have.
func (o *Options) checkNodes(clusters map[string]bool) error {
	if o.Nodes < 0 {
		return fmt.Errorf("fleet Options.Nodes is %d; want 0 (no simulated nodes) or more", o.Nodes)
	}
	for name, pool := range o.ClusterNodes {
		if !clusters[name] {
			return fmt.Errorf("fleet Options.ClusterNodes names cluster %q, which is not one of the fleet's clusters %q", name, o.Clusters)
		}
		if pool.Count < 0 {
			return fmt.Errorf("fleet Options.ClusterNodes[%q].Count is %d; want 0 or more", name, pool.Count)
		}
	}
	return nil
}

// withNodes reports whether any cluster gets simulated nodes.
func (o *Options) withNodes() bool {
	for _, name := range o.Clusters {
		if o.NodePool(name).Count > 0 {
			return true
		}
	}
	return false
}

// Stop stops every process and node simulator of the fleet and, if the fleet made its own
// temporary directory, removes it. It is safe to call more than once.
func (f *Fleet) Stop() {
	f.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, c := range f.Clusters {
			wg.Go(c.stop)
		}
		wg.Wait()
		if f.sharedEtcd != nil {
			f.sharedEtcd.Stop()
		}
		if f.removeDir {
			_ = os.RemoveAll(f.dir)
		}
	})
}

// Host returns the host cluster.
func (f *Fleet) Host() *Cluster { return f.Clusters[0] }

// Members returns the member clusters.
func (f *Fleet) Members() []*Cluster { return f.Clusters[1:] }

// Cluster returns the cluster with the given name, or nil.
func (f *Fleet) Cluster(name string) *Cluster {
	for _, c := range f.Clusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// KubeconfigPath returns the path of the fleet's kubeconfig file.
func (f *Fleet) KubeconfigPath() string { return f.kubeconfig }

// Kubeconfig returns one administrator kubeconfig for the whole fleet, with a
// context per cluster named after it; the current context is the host.
func (f *Fleet) Kubeconfig() *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	for _, c := range f.Clusters {
		addToKubeconfig(cfg, c)
	}
	cfg.CurrentContext = f.Host().Name
	return cfg
}

// PIDs returns the process IDs of every process of the fleet, for example
// to check that none outlives Stop.
func (f *Fleet) PIDs() []int {
	var pids []int
	if f.sharedEtcd != nil {
		pids = append(pids, f.sharedEtcd.Pid())
	}
	for _, c := range f.Clusters {
		for _, p := range c.snapshot() {
			pids = append(pids, p.Pid())
		}
	}
	return pids
}

// ResidentBytes returns the resident memory of every process in the fleet.
func (f *Fleet) ResidentBytes() int64 {
	var total int64
	if f.sharedEtcd != nil {
		total += f.sharedEtcd.residentBytes()
	}
	for _, c := range f.Clusters {
		total += c.ResidentBytes()
	}
	return total
}
