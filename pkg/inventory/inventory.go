// Package inventory maps between kubectl-fed's member clusters and the
// SIG-Multicluster cluster inventory (sigs.k8s.io/cluster-inventory-api):
// the labels a ClusterProfile gives its member cluster, the condition the
// syncer reports on a consumed profile, and the ClusterProfile written for
// a joined KubeFedCluster, and the PlacementDecision of a federated object.
// It makes decisions only; the syncer reads and writes.
package inventory

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

// ClusterManagerName is the cluster manager name of the ClusterProfiles
// kubectl-fed writes (spec.clusterManager.name and the
// x-k8s.io/cluster-manager label). Profiles of this manager are never
// consumed as member clusters: they describe joined ones.
const ClusterManagerName = "kubectl-fed"

// ConditionMemberReady is the condition the syncer sets on a consumed
// ClusterProfile: whether the cluster is a ready member, and if not, why
// (no access provider matches, the credential plugin fails, the API server
// is unreachable, the name is also a KubeFedCluster's).
const ConditionMemberReady = "KubeFedMemberReady"

// Property names that are also read as (and written from) the topology
// labels.
const (
	PropertyRegion = "region"
	PropertyZone   = "zone"
)

// Ours reports whether kubectl-fed wrote the profile (it describes a
// joined cluster).
func Ours(p *inventoryv1alpha1.ClusterProfile) bool {
	return p.Spec.ClusterManager.Name == ClusterManagerName
}

// Labels returns the labels of the member cluster a profile defines, which
// placement and policies select on: each property whose name and value are
// a valid label key and value, the region and zone properties also as the
// topology labels (topology.kubernetes.io/region and zone), and over them
// the profile's own labels.
func Labels(p *inventoryv1alpha1.ClusterProfile) map[string]string {
	out := map[string]string{}
	for _, prop := range p.Status.Properties {
		if len(validation.IsValidLabelValue(prop.Value)) > 0 {
			continue
		}
		switch prop.Name {
		case PropertyRegion:
			out[corev1.LabelTopologyRegion] = prop.Value
		case PropertyZone:
			out[corev1.LabelTopologyZone] = prop.Value
		}
		if len(validation.IsQualifiedName(prop.Name)) == 0 {
			out[prop.Name] = prop.Value
		}
	}
	maps.Copy(out, p.Labels)
	return out
}

// MemberCondition is the ConditionMemberReady condition for a profile
// whose cluster has the given (smoothed) health conditions: the Ready
// condition's status, reason and message. generation is the profile's.
func MemberCondition(health []corev1beta1.ClusterCondition, generation int64) metav1.Condition {
	c := metav1.Condition{Type: ConditionMemberReady, Status: metav1.ConditionUnknown, Reason: "NotProbed",
		Message: "the cluster has not been probed yet", ObservedGeneration: generation}
	for _, h := range health {
		if h.Type != corev1beta1.ClusterReady {
			continue
		}
		c.Status = metav1.ConditionStatus(h.Status)
		c.Reason, c.Message = h.Reason, h.Message
		if h.LastTransitionTime != nil {
			c.LastTransitionTime = *h.LastTransitionTime
		}
	}
	return c
}

// PublishedHealth is the inverse of MemberCondition: the Ready health
// condition a profile's ConditionMemberReady condition records (none when
// it has none, or it is Unknown), so that a syncer that starts again goes
// on from what was published, as it does from a KubeFedCluster's status.
func PublishedHealth(p *inventoryv1alpha1.ClusterProfile) []corev1beta1.ClusterCondition {
	c := meta.FindStatusCondition(p.Status.Conditions, ConditionMemberReady)
	if c == nil || c.Status == metav1.ConditionUnknown {
		return nil
	}
	since := c.LastTransitionTime
	return []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionStatus(c.Status),
		Reason: c.Reason, Message: c.Message, LastProbeTime: since, LastTransitionTime: &since}}
}

// WithCondition returns the conditions with c set (replacing the one of its
// type; an unchanged status keeps its transition time) and whether that
// changed them.
func WithCondition(conditions []metav1.Condition, c metav1.Condition) ([]metav1.Condition, bool) {
	out := slices.Clone(conditions)
	if c.LastTransitionTime.IsZero() {
		c.LastTransitionTime = metav1.Now()
	}
	changed := meta.SetStatusCondition(&out, c)
	return out, changed
}

