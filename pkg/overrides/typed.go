package overrides

import (
	"fmt"
	"slices"
	"strings"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// podSpecPaths are the paths of the pod spec in the kinds with a pod
// template (in any API group: a kind is matched by name).
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// PodSpecPath returns the path of the pod spec in an object of kind: the
// known path of a kind with a pod template, else spec.template.spec when
// obj (which may be nil) has containers there; nil when there is none.
func PodSpecPath(kind string, obj map[string]interface{}) []string {
	if path, ok := podSpecPaths[kind]; ok {
		return path
	}
	generic := []string{"spec", "template", "spec"}
	if _, ok := nested(obj, append(generic, "containers")...).([]interface{}); ok {
		return generic
	}
	return nil
}

// TypedPaths returns the JSON pointers of what typed overriders change in
// an object of kind, for deniedOverridePaths: the container lists of the
// pod spec (containers and initContainers) for image, command, args and
// env, and /metadata/labels/KEY and /metadata/annotations/KEY. A kind
// whose pod spec is not known has container overriders reported at
// /spec/template/spec.
func TypedPaths(kind string, t *typesv1beta1.TypedOverriders) []string {
	var out []string
	if len(t.Image)+len(t.Command)+len(t.Args)+len(t.Env) > 0 {
		podSpec := PodSpecPath(kind, nil)
		if podSpec == nil {
			podSpec = []string{"spec", "template", "spec"}
		}
		base := "/" + strings.Join(podSpec, "/")
		out = append(out, base+"/containers", base+"/initContainers")
	}
	for _, l := range t.Labels {
		out = append(out, "/metadata/labels/"+escape(l.Key))
	}
	for _, a := range t.Annotations {
		out = append(out, "/metadata/annotations/"+escape(a.Key))
	}
	return out
}

// applyTyped applies typed overriders to obj, an object of kind, in the
// documented order: image, command, args, env, labels, annotations.
func applyTyped(obj map[string]interface{}, kind string, t *typesv1beta1.TypedOverriders) error {
	if len(t.Image)+len(t.Command)+len(t.Args)+len(t.Env) > 0 {
		if err := applyContainers(obj, kind, t); err != nil {
			return err
		}
	}
	for i, l := range t.Labels {
		if err := applyMap(obj, "labels", l); err != nil {
			return fmt.Errorf("labels[%d]: %w", i, err)
		}
	}
	for i, a := range t.Annotations {
		if err := applyMap(obj, "annotations", a); err != nil {
			return fmt.Errorf("annotations[%d]: %w", i, err)
		}
	}
	return nil
}

// applyContainers applies the image, command, args and env overriders to
// the containers of the object's pod spec.
func applyContainers(obj map[string]interface{}, kind string, t *typesv1beta1.TypedOverriders) error {
	path := PodSpecPath(kind, obj)
	if path == nil {
		return fmt.Errorf("image, command, args and env overriders need a pod template, and a %s has none (they apply to Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob and kinds with spec.template.spec.containers); use clusterOverrides for this kind", kindName(kind))
	}
	podSpec, ok := nested(obj, path...).(map[string]interface{})
	if !ok {
		return fmt.Errorf("/%s is missing or not an object, so the containers cannot be overridden", strings.Join(path, "/"))
	}
	containers := containersOf(podSpec)
	for i, o := range t.Image {
		err := each(containers, o.ContainerNames, podSpec, func(c map[string]interface{}) error { return applyImage(c, o) })
		if err != nil {
			return fmt.Errorf("image[%d]: %w", i, err)
		}
	}
	for _, list := range []struct {
		field     string
		overrides []typesv1beta1.ArgsOverrider
	}{{"command", t.Command}, {"args", t.Args}} {
		for i, o := range list.overrides {
			err := each(containers, o.ContainerNames, podSpec, func(c map[string]interface{}) error { return applyArgs(c, list.field, o) })
			if err != nil {
				return fmt.Errorf("%s[%d]: %w", list.field, i, err)
			}
		}
	}
	for i, o := range t.Env {
		err := each(containers, o.ContainerNames, podSpec, func(c map[string]interface{}) error { return applyEnv(c, o) })
		if err != nil {
			return fmt.Errorf("env[%d]: %w", i, err)
		}
	}
	return nil
}

// container is one container of a pod spec, with its name.
type container struct {
	name string
	obj  map[string]interface{}
}

// containersOf returns the containers and init containers of a pod spec.
func containersOf(podSpec map[string]interface{}) []container {
	var out []container
	for _, field := range []string{"containers", "initContainers"} {
		list, _ := podSpec[field].([]interface{})
		for _, c := range list {
			if m, ok := c.(map[string]interface{}); ok {
				name, _ := m["name"].(string)
				out = append(out, container{name: name, obj: m})
			}
		}
	}
	return out
}

// each calls f on the containers named (every one when names is empty);
// a name that is no container is an error naming the ones there are.
func each(containers []container, names []string, podSpec map[string]interface{}, f func(map[string]interface{}) error) error {
	for _, name := range names {
		if !slices.ContainsFunc(containers, func(c container) bool { return c.name == name }) {
			have := make([]string, 0, len(containers))
			for _, c := range containers {
				have = append(have, c.name)
			}
			return fmt.Errorf("no container %q in the pod template (containers: %s); fix containerNames", name, strings.Join(have, ", "))
		}
	}
	for _, c := range containers {
		if len(names) > 0 && !slices.Contains(names, c.name) {
			continue
		}
		if err := f(c.obj); err != nil {
			return fmt.Errorf("container %q: %w", c.name, err)
		}
	}
	return nil
}

// applyImage changes one part of a container's image.
func applyImage(c map[string]interface{}, o typesv1beta1.ImageOverrider) error {
	image, _ := c["image"].(string)
	ref := ParseImage(image)
	part := ref.part(o.Component)
	if part == nil {
		return fmt.Errorf("unknown image component %q: use Registry, Repository, Tag or Digest", o.Component)
	}
	switch o.Operation {
	case typesv1beta1.OverriderAdd:
		if *part == "" {
			*part = o.Value
		}
	case typesv1beta1.OverriderRemove:
		if o.Component == typesv1beta1.ImageRepository {
			return fmt.Errorf("the repository of an image cannot be removed")
		}
		*part = ""
	case "", typesv1beta1.OverriderReplace:
		*part = o.Value
	default:
		return fmt.Errorf("unknown image operation %q: use replace, add or remove", o.Operation)
	}
	c["image"] = ref.String()
	return nil
}

// applyArgs appends to or removes from a container's command or args.
func applyArgs(c map[string]interface{}, field string, o typesv1beta1.ArgsOverrider) error {
	current, _ := c[field].([]interface{})
	switch o.Operation {
	case "", typesv1beta1.OverriderAppend:
		out := make([]interface{}, len(current), len(current)+len(o.Values))
		copy(out, current)
		for _, v := range o.Values {
			out = append(out, v)
		}
		c[field] = out
	case typesv1beta1.OverriderRemove:
		if current == nil {
			return nil
		}
		c[field] = slices.DeleteFunc(slices.Clone(current), func(v interface{}) bool {
			s, ok := v.(string)
			return ok && slices.Contains(o.Values, s)
		})
	default:
		return fmt.Errorf("unknown %s operation %q: use append or remove", field, o.Operation)
	}
	return nil
}

// applyEnv sets or removes an environment variable of a container.
func applyEnv(c map[string]interface{}, o typesv1beta1.EnvOverrider) error {
	env, _ := c["env"].([]interface{})
	at := slices.IndexFunc(env, func(v interface{}) bool {
		m, ok := v.(map[string]interface{})
		return ok && m["name"] == o.Name
	})
	switch o.Operation {
	case "", typesv1beta1.OverriderSet:
		entry := map[string]interface{}{"name": o.Name, "value": o.Value}
		if at >= 0 {
			env[at] = entry
		} else {
			env = append(env, entry)
		}
		c["env"] = env
	case typesv1beta1.OverriderRemove:
		if at >= 0 {
			c["env"] = slices.Delete(env, at, at+1)
		}
	default:
		return fmt.Errorf("unknown env operation %q: use set or remove", o.Operation)
	}
	return nil
}

// applyMap changes one label or annotation of the object's metadata.
func applyMap(obj map[string]interface{}, field string, o typesv1beta1.MapOverrider) error {
	meta, ok := obj["metadata"].(map[string]interface{})
	if !ok {
		if obj["metadata"] != nil {
			return fmt.Errorf("/metadata is not an object")
		}
		meta = map[string]interface{}{}
		obj["metadata"] = meta
	}
	values, ok := meta[field].(map[string]interface{})
	if !ok {
		if meta[field] != nil {
			return fmt.Errorf("/metadata/%s is not an object", field)
		}
		values = map[string]interface{}{}
	}
	_, present := values[o.Key]
	switch o.Operation {
	case typesv1beta1.OverriderAdd:
		if !present {
			values[o.Key] = o.Value
		}
	case "", typesv1beta1.OverriderReplace:
		values[o.Key] = o.Value
	case typesv1beta1.OverriderRemove:
		delete(values, o.Key)
	default:
		return fmt.Errorf("unknown %s operation %q: use replace, add or remove", field, o.Operation)
	}
	if len(values) > 0 || meta[field] != nil {
		meta[field] = values
	}
	return nil
}

// Image is a container image reference split into its parts:
// [Registry/]Repository[:Tag][@Digest].
type Image struct {
	Registry, Repository, Tag, Digest string
}

// ParseImage splits an image reference. The first "/"-separated part is
// the registry when it has a "." or ":" or is localhost, as container
// runtimes decide.
func ParseImage(image string) Image {
	var ref Image
	rest := image
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		ref.Digest, rest = rest[i+1:], rest[:i]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		if first := rest[:i]; strings.ContainsAny(first, ".:") || first == "localhost" {
			ref.Registry, rest = first, rest[i+1:]
		}
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i:], "/") {
		ref.Tag, rest = rest[i+1:], rest[:i]
	}
	ref.Repository = rest
	return ref
}

