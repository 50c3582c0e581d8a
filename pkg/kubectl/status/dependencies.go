package status

import (
	"context"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// Followed returns the dependencies a federated object of type t
// propagates, as the syncer computes them (dependencies.Followed).
func Followed(t Type, obj *unstructured.Unstructured) []dependencies.Ref {
	return dependencies.Followed(obj, t.Target.Group, t.Target.Kind, t.Config.GetDependenciesEnabled())
}

// DependencyIndex returns the dependencies of one namespace's federated
// objects (by type name, in the order of types) that follow them, each with
// the workloads (Kind/name) that pull it in.
func DependencyIndex(types []Type, objects map[string][]*unstructured.Unstructured) []dependencies.Dependency {
	var workloads []dependencies.Workload
	for _, t := range types {
		for _, obj := range objects[t.Config.Name] {
			if refs := Followed(t, obj); len(refs) > 0 {
				workloads = append(workloads, dependencies.Workload{Kind: t.Target.Kind, Name: obj.GetName(), Refs: refs})
			}
		}
	}
	return dependencies.Index(workloads)
}

// DependenciesTable lists the dependencies of refs (one object's), with
// the workloads that pull each in as index (DependencyIndex) says.
func DependenciesTable(refs []dependencies.Ref, index []dependencies.Dependency) Table {
	table := Table{Columns: []Column{{Name: "KIND"}, {Name: "NAME"}, {Name: "OPTIONAL"}, {Name: "PULLED IN BY"}}}
	pulledBy := map[dependencies.Ref]string{}
	for _, d := range index {
		pulledBy[dependencies.Ref{Kind: d.Kind, Name: d.Name}] = strings.Join(d.PulledBy, ", ")
	}
	for _, r := range refs {
		optional := "no"
		if r.Optional {
			optional = "yes"
		}
		table.Rows = append(table.Rows, []Cell{{Text: string(r.Kind)}, {Text: r.Name}, {Text: optional},
			{Text: pulledBy[dependencies.Ref{Kind: r.Kind, Name: r.Name}]}})
	}
	return table
}

// namespaceDependencies reads the federated objects of namespace of every
// enabled type with a pod template and indexes their dependencies.
func namespaceDependencies(ctx context.Context, host *cli.Cluster, kubefedNS, namespace string) ([]dependencies.Dependency, error) {
	types, err := ListTypes(ctx, host, kubefedNS)
	if err != nil {
		return nil, err
	}
	var workloadTypes []Type
	objects := map[string][]*unstructured.Unstructured{}
	for _, t := range types {
		if dependencies.PodSpecPath(t.Target.Group, t.Target.Kind) == nil {
			continue
		}
		list, err := ListObjects(ctx, host, t, namespace, nil)
		if err != nil {
			return nil, err
		}
		workloadTypes = append(workloadTypes, t)
		for i := range list.Items {
			objects[t.Config.Name] = append(objects[t.Config.Name], &list.Items[i])
		}
	}
	return DependencyIndex(workloadTypes, objects), nil
}
