package dependencies

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// podSpec is a pod spec referencing one object of every kind in every way
// a pod template can.
const podSpec = `{
	"serviceAccountName": "runner",
	"imagePullSecrets": [{"name": "registry"}],
	"volumes": [
		{"name": "a", "configMap": {"name": "cm-volume"}},
		{"name": "b", "secret": {"secretName": "secret-volume", "optional": true}},
		{"name": "c", "persistentVolumeClaim": {"claimName": "data"}},
		{"name": "d", "projected": {"sources": [
			{"configMap": {"name": "cm-projected"}},
			{"secret": {"name": "secret-projected"}},
			{"configMap": {"name": "kube-root-ca.crt"}},
			{"serviceAccountToken": {"path": "token"}}]}},
		{"name": "e", "emptyDir": {}}
	],
	"initContainers": [{"name": "init", "envFrom": [{"configMapRef": {"name": "cm-init"}}]}],
	"containers": [{"name": "app",
		"env": [
			{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm-env", "key": "a", "optional": true}}},
			{"name": "B", "valueFrom": {"secretKeyRef": {"name": "secret-env", "key": "b"}}},
			{"name": "C", "value": "plain"},
			{"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
		"envFrom": [{"secretRef": {"name": "secret-envfrom"}}, {"configMapRef": {"name": "cm-volume", "optional": true}}]}],
	"ephemeralContainers": [{"name": "debug", "envFrom": [{"secretRef": {"name": "secret-debug"}}]}]
}`

// want is what podSpec references, sorted: kind (ConfigMap, Secret,
// ServiceAccount, PersistentVolumeClaim), then name. cm-volume is
// referenced optionally once and required once: it is required.
var want = []Ref{
	{Kind: ConfigMap, Name: "cm-env", Optional: true},
	{Kind: ConfigMap, Name: "cm-init"},
	{Kind: ConfigMap, Name: "cm-projected"},
	{Kind: ConfigMap, Name: "cm-volume"},
	{Kind: Secret, Name: "registry"},
	{Kind: Secret, Name: "secret-debug"},
	{Kind: Secret, Name: "secret-env"},
	{Kind: Secret, Name: "secret-envfrom"},
	{Kind: Secret, Name: "secret-projected"},
	{Kind: Secret, Name: "secret-volume", Optional: true},
	{Kind: ServiceAccount, Name: "runner"},
	{Kind: PersistentVolumeClaim, Name: "data"},
}

