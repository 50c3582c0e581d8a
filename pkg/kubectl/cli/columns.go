package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/jsonpath"
)

// column is one column of -o custom-columns=HEADER:JSONPATH,...
type column struct {
	header string
	path   *jsonpath.JSONPath
}

// columnsPrinter prints -o custom-columns as kubectl get does: a header row,
// then one row per object, <none> where a path finds nothing.
type columnsPrinter struct {
	columns []column
}

// newColumnsPrinter parses "HEADER:.path,HEADER:{.path}".
func newColumnsPrinter(spec string) (*columnsPrinter, error) {
	if spec == "" {
		return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
	}
	p := &columnsPrinter{}
	for _, part := range strings.Split(spec, ",") {
		header, path, ok := strings.Cut(part, ":")
		if !ok || header == "" || path == "" {
			return nil, fmt.Errorf("unexpected custom-columns spec %q, expected HEADER:JSONPATH", part)
		}
		if !strings.HasPrefix(path, "{") {
			path = "{" + path + "}"
		}
		jp := jsonpath.New(header).AllowMissingKeys(true)
		if err := jp.Parse(path); err != nil {
			return nil, fmt.Errorf("custom-columns column %q: %w", header, err)
		}
		p.columns = append(p.columns, column{header: header, path: jp})
	}
	return p, nil
}

// PrintObj prints obj, or each item of a list, as rows.
func (p *columnsPrinter) PrintObj(obj runtime.Object, w io.Writer) error {
	items := []runtime.Object{obj}
	if meta.IsListType(obj) {
		var err error
		if items, err = meta.ExtractList(obj); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 5, 8, 3, ' ', 0)
	headers := make([]string, 0, len(p.columns))
	for _, c := range p.columns {
		headers = append(headers, c.header)
	}
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, item := range items {
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(item)
		if err != nil {
			return err
		}
		cells := make([]string, 0, len(p.columns))
		for _, c := range p.columns {
			results, err := c.path.FindResults(content)
			if err != nil {
				return err
			}
			var values []string
			for _, r := range results {
				for _, v := range r {
					values = append(values, fmt.Sprint(v.Interface()))
				}
			}
			if len(values) == 0 {
				values = []string{"<none>"}
			}
			cells = append(cells, strings.Join(values, ","))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
