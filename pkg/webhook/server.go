package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheme"
	"github.com/kubectl-fed/kubectl-fed/pkg/serving"
)

// Options configure the webhook server.
type Options struct {
	// Host is the address to listen on; empty means all addresses.
	Host string
	// SecurePort is the HTTPS port. Default 8443.
	SecurePort int
	// CertDir holds tls.crt and tls.key. With CertRotation they are written
	// there; otherwise they come from outside (cert-manager, a mounted
	// Secret, or GenerateServingCert for a local process) and are reloaded
	// when they change.
	CertDir string
	// KubeFedNamespace holds the FederatedTypeConfigs and KubeFedClusters.
	KubeFedNamespace string
	// Namespaced marks a namespaced control plane: the webhook
	// configurations are those of ConfigurationNames(KubeFedNamespace).
	Namespaced bool
	// CertRotation makes the webhook generate and rotate a self-signed CA
	// and serving certificate (kept in Secret CertSecretName of the KubeFed
	// namespace) and patch the CA into its own webhook configurations.
	CertRotation bool
	// CertSecretName is the Secret that keeps the rotated certificates.
	CertSecretName string
	// ServiceName is the webhook's Service; the rotated serving
	// certificate is valid for <ServiceName>.<KubeFedNamespace>.svc.
	ServiceName string
	// CertHosts are further host names and IP addresses the rotated serving
	// certificate is valid for, e.g. 127.0.0.1 for a local process that the
	// API server calls by URL.
	CertHosts []string
	// Metrics configures the /metrics endpoint (disabled by default).
	Metrics serving.Metrics
	// PprofBindAddress serves Go's /debug/pprof profiles (plain HTTP);
	// "" or "0" disables them.
	PprofBindAddress string
}

// DefaultOptions returns the defaults of the flags.
func DefaultOptions() Options {
	return Options{
		SecurePort:       8443,
		CertDir:          "/tmp/k8s-webhook-server/serving-certs",
		KubeFedNamespace: core.DefaultKubeFedSystemNamespace,
		CertSecretName:   "kubefed-admission-webhook-cert",
		ServiceName:      "kubefed-admission-webhook",
		Metrics:          serving.Metrics{BindAddress: "0", Secure: true},
	}
}

// AddFlags registers the options as flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Host, "bind-address", o.Host, "Address to serve HTTPS on; empty means all addresses.")
	fs.IntVar(&o.SecurePort, "secure-port", o.SecurePort, "Port to serve HTTPS on.")
	fs.StringVar(&o.CertDir, "cert-dir", o.CertDir, "Directory with tls.crt and tls.key (written there with --cert-rotation).")
	fs.StringVar(&o.KubeFedNamespace, "kubefed-namespace", o.KubeFedNamespace, "Namespace of the control plane (FederatedTypeConfigs, KubeFedClusters).")
	fs.BoolVar(&o.Namespaced, "namespaced", o.Namespaced, "The control plane is namespaced: its webhook configurations carry the namespace suffix.")
	fs.BoolVar(&o.CertRotation, "cert-rotation", o.CertRotation, "Generate and rotate a self-signed CA and patch it into the webhook configurations.")
	fs.StringVar(&o.CertSecretName, "cert-secret", o.CertSecretName, "Secret in the control plane namespace that keeps rotated certificates.")
	fs.StringVar(&o.ServiceName, "service-name", o.ServiceName, "Service of the webhook; the rotated certificate is valid for <service>.<namespace>.svc.")
	fs.StringSliceVar(&o.CertHosts, "cert-host", o.CertHosts, "Further host names or IP addresses the rotated certificate is valid for (e.g. 127.0.0.1).")
	o.Metrics.AddFlags(fs, o.Metrics.BindAddress)
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", o.PprofBindAddress, "Address (host:port) of Go's /debug/pprof profiles, plain HTTP, for diagnosis only; empty disables them")
	// Policy status moved to the syncer, and with it the only work that
	// needed an elected replica: the flags are still accepted, so that
	// existing deployments start, and do nothing.
	fs.Duration("policy-status-interval", 0, "")
	fs.Bool("leader-elect", false, "")
	_ = fs.MarkDeprecated("policy-status-interval", "policy status is written by the syncer (its --policy-status-interval)")
	_ = fs.MarkDeprecated("leader-elect", "every replica serves admission; no replica is elected")
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []error
	if o.SecurePort < 1 || o.SecurePort > 65535 {
		errs = append(errs, fmt.Errorf("--secure-port %d: must be between 1 and 65535", o.SecurePort))
	}
	if o.CertDir == "" {
		errs = append(errs, errors.New("--cert-dir is required"))
	}
	if o.KubeFedNamespace == "" {
		errs = append(errs, errors.New("--kubefed-namespace is required"))
	}
	if o.CertRotation && (o.CertSecretName == "" || o.ServiceName == "") {
		errs = append(errs, errors.New("--cert-rotation needs --cert-secret and --service-name"))
	}
	return errors.Join(errs...)
}

// Register adds every admission webhook to a webhook server, reading
// through lookup and guarding KubeFedClusters with guard. clusterScoped is
// set for a Cluster-scoped control plane, where objects in namespaces that
// are not federated go nowhere.
func Register(srv crwebhook.Server, lookup Lookup, guard ClusterGuard, clusterScoped bool) {
	for path, h := range map[string]admission.Handler{
		FederatedTypeConfigPath:         federatedTypeConfigHandler(),
		KubeFedClusterPath:              kubeFedClusterHandler(guard),
		KubeFedConfigPath:               kubeFedConfigHandler(),
		KubeFedConfigDefaultPath:        kubeFedConfigDefaulter(),
		ReplicaSchedulingPreferencePath: replicaSchedulingPreferenceHandler(),
		FederationPolicyPath:            federationPolicyHandler(),
		ClusterFederationPolicyPath:     clusterFederationPolicyHandler(),
		OverridePolicyPath:              overridePolicyHandler(),
		ClusterOverridePolicyPath:       clusterOverridePolicyHandler(),
		FederatedPath:                   federatedHandler(lookup, clusterScoped),
		FederatedDefaultPath:            federatedDefaulter(lookup),
	} {
		srv.Register(path, &admission.Webhook{Handler: h})
	}
}

