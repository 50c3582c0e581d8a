package overrides

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

type obj = map[string]interface{}

// podSpec is a pod spec with an app container and an init container.
func podSpec() obj {
	return obj{
		"containers": []interface{}{obj{"name": "app", "image": "nginx:1.25", "command": []interface{}{"nginx"},
			"args": []interface{}{"-g", "daemon off;"}, "env": []interface{}{obj{"name": "MODE", "value": "prod"}}}},
		"initContainers": []interface{}{obj{"name": "init", "image": "registry.example.com:5000/tools/busybox@sha256:abc"}},
	}
}

// workload returns an object of kind with podSpec() where the kind keeps
// its pod spec.
func workload(apiVersion, kind string) *unstructured.Unstructured {
	o := obj{"apiVersion": apiVersion, "kind": kind, "metadata": obj{"name": "w", "labels": obj{"app": "w"}}}
	spec := podSpec()
	for i := len(podSpecPaths[kind]) - 1; i >= 0; i-- {
		spec = obj{podSpecPaths[kind][i]: spec}
	}
	for k, v := range spec {
		o[k] = v
	}
	return &unstructured.Unstructured{Object: o}
}

// podKinds are the kinds with a pod template, with their API versions.
var podKinds = map[string]string{
	"Pod": "v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1",
}

func TestTypedOverridersOnEveryPodTemplateKind(t *testing.T) {
	cases := []struct {
		name  string
		typed typesv1beta1.TypedOverriders
		// want checks the app container (app) and the init container (init).
		app, init obj
	}{
		{name: "replace the registry of every container",
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Value: "eu.example.com"}}},
			app:   obj{"image": "eu.example.com/nginx:1.25"}, init: obj{"image": "eu.example.com/tools/busybox@sha256:abc"}},
		{name: "add a registry only where there is none",
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Operation: "add", Value: "eu.example.com"}}},
			app:   obj{"image": "eu.example.com/nginx:1.25"}, init: obj{"image": "registry.example.com:5000/tools/busybox@sha256:abc"}},
		{name: "remove the registry",
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Operation: "remove"}}},
			app:   obj{"image": "nginx:1.25"}, init: obj{"image": "tools/busybox@sha256:abc"}},
		{name: "replace the tag of a named container",
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{ContainerNames: []string{"app"}, Component: typesv1beta1.ImageTag, Value: "1.27"}}},
			app:   obj{"image": "nginx:1.27"}, init: obj{"image": "registry.example.com:5000/tools/busybox@sha256:abc"}},
		{name: "remove the digest, add a tag",
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{
				{ContainerNames: []string{"init"}, Component: typesv1beta1.ImageDigest, Operation: "remove"},
				{ContainerNames: []string{"init"}, Component: typesv1beta1.ImageTag, Operation: "add", Value: "1.36"}}},
			init: obj{"image": "registry.example.com:5000/tools/busybox:1.36"}},
		{name: "replace the repository",
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{ContainerNames: []string{"app"}, Component: typesv1beta1.ImageRepository, Value: "mirror/nginx"}}},
			app:   obj{"image": "mirror/nginx:1.25"}},
		{name: "append to the command, remove from the args",
			typed: typesv1beta1.TypedOverriders{
				Command: []typesv1beta1.ArgsOverrider{{ContainerNames: []string{"app"}, Values: []string{"-c", "/etc/eu.conf"}}},
				Args:    []typesv1beta1.ArgsOverrider{{ContainerNames: []string{"app"}, Operation: "remove", Values: []string{"-g"}}}},
			app: obj{"command": []interface{}{"nginx", "-c", "/etc/eu.conf"}, "args": []interface{}{"daemon off;"}}},
		{name: "append args to a container without any",
			typed: typesv1beta1.TypedOverriders{Args: []typesv1beta1.ArgsOverrider{{ContainerNames: []string{"init"}, Values: []string{"-v"}}}},
			init:  obj{"args": []interface{}{"-v"}}},
		{name: "set and remove env",
			typed: typesv1beta1.TypedOverriders{Env: []typesv1beta1.EnvOverrider{
				{ContainerNames: []string{"app"}, Name: "MODE", Value: "eu"},
				{ContainerNames: []string{"app"}, Name: "REGION", Value: "eu-west"},
				{ContainerNames: []string{"init"}, Name: "MODE", Operation: "remove"}}},
			app: obj{"env": []interface{}{obj{"name": "MODE", "value": "eu"}, obj{"name": "REGION", "value": "eu-west"}}}},
		{name: "remove env that is not there",
			typed: typesv1beta1.TypedOverriders{Env: []typesv1beta1.EnvOverrider{{Name: "NOPE", Operation: "remove"}}},
			app:   obj{"env": []interface{}{obj{"name": "MODE", "value": "prod"}}}},
	}
	for kind, apiVersion := range podKinds {
		for _, tc := range cases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				o := workload(apiVersion, kind)
				if err := ApplySets(o, []Set{{Source: "s", Typed: &tc.typed}}); err != nil {
					t.Fatal(err)
				}
				containers := containersOf(nested(o.Object, podSpecPaths[kind]...).(obj))
				for i, want := range []obj{tc.app, tc.init} {
					for k, v := range want {
						if got := containers[i].obj[k]; !reflect.DeepEqual(got, v) {
							t.Errorf("container %s: %s = %#v, want %#v", containers[i].name, k, got, v)
						}
					}
				}
			})
		}
	}
}

