package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/policy"
)

// clientLookup implements Lookup over a (cached) client. FederatedTypeConfigs
// and KubeFedClusters are read from the KubeFed namespace.
type clientLookup struct {
	reader           client.Reader
	kubeFedNamespace string
}

var _ Lookup = &clientLookup{}

// TargetType finds the FederatedTypeConfig of a federated group and kind.
func (l *clientLookup) TargetType(ctx context.Context, group, kind string) (*corev1beta1.APIResource, error) {
	ftcs := &corev1beta1.FederatedTypeConfigList{}
	if err := l.reader.List(ctx, ftcs, client.InNamespace(l.kubeFedNamespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing FederatedTypeConfigs in %s: %w", l.kubeFedNamespace, err)
	}
	for i := range ftcs.Items {
		ft := ftcs.Items[i].Spec.FederatedType
		if ft.Group == group && ft.Kind == kind {
			target := ftcs.Items[i].Spec.TargetType
			return &target, nil
		}
	}
	return nil, nil
}

// Policies lists the namespace's FederationPolicies and every
// ClusterFederationPolicy.
func (l *clientLookup) Policies(ctx context.Context, namespace string) ([]policy.Policy, error) {
	var out []policy.Policy
	if namespace != "" {
		fps := &policyv1alpha1.FederationPolicyList{}
		if err := l.reader.List(ctx, fps, client.InNamespace(namespace)); err != nil {
			return nil, fmt.Errorf("listing FederationPolicies in %s: %w", namespace, err)
		}
		for i := range fps.Items {
			out = append(out, policy.FromFederationPolicy(&fps.Items[i]))
		}
	}
	cfps := &policyv1alpha1.ClusterFederationPolicyList{}
	if err := l.reader.List(ctx, cfps); err != nil {
		return nil, fmt.Errorf("listing ClusterFederationPolicies: %w", err)
	}
	for i := range cfps.Items {
		out = append(out, policy.FromClusterFederationPolicy(&cfps.Items[i]))
	}
	return out, nil
}

// Clusters lists the KubeFedClusters.
func (l *clientLookup) Clusters(ctx context.Context) ([]policy.Cluster, error) {
	list := &corev1beta1.KubeFedClusterList{}
	if err := l.reader.List(ctx, list, client.InNamespace(l.kubeFedNamespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing KubeFedClusters in %s: %w", l.kubeFedNamespace, err)
	}
	out := make([]policy.Cluster, 0, len(list.Items))
	for _, c := range list.Items {
		out = append(out, policy.Cluster{Name: c.Name, Labels: c.Labels})
	}
	return out, nil
}

// NamespaceLabels reads a namespace's labels.
func (l *clientLookup) NamespaceLabels(ctx context.Context, namespace string) (map[string]string, error) {
	if namespace == "" {
		return nil, nil
	}
	ns := &corev1.Namespace{}
	if err := l.reader.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return nil, fmt.Errorf("reading namespace %s: %w", namespace, err)
	}
	return ns.Labels, nil
}
