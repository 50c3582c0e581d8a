package cli

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// LogAction logs, at level 1 (-v=1), a write a command makes: a constant
// message with the keys cluster, type and object, as the syncer's logs do.
func LogAction(ctx context.Context, msg string, cluster *Cluster, obj client.Object) {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if kind == "" {
		if gvk, err := apiutil.GVKForObject(obj, Scheme); err == nil {
			kind = gvk.Kind
		}
	}
	ctrllog.FromContext(ctx).V(1).Info(msg, "cluster", cluster.Name, "type", kind, "object", client.ObjectKeyFromObject(obj).String())
}
