package status

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
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
	dyn, err := dynamic.NewForConfig(host.Config)
	if err != nil {
		return fmt.Errorf("connecting to the host cluster (context %q): %w", host.Name, err)
	}
	fed := t.Config.Spec.FederatedType
	all := dyn.Resource(schema.GroupVersionResource{Group: fed.Group, Version: fed.Version, Resource: fed.PluralName})
	var resource dynamic.ResourceInterface = all
	if namespace != "" && namespaced(t) {
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
		return fmt.Errorf("watching %s: %w", fed.QualifiedName(), err)
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
				return fmt.Errorf("the watch of %s ended: run the command again", fed.QualifiedName())
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
				return fmt.Errorf("watching %s: %w", fed.QualifiedName(), apierrors.FromObject(ev.Object))
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