// Produced returns the ClusterProfile kubectl-fed keeps in namespace for a
// joined cluster, based on the current one (nil when there is none):
// labels and the cluster manager, the ControlPlaneHealthy condition from
// the KubeFedCluster's Ready condition, the Kubernetes version, and the
// region and zone properties. Unchanged conditions and properties keep
// their times, so that an unchanged cluster gives an equal profile.
func Produced(cluster *corev1beta1.KubeFedCluster, namespace string, current *inventoryv1alpha1.ClusterProfile, now metav1.Time) *inventoryv1alpha1.ClusterProfile {
	p := &inventoryv1alpha1.ClusterProfile{}
	if current != nil {
		p = current.DeepCopy()
	}
	p.Namespace, p.Name = namespace, cluster.Name
	labels := maps.Clone(cluster.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[inventoryv1alpha1.LabelClusterManagerKey] = ClusterManagerName
	p.Labels = labels
	p.Spec.ClusterManager.Name = ClusterManagerName
	if p.Spec.DisplayName == "" {
		p.Spec.DisplayName = cluster.Name
	}
	p.Status.Conditions, _ = WithCondition(p.Status.Conditions, controlPlaneHealthy(cluster, p.Generation, now))
	p.Status.Version.Kubernetes = cluster.Status.KubernetesVersion
	p.Status.Properties = properties(cluster, p.Status.Properties, now)
	return p
}

// controlPlaneHealthy is the ControlPlaneHealthy condition of a joined
// cluster: its Ready condition, or Unknown before the first probe.
func controlPlaneHealthy(cluster *corev1beta1.KubeFedCluster, generation int64, now metav1.Time) metav1.Condition {
	c := MemberCondition(cluster.Status.Conditions, generation)
	c.Type = inventoryv1alpha1.ClusterConditionControlPlaneHealthy
	if c.LastTransitionTime.IsZero() {
		c.LastTransitionTime = now
	}
	return c
}

// properties are the region and zone properties of a joined cluster;
// an unchanged one keeps its observation time.
func properties(cluster *corev1beta1.KubeFedCluster, old []inventoryv1alpha1.Property, now metav1.Time) []inventoryv1alpha1.Property {
	var out []inventoryv1alpha1.Property
	add := func(name, value string) {
		if value == "" {
			return
		}
		prop := inventoryv1alpha1.Property{Name: name, Value: value, LastObservedTime: now}
		for _, o := range old {
			if o.Name == name && o.Value == value {
				prop.LastObservedTime = o.LastObservedTime
			}
		}
		out = append(out, prop)
	}
	if cluster.Status.Region != nil {
		add(PropertyRegion, *cluster.Status.Region)
	}
	add(PropertyZone, strings.Join(cluster.Status.Zones, ","))
	return out
}

// SameProfile reports whether two profiles carry the same labels, spec and
// status, so that writing one over the other would change nothing.
func SameProfile(a, b *inventoryv1alpha1.ClusterProfile) bool {
	return maps.Equal(a.Labels, b.Labels) && equality.Semantic.DeepEqual(a.Spec, b.Spec) && equality.Semantic.DeepEqual(a.Status, b.Status)
}

// PlacementDecisionName names the PlacementDecision of a federated object
// of kind: the lowercased kind and the object's name.
func PlacementDecisionName(kind, name string) string {
	return strings.ToLower(kind) + "-" + name
}

// PlacedClusters returns the clusters a federated object is placed on, as
// its status lists them (sorted), without those it is being removed from
// and, for a scheduled workload, those its replica plan gives no replicas
// (a /spec/replicas override of 0).
func PlacedClusters(status []typesv1beta1.ClusterStatus, overrides []typesv1beta1.Override) []string {
	idle := map[string]bool{}
	for _, o := range overrides {
		for _, op := range o.ClusterOverrides {
			if op.Path == scheduling.ReplicasPath && op.Value != nil && strings.TrimSpace(string(op.Value.Raw)) == "0" {
				idle[o.ClusterName] = true
			}
		}
	}
	var out []string
	for _, c := range status {
		if c.Status != typesv1beta1.WaitingForRemoval && !idle[c.Name] {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// PlacementDecision is the decision naming clusters, each referring to the
// ClusterProfile in profileNamespace(cluster) ("" for the decision's own
// namespace).
func PlacementDecision(namespace, name string, clusters []string, profileNamespace func(cluster string) string) *inventoryv1alpha1.PlacementDecision {
	pd := &inventoryv1alpha1.PlacementDecision{
		TypeMeta:      metav1.TypeMeta{APIVersion: inventoryv1alpha1.GroupVersion.String(), Kind: inventoryv1alpha1.PlacementDecisionKind},
		ObjectMeta:    metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{inventoryv1alpha1.LabelClusterManagerKey: ClusterManagerName}},
		Decisions:     []inventoryv1alpha1.ClusterDecision{},
		SchedulerName: ClusterManagerName,
	}
	for _, c := range clusters {
		pd.Decisions = append(pd.Decisions, inventoryv1alpha1.ClusterDecision{
			ClusterProfileRef: inventoryv1alpha1.ClusterProfileReference{Name: c, Namespace: profileNamespace(c)}})
	}
	return pd
}
