// Package fleet starts local fleets of real Kubernetes clusters for tests
// and for `make local-up`: each cluster is an etcd, a kube-apiserver and a
// kube-controller-manager process built from pinned Go modules, bound to
// 127.0.0.1, with TLS, RBAC and service-account tokens.
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
)

// HostName is the name, and kubeconfig context, of a fleet's host cluster.
const HostName = "host"

// StartTimeoutEnv names the environment variable that overrides
// DefaultStartTimeout, in Go duration syntax (e.g. "300s").
const StartTimeoutEnv = "FLEET_START_TIMEOUT"

// DefaultStartTimeout bounds the start of a whole fleet. It is generous
// because a loaded 2-core machine starts three clusters in about 15 s.
const DefaultStartTimeout = 180 * time.Second

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

	clusters := make([]*Cluster, len(opts.Clusters))
	errs := make([]error, len(opts.Clusters))
	var wg sync.WaitGroup
	for i, name := range opts.Clusters {
		wg.Go(func() {
			started := time.Now()
			clusters[i], errs[i] = startCluster(ctx, name, filepath.Join(f.dir, name), filepath.Join(f.dir, "logs", name), opts.Binaries)
			if errs[i] == nil && opts.Progress != nil {
				fmt.Fprintf(opts.Progress, "cluster %s ready at %s (%.1fs)\n", name, clusters[i].Server, time.Since(started).Seconds())
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
	if o.Binaries == (Binaries{}) {
		bin, err := DefaultBinaries()
		if err != nil {
			return err
		}
		o.Binaries = bin
	} else if err := o.Binaries.Check(); err != nil {
		return err
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
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

// Stop stops every process of the fleet and, if the fleet made its own
// temporary directory, removes it. It is safe to call more than once.
func (f *Fleet) Stop() {
	f.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, c := range f.Clusters {
			wg.Go(c.stop)
		}
		wg.Wait()
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

// ResidentBytes returns the resident memory of every process in the fleet.
func (f *Fleet) ResidentBytes() int64 {
	var total int64
	for _, c := range f.Clusters {
		total += c.ResidentBytes()
	}
	return total
}
