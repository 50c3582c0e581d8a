package enable

import (
	"fmt"
	"os"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// EnableTypeDirectiveKind is the kind of the file `enable -f` reads.
const EnableTypeDirectiveKind = "EnableTypeDirective"

// EnableTypeDirective is KubeFed's file format for `enable -f`: the target
// type's name and version, and the group and version of its federated type.
type EnableTypeDirective struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec says how to federate the type.
	Spec EnableTypeDirectiveSpec `json:"spec"`
}

// EnableTypeDirectiveSpec is the spec of an EnableTypeDirective.
type EnableTypeDirectiveSpec struct {
	// TargetVersion restricts the target to this version; empty means the
	// preferred version.
	TargetVersion string `json:"targetVersion,omitempty"`
	// FederatedGroup is the federated type's group (default types.kubefed.io).
	FederatedGroup string `json:"federatedGroup,omitempty"`
	// FederatedVersion is the federated type's version (default v1beta1).
	FederatedVersion string `json:"federatedVersion,omitempty"`
}

// ReadDirective reads an EnableTypeDirective strictly and fills the
// defaults.
func ReadDirective(path string) (*EnableTypeDirective, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &EnableTypeDirective{}
	if err := yaml.UnmarshalStrict(data, d); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if want := corev1beta1.GroupVersion.String(); d.APIVersion != want || d.Kind != EnableTypeDirectiveKind {
		return nil, fmt.Errorf("%s: expected apiVersion %s and kind %s, got %q and %q", path, want, EnableTypeDirectiveKind, d.APIVersion, d.Kind)
	}
	if d.Name == "" {
		return nil, fmt.Errorf("%s: metadata.name (the type to enable) is required", path)
	}
	if d.Spec.FederatedGroup == "" {
		d.Spec.FederatedGroup = typesv1beta1.DefaultFederatedGroup
	}
	if d.Spec.FederatedVersion == "" {
		d.Spec.FederatedVersion = typesv1beta1.DefaultFederatedVersion
	}
	return d, nil
}

// TypeConfig returns the FederatedTypeConfig that enables target, in the
// KubeFed namespace, named after the target's group-qualified plural.
// Workload types (see CollectsStatusByDefault) get statusCollection
// Enabled; other types leave it unset, as KubeFed did.
func TypeConfig(namespace string, target typesv1beta1.TargetType, federatedGroup, federatedVersion string) *corev1beta1.FederatedTypeConfig {
	t := target.APIResource()
	ftc := &corev1beta1.FederatedTypeConfig{
		TypeMeta:   metav1.TypeMeta{APIVersion: corev1beta1.GroupVersion.String(), Kind: "FederatedTypeConfig"},
		ObjectMeta: metav1.ObjectMeta{Name: t.QualifiedName(), Namespace: namespace},
		Spec: corev1beta1.FederatedTypeConfigSpec{
			TargetType:    t,
			FederatedType: typesv1beta1.FederatedAPIResource(target, federatedGroup, federatedVersion),
			Propagation:   corev1beta1.PropagationEnabled,
		},
	}
	if CollectsStatusByDefault(t) {
		mode := corev1beta1.StatusCollectionEnabled
		ftc.Spec.StatusCollection = &mode
	}
	return ftc
}

// statusCollectedTypes are the group-qualified plurals of the workload
// types whose member status is collected by default: the kinds the status
// aggregation understands.
var statusCollectedTypes = []string{
	"deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps", "jobs.batch", "services",
}

// CollectsStatusByDefault reports whether `kubectl fed enable` turns status
// collection on for target without being asked: for Deployments,
// ReplicaSets, StatefulSets, DaemonSets, Jobs and Services.
func CollectsStatusByDefault(target corev1beta1.APIResource) bool {
	return contains(statusCollectedTypes, target.QualifiedName())
}

// equivalentGroupVersions lists, per plural, the group/versions that served
// the same type over the years; an FTC for one of them enables them all.
var equivalentGroupVersions = map[string][]string{
	"deployments":         {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"},
	"daemonsets":          {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"},
	"replicasets":         {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"},
	"statefulsets":        {"apps/v1", "apps/v1beta1", "apps/v1beta2"},
	"networkpolicies":     {"networking.k8s.io/v1", "extensions/v1beta1"},
	"podsecuritypolicies": {"policy/v1beta1", "extensions/v1beta1"},
	"ingresses":           {"networking.k8s.io/v1beta1", "extensions/v1beta1"},
}

// Equivalent reports whether two target types are the same type served
// under different (deprecated) groups: same plural, different group, both
// group/versions listed for that plural.
func Equivalent(a, b corev1beta1.APIResource) bool {
	if a.PluralName != b.PluralName || a.Group == b.Group {
		return false
	}
	gvs := equivalentGroupVersions[a.PluralName]
	return contains(gvs, a.GroupVersion().String()) && contains(gvs, b.GroupVersion().String())
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// CRDScalable reports whether a target CRD's schema, for version, has an
// integer spec.replicas, which gives the federated type retainReplicas.
func CRDScalable(crd *apiextensionsv1.CustomResourceDefinition, version string) bool {
	for _, v := range crd.Spec.Versions {
		if v.Name != version || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		replicas := v.Schema.OpenAPIV3Schema.Properties["spec"].Properties["replicas"]
		return replicas.Type == "integer"
	}
	return false
}

// kubeFedNamespaceHint says how to choose another control plane.
func kubeFedNamespaceHint(ns string) string {
	return fmt.Sprintf("is the control plane installed in namespace %s of the host cluster? (--%s chooses another one)", ns, cli.KubeFedNamespaceFlag)
}
