package syncer

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestRegionOverride overrides by cluster selector: an entry selecting
// topology.kubernetes.io/region=region-member1 applies to member1 only; an
// entry with an empty selector applies everywhere, and a later entry naming
// member2 wins over it there, because every matching entry applies in list
// order.
func TestRegionOverride(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "regional", object{
		"template":  object{"data": object{"registry": "global.example.com", "tier": "standard"}},
		"placement": everywhere,
		"overrides": []interface{}{
			object{"clusterSelector": object{"matchLabels": object{"topology.kubernetes.io/region": "region-member1"}},
				"clusterOverrides": []interface{}{object{"path": "/data/registry", "value": "eu.example.com"}}},
			object{"clusterSelector": object{}, "clusterOverrides": []interface{}{object{"path": "/data/tier", "value": "gold"}}},
			object{"clusterName": "member2", "clusterOverrides": []interface{}{object{"path": "/data/tier", "value": "platinum"}}},
		},
	})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "regional", "overridden for its region", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "eu.example.com")(cm) && cm.Data["tier"] == "gold"
	})
	memberConfigMap(t, "member2", ns, "regional", "not overridden for another region", func(cm *corev1.ConfigMap) bool {
		return hasData("registry", "global.example.com")(cm) && cm.Data["tier"] == "platinum"
	})
	propagationCondition(t, fcm, "True", "")
}
