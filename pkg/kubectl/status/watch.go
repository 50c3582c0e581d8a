package status

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
)

// ageColumn is the index of AGE in ObjectRow, left out when deciding
// whether a row changed.
const ageColumn = 4

// rowKey renders a row's texts, except skip (-1 for none), for comparison.
func rowKey(row []Cell, skip int) string {
	texts := make([]string, 0, len(row))
	for i, c := range row {
		if i != skip {
			texts = append(texts, c.Text)
		}
	}
	return strings.Join(texts, "\x00")
}

// watchEvents watches the federated objects of t from resourceVersion and
// calls handle for each added, modified or deleted object until ctx ends
// (which is not an error: the user stopped watching).
func watchEvents(ctx context.Context, host *cli.Cluster, t Type, namespace, name, resourceVersion string, handle func(watch.EventType, *unstructured.Unstructured) (bool, error)) error {
	fed := t.Config.Spec.FederatedType
	if !namespaced(t) {
		namespace = ""
	}
	return watchResource(ctx, host, schema.GroupVersionResource{Group: fed.Group, Version: fed.Version, Resource: fed.PluralName}, namespace, name, resourceVersion, handle)
}

// watchResource watches the objects of gvr (in namespace, unless "")
// from resourceVersion and calls handle for each added, modified or
// deleted object until ctx ends or handle says it is done.
func watchResource(ctx context.Context, host *cli.Cluster, gvr schema.GroupVersionResource, namespace, name, resourceVersion string, handle func(watch.EventType, *unstructured.Unstructured) (bool, error)) error {
	dyn, err := dynamic.NewForConfig(host.Config)
	if err != nil {
		return fmt.Errorf("connecting to the host cluster (context %q): %w", host.Name, err)
	}
	all := dyn.Resource(gvr)
	var resource dynamic.ResourceInterface = all
	if namespace != "" {
		resource = all.Namespace(namespace)
	}
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		if name != "" {
			opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}
		return resource.Watch(ctx, opts)
	}}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, resourceVersion, lw)
	if err != nil {
		return fmt.Errorf("watching %s: %w", gvr.GroupResource(), err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("the watch of %s ended: run the command again", gvr.GroupResource())
			}
			switch ev.Type {
			case watch.Added, watch.Modified, watch.Deleted:
				u, ok := ev.Object.(*unstructured.Unstructured)
				if !ok {
					continue
				}
				done, err := handle(ev.Type, u)
				if err != nil || done {
					return err
				}
			case watch.Error:
				return fmt.Errorf("watching %s: %w", gvr.GroupResource(), apierrors.FromObject(ev.Object))
			}
		}
	}
}

// watchType prints a row of ObjectsTable each time an object's row
// changes, aligned with the table printed first.
func (o *Options) watchType(ctx context.Context, host *cli.Cluster, t Type, namespace string, withNamespace bool, table Table, resourceVersion string) error {
	ropts := o.renderOptions()
	ropts.MinWidths = ColumnWidths(table, ropts)
	ropts.NoHeaders = true
	skip := ageColumn
	if withNamespace {
		skip++
	}
	printed := map[string]string{}
	for _, row := range table.Rows {
		id := row[0].Text
		if withNamespace {
			id += "/" + row[1].Text
		}
		printed[id] = rowKey(row, skip)
	}
	return watchEvents(ctx, host, t, namespace, "", resourceVersion, func(ev watch.EventType, u *unstructured.Unstructured) (bool, error) {
		obj := ObjectFrom(u)
		row := ObjectRow(t, obj, o.Now())
		if ev == watch.Deleted {
			row[3] = Cell{Text: "Deleted", Colour: Yellow}
		}
		id := obj.Name
		if withNamespace {
			row = append([]Cell{{Text: obj.Namespace}}, row...)
			id = obj.Namespace + "/" + obj.Name
		}
		key := rowKey(row, skip)
		if printed[id] == key {
			return false, nil
		}
		printed[id] = key
		if ev == watch.Deleted {
			delete(printed, id)
		}
		return false, Render(o.streams.Out, Table{Columns: table.Columns, Rows: [][]Cell{row}}, ropts)
	})
}

// watchObject prints a row of ClustersTable each time a cluster's row
// changes, and the summary on one line each time it changes (its status,
// readiness, clusters and replicas), until the object is deleted.
func (o *Options) watchObject(ctx context.Context, host *cli.Cluster, t Type, obj *unstructured.Unstructured, table Table) error {
	ropts := o.renderOptions()
	ropts.MinWidths = ColumnWidths(table, ropts)
	ropts.NoHeaders = true
	printed := map[string]string{}
	for _, row := range table.Rows {
		printed[row[0].Text] = rowKey(row, -1)
	}
	summary := summaryLine(Summary(t, ObjectFrom(obj)))
	if len(table.Rows) == 0 {
		// Print the header when the rows come later.
		ropts.NoHeaders = o.NoHeaders
	}
	return watchEvents(ctx, host, t, obj.GetNamespace(), obj.GetName(), obj.GetResourceVersion(), func(ev watch.EventType, u *unstructured.Unstructured) (bool, error) {
		if ev == watch.Deleted {
			_, err := fmt.Fprintf(o.streams.Out, "%s %s deleted\n", t.Config.Spec.FederatedType.Kind, qualified(ObjectFrom(u)))
			return true, err
		}
		view := ObjectFrom(u)
		if line := summaryLine(Summary(t, view)); line != summary {
			summary = line
			if _, err := fmt.Fprintln(o.streams.Out, "Summary: "+line); err != nil {
				return false, err
			}
		}
		current := ClustersTable(t, view)
		var changed [][]Cell
		for _, row := range current.Rows {
			if key := rowKey(row, -1); printed[row[0].Text] != key {
				printed[row[0].Text] = key
				changed = append(changed, row)
			}
		}
		if len(changed) == 0 {
			return false, nil
		}
		err := Render(o.streams.Out, Table{Columns: current.Columns, Rows: changed}, ropts)
		ropts.NoHeaders = true
		return false, err
	})
}

// summaryLine is the part of Summary that changes with the object's
// status (not its name, namespace and type), on one line.
func summaryLine(lines [][2]string) string {
	var parts []string
	for _, l := range lines {
		switch l[0] {
		case "Name", "Namespace", "Type":
			continue
		}
		parts = append(parts, l[0]+": "+l[1])
	}
	return strings.Join(parts, "; ")
}

// fleetAgeColumn is the index of AGE in ClustersFleetTable, left out when
// deciding whether a row changed.
const fleetAgeColumn = 7

// watchFleet prints a row of ClustersFleetTable each time a member
// cluster's row changes (its readiness, version, taints, message), aligned
// with the table printed first: the joined KubeFedClusters (one unjoined
// is shown as Unjoined) and the inventory's ClusterProfiles (one deleted is
// shown as Removed), each watched from its list's resourceVersion.
func (o *Options) watchFleet(ctx context.Context, host *cli.Cluster, table Table, fleet members.Fleet) error {
	ropts := o.renderOptions()
	ropts.MinWidths = ColumnWidths(table, ropts)
	ropts.NoHeaders = true
	var mu sync.Mutex
	printed := map[string]string{} // by SOURCE/NAME
	for _, row := range table.Rows {
		printed[row[1].Text+"/"+row[0].Text] = rowKey(row, fleetAgeColumn)
	}
	show := func(row []Cell) error {
		mu.Lock()
		defer mu.Unlock()
		id, key := row[1].Text+"/"+row[0].Text, rowKey(row, fleetAgeColumn)
		if printed[id] == key {
			return nil
		}
		printed[id] = key
		return Render(o.streams.Out, Table{Columns: table.Columns, Rows: [][]Cell{row}}, ropts)
	}
	clusters := func(ev watch.EventType, u *unstructured.Unstructured) (bool, error) {
		c := corev1beta1.KubeFedCluster{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &c); err != nil {
			return false, fmt.Errorf("reading KubeFedCluster %s: %w", u.GetName(), err)
		}
		row := ClustersFleetTable([]corev1beta1.KubeFedCluster{c}, nil, o.Now()).Rows[0]
		if ev == watch.Deleted {
			row[2] = Cell{Text: "Unjoined", Colour: Yellow}
		}
		return false, show(row)
	}
	clusterProfiles := func(ev watch.EventType, u *unstructured.Unstructured) (bool, error) {
		p := inventoryv1alpha1.ClusterProfile{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p); err != nil {
			return false, fmt.Errorf("reading ClusterProfile %s/%s: %w", u.GetNamespace(), u.GetName(), err)
		}
		if inventory.Ours(&p) {
			return false, nil // it describes a joined cluster
		}
		row := ClustersFleetTable(nil, []inventoryv1alpha1.ClusterProfile{p}, o.Now()).Rows[0]
		if ev == watch.Deleted {
			row[2] = Cell{Text: "Removed", Colour: Yellow}
		}
		return false, show(row)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ended := make(chan error, 2)
	watches := 1
	go func() {
		ended <- watchResource(ctx, host, corev1beta1.SchemeGroupVersion.WithResource("kubefedclusters"), o.flags.KubeFedNamespace, "", fleet.JoinedVersion, clusters)
	}()
	if fleet.InventoryNamespace != "" {
		watches++
		go func() {
			ended <- watchResource(ctx, host, inventoryv1alpha1.SchemeGroupVersion.WithResource("clusterprofiles"), fleet.InventoryNamespace, "", fleet.ProfilesVersion, clusterProfiles)
		}()
	}
	// The first watch to end (the user stopped, or an error) ends both.
	err := <-ended
	cancel()
	for range watches - 1 {
		if other := <-ended; err == nil {
			err = other
		}
	}
	return err
}
