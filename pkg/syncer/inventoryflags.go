package syncer

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
)

// The syncer's inventory flags.
const (
	flagInventoryNamespace      = "inventory-namespace"
	flagClusterProfileNamespace = "cluster-profile-namespace"
	flagPlacementDecisions      = "placement-decisions"
)

// InventoryFlags are the syncer's inventory flags given on its command line
// (nil: not given). They are not settings of their own: at start the syncer
// writes them into the KubeFedConfig's spec.inventory, the one source the
// syncer, the webhook and kubectl fed join read.
type InventoryFlags struct {
	// Namespace is --inventory-namespace: spec.inventory.namespace.
	Namespace *string
	// ProfileNamespace is --cluster-profile-namespace:
	// spec.inventory.profileNamespace.
	ProfileNamespace *string
	// PlacementDecisions is --placement-decisions:
	// spec.inventory.placementDecisions.
	PlacementDecisions *bool
}

// apply returns inv with the given flags' values, and one line per field
// that changes (`spec.inventory.namespace set from --inventory-namespace="fleet"`);
// no lines when nothing differs. inv is not modified.
func (f InventoryFlags) apply(inv *corev1beta1.InventoryConfig) (*corev1beta1.InventoryConfig, []string) {
	out := &corev1beta1.InventoryConfig{}
	if inv != nil {
		*out = *inv
	}
	var changes []string
	set := func(field, flag string, differs bool, value any) {
		if differs {
			changes = append(changes, fmt.Sprintf("spec.inventory.%s set from --%s=%q", field, flag, fmt.Sprint(value)))
		}
	}
	if f.Namespace != nil {
		set("namespace", flagInventoryNamespace, out.Namespace != *f.Namespace, *f.Namespace)
		out.Namespace = *f.Namespace
	}
	if f.ProfileNamespace != nil {
		set("profileNamespace", flagClusterProfileNamespace, out.ProfileNamespace != *f.ProfileNamespace, *f.ProfileNamespace)
		out.ProfileNamespace = *f.ProfileNamespace
	}
	if f.PlacementDecisions != nil {
		set("placementDecisions", flagPlacementDecisions, out.PlacementDecisions != *f.PlacementDecisions, *f.PlacementDecisions)
		out.PlacementDecisions = *f.PlacementDecisions
	}
	if len(changes) == 0 {
		return inv, nil
	}
	return out, changes
}

// writeInventoryFlags writes the given inventory flags into cfg's
// spec.inventory on the host, in one merge patch of the fields that
// differ, as KubeFed's controller manager wrote its defaults into the
// KubeFedConfig at start; nothing is written when nothing differs. cfg (as
// loaded, possibly defaulted) is updated in memory to match.
func writeInventoryFlags(ctx context.Context, c client.Client, cfg *corev1beta1.KubeFedConfig, flags InventoryFlags) (changes []string, err error) {
	inv, changes := flags.apply(cfg.Spec.Inventory)
	if len(changes) == 0 {
		return nil, nil
	}
	if errs := validation.ValidateInventory(inv, field.NewPath("spec", "inventory")); len(errs) > 0 {
		return nil, fmt.Errorf("the inventory flags (%s) would make KubeFedConfig %s/%s invalid: %v; give a valid namespace name",
			strings.Join(changes, ", "), cfg.Namespace, cfg.Name, errs.ToAggregate())
	}
	patched := cfg.DeepCopy()
	patched.Spec.Inventory = inv
	if err := c.Patch(ctx, patched, client.MergeFrom(cfg)); err != nil {
		return nil, fmt.Errorf("writing the inventory flags (%s) into KubeFedConfig %s/%s: %w; the syncer needs patch on it (manifests/syncer/role.yaml)",
			strings.Join(changes, ", "), cfg.Namespace, cfg.Name, err)
	}
	cfg.Spec.Inventory = inv
	cfg.Generation, cfg.ResourceVersion = patched.Generation, patched.ResourceVersion
	return changes, nil
}

// inventoryFlagValues are the inventory flags as parsed.
type inventoryFlagValues struct {
	namespace, profileNamespace string
	placementDecisions          bool
}

// addInventoryFlags adds the inventory flags to f.
func addInventoryFlags(f *pflag.FlagSet) *inventoryFlagValues {
	v := &inventoryFlagValues{}
	f.StringVar(&v.namespace, flagInventoryNamespace, "",
		"Written at start into the KubeFedConfig's spec.inventory.namespace (the one place the syncer, the webhook and kubectl fed join read it): "+
			"each ClusterProfile in this namespace is a member cluster. Unset leaves the KubeFedConfig as it is")
	f.StringVar(&v.profileNamespace, flagClusterProfileNamespace, "",
		"Written at start into the KubeFedConfig's spec.inventory.profileNamespace: a ClusterProfile is kept there for each joined cluster (\"\" turns it off). "+
			"Unset leaves the KubeFedConfig as it is")
	f.BoolVar(&v.placementDecisions, flagPlacementDecisions, false,
		"Written at start into the KubeFedConfig's spec.inventory.placementDecisions: keep a PlacementDecision (multicluster.x-k8s.io) beside each federated object naming its clusters. "+
			"Unset leaves the KubeFedConfig as it is")
	return v
}

// given returns the inventory flags given on f's command line.
func (v *inventoryFlagValues) given(f *pflag.FlagSet) InventoryFlags {
	var out InventoryFlags
	if f.Changed(flagInventoryNamespace) {
		out.Namespace = &v.namespace
	}
	if f.Changed(flagClusterProfileNamespace) {
		out.ProfileNamespace = &v.profileNamespace
	}
	if f.Changed(flagPlacementDecisions) {
		out.PlacementDecisions = &v.placementDecisions
	}
	return out
}
