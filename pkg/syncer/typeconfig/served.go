package typeconfig

import (
	"context"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
)

// hostName names the host cluster in conditions.
const hostName = "the host"

// servedTypes is what discovery said about a FederatedTypeConfig's types.
type servedTypes struct {
	// checked is set when the host was asked at all.
	checked bool
	// federatedMissing is set when the host does not serve the federated type.
	federatedMissing bool
	// targetMissingIn names the clusters (hostName for the host) that do
	// not serve the target type.
	targetMissingIn []string
}

// findServed asks the host and every ready member which of the type's
// resources they serve. A cluster that does not answer counts as serving
// them: only a clear "no" is reported.
func (r *Reconciler) findServed(ctx context.Context, ftc *corev1beta1.FederatedTypeConfig) servedTypes {
	var found servedTypes
	if r.Discovery == nil {
		return found
	}
	log := ctrl.LoggerFrom(ctx)
	found.checked = true
	if ok, err := clusterclient.Served(r.Discovery, ftc.Spec.FederatedType.GroupVersionResource()); err == nil {
		found.federatedMissing = !ok
	} else {
		log.V(1).Info("cannot tell whether the host serves the federated type", "type", ftc.Name, "error", err.Error())
	}
	target := ftc.Spec.TargetType.GroupVersionResource()
	if ok, err := clusterclient.Served(r.Discovery, target); err == nil && !ok {
		found.targetMissingIn = append(found.targetMissingIn, hostName)
	}
	if r.Members == nil {
		return found
	}
	for _, m := range r.Members.List() {
		if !m.Ready || m.Conn == nil {
			continue
		}
		if ok, err := clusterclient.Served(m.Conn.Discovery, target); err == nil && !ok {
			found.targetMissingIn = append(found.targetMissingIn, m.Name)
		}
	}
	return found
}

// conditions turns what was found into the FederatedTypeConfig's
// TargetTypeServed and FederatedTypeServed conditions.
func (f servedTypes) conditions(ftc *corev1beta1.FederatedTypeConfig) []metav1.Condition {
	if !f.checked {
		return nil
	}
	federated := metav1.Condition{Type: corev1beta1.FederatedTypeServed, Status: metav1.ConditionTrue, Reason: "Served",
		Message: "the host serves " + clusterclient.DescribeResource(ftc.Spec.FederatedType.GroupVersionResource())}
	if f.federatedMissing {
		federated.Status, federated.Reason = metav1.ConditionFalse, "FederatedTypeNotServed"
		federated.Message = fmt.Sprintf("the host does not serve %s (its CustomResourceDefinition is missing): the type is not propagated; run `kubectl fed enable %s` to create it again",
			clusterclient.DescribeResource(ftc.Spec.FederatedType.GroupVersionResource()), ftc.Name)
	}
	target := metav1.Condition{Type: corev1beta1.TargetTypeServed, Status: metav1.ConditionTrue, Reason: "Served",
		Message: "the host and every ready member serve " + clusterclient.DescribeResource(ftc.Spec.TargetType.GroupVersionResource())}
	if len(f.targetMissingIn) > 0 {
		target.Status, target.Reason = metav1.ConditionFalse, "TargetTypeNotServed"
		target.Message = fmt.Sprintf("%s is not served by %s (its CustomResourceDefinition is missing there): nothing of this type is propagated there, and deleting a federated object does not wait for member objects there",
			clusterclient.DescribeResource(ftc.Spec.TargetType.GroupVersionResource()), strings.Join(f.targetMissingIn, ", "))
	}
	return []metav1.Condition{federated, target}
}

// schemaCondition checks that the federated CRD declares every status field
// the syncer writes (a CRD created by KubeFed lacks some, and the API server
// drops them). ok is false when it cannot tell.
func (r *Reconciler) schemaCondition(ctx context.Context, ftc *corev1beta1.FederatedTypeConfig, found servedTypes) (metav1.Condition, bool) {
	if r.CRDs == nil || found.federatedMissing {
		return metav1.Condition{}, false
	}
	name := ftc.Spec.FederatedType.QualifiedName()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := r.CRDs.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
		ctrl.LoggerFrom(ctx).V(1).Info("cannot read the federated CRD", "type", ftc.Name, "error", err.Error())
		return metav1.Condition{}, false
	}
	return schemaCondition(ftc, name, typesv1beta1.StatusFieldsMissing(crd)), true
}

// schemaCondition is the FederatedSchemaCurrent condition of a federated
// CRD that lacks the missing status fields.
func schemaCondition(ftc *corev1beta1.FederatedTypeConfig, crdName string, missing []string) metav1.Condition {
	if len(missing) == 0 {
		return metav1.Condition{Type: corev1beta1.FederatedSchemaCurrent, Status: metav1.ConditionTrue, Reason: "Current",
			Message: "CustomResourceDefinition " + crdName + " declares every status field the syncer writes"}
	}
	return metav1.Condition{Type: corev1beta1.FederatedSchemaCurrent, Status: metav1.ConditionFalse, Reason: "FederatedSchemaOutdated",
		Message: fmt.Sprintf("CustomResourceDefinition %s lacks %s, which the syncer writes and the API server therefore drops (a CRD created by KubeFed?); run `kubectl fed enable %s` to upgrade it",
			crdName, strings.Join(missing, ", "), ftc.Name)}
}
