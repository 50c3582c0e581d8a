package get

import (
	"bytes"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
)

// deployments is a member's table of Deployments, as an API server prints
// it, with the objects' metadata.
func deployments(rows ...[]any) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Ready", Type: "string"},
		{Name: "Up-to-date", Type: "integer"},
		{Name: "Available", Type: "integer"},
		{Name: "Age", Type: "string"},
		{Name: "Containers", Type: "string", Priority: 1},
	}}
	for _, r := range rows {
		meta := `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"` + r[0].(string) + `","namespace":"` + r[1].(string) + `"}}`
		t.Rows = append(t.Rows, metav1.TableRow{Cells: append([]any{r[0]}, r[2:]...), Object: runtime.RawExtension{Raw: []byte(meta)}})
	}
	return t
}

func TestMergeTables(t *testing.T) {
	results := []Result{
		{Cluster: "member1", Source: "joined", Table: deployments(
			[]any{"web", "shop", "2/2", int64(2), int64(2), "5m", "web"},
			[]any{"api", "backend", "1/1", int64(1), int64(1), "3m", "api"})},
		{Cluster: "member2", Source: "joined", Failure: "unreachable"},
		{Cluster: "member3", Source: "inventory", Table: deployments([]any{"web", "shop", "0/5", int64(5), int64(0), "5m", "web"})},
		{Cluster: "member4", Source: "joined", Table: deployments()},
	}
	for _, tc := range []struct {
		name                string
		withNamespace, wide bool
		noHeaders           bool
	}{
		{name: "table.txt"},
		{name: "table-all-namespaces.txt", withNamespace: true},
		{name: "table-wide.txt", withNamespace: true, wide: true},
		{name: "table-no-headers.txt", noHeaders: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := PrintTable(&out, MergeTables(results, tc.withNamespace), tc.wide, tc.noHeaders); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tc.name), out.String())
		})
	}
}

// TestMergeTablesAllFailed: with no cluster answering, each is a row under
// a NAME column.
func TestMergeTablesAllFailed(t *testing.T) {
	var out bytes.Buffer
	table := MergeTables([]Result{{Cluster: "a", Source: "joined", Failure: "timeout"}, {Cluster: "b", Source: "inventory", Failure: "no credentials"}}, false)
	if err := PrintTable(&out, table, false, false); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/table-all-failed.txt", out.String())
}
