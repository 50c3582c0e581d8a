// Package dependencies lists the objects a workload's pod template needs in
// the cluster it runs in (its ConfigMaps, Secrets, ServiceAccount and
// PersistentVolumeClaims), which the syncer propagates with the workload
// when dependency following is on. It is pure.
package dependencies

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// Kind is the kind of a dependency: a core/v1 kind.
type Kind string

// The kinds of dependency.
const (
	ConfigMap             Kind = "ConfigMap"
	Secret                Kind = "Secret"
	ServiceAccount        Kind = "ServiceAccount"
	PersistentVolumeClaim Kind = "PersistentVolumeClaim"
)

// Kinds are the kinds of dependency, in the order Of sorts them.
var Kinds = []Kind{ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim}

// Resource returns the core/v1 resource of the kind (e.g. configmaps).
func (k Kind) Resource() schema.GroupVersionResource {
	return corev1.SchemeGroupVersion.WithResource(strings.ToLower(string(k)) + "s")
}

// KindOf returns the dependency kind of a target type's group and kind,
// and false when objects of that type are not dependencies.
func KindOf(group, kind string) (Kind, bool) {
	if group != "" {
		return "", false
	}
	for _, k := range Kinds {
		if string(k) == kind {
			return k, true
		}
	}
	return "", false
}

// Ref is one object a pod template references, in the workload's
// namespace.
type Ref struct {
	Kind Kind
	Name string
	// Optional is set when every reference to the object is marked
	// optional (configMapKeyRef.optional, a volume's optional, ...): a pod
	// starts without it, so its absence is not reported.
	Optional bool
}

// String names the object as Kind/name.
func (r Ref) String() string { return string(r.Kind) + "/" + r.Name }

// Never followed: objects every namespace of every cluster has, which the
// member's own controllers create and own.
const (
	// DefaultServiceAccount is the service account a pod runs as when its
	// template names none; each member namespace has its own, so it is not
	// a dependency even when the template names it.
	DefaultServiceAccount = "default"
	// RootCAConfigMap is the ConfigMap of the cluster's CA that every
	// namespace holds (projected into service account token volumes).
	RootCAConfigMap = "kube-root-ca.crt"
)

// PodSpecPath returns the path of the pod spec in an object of a kind with
// a pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob, Pod; group apps, batch or core), and nil for any other kind.
func PodSpecPath(group, kind string) []string {
	switch {
	case group == "" && kind == "Pod":
		return []string{"spec"}
	case group == "apps" && (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "ReplicaSet"),
		group == "batch" && kind == "Job":
		return []string{"spec", "template", "spec"}
	case group == "batch" && kind == "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	return nil
}

// Of returns the dependencies of obj, an object of the given group and kind
// (a federated object's spec.template): sorted by kind (in the order of
// Kinds) and name, each once. It returns nil for a kind without a pod
// template or an object without a pod spec, and an error naming the field
// when the pod spec does not decode.
func Of(group, kind string, obj map[string]interface{}) ([]Ref, error) {
	path := PodSpecPath(group, kind)
	if path == nil {
		return nil, nil
	}
	raw, ok := nested(obj, path)
	if !ok {
		return nil, nil
	}
	var spec corev1.PodSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(path, "."), err)
	}
	return FromPodSpec(&spec), nil
}

// nested returns the map at path, and false when there is none.
func nested(obj map[string]interface{}, path []string) (map[string]interface{}, bool) {
	for _, field := range path {
		next, ok := obj[field].(map[string]interface{})
		if !ok {
			return nil, false
		}
		obj = next
	}
	return obj, true
}

// FromPodSpec returns the dependencies of a pod spec, sorted as Of sorts
// them: the ConfigMaps and Secrets of its volumes (projected sources
// included), of every container's env valueFrom and envFrom (init and
// ephemeral containers included), its imagePullSecrets, its service
// account unless it is "default", and the PersistentVolumeClaims of its
// volumes. The kube-root-ca.crt ConfigMap is left out.
func FromPodSpec(spec *corev1.PodSpec) []Ref {
	l := list{}
	for _, v := range spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			l.add(ConfigMap, v.ConfigMap.Name, v.ConfigMap.Optional)
		case v.Secret != nil:
			l.add(Secret, v.Secret.SecretName, v.Secret.Optional)
		case v.PersistentVolumeClaim != nil:
			l.add(PersistentVolumeClaim, v.PersistentVolumeClaim.ClaimName, nil)
		case v.Projected != nil:
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil {
					l.add(ConfigMap, s.ConfigMap.Name, s.ConfigMap.Optional)
				}
				if s.Secret != nil {
					l.add(Secret, s.Secret.Name, s.Secret.Optional)
				}
			}
		}
	}
	for _, c := range spec.InitContainers {
		l.container(c.Env, c.EnvFrom)
	}
	for _, c := range spec.Containers {
		l.container(c.Env, c.EnvFrom)
	}
	for _, c := range spec.EphemeralContainers {
		l.container(c.Env, c.EnvFrom)
	}
	for _, s := range spec.ImagePullSecrets {
		l.add(Secret, s.Name, nil)
	}
	account := spec.ServiceAccountName
	if account == "" {
		account = spec.DeprecatedServiceAccount
	}
	if account != DefaultServiceAccount {
		l.add(ServiceAccount, account, nil)
	}
	return l.sorted()
}