// String joins the parts of an image reference.
func (r Image) String() string {
	var b strings.Builder
	if r.Registry != "" {
		b.WriteString(r.Registry)
		b.WriteByte('/')
	}
	b.WriteString(r.Repository)
	if r.Tag != "" {
		b.WriteByte(':')
		b.WriteString(r.Tag)
	}
	if r.Digest != "" {
		b.WriteByte('@')
		b.WriteString(r.Digest)
	}
	return b.String()
}

// part returns the field of a component, nil for an unknown one.
func (r *Image) part(c typesv1beta1.ImageComponent) *string {
	switch c {
	case typesv1beta1.ImageRegistry:
		return &r.Registry
	case typesv1beta1.ImageRepository:
		return &r.Repository
	case typesv1beta1.ImageTag:
		return &r.Tag
	case typesv1beta1.ImageDigest:
		return &r.Digest
	}
	return nil
}

// typed returns t, or nil when it holds no overrider.
func typed(t *typesv1beta1.TypedOverriders) *typesv1beta1.TypedOverriders {
	if len(t.Image)+len(t.Command)+len(t.Args)+len(t.Env)+len(t.Labels)+len(t.Annotations) == 0 {
		return nil
	}
	return t
}

// nested returns the value at path in obj, nil when there is none.
func nested(obj map[string]interface{}, path ...string) interface{} {
	var v interface{} = obj
	for _, p := range path {
		m, ok := v.(map[string]interface{})
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func kindName(kind string) string {
	if kind == "" {
		return "object without a kind"
	}
	return kind
}
