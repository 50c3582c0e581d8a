package get

import (
	"encoding/json"
	"io"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/printers"
)

// Result is what one cluster answered: its table (tables), or its objects
// (-o yaml|json|name), or, when Failure is set, nothing (Failure is the
// short reason shown in the table).
type Result struct {
	Cluster string
	// Source is where the cluster comes from: joined or inventory.
	Source  string
	Table   *metav1.Table
	Objects []unstructured.Unstructured
	Failure string
}

// MergeTables makes one table of the clusters' tables: a CLUSTER column,
// a SOURCE column (wide only: joined or inventory), with namespaces a
// NAMESPACE column, then the columns of the first table
// that has any (a cluster answering with other columns fills the ones of
// the same name). A failed cluster is a row with "<REASON>" as its name.
// Rows are sorted by cluster, then namespace, then the members' order.
func MergeTables(results []Result, withNamespace bool) *metav1.Table {
	out := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{{Name: "Cluster", Type: "string"}, {Name: "Source", Type: "string", Priority: 1}}}
	if withNamespace {
		out.ColumnDefinitions = append(out.ColumnDefinitions, metav1.TableColumnDefinition{Name: "Namespace", Type: "string"})
	}
	fixed := len(out.ColumnDefinitions)
	var columns []metav1.TableColumnDefinition
	for _, r := range results {
		if r.Table != nil && len(r.Table.ColumnDefinitions) > 0 {
			columns = r.Table.ColumnDefinitions
			break
		}
	}
	if columns == nil {
		columns = []metav1.TableColumnDefinition{{Name: "Name", Type: "string", Format: "name"}}
	}
	out.ColumnDefinitions = append(out.ColumnDefinitions, columns...)
	type row struct {
		cluster, namespace string
		order              int
		cells              []any
	}
	var rows []row
	for _, r := range results {
		if r.Failure != "" {
			cells := make([]any, len(out.ColumnDefinitions))
			for i := range cells {
				cells[i] = ""
			}
			cells[0], cells[1], cells[fixed] = r.Cluster, r.Source, "<"+r.Failure+">"
			rows = append(rows, row{cluster: r.Cluster, cells: cells})
			continue
		}
		if r.Table == nil {
			continue
		}
		index := map[string]int{}
		for i, c := range r.Table.ColumnDefinitions {
			index[c.Name] = i
		}
		for n, tr := range r.Table.Rows {
			cells := make([]any, 0, len(out.ColumnDefinitions))
			ns := rowNamespace(tr)
			cells = append(cells, r.Cluster, r.Source)
			if withNamespace {
				cells = append(cells, ns)
			}
			for _, c := range columns {
				i, ok := index[c.Name]
				if ok && i < len(tr.Cells) {
					cells = append(cells, tr.Cells[i])
				} else {
					cells = append(cells, "")
				}
			}
			rows = append(rows, row{cluster: r.Cluster, namespace: ns, order: n, cells: cells})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].cluster != rows[j].cluster {
			return rows[i].cluster < rows[j].cluster
		}
		if rows[i].namespace != rows[j].namespace {
			return rows[i].namespace < rows[j].namespace
		}
		return rows[i].order < rows[j].order
	})
	for _, r := range rows {
		out.Rows = append(out.Rows, metav1.TableRow{Cells: r.cells})
	}
	return out
}

// rowNamespace returns the namespace of a table row's object (the server
// includes the object's metadata by default).
func rowNamespace(r metav1.TableRow) string {
	if len(r.Object.Raw) == 0 {
		return ""
	}
	var meta metav1.PartialObjectMetadata
	if err := json.Unmarshal(r.Object.Raw, &meta); err != nil {
		return ""
	}
	return meta.Namespace
}

// PrintTable prints a merged table as kubectl get does; wide shows the
// columns of priority above 0 too.
func PrintTable(w io.Writer, table *metav1.Table, wide, noHeaders bool) error {
	return printers.NewTablePrinter(printers.PrintOptions{Wide: wide, NoHeaders: noHeaders}).PrintObj(table, w)
}
