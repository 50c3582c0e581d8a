package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesvalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/hostread"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// Lookup reads the objects that admission of a federated object depends
// on. The webhook process implements it with hostread.Reader over its
// informer cache; tests and benchmarks can use fixed data.
type Lookup interface {
	// TargetType returns the target type of the FederatedTypeConfig whose
	// federated type has this group and kind, or nil if there is none.
	TargetType(ctx context.Context, group, kind string) (*corev1beta1.APIResource, error)
	// Propagated reports whether the syncer propagates the federated type
	// with this group and kind (hostread.Reader.Propagated).
	Propagated(ctx context.Context, group, kind string) (bool, error)
	// Policies returns every FederationPolicy and ClusterFederationPolicy;
	// policy.Selects decides which apply to an object.
	Policies(ctx context.Context) ([]policy.Policy, error)
	// Clusters returns the member clusters that exist now.
	Clusters(ctx context.Context) ([]policy.Cluster, error)
	// NamespaceLabels returns the labels of a namespace; nil for "".
	NamespaceLabels(ctx context.Context, namespace string) (map[string]string, error)
	// Namespace reports whether a namespace is federated.
	Namespace(ctx context.Context, namespace string) (hostread.NamespaceFederation, error)
}

var _ Lookup = hostread.Reader{}

// federatedHandler validates any Federated<Kind> and enforces federation
// policy: field problems and Deny violations are rejected together, Warn
// violations become admission warnings, Audit violations are left to the
// policy status. A placement that names clusters that are not joined, and
// (with a Cluster-scoped control plane) an object of a namespaced type in
// a namespace that is not federated, are admitted with a warning: both go
// nowhere until the cluster joins or the namespace is federated. An update
// that leaves the spec and labels unchanged (for example a finalizer
// change) is admitted as is, so objects that predate a policy can still
// be deleted.
func federatedHandler(lookup Lookup, clusterScoped bool) admission.Handler {
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
		clusters, err := lookup.Clusters(ctx)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, fmt.Errorf("listing clusters: %w", err))
		}
		verdict, err := evaluate(ctx, lookup, req.Kind.Kind, obj, clusters)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		warnings := policy.Messages(verdict.WithEnforcement(v1alpha1.EnforcementWarn))
		denials := policy.Messages(verdict.WithEnforcement(v1alpha1.EnforcementDeny))
		if len(errs) > 0 || len(denials) > 0 {
			return deny(joinDenials(errs, denials)).WithWarnings(warnings...)
		}
		warnings = append(warnings, unknownClustersWarning(req.Kind.Kind, obj, clusters)...)
		if clusterScoped && target != nil && target.Namespaced() && obj.Metadata.Namespace != "" {
			warnings = append(warnings, namespaceWarning(ctx, lookup, req.Kind.Kind, obj)...)
		}
		return admission.Allowed("").WithWarnings(warnings...)
	})
}

// unknownClustersWarning warns when spec.placement.clusters names clusters
// that are not joined: a warning, not a denial, since they may join later.
func unknownClustersWarning(kind string, obj *typesvalidation.Object, clusters []policy.Cluster) []string {
	unknown := placement.Unknown(obj.Spec.Placement, clusters)
	if len(unknown) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s %s: spec.placement.clusters names %s, which %s not joined: nothing goes there until %s (kubectl fed join); joined clusters: %s",
		kind, objectName(obj), quoteAll(unknown), plural(len(unknown), "is", "are"), plural(len(unknown), "it joins", "they join"), joinedNames(clusters))}
}

