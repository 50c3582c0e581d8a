// Package syncer is the syncer process: it propagates federated resources
// to member clusters and watches cluster health, as one leader-elected
// controller-runtime manager.
package syncer

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/cluster-inventory-api/pkg/access"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/health"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
	"github.com/kubectl-fed/kubectl-fed/pkg/serving"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/clusters"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/fence"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/policies"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/propagate"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/rsp"
	"github.com/kubectl-fed/kubectl-fed/pkg/syncer/typeconfig"
	"github.com/kubectl-fed/kubectl-fed/pkg/version"
)

// LeaderElectionID names the Lease the syncer replicas elect a leader with.
const LeaderElectionID = core.SyncerLeaseName

// Options are the syncer's flags.
type Options struct {
	Kubeconfig       string
	KubeFedNamespace string
	LeaderElect      bool
	// Metrics configures the /metrics endpoint.
	Metrics serving.Metrics
	// HealthProbeBindAddress serves /healthz and /readyz (plain HTTP, for
	// the kubelet); "0" disables them.
	HealthProbeBindAddress string
	// PprofBindAddress serves Go's /debug/pprof profiles (plain HTTP);
	// "" or "0" disables them.
	PprofBindAddress string
	// Workers is the number of federated objects reconciled at once; 0 means
	// the KubeFedConfig's syncController.maxConcurrentReconciles, at least
	// DefaultWorkers.
	Workers int
	// HostQPS and HostBurst limit the requests to the host cluster; a
	// negative (or 0) QPS disables client-side limiting (the API server's
	// Priority and Fairness paces the syncer).
	HostQPS   float32
	HostBurst int
	// MemberQPS and MemberBurst limit the requests to each member cluster,
	// as HostQPS and HostBurst do for the host.
	MemberQPS   float32
	MemberBurst int
	// MemberInFlight bounds the writes in flight to one member cluster.
	MemberInFlight int
	// WritePropagatedVersions writes KubeFed's PropagatedVersion objects.
	WritePropagatedVersions bool
	// PolicyStatusInterval is how often the leader recounts what every
	// federation policy selects and violates; 0 disables it.
	PolicyStatusInterval time.Duration
	// UnschedulableWindow is how long a member's pods may be unschedulable
	// before they lower its capacity and the replica scheduler moves their
	// replicas to other clusters; it must be positive.
	UnschedulableWindow time.Duration
	// ClusterEvictionPeriod is the period the KubeFedConfig's
	// spec.taints.clusterEvictionsPerMinute counts cluster evictions in;
	// zero means a minute. It is no flag: tests that run the syncer in
	// process shorten it, so as not to wait out minutes.
	ClusterEvictionPeriod time.Duration
	// ReplicaSchedulingResync is how often each ReplicaSchedulingPreference
	// is planned again without any event; zero means rsp.DefaultResync
	// (10 s). It is no flag: tests that run the syncer in process shorten
	// it, so as not to wait for the next plan to see replicas that became
	// ready.
	ReplicaSchedulingResync time.Duration
	// ClusterProfileProviderFile is the cluster inventory's access provider
	// configuration: the credential plugin of each access provider name.
	ClusterProfileProviderFile string
	// Inventory are the inventory flags given, written into the
	// KubeFedConfig's spec.inventory at start.
	Inventory InventoryFlags
	Zap       zap.Options
}

// DefaultWorkers is the least number of workers when --workers is 0: the
// KubeFedConfig's syncController.maxConcurrentReconciles (default 1) was
// KubeFed's number per type, and one pool serves every type here.
const DefaultWorkers = 32