func TestTypedLabelsAndAnnotations(t *testing.T) {
	typed := typesv1beta1.TypedOverriders{
		Labels: []typesv1beta1.MapOverrider{{Key: "tier", Value: "gold"}, {Key: "app", Operation: "add", Value: "other"},
			{Key: "team", Operation: "add", Value: "shop"}},
		Annotations: []typesv1beta1.MapOverrider{{Key: "example.com/owner", Value: "eu"}, {Key: "gone", Operation: "remove"}},
	}
	cm := configMap() // any kind: no pod template needed
	if err := ApplySets(cm, []Set{{Source: "s", Typed: &typed}}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"tier": "gold", "app": "other", "team": "shop"}; !reflect.DeepEqual(cm.GetLabels(), want) {
		t.Errorf("labels %v, want %v", cm.GetLabels(), want)
	}
	if want := map[string]string{"example.com/owner": "eu"}; !reflect.DeepEqual(cm.GetAnnotations(), want) {
		t.Errorf("annotations %v, want %v", cm.GetAnnotations(), want)
	}
	d := deployment()
	add := typesv1beta1.TypedOverriders{Labels: []typesv1beta1.MapOverrider{{Key: "app", Operation: "add", Value: "other"}}}
	if err := ApplySets(d, []Set{{Source: "s", Typed: &add}}); err != nil {
		t.Fatal(err)
	}
	if got := d.GetLabels()["app"]; got != "web" {
		t.Errorf("app label %q: add must keep the value there", got)
	}
	remove := typesv1beta1.TypedOverriders{Labels: []typesv1beta1.MapOverrider{{Key: "app", Operation: "remove"}, {Key: "app", Operation: "add", Value: "again"}}}
	if err := ApplySets(d, []Set{{Source: "s", Typed: &remove}}); err != nil {
		t.Fatal(err)
	}
	if got := d.GetLabels()["app"]; got != "again" {
		t.Errorf("app label %q: remove then add should give again (overriders apply in order)", got)
	}
}

func TestTypedOrderAfterPatches(t *testing.T) {
	// The entry's JSON patch sets the image; its image overrider then
	// changes the tag of what the patch set.
	set := Set{Source: "spec.overrides[0]",
		Patches: []typesv1beta1.ClusterOverride{{Path: "/spec/template/spec/containers/0/image", Value: value(`"eu.example.com/nginx:1.0"`)}},
		Typed:   &typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageTag, Value: "2.0"}}}}
	d := deployment()
	if err := ApplySets(d, []Set{set}); err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if got := containers[0].(obj)["image"]; got != "eu.example.com/nginx:2.0" {
		t.Errorf("image %v, want eu.example.com/nginx:2.0", got)
	}
}

