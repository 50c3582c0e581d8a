package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"
)

// Dry-run modes accepted by --dry-run, as kubectl's.
const (
	DryRunNone   DryRun = "none"
	DryRunClient DryRun = "client"
	DryRunServer DryRun = "server"
)

// DryRun is a --dry-run mode: none, client (print what would be done,
// sending nothing) or server (send every write with dryRun=All, so that
// the API servers and admission judge it, and persist nothing).
type DryRun string

// Client reports a client-side dry run.
func (d DryRun) Client() bool { return d == DryRunClient }

// Server reports a server-side dry run.
func (d DryRun) Server() bool { return d == DryRunServer }

// Enabled reports either dry run: nothing is persisted.
func (d DryRun) Enabled() bool { return d.Client() || d.Server() }

// Suffix marks a result line as kubectl does: " (dry run)" or
// " (server dry run)".
func (d DryRun) Suffix() string {
	switch d {
	case DryRunClient:
		return " (dry run)"
	case DryRunServer:
		return " (server dry run)"
	}
	return ""
}

// AddDryRunFlag adds --dry-run=none|client|server; a bare --dry-run
// (KubeFed's boolean form) means client.
func AddDryRunFlag(cmd *cobra.Command, value *string) {
	cmd.Flags().StringVar(value, "dry-run", string(DryRunNone),
		`Must be "none", "client" or "server". With "client", only print what would be done, without sending it; with "server", send every write as a dry run, so that the API servers and admission judge it, without persisting anything`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = string(DryRunClient)
	_ = cmd.RegisterFlagCompletionFunc("dry-run", cobra.FixedCompletions([]string{string(DryRunNone), string(DryRunClient), string(DryRunServer)}, cobra.ShellCompDirectiveNoFileComp))
}

// ParseDryRun reads a --dry-run value ("true" and "false" are KubeFed's
// boolean form).
func ParseDryRun(value string) (DryRun, error) {
	switch value {
	case string(DryRunNone), "", "false":
		return DryRunNone, nil
	case string(DryRunClient), "true":
		return DryRunClient, nil
	case string(DryRunServer):
		return DryRunServer, nil
	}
	return DryRunNone, fmt.Errorf(`invalid --dry-run value %q: must be "none", "client" or "server"`, value)
}

// SuffixWriter returns a writer that ends every line written to w with the
// dry-run mode's suffix, for result lines printed by shared code.
func (d DryRun) SuffixWriter(w io.Writer) io.Writer {
	if d.Suffix() == "" {
		return w
	}
	return &suffixWriter{w: w, suffix: d.Suffix()}
}

type suffixWriter struct {
	w      io.Writer
	suffix string
}

func (s *suffixWriter) Write(p []byte) (int, error) {
	out := strings.ReplaceAll(string(p), "\n", s.suffix+"\n")
	if _, err := io.WriteString(s.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// OutputFormats are the values of -o that completion offers: kubectl's
// printers (cli-runtime's and custom-columns).
var OutputFormats = []string{"yaml", "json", "name", "jsonpath=", "jsonpath-as-json=", "jsonpath-file=", "go-template=", "go-template-file=", "custom-columns="}

// AddOutputFlag adds -o/--output with kubectl's printers.
func AddOutputFlag(cmd *cobra.Command, value *string, usage string) {
	cmd.Flags().StringVarP(value, "output", "o", "", usage+`. One of: json|yaml|name|jsonpath=...|go-template=...|custom-columns=... (as kubectl get)`)
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(OutputFormats, cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace))
}

// ValidateOutput checks an -o value; empty means no structured output.
func ValidateOutput(format string) error {
	if format == "" {
		return nil
	}
	_, err := Printer(format)
	return err
}

// Printer returns kubectl's printer of an -o value: cli-runtime's (json,
// yaml, name, go-template, jsonpath, ...) or kubectl get's custom-columns.
func Printer(format string) (printers.ResourcePrinter, error) {
	flags := genericclioptions.NewPrintFlags("").WithTypeSetter(Scheme)
	flags.OutputFormat = &format
	p, err := flags.ToPrinter()
	if spec, ok := strings.CutPrefix(format, "custom-columns="); ok && genericclioptions.IsNoCompatiblePrinterError(err) {
		p, err = newColumnsPrinter(spec)
	}
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		return nil, fmt.Errorf("Invalid value for --output: %q. Allowed values: json, yaml, name, jsonpath=..., jsonpath-as-json=..., jsonpath-file=..., go-template=..., go-template-file=..., custom-columns=...", format)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid --output %q: %w", format, err)
	}
	return p, nil
}

// PrintObjects prints objects in an -o format. YAML documents each start
// with "---", so the output can be applied or concatenated; several objects
// in any other format are printed as one v1 List, as kubectl get does.
func PrintObjects(w io.Writer, format string, objs ...runtime.Object) error {
	items := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		u, err := ToUnstructured(obj)
		if err != nil {
			return err
		}
		items = append(items, u)
	}
	printer, err := Printer(format)
	if err != nil {
		return err
	}
	if format != "yaml" {
		if len(items) == 1 {
			return printer.PrintObj(items[0], w)
		}
		return printer.PrintObj(List(items), w)
	}
	if len(items) > 0 {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	for _, u := range items {
		if err := printer.PrintObj(u, w); err != nil {
			return err
		}
	}
	return nil
}

// List wraps objects into a v1 List.
func List(items []*unstructured.Unstructured) *unstructured.UnstructuredList {
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
	list.Items = make([]unstructured.Unstructured, 0, len(items))
	for _, u := range items {
		list.Items = append(list.Items, *u)
	}
	return list
}

// ToUnstructured converts obj to an unstructured object with apiVersion and
// kind set (from the Scheme for typed objects), without the null
// creationTimestamp and empty status of objects not read from a server.
func ToUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if ok {
		u = u.DeepCopy()
	} else {
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return nil, err
		}
		u = &unstructured.Unstructured{Object: content}
		if u.GetKind() == "" {
			gvks, _, err := Scheme.ObjectKinds(obj)
			if err != nil {
				return nil, err
			}
			u.SetGroupVersionKind(gvks[0])
		}
	}
	if ts, found, _ := unstructured.NestedFieldNoCopy(u.Object, "metadata", "creationTimestamp"); found && ts == nil {
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	}
	if status, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status"); found && isEmpty(status) {
		unstructured.RemoveNestedField(u.Object, "status")
	}
	return u, nil
}

