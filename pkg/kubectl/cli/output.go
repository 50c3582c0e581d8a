package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// Dry-run modes accepted by --dry-run.
const (
	DryRunNone   = "none"
	DryRunClient = "client"
)

// AddDryRunFlag adds --dry-run=none|client; a bare --dry-run (KubeFed's
// boolean form) means client.
func AddDryRunFlag(cmd *cobra.Command, value *string) {
	cmd.Flags().StringVar(value, "dry-run", DryRunNone,
		`Must be "none" or "client". With "client", only print what would be done, without changing any cluster`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = DryRunClient
	_ = cmd.RegisterFlagCompletionFunc("dry-run", cobra.FixedCompletions([]string{DryRunNone, DryRunClient}, cobra.ShellCompDirectiveNoFileComp))
}

// ParseDryRun reports whether value asks for a client-side dry run.
func ParseDryRun(value string) (bool, error) {
	switch value {
	case DryRunNone, "", "false":
		return false, nil
	case DryRunClient, "true":
		return true, nil
	}
	return false, fmt.Errorf("invalid --dry-run value %q: must be %q or %q", value, DryRunNone, DryRunClient)
}

// OutputFormats are the values of -o.
var OutputFormats = []string{"yaml", "json"}

// AddOutputFlag adds -o/--output for yaml and json.
func AddOutputFlag(cmd *cobra.Command, value *string, usage string) {
	cmd.Flags().StringVarP(value, "output", "o", "", usage+`. One of: `+strings.Join(OutputFormats, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(OutputFormats, cobra.ShellCompDirectiveNoFileComp))
}

// ValidateOutput checks an -o value; empty means no structured output.
func ValidateOutput(format string) error {
	if format == "" {
		return nil
	}
	for _, f := range OutputFormats {
		if format == f {
			return nil
		}
	}
	return fmt.Errorf("Invalid value for --output: %q. Allowed values: %s", format, strings.Join(OutputFormats, ", "))
}

// PrintObjects prints objects in format (yaml or json). YAML documents each
// start with "---", so the output can be applied or concatenated; several
// objects in JSON are printed as a v1 List.
func PrintObjects(w io.Writer, format string, objs ...runtime.Object) error {
	items := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		u, err := ToUnstructured(obj)
		if err != nil {
			return err
		}
		items = append(items, u)
	}
	printer, err := genericclioptions.NewJSONYamlPrintFlags().ToPrinter(format)
	if err != nil {
		return err
	}
	if format == "json" {
		if len(items) == 1 {
			return printer.PrintObj(items[0], w)
		}
		list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
		for _, u := range items {
			list.Items = append(list.Items, *u)
		}
		return printer.PrintObj(list, w)
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
func Done(w io.Writer, dryRun bool, format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if dryRun {
		line += " (dry run)"
	}
	fmt.Fprintln(w, line)
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
