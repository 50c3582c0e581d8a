package propagate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

// maxNamed bounds how many blocking objects a status message names.
const maxNamed = 5

// unmanagedIn lists (as resource/name, at most maxNamed) the objects of a
// member namespace that the federation neither manages nor caused
// (propagation.Unmanaged). Such a namespace is never deleted: that would
// delete them too.
func unmanagedIn(ctx context.Context, m clusterclient.Member, namespace string) ([]string, error) {
	lists, err := m.Conn.Discovery.ServerPreferredNamespacedResources()
	if len(lists) == 0 && err != nil {
		return nil, fmt.Errorf("discovering the namespaced types of cluster %s: %w", m.Name, err)
	}
	var found []string
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			resource := schema.GroupResource{Group: gv.Group, Resource: r.Name}
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || propagation.Derived(resource) {
				continue
			}
			objects, err := m.Conn.Dynamic.Resource(gv.WithResource(r.Name)).Namespace(namespace).List(ctx, metav1.ListOptions{Limit: 100})
			if err != nil {
				continue // a type the syncer may not read holds nothing it could judge
			}
			for i := range objects.Items {
				if propagation.Unmanaged(resource, &objects.Items[i]) {
					found = append(found, r.Name+"/"+objects.Items[i].GetName())
					if len(found) == maxNamed {
						return found, nil
					}
				}
			}
		}
	}
	return found, nil
}