// isEmpty reports whether v holds nothing but nulls, empty strings and
// empty lists and maps (the status of an object no server has seen).
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, e := range v {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// UsageErrorf returns an error for a wrong invocation that points to the
// command's help.
func UsageErrorf(cmd *cobra.Command, format string, args ...any) error {
	return fmt.Errorf("%s\nSee '%s -h' for help and examples", fmt.Sprintf(format, args...), cmd.CommandPath())
}

// Done formats kubectl's "<resource>/<name> <verb>" result line, marked when
// it was a dry run.
func Done(w io.Writer, dryRun DryRun, format string, args ...any) {
	fmt.Fprintln(w, fmt.Sprintf(format, args...)+dryRun.Suffix())
}

// Ref names an object the way kubectl's messages do: "<kind>.<group>/<name>"
// with the kind in lower case and no group for the core group.
func Ref(gvk schema.GroupVersionKind, name string) string {
	kind := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		kind += "." + gvk.Group
	}
	return kind + "/" + name
}

// UpdatedOrUnchanged is the verb of a result line after an update or patch
// of obj, whose resourceVersion was before: "unchanged" when the API server
// wrote nothing (it keeps the resourceVersion of a no-op update).
func UpdatedOrUnchanged(before string, obj interface{ GetResourceVersion() string }) string {
	if obj.GetResourceVersion() == before {
		return "unchanged"
	}
	return "updated"
}

// AddSelectorFlag adds kubectl's -l/--selector.
func AddSelectorFlag(cmd *cobra.Command, value *string, usage string) {
	cmd.Flags().StringVarP(value, "selector", "l", "", usage+" (e.g. -l key1=value1,key2=value2; supports '=', '==', '!=', 'in', 'notin' and 'key')")
}

// ParseSelector parses -l; an empty value selects everything.
func ParseSelector(value string) (labels.Selector, error) {
	sel, err := labels.Parse(value)
	if err != nil {
		return nil, fmt.Errorf("invalid --selector %q: %w", value, err)
	}
	return sel, nil
}

// PrintData prints a plain value (not an API object) as indented JSON
// (format "json") or YAML.
func PrintData(w io.Writer, format string, v any) error {
	var data []byte
	var err error
	if format == "json" {
		data, err = json.MarshalIndent(v, "", "    ")
		data = append(data, '\n')
	} else {
		data, err = yaml.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
