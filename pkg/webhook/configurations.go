package webhook

import (
	"strconv"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Names of the webhook configurations (KubeFed's); a namespaced control
// plane appends "-<namespace>".
const (
	// ValidatingConfigurationName names the ValidatingWebhookConfiguration.
	ValidatingConfigurationName = core.ValidatingWebhookConfigurationName
	// MutatingConfigurationName names the MutatingWebhookConfiguration.
	MutatingConfigurationName = core.MutatingWebhookConfigurationName
	// DefaultTimeoutSeconds bounds each admission call.
	DefaultTimeoutSeconds int32 = 5
	// SyncerServiceAccount is the syncer's service account in the
	// manifests (in the KubeFed namespace).
	SyncerServiceAccount = "kubefed-syncer"
	// excludeSyncerCondition names the match condition that keeps the
	// syncer's own writes away from the webhooks.
	excludeSyncerCondition = "exclude-syncer"
)

// defaultingNeeded is the match condition of the mutating webhook of
// federated objects: it has something to do on a create (the sync
// finalizer, a default placement) and on an update only without a
// placement, so updates that keep their placement (most of them) cost the
// API server no call.
var defaultingNeeded = admissionregistrationv1.MatchCondition{
	Name:       "create-or-no-placement",
	Expression: "request.operation == 'CREATE' || !has(object.spec) || !has(object.spec.placement)",
}

// ConfigOptions says how the API server reaches the webhook.
type ConfigOptions struct {
	// URL is the webhook's base URL, e.g. https://127.0.0.1:8443, for a
	// webhook running outside the cluster. Exactly one of URL and Service
	// is set.
	URL string
	// Service is the webhook's Service (namespace, name, port); its path is
	// set per webhook.
	Service *admissionregistrationv1.ServiceReference
	// CABundle is the PEM CA the API server trusts; empty when something
	// else injects it (cert-controller or cert-manager).
	CABundle []byte
	// Namespace, when set, is the KubeFed namespace of a namespaced control
	// plane: configurations get the suffix "-<namespace>" and select only
	// that namespace.
	Namespace string
	// TimeoutSeconds bounds each call; 0 means DefaultTimeoutSeconds.
	TimeoutSeconds int32
	// FederatedGroups are the API groups of the federated types; empty
	// means types.kubefed.io.
	FederatedGroups []string
	// SyncerUser is the user name the syncer authenticates as; the
	// webhooks are not called for its requests (a matchCondition), so that
	// its bookkeeping (finalizers, status) goes on while the webhook is
	// down. Empty means the service account SyncerServiceAccount of the
	// KubeFed namespace (Namespace, else the Service's namespace, else
	// kube-federation-system).
	SyncerUser string
}

// syncerUser returns the user whose requests the webhooks skip.
func (o ConfigOptions) syncerUser() string {
	if o.SyncerUser != "" {
		return o.SyncerUser
	}
	ns := core.DefaultKubeFedSystemNamespace
	switch {
	case o.Namespace != "":
		ns = o.Namespace
	case o.Service != nil && o.Service.Namespace != "":
		ns = o.Service.Namespace
	}
	return "system:serviceaccount:" + ns + ":" + SyncerServiceAccount
}

// ConfigurationNames returns the names of the validating and mutating
// configurations for a control plane namespace ("" for cluster scope).
func ConfigurationNames(namespace string) (validating, mutating string) {
	if namespace == "" {
		return ValidatingConfigurationName, MutatingConfigurationName
	}
	return ValidatingConfigurationName + "-" + namespace, MutatingConfigurationName + "-" + namespace
}

// webhookRule is one webhook of the configurations.
type webhookRule struct {
	name      string
	path      string
	group     string
	resources []string
	ops       []admissionregistrationv1.OperationType
	// conditions are match conditions beyond the syncer's exclusion.
	conditions []admissionregistrationv1.MatchCondition
}

var createUpdate = []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}

// Configurations renders the webhook configurations: failurePolicy Fail,
// sideEffects None, admissionReviewVersions [v1], a bounded timeout, and a
// matchCondition (Kubernetes 1.30 or later) that leaves the syncer's own
// requests out, so that removing its finalizer and writing status never
// wait for the webhook; every other user's write is still judged, and
// refused while the webhook is down.
func Configurations(o ConfigOptions) (*admissionregistrationv1.ValidatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfiguration) {
	groups := o.FederatedGroups
	if len(groups) == 0 {
		groups = []string{typesv1beta1.DefaultFederatedGroup}
	}
	validatingRules := []webhookRule{
		{"federatedtypeconfigs.core.kubefed.io", FederatedTypeConfigPath, core.GroupName, []string{"federatedtypeconfigs", "federatedtypeconfigs/status"}, createUpdate, nil},
		{"kubefedclusters.core.kubefed.io", KubeFedClusterPath, core.GroupName, []string{"kubefedclusters", "kubefedclusters/status"}, createUpdate, nil},
		{"kubefedconfigs.core.kubefed.io", KubeFedConfigPath, core.GroupName, []string{"kubefedconfigs"}, createUpdate, nil},
		{"replicaschedulingpreferences.scheduling.kubefed.io", ReplicaSchedulingPreferencePath, schedulingv1alpha1.GroupName, []string{"replicaschedulingpreferences"}, createUpdate, nil},
		{"federationpolicies.policy.kubefed.io", FederationPolicyPath, policyv1alpha1.GroupName, []string{"federationpolicies"}, createUpdate, nil},
		{"clusterfederationpolicies.policy.kubefed.io", ClusterFederationPolicyPath, policyv1alpha1.GroupName, []string{"clusterfederationpolicies"}, createUpdate, nil},
		{"overridepolicies.policy.kubefed.io", OverridePolicyPath, policyv1alpha1.GroupName, []string{"overridepolicies"}, createUpdate, nil},
		{"clusteroverridepolicies.policy.kubefed.io", ClusterOverridePolicyPath, policyv1alpha1.GroupName, []string{"clusteroverridepolicies"}, createUpdate, nil},
	}
	mutatingRules := []webhookRule{
		{"kubefedconfigs.core.kubefed.io", KubeFedConfigDefaultPath, core.GroupName, []string{"kubefedconfigs"}, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, nil},
	}
	for _, g := range groups {
		validatingRules = append(validatingRules, webhookRule{"federated." + g, FederatedPath, g, []string{"*"}, createUpdate, nil})
		mutatingRules = append(mutatingRules, webhookRule{"federated." + g, FederatedDefaultPath, g, []string{"*"}, createUpdate,
			[]admissionregistrationv1.MatchCondition{defaultingNeeded}})
	}

	vName, mName := ConfigurationNames(o.Namespace)
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: vName},
	}
	for _, r := range validatingRules {
		c := o.common(r)
		v.Webhooks = append(v.Webhooks, admissionregistrationv1.ValidatingWebhook{
			Name: c.name, ClientConfig: c.clientConfig, Rules: c.rules, FailurePolicy: c.failurePolicy,
			SideEffects: c.sideEffects, TimeoutSeconds: c.timeout, AdmissionReviewVersions: c.versions,
			NamespaceSelector: c.namespaceSelector, MatchPolicy: c.matchPolicy, MatchConditions: c.matchConditions,
		})
	}
	m := &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: mName},
	}
	never := admissionregistrationv1.NeverReinvocationPolicy
	for _, r := range mutatingRules {
		c := o.common(r)
		m.Webhooks = append(m.Webhooks, admissionregistrationv1.MutatingWebhook{
			Name: c.name, ClientConfig: c.clientConfig, Rules: c.rules, FailurePolicy: c.failurePolicy,
			SideEffects: c.sideEffects, TimeoutSeconds: c.timeout, AdmissionReviewVersions: c.versions,
			NamespaceSelector: c.namespaceSelector, MatchPolicy: c.matchPolicy, MatchConditions: c.matchConditions, ReinvocationPolicy: &never,
		})
	}
	return v, m
}

