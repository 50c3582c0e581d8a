package testkit

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// Mode says how a control plane component runs.
type Mode int

const (
	// Off does not run the component.
	Off Mode = iota
	// InProcess runs it in the test binary: fast to start, and its panics
	// and races show in the test.
	InProcess
	// AsProcess runs the command built by BuildCommands as a process, as a
	// user runs it.
	AsProcess
)

// ControlPlaneOptions say what StartControlPlane sets up on a fleet's host.
type ControlPlaneOptions struct {
	// FastHealth probes members every second and makes one NotReady after
	// two failed probes (KubeFed: 10 s and 3), so that tests of an outage
	// see it within seconds.
	FastHealth bool
	// KubeFedConfig creates the KubeFedConfig (scope Cluster) before
	// anything runs; otherwise the syncer creates the default one.
	// FastHealth and Config imply it.
	KubeFedConfig bool
	// Config, when not nil, edits the KubeFedConfig before it is created.
	Config func(spec *corev1beta1.KubeFedConfigSpec)
	// Unjoined leaves the members unjoined, for tests that join them.
	Unjoined bool
	// Labels, when not nil, returns the labels of a member's KubeFedCluster.
	Labels func(member *fleet.Cluster) map[string]string
	// Types are enabled (Federation.Enable) once the members are joined.
	Types []typesv1beta1.TargetType
	// Webhook says how the admission webhook runs; it is registered by URL.
	Webhook Mode
	// Syncer says how the syncer runs: in process with 4 workers and
	// leader election, or as a process with SyncerArgs.
	Syncer Mode
	// SyncerArgs are extra flags of a syncer run AsProcess.
	SyncerArgs []string
	// UnschedulableWindow, when positive, is the syncer's
	// --unschedulable-window (default 60 s): suites that test replicas
	// moving off a full cluster shorten it.
	UnschedulableWindow time.Duration
	// ClusterEvictionPeriod, when positive, is the period the in-process
	// syncer counts the KubeFedConfig's clusterEvictionsPerMinute in (a
	// minute otherwise; syncer.Options.ClusterEvictionPeriod): suites that
	// test the cluster eviction rate limit shorten it. Only InProcess.
	ClusterEvictionPeriod time.Duration
	// ReplicaSchedulingResync, when positive, is how often the in-process
	// syncer plans each ReplicaSchedulingPreference again without any
	// event (10 s otherwise; syncer.Options.ReplicaSchedulingResync):
	// suites that wait for plans to follow the replicas members run
	// shorten it. Only InProcess.
	ReplicaSchedulingResync time.Duration
}

// ControlPlane is a federation control plane on a fleet's host.
type ControlPlane struct {
	*Federation
	// Webhook is the running webhook; nil when it is Off.
	Webhook *Webhook
	// Syncer is the syncer's process when it runs AsProcess.
	Syncer *fleet.Process

	stop       context.CancelFunc
	syncerDone <-chan struct{}
}

// StartControlPlane installs the KubeFed CRDs of manifests/crds and the
// KubeFed namespace on the fleet's host, creates the KubeFedConfig the
// options ask for, starts the webhook and registers it, joins every
// member (unless Unjoined), enables the types and starts the syncer, in
// that order. Logs of processes go to dir/logs, the webhook's certificate
// to dir/webhook-certs. Stop ends what it started.
func StartControlPlane(ctx context.Context, f *fleet.Fleet, dir string, opts ControlPlaneOptions) (*ControlPlane, error) {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return nil, err
	}
	fed, err := NewFederation(ctx, f, filepath.Join(root, "manifests", "crds"))
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	cp := &ControlPlane{Federation: fed, stop: stop}
	if err := cp.start(ctx, runCtx, dir, opts); err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

func (cp *ControlPlane) start(ctx, runCtx context.Context, dir string, opts ControlPlaneOptions) error {
	if opts.KubeFedConfig || opts.FastHealth || opts.Config != nil {
		spec := corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped}
		if opts.FastHealth {
			second := &metav1.Duration{Duration: time.Second}
			threshold := int64(2)
			spec.ClusterHealthCheck = &corev1beta1.ClusterHealthCheckConfig{Period: second, Timeout: second, FailureThreshold: &threshold}
		}
		if opts.Config != nil {
			opts.Config(&spec)
		}
		if err := cp.Host.Create(ctx, &corev1beta1.KubeFedConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: cp.Namespace, Name: core.KubeFedConfigName}, Spec: spec,
		}); err != nil {
			return err
		}
	}
	f := cp.fleet
	if opts.Webhook != Off {
		binary := ""
		if opts.Webhook == AsProcess {
			var err error
			if binary, err = CommandPath("webhook"); err != nil {
				return err
			}
		}
		w, err := StartWebhook(runCtx, f, dir, binary)
		if err != nil {
			return err
		}
		cp.Webhook = w
		if err := w.Register(ctx, f.Host().RESTConfig()); err != nil {
			return err
		}
	}
	for _, m := range f.Members() {
		if opts.Unjoined {
			break
		}
		var labels map[string]string
		if opts.Labels != nil {
			labels = opts.Labels(m)
		}
		if err := cp.Join(ctx, m, labels); err != nil {
			return err
		}
	}
	for _, target := range opts.Types {
		if err := cp.Enable(ctx, target); err != nil {
			return err
		}
	}
	switch opts.Syncer {
	case InProcess:
		cp.syncerDone = RunSyncer(runCtx, f.KubeconfigPath(), true, func(o *syncer.Options) {
			if opts.UnschedulableWindow > 0 {
				o.UnschedulableWindow = opts.UnschedulableWindow
			}
			o.ClusterEvictionPeriod = opts.ClusterEvictionPeriod
			o.ReplicaSchedulingResync = opts.ReplicaSchedulingResync
		})
	case AsProcess:
		if opts.ClusterEvictionPeriod > 0 {
			return fmt.Errorf("ControlPlaneOptions.ClusterEvictionPeriod is %s: only an InProcess syncer takes it (it is no flag)", opts.ClusterEvictionPeriod)
		}
		if opts.ReplicaSchedulingResync > 0 {
			return fmt.Errorf("ControlPlaneOptions.ReplicaSchedulingResync is %s: only an InProcess syncer takes it (it is no flag)", opts.ReplicaSchedulingResync)
		}
		binary, err := CommandPath("syncer")
		if err != nil {
			return err
		}
		args := opts.SyncerArgs
		if opts.UnschedulableWindow > 0 {
			args = append([]string{"--unschedulable-window", opts.UnschedulableWindow.String()}, args...)
		}
		p, err := StartSyncer(ctx, f, "syncer", binary, filepath.Join(dir, "logs", "syncer.log"), args...)
		if err != nil {
			return err
		}
		cp.Syncer = p
	}
	return nil
}

// Stop ends the syncer and the webhook, and waits for an in-process syncer
// to return.
func (cp *ControlPlane) Stop() {
	cp.stop()
	if cp.Syncer != nil {
		cp.Syncer.Stop()
	}
	if cp.Webhook != nil && cp.Webhook.Process != nil {
		cp.Webhook.Process.Stop()
	}
	if cp.syncerDone != nil {
		<-cp.syncerDone
	}
}