func TestTypedFailures(t *testing.T) {
	cases := []struct {
		name    string
		obj     func() *unstructured.Unstructured
		typed   typesv1beta1.TypedOverriders
		wantErr string
	}{
		{name: "no such container", obj: deployment,
			typed:   typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{ContainerNames: []string{"sidecar"}, Component: "Tag", Value: "1"}}},
			wantErr: `spec.overrides[1]: image[0]: no container "sidecar" in the pod template (containers: nginx); fix containerNames`},
		{name: "kind without a pod template", obj: configMap,
			typed:   typesv1beta1.TypedOverriders{Env: []typesv1beta1.EnvOverrider{{Name: "A", Value: "b"}}},
			wantErr: "image, command, args and env overriders need a pod template, and a ConfigMap has none"},
		{name: "pod template missing from the object", obj: func() *unstructured.Unstructured {
			d := deployment()
			unstructured.RemoveNestedField(d.Object, "spec", "template")
			return d
		}, typed: typesv1beta1.TypedOverriders{Args: []typesv1beta1.ArgsOverrider{{Values: []string{"-v"}}}},
			wantErr: "/spec/template/spec is missing or not an object"},
		{name: "unknown component", obj: deployment,
			typed: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: "Host", Value: "x"}}}, wantErr: `unknown image component "Host"`},
		{name: "remove the repository", obj: deployment,
			typed:   typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: "Repository", Operation: "remove"}}},
			wantErr: "the repository of an image cannot be removed"},
		{name: "unknown env operation", obj: deployment,
			typed: typesv1beta1.TypedOverriders{Env: []typesv1beta1.EnvOverrider{{Name: "A", Operation: "append"}}}, wantErr: `unknown env operation "append"`},
		{name: "labels not a map", obj: func() *unstructured.Unstructured {
			cm := configMap()
			cm.Object["metadata"].(obj)["labels"] = "x"
			return cm
		}, typed: typesv1beta1.TypedOverriders{Labels: []typesv1beta1.MapOverrider{{Key: "a", Value: "b"}}}, wantErr: "/metadata/labels is not an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.obj()
			err := ApplySets(o, []Set{{Source: "spec.overrides[1]", Typed: &tc.typed}})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
			}
			if !reflect.DeepEqual(o, tc.obj()) {
				t.Error("a failed overrider changed the object")
			}
		})
	}
}

func TestGenericPodTemplate(t *testing.T) {
	// A kind this package does not know, with a pod template where
	// workloads keep it (a custom resource, say).
	rollout := &unstructured.Unstructured{Object: obj{"apiVersion": "example.com/v1", "kind": "Rollout", "metadata": obj{"name": "r"},
		"spec": obj{"template": obj{"spec": podSpec()}}}}
	typed := typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{ContainerNames: []string{"app"}, Component: "Tag", Value: "2"}}}
	if err := ApplySets(rollout, []Set{{Source: "s", Typed: &typed}}); err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedSlice(rollout.Object, "spec", "template", "spec", "containers")
	if got := containers[0].(obj)["image"]; got != "nginx:2" {
		t.Errorf("image %v, want nginx:2", got)
	}
}

func TestParseImage(t *testing.T) {
	for image, want := range map[string]Image{
		"nginx":                                 {Repository: "nginx"},
		"nginx:1.25":                            {Repository: "nginx", Tag: "1.25"},
		"library/nginx":                         {Repository: "library/nginx"},
		"eu.example.com/nginx":                  {Registry: "eu.example.com", Repository: "nginx"},
		"localhost/nginx:1":                     {Registry: "localhost", Repository: "nginx", Tag: "1"},
		"registry:5000/team/app:v1@sha256:0123": {Registry: "registry:5000", Repository: "team/app", Tag: "v1", Digest: "sha256:0123"},
		"gcr.io/project/app@sha256:abc":         {Registry: "gcr.io", Repository: "project/app", Digest: "sha256:abc"},
		"":                                      {},
		"a/b:c/d":                               {Repository: "a/b:c/d"},
		"eu.example.com/mirror/docker.io/nginx:1.0": {Registry: "eu.example.com", Repository: "mirror/docker.io/nginx", Tag: "1.0"},
	} {
		got := ParseImage(image)
		if got != want {
			t.Errorf("ParseImage(%q) = %+v, want %+v", image, got, want)
		}
		if got.String() != image {
			t.Errorf("ParseImage(%q).String() = %q, want it back", image, got.String())
		}
	}
}

func TestTypedPaths(t *testing.T) {
	typed := &typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: "Tag", Value: "1"}},
		Labels: []typesv1beta1.MapOverrider{{Key: "example.com/tier"}}}
	want := []string{"/spec/jobTemplate/spec/template/spec/containers", "/spec/jobTemplate/spec/template/spec/initContainers", "/metadata/labels/example.com~1tier"}
	if got := TypedPaths("CronJob", typed); !reflect.DeepEqual(got, want) {
		t.Errorf("TypedPaths = %v, want %v", got, want)
	}
}