// commonFields are the fields validating and mutating webhooks share.
type commonFields struct {
	name              string
	clientConfig      admissionregistrationv1.WebhookClientConfig
	rules             []admissionregistrationv1.RuleWithOperations
	failurePolicy     *admissionregistrationv1.FailurePolicyType
	sideEffects       *admissionregistrationv1.SideEffectClass
	timeout           *int32
	versions          []string
	namespaceSelector *metav1.LabelSelector
	matchPolicy       *admissionregistrationv1.MatchPolicyType
	matchConditions   []admissionregistrationv1.MatchCondition
}

// common renders the shared fields of one webhook.
func (o ConfigOptions) common(r webhookRule) commonFields {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	timeout := o.TimeoutSeconds
	if timeout == 0 {
		timeout = DefaultTimeoutSeconds
	}
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: o.CABundle}
	if o.Service != nil {
		svc := *o.Service
		path := r.path
		svc.Path = &path
		cc.Service = &svc
	} else {
		url := o.URL + r.path
		cc.URL = &url
	}
	c := commonFields{
		name:         r.name,
		clientConfig: cc,
		rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: r.ops,
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{r.group}, APIVersions: []string{"*"}, Resources: r.resources,
			},
		}},
		failurePolicy: &fail, sideEffects: &none, timeout: &timeout, versions: []string{"v1"}, matchPolicy: &equivalent,
		matchConditions: append([]admissionregistrationv1.MatchCondition{{
			Name:       excludeSyncerCondition,
			Expression: "request.userInfo.username != " + strconv.Quote(o.syncerUser()),
		}}, r.conditions...),
	}
	if o.Namespace != "" {
		c.namespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: o.Namespace}}
	}
	return c
}
