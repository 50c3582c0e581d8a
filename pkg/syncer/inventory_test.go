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
