package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/planner"
)

// Row is one cluster of a plan.
type Row struct {
	Cluster string
	// Planned is what the planner gave the cluster, overflow excluded.
	Planned int64
	// Current and Capacity are unset when unknown.
	Current  *int64
	Capacity *int64
	// Overflow is written into the cluster on top of Planned.
	Overflow int64
	Reason   string
	// Placed is set when the plan places the cluster (zero replicas
	// included): it is in the federated object's placement.
	Placed bool
}

// ReasonNotPlaced is the reason of a ready cluster the plan leaves out.
const ReasonNotPlaced = "not placed"

// Document is the -o json|yaml form of a plan.
type Document struct {
	Plan     map[string]int64 `json:"plan"`
	Overflow map[string]int64 `json:"overflow"`
}

// OfflineRows are the rows of a plan computed from flags: one per
// candidate cluster.
func OfflineRows(in planner.Input, res planner.Result) []Row {
	rows := make([]Row, 0, len(in.Clusters))
	for _, name := range in.Clusters {
		row := Row{Cluster: name, Planned: res.Plan[name], Overflow: res.Overflow[name], Reason: string(res.Reasons[name])}
		_, row.Placed = res.Plan[name]
		if row.Reason == "" {
			row.Reason = string(planner.ReasonNoPreference)
		}
		if n, ok := in.Current[name]; ok {
			row.Current, row.Placed = &n, true
		}
		if n, ok := in.Capacity[name]; ok {
			row.Capacity = &n
		}
		rows = append(rows, row)
	}
	return sortRows(rows)
}

// LiveRows are the rows of the plan an RSP's status records, plus a row
// per joined cluster the plan left out: "not ready" when the cluster is
// not ready, "not placed" otherwise.
func LiveRows(status *v1alpha1.ReplicaSchedulingPreferenceStatus, clusters []corev1beta1.KubeFedCluster) []Row {
	rows := make([]Row, 0, len(status.Clusters)+len(clusters))
	seen := map[string]bool{}
	for _, c := range status.Clusters {
		seen[c.Name] = true
		rows = append(rows, Row{Cluster: c.Name, Planned: c.Replicas - c.Overflow, Current: c.CurrentReplicas,
			Capacity: c.Capacity, Overflow: c.Overflow, Reason: c.Reason, Placed: true})
	}
	for _, kfc := range clusters {
		if seen[kfc.Name] {
			continue
		}
		reason := ReasonNotPlaced
		if !kfc.Status.IsReady() {
			reason = string(planner.ReasonNotReady)
		}
		rows = append(rows, Row{Cluster: kfc.Name, Reason: reason})
	}
	return sortRows(rows)
}

func sortRows(rows []Row) []Row {
	slices.SortFunc(rows, func(a, b Row) int { return cmp.Compare(a.Cluster, b.Cluster) })
	return rows
}

// DocumentOf is the json|yaml document of rows: the planned replicas of
// every placed cluster, and the clusters with an overflow.
func DocumentOf(rows []Row) Document {
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

// PrintTable prints the rows as a table sorted by cluster name.
func PrintTable(w io.Writer, rows []Row) error {
	tw := printers.GetNewTabWriter(w)
	fmt.Fprintln(tw, "CLUSTER\tPLANNED\tCURRENT\tCAPACITY\tOVERFLOW\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.Cluster, r.Planned, optional(r.Current), optional(r.Capacity), overflow(r.Overflow), r.Reason)
	}
	return tw.Flush()
}

// PrintDocument prints the rows' document as json or yaml.
func PrintDocument(w io.Writer, rows []Row, format string) error {
	doc := DocumentOf(rows)
	var data []byte
	var err error
	if format == "json" {
		data, err = json.MarshalIndent(doc, "", "    ")
		data = append(data, '\n')
	} else {
		data, err = yaml.Marshal(doc)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Unplaced is the part of total the rows do not place.
func Unplaced(rows []Row, total int64) int64 {
	var sum int64
	for _, r := range rows {
		sum += r.Planned
	}
	return max(total-sum, 0)
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