// NewCommand returns the syncer's root command.
func NewCommand() *cobra.Command {
	o := &Options{}
	var inventoryFlags *inventoryFlagValues
	cmd := &cobra.Command{
		Use:   "syncer",
		Short: "Propagate federated resources to member clusters",
		Long: "The syncer watches federated resources on the host cluster and keeps the\n" +
			"member clusters in step with them. Run two replicas: one is elected leader\n" +
			"and acts, the other takes over when it stops.",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Inventory = inventoryFlags.given(cmd.Flags())
			ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.Zap)))
			return o.Run(ctrl.SetupSignalHandler())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to the host cluster's kubeconfig; empty means in-cluster or $KUBECONFIG")
	f.StringVar(&o.KubeFedNamespace, "kubefed-namespace", core.DefaultKubeFedSystemNamespace, "Namespace of the federation control plane")
	f.BoolVar(&o.LeaderElect, "leader-elect", true, "Elect a leader among syncer replicas with a Lease; only the leader acts")
	o.Metrics.AddFlags(f, ":9090")
	f.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address (host:port) of the /healthz and /readyz endpoints; 0 disables them")
	f.StringVar(&o.PprofBindAddress, "pprof-bind-address", "", "Address (host:port) of Go's /debug/pprof profiles, plain HTTP, for diagnosis only; empty disables them")
	f.IntVar(&o.Workers, "workers", 0, fmt.Sprintf("Federated objects reconciled at once; 0 uses the KubeFedConfig's syncController.maxConcurrentReconciles, at least %d", DefaultWorkers))
	f.Float32Var(&o.HostQPS, "kube-api-qps", -1, "Queries per second to the host cluster; negative leaves the pace to the host's API Priority and Fairness")
	f.IntVar(&o.HostBurst, "kube-api-burst", 0, "Burst of queries to the host cluster (with a positive --kube-api-qps; 0 is twice the QPS)")
	f.Float32Var(&o.MemberQPS, "member-qps", -1, "Queries per second to each member cluster; negative leaves the pace to the member's API Priority and Fairness")
	f.IntVar(&o.MemberBurst, "member-burst", 0, "Burst of queries to each member cluster (with a positive --member-qps; 0 is twice the QPS)")
	f.IntVar(&o.MemberInFlight, "member-max-in-flight", propagate.DefaultMemberInFlight, "Writes in flight at once to one member cluster; more wait for a slot without holding a worker")
	f.BoolVar(&o.WritePropagatedVersions, "write-propagated-versions", false,
		"Write a PropagatedVersion (ClusterPropagatedVersion for cluster-scoped types) per federated object, as KubeFed did, for tools that read them")
	f.DurationVar(&o.PolicyStatusInterval, "policy-status-interval", 30*time.Second,
		"How often policy status (selected and violating objects) is recounted; 0 disables it")
	f.DurationVar(&o.UnschedulableWindow, "unschedulable-window", scheduling.DefaultUnschedulableWindow,
		"How long a member's pods may be unschedulable before the replica scheduler lowers that cluster's capacity and moves those replicas; must be positive")
	f.StringVar(&o.ClusterProfileProviderFile, "clusterprofile-provider-file", "",
		"The cluster inventory's access provider file (JSON): the credential plugin (exec config) for each access provider name a ClusterProfile may list")
	inventoryFlags = addInventoryFlags(f)
	goFlags := flag.NewFlagSet("syncer", flag.ContinueOnError)
	o.Zap.BindFlags(goFlags)
	f.AddGoFlagSet(goFlags)
	version.AddFlag(cmd, "syncer")
	return cmd
}

// Run runs the syncer until ctx ends.
func (o *Options) Run(ctx context.Context) error {
	if o.UnschedulableWindow <= 0 {
		return fmt.Errorf("--unschedulable-window is %s; it must be positive (default %s)", o.UnschedulableWindow, scheduling.DefaultUnschedulableWindow)
	}
	restConfig, err := o.restConfig()
	if err != nil {
		return err
	}
	runtimeScheme, err := scheme.New()
	if err != nil {
		return err
	}
	direct, err := client.New(restConfig, client.Options{Scheme: runtimeScheme})
	if err != nil {
		return fmt.Errorf("connecting to the host cluster: %w", err)
	}
	cfg, problem, err := loadConfig(ctx, direct, o.KubeFedNamespace)
	if err != nil {
		return err
	}
	log := ctrl.Log.WithName("syncer")
	if problem != nil {
		log.Error(problem, "invalid KubeFedConfig")
		if err := recordEvent(ctx, direct, cfg, corev1.EventTypeWarning, "InvalidKubeFedConfig", problem.Error()); err != nil {
			log.Error(err, "recording the invalid KubeFedConfig as an event")
		}
	} else {
		log.Info("Using valid KubeFedConfig", "object", o.KubeFedNamespace+"/"+core.KubeFedConfigName)
	}
	changes, err := writeInventoryFlags(ctx, direct, cfg, o.Inventory)
	if err != nil {
		return err
	}
	var reported int64 // the generation whose problem is reported already
	if problem != nil {
		reported = cfg.Generation
	}
	if len(changes) > 0 {
		log.Info("KubeFedConfig spec.inventory set from the inventory flags", "object", o.KubeFedNamespace+"/"+core.KubeFedConfigName, "changes", changes)
		if err := recordEvent(ctx, direct, cfg, corev1.EventTypeNormal, "InventoryFromFlags", strings.Join(changes, "; ")); err != nil {
			log.Error(err, "recording the inventory flags written as an event")
		}
	}
	spec := cfg.Spec
	// ReplicaSchedulingPreferences live beside their federated objects: in
	// any namespace, or only the KubeFed namespace for a Namespaced scope.
	rspNamespace := o.KubeFedNamespace
	if spec.Scope == corev1beta1.ClusterScoped {
		rspNamespace = cache.AllNamespaces
	}
	inv := newInventorySettings(spec.Inventory)
	var providers *access.Config
	if o.ClusterProfileProviderFile != "" {
		if providers, err = access.NewFromFile(o.ClusterProfileProviderFile); err != nil {
			return fmt.Errorf("--clusterprofile-provider-file %s: %w", o.ClusterProfileProviderFile, err)
		}
	}
	lease, renew, retry := spec.LeaderElect.LeaseDuration.Duration, spec.LeaderElect.RenewDeadline.Duration, spec.LeaderElect.RetryPeriod.Duration
	// Everything the syncer writes goes through the fence, except the
	// renewals of the Lease itself.
	fenced := restConfig
	var lock *fence.Lock
	if o.LeaderElect {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		if lock, err = o.leaseLock(restConfig, lease, renew, func(lost error) {
			log.Error(lost, "stepping down")
			cancel(lost)
		}); err != nil {
			return err
		}
		fenced = rest.CopyConfig(restConfig)
		fenced.Wrap(lock.WrapTransport)
	}
	mgrOptions := ctrl.Options{
		Scheme:                        runtimeScheme,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       o.KubeFedNamespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &lease,
		RenewDeadline:                 &renew,
		RetryPeriod:                   &retry,
		Metrics:                       o.Metrics.Options(),
		HealthProbeBindAddress:        o.HealthProbeBindAddress,
		PprofBindAddress:              o.PprofBindAddress,
		MapperProvider:                newRESTMapper,
		// Member tokens are read by name when a cluster is probed, never
		// cached: the syncer needs no list or watch on Secrets.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Cache: cache.Options{
			DefaultNamespaces: map[string]cache.Config{o.KubeFedNamespace: {}},
			ByObject: map[client.Object]cache.ByObject{
				&policyv1alpha1.FederationPolicy{}:                {Namespaces: map[string]cache.Config{cache.AllNamespaces: {}}},
				&policyv1alpha1.OverridePolicy{}:                  {Namespaces: map[string]cache.Config{cache.AllNamespaces: {}}},
				&schedulingv1alpha1.ReplicaSchedulingPreference{}: {Namespaces: map[string]cache.Config{rspNamespace: {}}},
			},
		},
	}
	if namespaces := inv.cacheNamespaces(); len(namespaces) > 0 {
		mgrOptions.Cache.ByObject[&inventoryv1alpha1.ClusterProfile{}] = cache.ByObject{Namespaces: namespaces}
	}
	if lock != nil {
		mgrOptions.LeaderElectionResourceLockInterface = lock
	}
	mgr, err := ctrl.NewManager(fenced, mgrOptions)
	if err != nil {
		return fmt.Errorf("creating the controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	host, err := dynamic.NewForConfig(fenced)
	if err != nil {
		return err
	}
	clusterScoped := spec.Scope == corev1beta1.ClusterScoped
	workers := o.Workers
	if workers <= 0 {
		// KubeFed ran this many workers per type; one pool serves every type here.
		workers = max(int(*spec.SyncController.MaxConcurrentReconciles), DefaultWorkers)
	}
	settings := propagate.Settings{
		KubeFedNamespace: o.KubeFedNamespace,
		ClusterScoped:    clusterScoped,
		AdoptResources:   *spec.SyncController.AdoptResources == corev1beta1.AdoptResourcesEnabled,
		Workers:          workers,
		MemberInFlight:   o.MemberInFlight,
		CollectStatus:    spec.GateEnabled(corev1beta1.RawResourceStatusCollection),

		WritePropagatedVersions: o.WritePropagatedVersions,
		EvictionTimeout:         spec.Taints.GetEvictionTimeout(),
	}
	registry := clusterclient.NewRegistry(settings.WatchNamespace())
	registry.QPS, registry.Burst = unlimited(o.MemberQPS), burst(o.MemberQPS, o.MemberBurst)
	if lock != nil {
		registry.WrapTransport = lock.WrapTransport
	}
	if err := mgr.Add(registry); err != nil {
		return err
	}
	hostReader := hostread.Reader{Client: mgr.GetCache(), KubeFedNamespace: o.KubeFedNamespace, Inventory: mgr.GetAPIReader()}
	engine := propagate.New(settings, host, registry, clusters.Members(mgr.GetClient(), o.KubeFedNamespace, inv.Namespace), hostReader, mgr.GetEventRecorderFor("syncer"))
	if err := engine.SetupWithManager(mgr); err != nil {
		return err
	}
	if err := newSettingsWatcher(mgr.GetClient(), mgr.GetEventRecorderFor("syncer"), cfg, reported, engine.SetAdoptResources).SetupWithManager(mgr); err != nil {
		return err
	}
	if o.PolicyStatusInterval > 0 {
		if err := mgr.Add(&policies.StatusWriter{Host: hostReader, Objects: engine, Writer: mgr.GetClient(), Interval: o.PolicyStatusInterval}); err != nil {
			return err
		}
	}
	if err := (&policies.Reconciler{Changed: engine.EnqueueAll}).SetupWithManager(mgr); err != nil {
		return err
	}
	hc := spec.ClusterHealthCheck
	if err := (&clusters.Reconciler{
		Client: mgr.GetClient(), Registry: registry, Recorder: mgr.GetEventRecorderFor("cluster-health"),
		Settings: clusters.Settings{Period: hc.Period.Duration, Timeout: hc.Timeout.Duration,
			Thresholds: health.Thresholds{Failure: *hc.FailureThreshold, Success: *hc.SuccessThreshold}},
		EvictionPeriod: o.ClusterEvictionPeriod,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if inv.Namespace != "" {
		if err := (&clusters.ProfileReconciler{
			Client: mgr.GetClient(), Registry: registry, Namespace: inv.Namespace, Access: providers,
			Settings: clusters.Settings{Period: hc.Period.Duration, Timeout: hc.Timeout.Duration,
				Thresholds: health.Thresholds{Failure: *hc.FailureThreshold, Success: *hc.SuccessThreshold}},
		}).SetupWithManager(mgr); err != nil {
			return err
		}
	}
	if inv.ProfileNamespace != "" {
		if err := (&inventory.ProfileWriter{
			Client: mgr.GetClient(), KubeFedNamespace: o.KubeFedNamespace, Namespace: inv.ProfileNamespace,
			Recorder: mgr.GetEventRecorderFor("cluster-profile-writer"),
		}).SetupWithManager(mgr); err != nil {
			return err
		}
	}
	if inv.PlacementDecisions {
		if err := mgr.Add(&inventory.DecisionWriter{
			Objects: engine, Host: host, Registry: registry, KubeFedNamespace: o.KubeFedNamespace,
			InventoryNamespace: inv.Namespace, ProfileNamespace: inv.ProfileNamespace, Interval: DecisionInterval,
		}); err != nil {
			return err
		}
	}
	// The feature gates turn the scheduling and propagation controllers
	// off, as KubeFed's did; cluster health always runs.
	if spec.GateEnabled(corev1beta1.SchedulerPreferences) {
		if err := (&rsp.Reconciler{Client: mgr.GetClient(), Host: host, Registry: registry, KubeFedNamespace: o.KubeFedNamespace,
			UnavailableDelay: spec.ControllerDuration.UnavailableDelay.Duration, UnschedulableWindow: o.UnschedulableWindow,
			Resync: o.ReplicaSchedulingResync}).SetupWithManager(mgr); err != nil {
			return err
		}
	} else {
		log.Info("ReplicaSchedulingPreferences are not acted on: the SchedulerPreferences feature gate is Disabled")
	}
	if spec.GateEnabled(corev1beta1.PushReconciler) {
		hostDiscovery, err := discovery.NewDiscoveryClientForConfig(restConfig)
		if err != nil {
			return err
		}
		rechecks := make(chan event.GenericEvent, 64)
		engine.NotifyServedChanges(func(name string) {
			select {
			case rechecks <- event.GenericEvent{Object: &corev1beta1.FederatedTypeConfig{ObjectMeta: metav1.ObjectMeta{Namespace: o.KubeFedNamespace, Name: name}}}:
			default: // full: the periodic check comes soon enough
			}
		})
		if err := (&typeconfig.Reconciler{
			Client: mgr.GetClient(), Engine: engine, KubeFedNamespace: o.KubeFedNamespace, ClusterScoped: clusterScoped,
			Discovery: hostDiscovery, Members: registry, Recorder: mgr.GetEventRecorderFor("federated-type-config"), Rechecks: rechecks,
			CRDs: mgr.GetAPIReader(),
		}).SetupWithManager(mgr); err != nil {
			return err
		}
	} else {
		log.Info("nothing is propagated: the PushReconciler feature gate is Disabled")
	}
	log.Info("starting", "version", version.Get().GitVersion, "namespace", o.KubeFedNamespace, "scope", spec.Scope, "workers", workers)
	err = mgr.Start(ctx)
	if lock != nil && lock.Lost() != nil {
		return lock.Lost()
	}
	return err
}

// DecisionInterval is how often the PlacementDecisions are compared with
// the federated objects' placements.
const DecisionInterval = time.Second

// inventorySettings are the KubeFedConfig's inventory settings, the one
// source the syncer, the webhook and kubectl fed join read.
type inventorySettings struct{ corev1beta1.InventoryConfig }

// newInventorySettings returns the settings of spec.inventory (nil: off).
func newInventorySettings(cfg *corev1beta1.InventoryConfig) inventorySettings {
	var s inventorySettings
	if cfg != nil {
		s.InventoryConfig = *cfg
	}
	return s
}

// cacheNamespaces are the namespaces whose ClusterProfiles the syncer
// reads: the inventory's and the one it writes to.
func (s inventorySettings) cacheNamespaces() map[string]cache.Config {
	out := map[string]cache.Config{}
	for _, ns := range []string{s.Namespace, s.ProfileNamespace} {
		if ns != "" {
			out[ns] = cache.Config{}
		}
	}
	return out
}

// leaseLock is the syncer's Lease lock, fenced: writes are allowed until
// fence.Validity after each renewal, and onLost runs when one comes after
// the lease duration.
// Its own requests use restConfig, unfenced, with controller-runtime's
// timeout for leader election (half the renew deadline, at least 1s).
func (o *Options) leaseLock(restConfig *rest.Config, lease, renew time.Duration, onLost func(error)) (*fence.Lock, error) {
	cfg := rest.AddUserAgent(rest.CopyConfig(restConfig), "leader-election")
	cfg.Timeout = max(renew/2, time.Second)
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("naming this syncer for leader election: %w", err)
	}
	inner, err := resourcelock.New(resourcelock.LeasesResourceLock, o.KubeFedNamespace, LeaderElectionID,
		kube.CoreV1(), kube.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: host + "_" + string(uuid.NewUUID())})
	if err != nil {
		return nil, err
	}
	return fence.New(inner, fence.Validity(lease, renew), lease, onLost), nil
}

func (o *Options) restConfig() (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if o.Kubeconfig == "" {
		cfg, err = ctrl.GetConfig()
	} else if cfg, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig); err != nil {
		err = fmt.Errorf("loading --kubeconfig %s: %w", o.Kubeconfig, err)
	}
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = unlimited(o.HostQPS), burst(o.HostQPS, o.HostBurst)
	return cfg, nil
}

// unlimited turns a QPS of 0 (Options left unset) into -1: no client-side
// rate limit.
func unlimited(qps float32) float32 {
	if qps == 0 {
		return -1
	}
	return qps
}

// burst is the burst for a QPS flag: the flag's, else twice the QPS (at
// least 1); irrelevant for a negative QPS, which disables client-side
// rate limiting.
func burst(qps float32, flag int) int {
	if flag > 0 || qps <= 0 {
		return flag
	}
	return max(int(2*qps), 1)
}
