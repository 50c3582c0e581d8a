package syncer

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/defaults"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
)

// ScopeEnv, when set to Cluster or Namespaced, is the scope of a
// KubeFedConfig the syncer has to create.
const ScopeEnv = "DEFAULT_KUBEFED_SCOPE"

// loadConfig reads the KubeFedConfig "kubefed" from the KubeFed namespace,
// creating it when it is missing, and returns it defaulted. An invalid one
// does not stop the syncer (KubeFed crash-looped): problem describes it, and
// the safe settings are used instead (see safeConfig).
func loadConfig(ctx context.Context, c client.Client, namespace string) (cfg *corev1beta1.KubeFedConfig, problem error, err error) {
	cfg = &corev1beta1.KubeFedConfig{}
	key := types.NamespacedName{Namespace: namespace, Name: core.KubeFedConfigName}
	err = c.Get(ctx, key, cfg)
	if apierrors.IsNotFound(err) {
		cfg = newConfig(namespace)
		if err = c.Create(ctx, cfg); apierrors.IsAlreadyExists(err) {
			err = c.Get(ctx, key, cfg)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading KubeFedConfig %s: %w", key, err)
	}
	defaults.SetDefaultKubeFedConfig(cfg)
	if errs := validation.ValidateKubeFedConfig(cfg, nil); len(errs) > 0 {
		problem = fmt.Errorf("invalid KubeFedConfig %q: %v; running on the safe settings (the defaults, with adoptResources Disabled) until it is fixed", key, errs.ToAggregate())
		cfg = safeConfig(cfg)
	}
	return cfg, problem, nil
}

// safeConfig is what the syncer runs on when it starts with an invalid
// KubeFedConfig: the defaults, in the invalid one's scope, with adoption
// Disabled, so that nothing in a member is taken over by mistake.
func safeConfig(invalid *corev1beta1.KubeFedConfig) *corev1beta1.KubeFedConfig {
	safe := newConfig(invalid.Namespace)
	if invalid.Spec.Scope == corev1beta1.NamespaceScoped {
		safe.Spec.Scope = corev1beta1.NamespaceScoped
	}
	safe.ObjectMeta = invalid.ObjectMeta
	disabled := corev1beta1.AdoptResourcesDisabled
	safe.Spec.SyncController.AdoptResources = &disabled
	return safe
}

// newConfig is the KubeFedConfig the syncer creates: scope Cluster unless
// $DEFAULT_KUBEFED_SCOPE says Namespaced, everything else defaulted.
func newConfig(namespace string) *corev1beta1.KubeFedConfig {
	cfg := &corev1beta1.KubeFedConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: core.KubeFedConfigName},
		Spec:       corev1beta1.KubeFedConfigSpec{Scope: corev1beta1.ClusterScoped},
	}
	if os.Getenv(ScopeEnv) == string(corev1beta1.NamespaceScoped) {
		cfg.Spec.Scope = corev1beta1.NamespaceScoped
	}
	defaults.SetDefaultKubeFedConfig(cfg)
	return cfg
}

// recordEvent records an event on the KubeFedConfig (before the manager
// and its event recorder start).
func recordEvent(ctx context.Context, c client.Client, cfg *corev1beta1.KubeFedConfig, eventType, reason, message string) error {
	event := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: cfg.Namespace, GenerateName: cfg.Name + "."},
		InvolvedObject: corev1.ObjectReference{Kind: "KubeFedConfig", APIVersion: corev1beta1.GroupVersion.String(),
			Namespace: cfg.Namespace, Name: cfg.Name, UID: cfg.UID},
		Reason: reason, Message: message, Type: eventType,
		Source: corev1.EventSource{Component: "syncer"}, FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1,
	}
	return c.Create(ctx, event)
}