func decode(t testing.TB, s string) map[string]interface{} {
	t.Helper()
	var out map[string]interface{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOfEveryPodTemplateKind(t *testing.T) {
	template := `{"spec": {"template": {"spec": ` + podSpec + `}}}`
	for _, tc := range []struct {
		group, kind, obj string
	}{
		{"apps", "Deployment", template},
		{"apps", "StatefulSet", template},
		{"apps", "DaemonSet", template},
		{"apps", "ReplicaSet", template},
		{"batch", "Job", template},
		{"batch", "CronJob", `{"spec": {"jobTemplate": {"spec": {"template": {"spec": ` + podSpec + `}}}}}`},
		{"", "Pod", `{"spec": ` + podSpec + `}`},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			got, err := Of(tc.group, tc.kind, decode(t, tc.obj))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestOfWithoutDependencies(t *testing.T) {
	for _, tc := range []struct {
		name, group, kind, obj string
	}{
		{"kind without a pod template", "", "ConfigMap", `{"data": {"a": "b"}}`},
		{"Deployment of another group", "extensions", "Deployment", `{"spec": {"template": {"spec": ` + podSpec + `}}}`},
		{"no pod spec", "apps", "Deployment", `{"spec": {"replicas": 1}}`},
		{"template not an object", "apps", "Deployment", `{"spec": {"template": "x"}}`},
		{"default service account", "", "Pod", `{"spec": {"serviceAccountName": "default", "containers": [{"name": "a"}]}}`},
		{"deprecated default service account", "", "Pod", `{"spec": {"serviceAccount": "default"}}`},
		{"no service account", "", "Pod", `{"spec": {"containers": [{"name": "a"}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Of(tc.group, tc.kind, decode(t, tc.obj))
			if err != nil || got != nil {
				t.Errorf("got %v, %v; want nothing", got, err)
			}
		})
	}
}

func TestOfDeprecatedServiceAccount(t *testing.T) {
	got, err := Of("", "Pod", decode(t, `{"spec": {"serviceAccount": "old"}}`))
	if err != nil || !reflect.DeepEqual(got, []Ref{{Kind: ServiceAccount, Name: "old"}}) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestOfPodSpecThatDoesNotDecode(t *testing.T) {
	_, err := Of("apps", "Deployment", decode(t, `{"spec": {"template": {"spec": {"volumes": "not a list"}}}}`))
	if err == nil || err.Error()[:18] != "spec.template.spec" {
		t.Errorf("got %v, want an error naming spec.template.spec", err)
	}
}

func TestFollows(t *testing.T) {
	for _, tc := range []struct {
		value       string
		typeDefault bool
		want        bool
	}{
		{"", false, false},
		{"", true, true},
		{"true", false, true},
		{"false", true, false},
		{"yes", true, true},
		{"yes", false, false},
	} {
		annotations := map[string]string{}
		if tc.value != "" {
			annotations["kubefed.io/propagate-dependencies"] = tc.value
		}
		if got := Follows(annotations, tc.typeDefault); got != tc.want {
			t.Errorf("Follows(%q, %v) = %v, want %v", tc.value, tc.typeDefault, got, tc.want)
		}
	}
}

func TestKindOfAndResource(t *testing.T) {
	for _, k := range Kinds {
		if got, ok := KindOf("", string(k)); !ok || got != k {
			t.Errorf("KindOf(%s) = %v, %v", k, got, ok)
		}
	}
	if _, ok := KindOf("apps", "ConfigMap"); ok {
		t.Error("apps ConfigMap is a dependency kind")
	}
	if got := PersistentVolumeClaim.Resource().Resource; got != "persistentvolumeclaims" {
		t.Errorf("resource %s", got)
	}
}

func TestIndex(t *testing.T) {
	got := Index([]Workload{
		{Kind: "Deployment", Name: "web", Refs: []Ref{{Kind: ConfigMap, Name: "shared", Optional: true}, {Kind: Secret, Name: "tls"}}},
		{Kind: "StatefulSet", Name: "db", Refs: []Ref{{Kind: ConfigMap, Name: "shared"}, {Kind: ConfigMap, Name: "db"}}},
		{Kind: "Job", Name: "once", Refs: []Ref{{Kind: Secret, Name: "tls", Optional: true}}},
	})
	want := []Dependency{
		{Ref: Ref{Kind: ConfigMap, Name: "db"}, PulledBy: []string{"StatefulSet/db"}},
		{Ref: Ref{Kind: ConfigMap, Name: "shared"}, PulledBy: []string{"Deployment/web", "StatefulSet/db"}},
		{Ref: Ref{Kind: Secret, Name: "tls"}, PulledBy: []string{"Deployment/web", "Job/once"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
}

func TestFollowed(t *testing.T) {
	fed := &unstructured.Unstructured{Object: decode(t, `{"metadata": {"annotations": {"kubefed.io/propagate-dependencies": "true"}},
		"spec": {"template": {"spec": {"template": {"spec": {"serviceAccountName": "runner"}}}}}}`)}
	if got := Followed(fed, "apps", "Deployment", false); !reflect.DeepEqual(got, []Ref{{Kind: ServiceAccount, Name: "runner"}}) {
		t.Errorf("annotated: %v", got)
	}
	fed.SetAnnotations(nil)
	if got := Followed(fed, "apps", "Deployment", false); got != nil {
		t.Errorf("not following: %v", got)
	}
	if got := Followed(fed, "apps", "Deployment", true); len(got) != 1 {
		t.Errorf("type default: %v", got)
	}
}

func TestStorageClassOf(t *testing.T) {
	claim := func(annotations map[string]string, spec map[string]interface{}) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]interface{}{"spec": spec}}
		u.SetAnnotations(annotations)
		return u
	}
	beta := map[string]string{StorageClassBetaAnnotation: "old"}
	for _, tc := range []struct {
		name  string
		claim *unstructured.Unstructured
		want  string
	}{
		{"the field names it", claim(nil, map[string]interface{}{"storageClassName": "fast"}), "fast"},
		{"no class: the cluster's default", claim(nil, map[string]interface{}{}), ""},
		{"explicitly none", claim(nil, map[string]interface{}{"storageClassName": ""}), ""},
		{"the beta annotation wins, as in Kubernetes", claim(beta, map[string]interface{}{"storageClassName": "fast"}), "old"},
		{"the beta annotation alone", claim(beta, map[string]interface{}{}), "old"},
		{"a field of the wrong type names none", claim(nil, map[string]interface{}{"storageClassName": 3}), ""},
		{"no spec", &unstructured.Unstructured{Object: map[string]interface{}{}}, ""},
	} {
		if got := StorageClassOf(tc.claim); got != tc.want {
			t.Errorf("%s: StorageClassOf = %q, want %q", tc.name, got, tc.want)
		}
	}
}