// namespaceWarning warns when the object's namespace is not federated: with
// a Cluster-scoped control plane the object then goes to no cluster. A
// failure to find out is logged, never a reason to refuse.
func namespaceWarning(ctx context.Context, lookup Lookup, kind string, obj *typesvalidation.Object) []string {
	ns := obj.Metadata.Namespace
	state, err := lookup.Namespace(ctx, ns)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Checking whether the namespace is federated", "object", ns+"/"+obj.Metadata.Name)
		return nil
	}
	fix := "kubectl fed federate namespace " + ns
	switch state {
	case hostread.NamespaceFederated:
		return nil
	case hostread.NamespacesNotEnabled:
		fix = "kubectl fed enable namespaces && " + fix
	}
	return []string{fmt.Sprintf("%s %s: namespace %q is not federated, so this object goes to no cluster until it is; to federate it: %s",
		kind, objectName(obj), ns, fix)}
}

// objectName is namespace/name, or name for a cluster-scoped object.
func objectName(obj *typesvalidation.Object) string {
	if obj.Metadata.Namespace == "" {
		return obj.Metadata.Name
	}
	return obj.Metadata.Namespace + "/" + obj.Metadata.Name
}

// quoteAll quotes and joins names: "a", "b".
func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, ", ")
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinedNames lists the joined clusters' names, sorted, or "none".
func joinedNames(clusters []policy.Cluster) string {
	if len(clusters) == 0 {
		return "none"
	}
	names := make([]string, len(clusters))
	for i, c := range clusters {
		names[i] = c.Name
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// evaluate runs the policies that apply to the object against the
// clusters that exist now.
func evaluate(ctx context.Context, lookup Lookup, kind string, obj *typesvalidation.Object, clusters []policy.Cluster) (policy.Verdict, error) {
	in, policies, err := policyInput(ctx, lookup, kind, obj)
	if err != nil || len(policies) == 0 {
		return policy.Verdict{}, err
	}
	return policy.Evaluate(policies, in, clusters), nil
}

// policyInput returns the evaluator's view of the object and the policies
// of its namespace and cluster.
func policyInput(ctx context.Context, lookup Lookup, kind string, obj *typesvalidation.Object) (policy.Object, []policy.Policy, error) {
	ns := obj.Metadata.Namespace
	policies, err := lookup.Policies(ctx)
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
// that selects a federated object without spec.placement and, on create,
// the syncer's finalizer when the syncer propagates the type: the syncer
// then need not write the object once more to add it (it still adds it to
// objects that lack it).
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
		var ops []jsonpatch.JsonPatchOperation
		var msgs []string
		if req.Operation == admissionv1.Create && !slices.Contains(head.Metadata.Finalizers, core.SyncControllerFinalizer) {
			// An error leaves the finalizer to the syncer.
			if propagated, err := lookup.Propagated(ctx, req.Kind.Group, req.Kind.Kind); err == nil && propagated {
				if len(head.Metadata.Finalizers) == 0 {
					ops = append(ops, jsonpatch.NewOperation("add", "/metadata/finalizers", []string{core.SyncControllerFinalizer}))
				} else {
					ops = append(ops, jsonpatch.NewOperation("add", "/metadata/finalizers/-", core.SyncControllerFinalizer))
				}
				msgs = append(msgs, "finalizer "+core.SyncControllerFinalizer+" added")
			}
		}
		if head.Spec == nil || len(head.Spec.Placement) == 0 || bytes.Equal(head.Spec.Placement, []byte("null")) {
			obj := &typesvalidation.Object{Metadata: head.Metadata}
			in, policies, err := policyInput(ctx, lookup, req.Kind.Kind, obj)
			if err != nil {
				return admission.Errored(http.StatusInternalServerError, err)
			}
			if placement, from := policy.DefaultPlacement(policies, in); placement != nil {
				msgs = append(msgs, fmt.Sprintf("placement defaulted by %s", from))
				if head.Spec == nil {
					ops = append(ops, jsonpatch.NewOperation("add", "/spec", map[string]any{"placement": placement}))
				} else {
					ops = append(ops, jsonpatch.NewOperation("add", "/spec/placement", placement))
				}
			}
		}
		if len(ops) == 0 {
			return admission.Allowed("")
		}
		return admission.Patched(strings.Join(msgs, "; "), ops...)
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
