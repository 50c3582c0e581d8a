package plan

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

// Document is the -o json|yaml form of a plan.
type Document struct {
	Plan     map[string]int64 `json:"plan"`
	Overflow map[string]int64 `json:"overflow"`
}

// DocumentOf is the json|yaml document of rows: the planned replicas of
// every placed cluster, and the clusters with an overflow.
func DocumentOf(rows []scheduling.Row) Document {
	doc := Document{Plan: map[string]int64{}, Overflow: map[string]int64{}}
	for _, r := range rows {
		if !r.Placed {
			continue
		}
		doc.Plan[r.Cluster] = r.Planned
		if r.Overflow > 0 {
			doc.Overflow[r.Cluster] = r.Overflow
		}
	}
	return doc
}

// PrintTable prints the rows as a table sorted by cluster name, with a
// GROUP column when the plan is spread across topology groups.
func PrintTable(w io.Writer, rows []scheduling.Row) error {
	tw := printers.GetNewTabWriter(w)
	grouped := slices.ContainsFunc(rows, func(r scheduling.Row) bool { return r.Group != "" })
	group := func(r scheduling.Row) string {
		if !grouped {
			return ""
		}
		if r.Group == "" {
			return "-\t"
		}
		return r.Group + "\t"
	}
	header := "CLUSTER\tPLANNED\tCURRENT\tCAPACITY\tOVERFLOW\tREASON"
	if grouped {
		header = "CLUSTER\tGROUP\tPLANNED\tCURRENT\tCAPACITY\tOVERFLOW\tREASON"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s%d\t%s\t%s\t%s\t%s\n", r.Cluster, group(r), r.Planned, optional(r.Current), optional(r.Capacity), overflow(r.Overflow), r.Reason)
	}
	return tw.Flush()
}

// PrintDocument prints the rows' document as json or yaml.
func PrintDocument(w io.Writer, rows []scheduling.Row, format string) error {
	return cli.PrintData(w, format, DocumentOf(rows))
}

func optional(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

func overflow(n int64) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

// sortedNames returns a map's keys in order.
func sortedNames(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }
