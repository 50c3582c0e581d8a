package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/defaults"
	corevalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	policyvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1/validation"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	schedulingvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1/validation"
)

// Paths of the admission webhooks. The first four are KubeFed's.
const (
	// FederatedTypeConfigPath validates FederatedTypeConfigs and their status.
	FederatedTypeConfigPath = "/validate-federatedtypeconfigs"
	// KubeFedClusterPath validates KubeFedClusters and their status.
	KubeFedClusterPath = "/validate-kubefedcluster"
	// KubeFedConfigPath validates KubeFedConfigs.
	KubeFedConfigPath = "/validate-kubefedconfig"
	// KubeFedConfigDefaultPath defaults KubeFedConfigs on create.
	KubeFedConfigDefaultPath = "/default-kubefedconfig"
	// ReplicaSchedulingPreferencePath validates ReplicaSchedulingPreferences.
	ReplicaSchedulingPreferencePath = "/validate-replicaschedulingpreference"
	// FederationPolicyPath validates FederationPolicies.
	FederationPolicyPath = "/validate-federationpolicy"
	// ClusterFederationPolicyPath validates ClusterFederationPolicies.
	ClusterFederationPolicyPath = "/validate-clusterfederationpolicy"
	// OverridePolicyPath validates OverridePolicies.
	OverridePolicyPath = "/validate-overridepolicy"
	// ClusterOverridePolicyPath validates ClusterOverridePolicies.
	ClusterOverridePolicyPath = "/validate-clusteroverridepolicy"
	// FederatedPath validates every Federated<Kind> and enforces policy.
	FederatedPath = "/validate-federated"
	// FederatedDefaultPath injects the default placement of policies.
	FederatedDefaultPath = "/default-federated"
)

// validateFunc validates a decoded object; old is nil on create. It
// returns warnings and the problems found.
type validateFunc[T any] func(ctx context.Context, req admission.Request, obj, old *T) ([]string, field.ErrorList, error)

// validating adapts a validateFunc into an admission handler: requests
// other than CREATE and UPDATE are allowed, bodies that do not decode are
// refused with 400, problems with 403 Forbidden listing all of them.
func validating[T any](validate validateFunc[T]) admission.Handler {
	return admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
		if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
			return admission.Allowed("")
		}
		obj := new(T)
		if err := json.Unmarshal(req.Object.Raw, obj); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding %s: %w", req.Kind.Kind, err))
		}
		var old *T
		if req.Operation == admissionv1.Update && len(req.OldObject.Raw) > 0 {
			old = new(T)
			if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
				return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the old %s: %w", req.Kind.Kind, err))
			}
		}
		warnings, errs, err := validate(ctx, req, obj, old)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		if len(errs) > 0 {
			return deny(errs.ToAggregate().Error()).WithWarnings(warnings...)
		}
		return admission.Allowed("").WithWarnings(warnings...)
	})
}

// deny is the 403 Forbidden response with the given message.
func deny(message string) admission.Response {
	resp := admission.Denied(message)
	resp.Result.Status = metav1.StatusFailure
	return resp
}

// joinDenials joins field errors and policy denials into one message.
func joinDenials(errs field.ErrorList, denials []string) string {
	parts := make([]string, 0, 1+len(denials))
	if len(errs) > 0 {
		parts = append(parts, errs.ToAggregate().Error())
	}
	return strings.Join(append(parts, denials...), "; ")
}

// federatedTypeConfigHandler validates the name and spec, or only the
// status on any subresource.
func federatedTypeConfigHandler() admission.Handler {
	return validating(func(_ context.Context, req admission.Request, ftc, _ *corev1beta1.FederatedTypeConfig) ([]string, field.ErrorList, error) {
		if req.SubResource != "" {
			return nil, corevalidation.ValidateFederatedTypeConfigStatus(&ftc.Status, field.NewPath("status")), nil
		}
		return nil, corevalidation.ValidateFederatedTypeConfig(ftc), nil
	})
}

// kubeFedConfigHandler validates a KubeFedConfig; on update the scope may
// not change.
func kubeFedConfigHandler() admission.Handler {
	return validating(func(_ context.Context, _ admission.Request, cfg, old *corev1beta1.KubeFedConfig) ([]string, field.ErrorList, error) {
		return nil, corevalidation.ValidateKubeFedConfig(cfg, old), nil
	})
}

// replicaSchedulingPreferenceHandler validates an RSP.
func replicaSchedulingPreferenceHandler() admission.Handler {
	return validating(func(_ context.Context, _ admission.Request, rsp, _ *schedulingv1alpha1.ReplicaSchedulingPreference) ([]string, field.ErrorList, error) {
		return nil, schedulingvalidation.ValidateReplicaSchedulingPreference(rsp), nil
	})
}

// federationPolicyHandler validates a namespaced policy.
func federationPolicyHandler() admission.Handler {
	return validating(func(_ context.Context, _ admission.Request, p, _ *policyv1alpha1.FederationPolicy) ([]string, field.ErrorList, error) {
		return nil, policyvalidation.ValidateFederationPolicy(p), nil
	})
}

// clusterFederationPolicyHandler validates a cluster-wide policy.
func clusterFederationPolicyHandler() admission.Handler {
	return validating(func(_ context.Context, _ admission.Request, p, _ *policyv1alpha1.ClusterFederationPolicy) ([]string, field.ErrorList, error) {
		return nil, policyvalidation.ValidateClusterFederationPolicy(p), nil
	})
}

// overridePolicyHandler validates a namespaced override policy.
func overridePolicyHandler() admission.Handler {
	return validating(func(_ context.Context, _ admission.Request, p, _ *policyv1alpha1.OverridePolicy) ([]string, field.ErrorList, error) {
		return nil, policyvalidation.ValidateOverridePolicy(p), nil
	})
}

// clusterOverridePolicyHandler validates a cluster-wide override policy.
func clusterOverridePolicyHandler() admission.Handler {
	return validating(func(_ context.Context, _ admission.Request, p, _ *policyv1alpha1.ClusterOverridePolicy) ([]string, field.ErrorList, error) {
		return nil, policyvalidation.ValidateClusterOverridePolicy(p), nil
	})
}

// kubeFedConfigDefaulter defaults a KubeFedConfig on create and, if
// anything changed, replaces /spec with the defaulted spec.
func kubeFedConfigDefaulter() admission.Handler {
	return admission.HandlerFunc(func(_ context.Context, req admission.Request) admission.Response {
		if req.Operation != admissionv1.Create {
			return admission.Allowed("")
		}
		cfg := &corev1beta1.KubeFedConfig{}
		if err := json.Unmarshal(req.Object.Raw, cfg); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding KubeFedConfig: %w", err))
		}
		before := cfg.Spec.DeepCopy()
		defaults.SetDefaultKubeFedConfig(cfg)
		if equalJSON(before, &cfg.Spec) {
			return admission.Allowed("")
		}
		return admission.Patched("", replace("/spec", cfg.Spec))
	})
}
