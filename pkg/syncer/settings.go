package syncer

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/defaults"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
)

// Settings of the KubeFedConfig, by the name the README and events use.
const (
	settingAdoptResources = "syncController.adoptResources"
)

// settingFields names each KubeFedConfig setting the syncer reads and how to
// read it from a spec.
var settingFields = []struct {
	name string
	get  func(corev1beta1.KubeFedConfigSpec) any
}{
	{"scope", func(s corev1beta1.KubeFedConfigSpec) any { return s.Scope }},
	{"controllerDuration", func(s corev1beta1.KubeFedConfigSpec) any { return s.ControllerDuration }},
	{"leaderElect", func(s corev1beta1.KubeFedConfigSpec) any { return s.LeaderElect }},
	{"featureGates", func(s corev1beta1.KubeFedConfigSpec) any { return s.FeatureGates }},
	{"clusterHealthCheck", func(s corev1beta1.KubeFedConfigSpec) any { return s.ClusterHealthCheck }},
	{settingAdoptResources, func(s corev1beta1.KubeFedConfigSpec) any { return s.SyncController.AdoptResources }},
	{"syncController.maxConcurrentReconciles", func(s corev1beta1.KubeFedConfigSpec) any { return s.SyncController.MaxConcurrentReconciles }},
	{"statusController", func(s corev1beta1.KubeFedConfigSpec) any { return s.StatusController }},
	{"inventory", func(s corev1beta1.KubeFedConfigSpec) any { return s.Inventory }},
}

// liveSettings take effect while the syncer runs; every other setting is
// read once, when it starts.
var liveSettings = map[string]bool{settingAdoptResources: true}

// changedSettings names the settings that differ between two defaulted
// specs, split into those that apply at once and those that need a restart.
func changedSettings(from, to corev1beta1.KubeFedConfigSpec) (live, restart []string) {
	for _, f := range settingFields {
		if reflect.DeepEqual(f.get(from), f.get(to)) {
			continue
		}
		if liveSettings[f.name] {
			live = append(live, f.name)
		} else {
			restart = append(restart, f.name)
		}
	}
	return live, restart
}

// settingsWatcher follows the KubeFedConfig while the syncer runs: a valid
// change to a live setting applies at once; a change to any other setting
// is reported (log and event) as needing a restart; an invalid KubeFedConfig
// changes nothing (the settings in force are kept) and is reported.
type settingsWatcher struct {
	client    client.Client
	recorder  record.EventRecorder
	namespace string
	// setAdopt applies syncController.adoptResources.
	setAdopt func(bool)

	mu sync.Mutex
	// started is the spec the syncer started with (possibly the safe one).
	started corev1beta1.KubeFedConfigSpec
	// inForce is started with the live settings applied since.
	inForce corev1beta1.KubeFedConfigSpec
	// reported is the generation last acted on, so that each is reported once.
	reported int64
}

// newSettingsWatcher returns a watcher for a syncer started with cfg;
// reported is cfg's generation when its problem was reported already.
func newSettingsWatcher(c client.Client, recorder record.EventRecorder, cfg *corev1beta1.KubeFedConfig, reported int64, setAdopt func(bool)) *settingsWatcher {
	return &settingsWatcher{client: c, recorder: recorder, namespace: cfg.Namespace, setAdopt: setAdopt,
		started: *cfg.Spec.DeepCopy(), inForce: *cfg.Spec.DeepCopy(), reported: reported}
}

// SetupWithManager watches the KubeFedConfig.
func (w *settingsWatcher) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).Named("kubefedconfig").
		For(&corev1beta1.KubeFedConfig{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(obj client.Object) bool {
			return obj.GetNamespace() == w.namespace && obj.GetName() == core.KubeFedConfigName
		}))).
		Complete(w)
}

// Reconcile applies or reports one generation of the KubeFedConfig.
func (w *settingsWatcher) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cfg := &corev1beta1.KubeFedConfig{}
	if err := w.client.Get(ctx, req.NamespacedName, cfg); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cfg.Generation == w.reported {
		return ctrl.Result{}, nil
	}
	w.reported = cfg.Generation
	log := ctrl.LoggerFrom(ctx).WithValues("object", req.String())
	defaults.SetDefaultKubeFedConfig(cfg)
	if errs := validation.ValidateKubeFedConfig(cfg, nil); len(errs) > 0 {
		err := fmt.Errorf("invalid KubeFedConfig %s (generation %d): %v; the syncer keeps the settings in force (%s %s) until it is fixed",
			req, cfg.Generation, errs.ToAggregate(), settingAdoptResources, *w.inForce.SyncController.AdoptResources)
		log.Error(err, "invalid KubeFedConfig; keeping the settings in force")
		w.recorder.Event(cfg, corev1.EventTypeWarning, "InvalidKubeFedConfig", err.Error())
		return ctrl.Result{}, nil
	}
	live, _ := changedSettings(w.inForce, cfg.Spec)
	for _, name := range live {
		if name == settingAdoptResources {
			w.inForce.SyncController.AdoptResources = cfg.Spec.SyncController.AdoptResources
			w.setAdopt(*cfg.Spec.SyncController.AdoptResources == corev1beta1.AdoptResourcesEnabled)
		}
	}
	if len(live) > 0 {
		log.Info("KubeFedConfig settings applied", "settings", live)
		w.recorder.Eventf(cfg, corev1.EventTypeNormal, "KubeFedConfigApplied", "Applied without a restart: %s", describe(live, cfg.Spec))
	}
	if _, restart := changedSettings(w.started, cfg.Spec); len(restart) > 0 {
		log.Info("KubeFedConfig settings changed that take effect only when the syncer restarts", "settings", restart)
		w.recorder.Eventf(cfg, corev1.EventTypeWarning, "RestartRequired",
			"Changed settings take effect only when the syncer restarts: %s", strings.Join(restart, ", "))
	}
	return ctrl.Result{}, nil
}

// describe renders live settings as name=value.
func describe(names []string, spec corev1beta1.KubeFedConfigSpec) string {
	parts := make([]string, 0, len(names))
	for _, name := range names {
		if name == settingAdoptResources {
			parts = append(parts, name+"="+string(*spec.SyncController.AdoptResources))
		}
	}
	return strings.Join(parts, ", ")
}