// Run serves the webhooks until ctx is done. /healthz answers as soon as
// the server listens; /readyz once the informer cache has synced and, with
// CertRotation, the certificates are in place.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	runtimeScheme, err := scheme.New()
	if err != nil {
		return err
	}
	inKubeFedNamespace := cache.ByObject{Namespaces: map[string]cache.Config{o.KubeFedNamespace: {}}}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 runtimeScheme,
		Metrics:                o.Metrics.Options(),
		HealthProbeBindAddress: "0",
		PprofBindAddress:       o.PprofBindAddress,
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1beta1.FederatedTypeConfig{}: inKubeFedNamespace,
			&corev1beta1.KubeFedCluster{}:      inKubeFedNamespace,
			&corev1beta1.KubeFedConfig{}:       inKubeFedNamespace,
		}},
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}

	srv := crwebhook.NewServer(crwebhook.Options{Host: o.Host, Port: o.SecurePort, CertDir: o.CertDir})
	Register(srv, hostread.Reader{Client: mgr.GetCache(), KubeFedNamespace: o.KubeFedNamespace, Inventory: mgr.GetAPIReader()},
		&clientGuard{reader: mgr.GetCache(), writer: mgr.GetClient(), kubeFedNamespace: o.KubeFedNamespace}, !o.Namespaced)

	var synced atomic.Bool
	if err := mgr.Add(everyReplica(func(ctx context.Context) error {
		return warmCache(ctx, mgr.GetCache(), &synced)
	})); err != nil {
		return fmt.Errorf("adding the cache warmer: %w", err)
	}
	checks := map[string]healthz.Checker{"informers": func(*http.Request) error {
		if !synced.Load() {
			return errors.New("informer cache not synced")
		}
		return nil
	}}

	certsReady := make(chan struct{})
	if o.CertRotation {
		validating, mutating := ConfigurationNames(o.namespaceSuffix())
		dns := fmt.Sprintf("%s.%s.svc", o.ServiceName, o.KubeFedNamespace)
		direct, err := client.New(cfg, client.Options{Scheme: runtimeScheme})
		if err != nil {
			return fmt.Errorf("creating a client: %w", err)
		}
		if err := mgr.Add(&certRotator{
			client:         direct,
			secret:         types.NamespacedName{Namespace: o.KubeFedNamespace, Name: o.CertSecretName},
			certDir:        o.CertDir,
			hosts:          append([]string{dns, o.ServiceName, o.ServiceName + "." + o.KubeFedNamespace, dns + ".cluster.local"}, o.CertHosts...),
			validatingName: validating,
			mutatingName:   mutating,
			ready:          certsReady,
		}); err != nil {
			return fmt.Errorf("adding the certificate rotator: %w", err)
		}
		checks["certificates"] = func(*http.Request) error {
			select {
			case <-certsReady:
				return nil
			default:
				return errors.New("certificates not ready")
			}
		}
	} else {
		close(certsReady)
	}
	srv.Register("/healthz", http.StripPrefix("/healthz", &healthz.Handler{Checks: map[string]healthz.Checker{"ping": healthz.Ping}}))
	ready := http.StripPrefix("/readyz", &healthz.Handler{Checks: checks})
	srv.Register("/readyz", ready)
	srv.Register("/readyz/", ready)

	// The server needs its certificate files before it starts; with
	// rotation they appear once the rotator has written them.
	errc := make(chan error, 1)
	go func() {
		select {
		case <-certsReady:
			errc <- mgr.Add(srv)
		case <-ctx.Done():
			errc <- nil
		}
	}()
	go func() {
		if err := <-errc; err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Adding the webhook server")
		}
	}()
	ctrl.LoggerFrom(ctx).Info("Starting the webhook", "port", o.SecurePort, "certDir", o.CertDir, "certRotation", o.CertRotation)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running the webhook: %w", err)
	}
	return nil
}

// everyReplica is a runnable that runs whether or not this replica is
// the leader.
type everyReplica manager.RunnableFunc

// Start runs the function.
func (f everyReplica) Start(ctx context.Context) error { return f(ctx) }

// NeedLeaderElection is false: the function runs on every replica.
func (f everyReplica) NeedLeaderElection() bool { return false }

// namespaceSuffix is the namespace of the configuration names: the KubeFed
// namespace for a namespaced control plane, "" otherwise.
func (o *Options) namespaceSuffix() string {
	if o.Namespaced {
		return o.KubeFedNamespace
	}
	return ""
}

// warmCache starts the informers the handlers read and marks them synced,
// so the first admission request does not wait for a list.
func warmCache(ctx context.Context, c cache.Cache, synced *atomic.Bool) error {
	for _, obj := range []client.Object{
		&corev1beta1.FederatedTypeConfig{}, &corev1beta1.KubeFedCluster{}, &corev1beta1.KubeFedConfig{}, &corev1.Namespace{},
		&policyv1alpha1.FederationPolicy{}, &policyv1alpha1.ClusterFederationPolicy{},
	} {
		if _, err := c.GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("starting the informer of %T: %w", obj, err)
		}
	}
	if c.WaitForCacheSync(ctx) {
		synced.Store(true)
	}
	<-ctx.Done()
	return nil
}
