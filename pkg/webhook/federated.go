package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// Lookup reads the objects that admission of a federated object depends
// on. The webhook process implements it over its informer cache; tests and
// benchmarks can use fixed data.
type Lookup interface {
	// TargetType returns the target type of the FederatedTypeConfig whose
	// federated type has this group and kind, or nil if there is none.
	TargetType(ctx context.Context, group, kind string) (*corev1beta1.APIResource, error)
	// Policies returns the FederationPolicies of the namespace and every
	// ClusterFederationPolicy.
	Policies(ctx context.Context, namespace string) ([]policy.Policy, error)
	// Clusters returns the member clusters that exist now.
	Clusters(ctx context.Context) ([]policy.Cluster, error)
	// NamespaceLabels returns the labels of a namespace; nil for "".
	NamespaceLabels(ctx context.Context, namespace string) (map[string]string, error)
}

// federatedHandler validates any Federated<Kind> and enforces federation
// policy: field problems and Deny violations are rejected together, Warn
// violations become admission warnings, Audit violations are left to the
// policy status. An update that leaves the spec and labels unchanged (for
// example a finalizer change by the syncer) is admitted as is, so objects
// that predate a policy can still be deleted.
func federatedHandler(lookup Lookup) admission.Handler {
	return admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
		if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
			return admission.Allowed("")
		}
		obj, err := typesvalidation.Decode(req.Object.Raw)
		if err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		if req.Operation == admissionv1.Update {
			old, err := typesvalidation.Decode(req.OldObject.Raw)
			if err == nil && reflect.DeepEqual(old.Spec, obj.Spec) && reflect.DeepEqual(old.Metadata.Labels, obj.Metadata.Labels) {
				return admission.Allowed("")
			}
		}
		target, err := lookup.TargetType(ctx, req.Kind.Group, req.Kind.Kind)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		errs := typesvalidation.ValidateFederatedObject(obj, target)
		verdict, err := evaluate(ctx, lookup, req.Kind.Kind, obj)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		warnings := policy.Messages(verdict.WithEnforcement(v1alpha1.EnforcementWarn))
		denials := policy.Messages(verdict.WithEnforcement(v1alpha1.EnforcementDeny))
		if len(errs) > 0 || len(denials) > 0 {
			return deny(joinDenials(errs, denials)).WithWarnings(warnings...)
		}
		return admission.Allowed("").WithWarnings(warnings...)
	})
}

// evaluate runs the policies that apply to the object against the
// clusters that exist now.
func evaluate(ctx context.Context, lookup Lookup, kind string, obj *typesvalidation.Object) (policy.Verdict, error) {
	in, policies, err := policyInput(ctx, lookup, kind, obj)
	if err != nil || len(policies) == 0 {
		return policy.Verdict{}, err
	}
	clusters, err := lookup.Clusters(ctx)
	if err != nil {
		return policy.Verdict{}, fmt.Errorf("listing clusters: %w", err)
	}
	return policy.Evaluate(policies, in, clusters), nil
}

// policyInput returns the evaluator's view of the object and the policies
// of its namespace and cluster.
func policyInput(ctx context.Context, lookup Lookup, kind string, obj *typesvalidation.Object) (policy.Object, []policy.Policy, error) {
	ns := obj.Metadata.Namespace
	policies, err := lookup.Policies(ctx, ns)
	if err != nil {
		return policy.Object{}, nil, fmt.Errorf("listing federation policies: %w", err)
	}
	var nsLabels map[string]string
	if len(policies) > 0 && ns != "" {
		if nsLabels, err = lookup.NamespaceLabels(ctx, ns); err != nil {
			return policy.Object{}, nil, fmt.Errorf("reading namespace %s: %w", ns, err)
		}
	}
	return policy.Object{
		Kind: kind, Namespace: ns, Name: obj.Metadata.Name, Labels: obj.Metadata.Labels, NamespaceLabels: nsLabels,
		Placement: obj.Spec.Placement, Overrides: obj.Spec.Overrides,
	}, policies, nil
}

// federatedDefaulter injects the default placement of the first policy
// that selects a federated object without spec.placement.
func federatedDefaulter(lookup Lookup) admission.Handler {
	return admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
		if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
			return admission.Allowed("")
		}
		// Only metadata and whether a placement exists are needed: the
		// rest of the (possibly large) spec is not decoded.
		var head struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     *struct {
				Placement json.RawMessage `json:"placement"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(req.Object.Raw, &head); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding %s: %w", req.Kind.Kind, err))
		}
		if head.Spec != nil && len(head.Spec.Placement) > 0 && !bytes.Equal(head.Spec.Placement, []byte("null")) {
			return admission.Allowed("")
		}
		obj := &typesvalidation.Object{Metadata: head.Metadata}
		in, policies, err := policyInput(ctx, lookup, req.Kind.Kind, obj)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		placement, from := policy.DefaultPlacement(policies, in)
		if placement == nil {
			return admission.Allowed("")
		}
		msg := fmt.Sprintf("placement defaulted by %s", from)
		if head.Spec == nil {
			return admission.Patched(msg, jsonpatch.NewOperation("add", "/spec", map[string]any{"placement": placement}))
		}
		return admission.Patched(msg, jsonpatch.NewOperation("add", "/spec/placement", placement))
	})
}

// replace is a JSON-patch operation that replaces the value at path.
func replace(path string, value any) jsonpatch.JsonPatchOperation {
	return jsonpatch.NewOperation("replace", path, value)
}

// equalJSON reports whether two values encode to the same JSON.
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