// list collects refs, merging repeated references to one object.
type list map[Ref]bool

// container adds the references of one container's environment.
func (l list) container(env []corev1.EnvVar, from []corev1.EnvFromSource) {
	for _, e := range env {
		if e.ValueFrom == nil {
			continue
		}
		if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
			l.add(ConfigMap, r.Name, r.Optional)
		}
		if r := e.ValueFrom.SecretKeyRef; r != nil {
			l.add(Secret, r.Name, r.Optional)
		}
	}
	for _, f := range from {
		if f.ConfigMapRef != nil {
			l.add(ConfigMap, f.ConfigMapRef.Name, f.ConfigMapRef.Optional)
		}
		if f.SecretRef != nil {
			l.add(Secret, f.SecretRef.Name, f.SecretRef.Optional)
		}
	}
}

// add records one reference; the object stays optional only while every
// reference to it is.
func (l list) add(kind Kind, name string, optional *bool) {
	if name == "" || (kind == ConfigMap && name == RootCAConfigMap) {
		return
	}
	key := Ref{Kind: kind, Name: name}
	opt := optional != nil && *optional
	if was, seen := l[key]; seen {
		opt = opt && was
	}
	l[key] = opt
}

func (l list) sorted() []Ref {
	if len(l) == 0 {
		return nil
	}
	out := make([]Ref, 0, len(l))
	for r, optional := range l {
		r.Optional = optional
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return Less(out[i], out[j]) })
	return out
}

// Less orders refs by kind (in the order of Kinds), then name.
func Less(a, b Ref) bool {
	if a.Kind != b.Kind {
		return kindOrder(a.Kind) < kindOrder(b.Kind)
	}
	return a.Name < b.Name
}

func kindOrder(k Kind) int {
	for i, known := range Kinds {
		if k == known {
			return i
		}
	}
	return len(Kinds)
}

// Follows reports whether a federated object propagates its dependencies:
// its kubefed.io/propagate-dependencies annotation ("true" or "false")
// decides, and without it (or with another value) its type's default does.
func Follows(annotations map[string]string, typeDefault bool) bool {
	switch annotations[core.PropagateDependenciesAnnotation] {
	case "true":
		return true
	case "false":
		return false
	}
	return typeDefault
}

// Followed returns the dependencies a federated object propagates: none
// unless it follows them (Follows, with its type's default), else those of
// its spec.template, whose target type has the group and kind given. A
// template whose pod spec does not decode has none (the member API server
// rejects the workload itself).
func Followed(fed *unstructured.Unstructured, group, kind string, typeDefault bool) []Ref {
	if !Follows(fed.GetAnnotations(), typeDefault) {
		return nil
	}
	template, _, _ := unstructured.NestedMap(fed.Object, "spec", "template")
	refs, _ := Of(group, kind, template)
	return refs
}

// Workload is a federated object as Index sees it: its kind, name and
// dependencies (all in one namespace).
type Workload struct {
	Kind string
	Name string
	Refs []Ref
}

// String names the workload as Kind/name.
func (w Workload) String() string { return w.Kind + "/" + w.Name }

// Dependency is one object and the workloads that pull it in.
type Dependency struct {
	Ref
	// PulledBy names the workloads (Kind/name), sorted.
	PulledBy []string
}

// Index returns the dependencies of the workloads, sorted as Of sorts them,
// each with the workloads that reference it; a dependency is optional only
// when every reference to it is.
func Index(workloads []Workload) []Dependency {
	byRef := map[Ref]*Dependency{}
	for _, w := range workloads {
		for _, r := range w.Refs {
			key := Ref{Kind: r.Kind, Name: r.Name}
			d, ok := byRef[key]
			if !ok {
				d = &Dependency{Ref: r}
				byRef[key] = d
			}
			d.Optional = d.Optional && r.Optional
			d.PulledBy = append(d.PulledBy, w.String())
		}
	}
	out := make([]Dependency, 0, len(byRef))
	for _, d := range byRef {
		sort.Strings(d.PulledBy)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return Less(out[i].Ref, out[j].Ref) })
	return out
}

// StorageClassBetaAnnotation names the StorageClass of a
// PersistentVolumeClaim written before spec.storageClassName existed.
const StorageClassBetaAnnotation = "volume.beta.kubernetes.io/storage-class"

// StorageClassOf returns the StorageClass a PersistentVolumeClaim names, as
// Kubernetes reads it: its beta annotation when set, else
// spec.storageClassName. "" means none: the claim takes the cluster's
// default class (field unset) or binds to a volume without a class ("").
func StorageClassOf(claim *unstructured.Unstructured) string {
	if class, ok := claim.GetAnnotations()[StorageClassBetaAnnotation]; ok {
		return class
	}
	class, _, _ := unstructured.NestedString(claim.Object, "spec", "storageClassName")
	return class
}
