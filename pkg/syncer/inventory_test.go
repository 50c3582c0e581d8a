package syncer

import (
	"maps"
	"slices"
	"testing"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

func TestInventorySettingsAndCachedNamespaces(t *testing.T) {
	tests := []struct {
		name           string
		cfg            *corev1beta1.InventoryConfig
		want           corev1beta1.InventoryConfig
		cacheNamespace []string
	}{
		{"off", nil, corev1beta1.InventoryConfig{}, nil},
		{"from the KubeFedConfig", &corev1beta1.InventoryConfig{Namespace: "fleet", ProfileNamespace: "out", PlacementDecisions: true},
			corev1beta1.InventoryConfig{Namespace: "fleet", ProfileNamespace: "out", PlacementDecisions: true}, []string{"fleet", "out"}},
		{"one namespace for both", &corev1beta1.InventoryConfig{Namespace: "fleet", ProfileNamespace: "fleet"},
			corev1beta1.InventoryConfig{Namespace: "fleet", ProfileNamespace: "fleet"}, []string{"fleet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newInventorySettings(tt.cfg)
			if got.InventoryConfig != tt.want {
				t.Errorf("settings = %+v, want %+v", got.InventoryConfig, tt.want)
			}
			if namespaces := slices.Sorted(maps.Keys(got.cacheNamespaces())); !slices.Equal(namespaces, tt.cacheNamespace) {
				t.Errorf("cached namespaces = %v, want %v", namespaces, tt.cacheNamespace)
			}
		})
	}
}

func TestInventoryFlagsWriteOnlyWhatDiffers(t *testing.T) {
	str := func(s string) *string { return &s }
	yes, no := true, false
	fleet := &corev1beta1.InventoryConfig{Namespace: "fleet", ProfileNamespace: "out", PlacementDecisions: true}
	tests := []struct {
		name    string
		flags   InventoryFlags
		cfg     *corev1beta1.InventoryConfig
		want    *corev1beta1.InventoryConfig
		changes []string
	}{
		{"no flags, no inventory", InventoryFlags{}, nil, nil, nil},
		{"no flags keep the KubeFedConfig's", InventoryFlags{}, fleet, fleet, nil},
		{"the same values write nothing", InventoryFlags{Namespace: str("fleet"), ProfileNamespace: str("out"), PlacementDecisions: &yes}, fleet, fleet, nil},
		{"false on an unset inventory writes nothing", InventoryFlags{PlacementDecisions: &no}, nil, nil, nil},
		{"a namespace on an unset inventory", InventoryFlags{Namespace: str("fleet")}, nil,
			&corev1beta1.InventoryConfig{Namespace: "fleet"}, []string{"spec.inventory.namespace set from --inventory-namespace=\"fleet\""}},
		{"only the given flags change", InventoryFlags{Namespace: str("other"), PlacementDecisions: &no}, fleet,
			&corev1beta1.InventoryConfig{Namespace: "other", ProfileNamespace: "out"},
			[]string{`spec.inventory.namespace set from --inventory-namespace="other"`, `spec.inventory.placementDecisions set from --placement-decisions="false"`}},
		{"an empty value turns a part off", InventoryFlags{ProfileNamespace: str("")}, fleet,
			&corev1beta1.InventoryConfig{Namespace: "fleet", PlacementDecisions: true},
			[]string{`spec.inventory.profileNamespace set from --cluster-profile-namespace=""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fleet.DeepCopy()
			got, changes := tt.flags.apply(tt.cfg)
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("inventory = %+v, want %+v", got, tt.want)
			}
			if !slices.Equal(changes, tt.changes) {
				t.Errorf("changes = %q, want %q", changes, tt.changes)
			}
			if *fleet != *before {
				t.Errorf("apply modified its input: %+v", fleet)
			}
		})
	}
}
