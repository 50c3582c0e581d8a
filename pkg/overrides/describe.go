package overrides

import (
	"fmt"
	"strings"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// Overriders describes the set's overriders, one line each, in the order
// ApplySets applies them: the JSON-patch operations, then the typed
// overriders (image, command, args, env, labels, annotations), each with
// its operation spelled out (the default when the entry leaves it out) and
// the containers it changes.
func (s Set) Overriders() []string {
	var out []string
	for _, p := range s.Patches {
		op := p.Op
		if op == typesv1beta1.OverrideOpDefault {
			op = typesv1beta1.OverrideOpReplace
		}
		line := string(op) + " " + p.Path
		if p.Value != nil && op != typesv1beta1.OverrideOpRemove {
			line += " = " + string(p.Value.Raw)
		}
		out = append(out, line)
	}
	t := s.Typed
	if t == nil {
		return out
	}
	for _, o := range t.Image {
		line := "image " + strings.ToLower(string(o.Component)) + ": " + string(operation(o.Operation, typesv1beta1.OverriderReplace))
		if o.Operation != typesv1beta1.OverriderRemove {
			line += " " + o.Value
		}
		out = append(out, line+containerNames(o.ContainerNames))
	}
	for _, list := range []struct {
		field     string
		overrides []typesv1beta1.ArgsOverrider
	}{{"command", t.Command}, {"args", t.Args}} {
		for _, o := range list.overrides {
			out = append(out, fmt.Sprintf("%s: %s %q%s", list.field, operation(o.Operation, typesv1beta1.OverriderAppend), o.Values, containerNames(o.ContainerNames)))
		}
	}
	for _, o := range t.Env {
		op := operation(o.Operation, typesv1beta1.OverriderSet)
		line := "env: " + string(op) + " " + o.Name
		if op != typesv1beta1.OverriderRemove {
			line += "=" + o.Value
		}
		out = append(out, line+containerNames(o.ContainerNames))
	}
	for _, list := range []struct {
		field     string
		overrides []typesv1beta1.MapOverrider
	}{{"labels", t.Labels}, {"annotations", t.Annotations}} {
		for _, o := range list.overrides {
			op := operation(o.Operation, typesv1beta1.OverriderReplace)
			line := list.field + ": " + string(op) + " " + o.Key
			if op != typesv1beta1.OverriderRemove {
				line += "=" + o.Value
			}
			out = append(out, line)
		}
	}
	return out
}

// operation is op, or def when the overrider leaves it out.
func operation(op, def typesv1beta1.OverriderOperation) typesv1beta1.OverriderOperation {
	if op == "" {
		return def
	}
	return op
}

// containerNames says which containers a container overrider changes.
func containerNames(names []string) string {
	if len(names) == 0 {
		return " (all containers)"
	}
	return " (containers " + strings.Join(names, ", ") + ")"
}
