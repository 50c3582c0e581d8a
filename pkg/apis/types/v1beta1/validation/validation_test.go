package validation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

var deployments = &v1beta1.APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: v1beta1.NamespaceScoped}

var namespaces = &v1beta1.APIResource{Version: "v1", Kind: "Namespace", PluralName: "namespaces", Scope: v1beta1.ClusterScoped}

const validDeployment = `{
  "apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
  "metadata": {"name": "web", "namespace": "shop"},
  "spec": {
    "template": {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 3}},
    "placement": {"clusters": [{"name": "cluster1"}, {"name": "cluster2"}]},
    "overrides": [{"clusterName": "cluster2", "clusterOverrides": [
      {"path": "/spec/replicas", "value": 5},
      {"op": "add", "path": "/metadata/annotations", "value": {"foo": "bar"}},
      {"op": "remove", "path": "/spec/template/spec/hostNetwork"}]}]
  }
}`

func TestFederatedObject(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		target    *v1beta1.APIResource
		fragments []string
	}{
		{"valid", validDeployment, deployments, nil},
		{"valid selector", `{"metadata":{"name":"a","namespace":"b"},"spec":{"placement":{"clusterSelector":{"matchExpressions":[{"key":"region","operator":"In","values":["eu"]}]}}}}`, deployments, nil},
		{"valid unknown target", `{"metadata":{"name":"a"},"spec":{"template":{"kind":"Anything"}}}`, nil, nil},
		{"bad cluster name", `{"spec":{"placement":{"clusters":[{"name":"Cluster_1"}]}}}`, deployments,
			[]string{`spec.placement.clusters[0].name: Invalid value: "Cluster_1"`}},
		{"empty cluster name", `{"spec":{"placement":{"clusters":[{"name":""}]}}}`, deployments,
			[]string{"spec.placement.clusters[0].name: Required value"}},
		{"duplicate cluster", `{"spec":{"placement":{"clusters":[{"name":"c1"},{"name":"c1"}]}}}`, deployments,
			[]string{`spec.placement.clusters[1].name: Duplicate value: "c1"`}},
		{"bad selector operator", `{"spec":{"placement":{"clusterSelector":{"matchExpressions":[{"key":"a","operator":"Near"}]}}}}`, deployments,
			[]string{"spec.placement.clusterSelector.matchExpressions[0].operator: Invalid value"}},
		{"bad selector label", `{"spec":{"placement":{"clusterSelector":{"matchLabels":{"a b":"c"}}}}}`, deployments,
			[]string{"spec.placement.clusterSelector.matchLabels: Invalid value"}},
		{"duplicate override cluster", `{"spec":{"overrides":[{"clusterName":"c1"},{"clusterName":"c1"}]}}`, deployments,
			[]string{`spec.overrides[1].clusterName: Duplicate value: "c1"`}},
		{"override for a selector", `{"spec":{"overrides":[{"clusterSelector":{"matchLabels":{"region":"eu"}},"clusterOverrides":[{"path":"/spec/replicas","value":1}]},{"clusterSelector":{},"clusterOverrides":[{"path":"/spec/replicas","value":2}]}]}}`, deployments, nil},
		{"name and selector", `{"spec":{"overrides":[{"clusterName":"c1","clusterSelector":{"matchLabels":{"region":"eu"}}}]}}`, deployments,
			[]string{`spec.overrides[0].clusterSelector: Invalid value: "region=eu": give either clusterName or clusterSelector, not both`}},
		{"bad override selector", `{"spec":{"overrides":[{"clusterSelector":{"matchExpressions":[{"key":"region","operator":"Near"}]}}]}}`, deployments,
			[]string{"spec.overrides[0].clusterSelector.matchExpressions[0].operator: Invalid value"}},
		{"bad patch in a selector entry", `{"spec":{"overrides":[{"clusterSelector":{},"clusterOverrides":[{"path":"/kind","value":"Pod"}]}]}}`, deployments,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /kind"}},
		{"typed overriders", `{"spec":{"overrides":[{"clusterSelector":{},"image":[{"component":"Registry","value":"eu.example.com"},{"containerNames":["app"],"component":"Tag","operation":"add","value":"1.27"},{"component":"Digest","operation":"remove"}],
			"command":[{"values":["-v"]}],"args":[{"containerNames":["app"],"operation":"remove","values":["-q"]}],"env":[{"name":"MODE","value":"eu"},{"name":"OLD","operation":"remove"}],
			"labels":[{"key":"tier","value":"gold"},{"key":"example.com/x","operation":"remove"}],"annotations":[{"key":"note","value":"any text: at all"}]}]}}`, deployments, nil},
		{"bad typed overriders, all at once", `{"spec":{"overrides":[{"clusterName":"c1","image":[{"component":"Host","value":"x"},{"component":"Repository","operation":"remove"},{"component":"Tag"},{"component":"Tag","value":"a:b"},{"component":"Digest","value":"abc"},{"containerNames":["App_1","App_1"],"component":"Registry","operation":"prepend","value":"eu"}],
			"command":[{"operation":"insert","values":["x"]}],"args":[{"values":[]}],"env":[{"name":""},{"name":"A=B"}],
			"labels":[{"key":"kubefed.io/managed","operation":"remove"},{"key":"tier","value":"not a label value"}],"annotations":[{"key":"bad key!","value":"x"},{"key":"x","operation":"remove","value":"y"}]}]}}`, deployments,
			[]string{`spec.overrides[0].image[0].component: Unsupported value: "Host"`,
				`spec.overrides[0].image[1].operation: Invalid value: "remove": the repository of an image cannot be removed`,
				`spec.overrides[0].image[2].value: Required value: the new tag`,
				`spec.overrides[0].image[3].value: Invalid value: "a:b": a tag has no ":"`,
				`spec.overrides[0].image[4].value: Invalid value: "abc": a digest is ALGORITHM:HEX`,
				`spec.overrides[0].image[5].containerNames[0]: Invalid value: "App_1"`,
				`spec.overrides[0].image[5].containerNames[1]: Duplicate value: "App_1"`,
				`spec.overrides[0].image[5].operation: Unsupported value: "prepend"`,
				`spec.overrides[0].command[0].operation: Unsupported value: "insert"`,
				`spec.overrides[0].args[0].values: Required value: give the values to append`,
				`spec.overrides[0].env[0].name: Required value`,
				`spec.overrides[0].env[1].name: Invalid value: "A=B"`,
				`spec.overrides[0].labels[0].key: Forbidden: keys under kubefed.io/ belong to the syncer`,
				`spec.overrides[0].labels[1].value: Invalid value: "not a label value"`,
				`spec.overrides[0].annotations[0].key: Invalid value: "bad key!"`,
				`spec.overrides[0].annotations[1].value: Invalid value: "y": remove takes no value`}},
		{"missing override cluster", `{"spec":{"overrides":[{"clusterOverrides":[]}]}}`, deployments,
			[]string{"spec.overrides[0].clusterName: Required value"}},
		{"duplicate path", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/spec/replicas","value":1},{"path":"/spec/replicas","value":2}]}]}}`, deployments,
			[]string{`spec.overrides[0].clusterOverrides[1].path: Duplicate value: "/spec/replicas"`}},
		{"forbidden name", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/name","value":"x"}]}]}}`, deployments,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /metadata/name"}},
		{"forbidden namespace", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/namespace","value":"x"}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /metadata/namespace"}},
		{"forbidden generateName", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"remove","path":"/metadata/generateName"}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /metadata/generateName"}},
		{"forbidden kind", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/kind","value":"Pod"}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /kind"}},
		{"server-owned resourceVersion", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/resourceVersion","value":"1"}]}]}}`, deployments,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /metadata/resourceVersion: the member's API server sets it", "remove this override"}},
		{"server-owned ownerReferences entry", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"add","path":"/metadata/ownerReferences/-","value":{"kind":"X"}}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /metadata/ownerReferences: owners are objects of the member cluster"}},
		{"server-owned uid", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/uid","value":"u"}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /metadata/uid"}},
		{"server-owned generation", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/generation","value":2}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /metadata/generation"}},
		{"server-owned managedFields", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"remove","path":"/metadata/managedFields"}]}]}}`, deployments,
			[]string{"Forbidden: overrides may not change /metadata/managedFields"}},
		{"finalizers stay overridable", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"add","path":"/metadata/finalizers","value":["example.com/keep"]}]}]}}`, deployments, nil},
		{"not forbidden sibling", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/namespaces","value":"x"},{"path":"/kinds","value":1}]}]}}`, deployments, nil},
		{"relative path", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"spec/replicas","value":1}]}]}}`, deployments,
			[]string{`spec.overrides[0].clusterOverrides[0].path: Invalid value: "spec/replicas": must be a JSON pointer starting with "/"`}},
		{"bad escape", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/labels/a~2b","value":"x"}]}]}}`, deployments,
			[]string{`"~" must be followed by "0" or "1"`}},
		{"good escape", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/metadata/labels/a~1b~0","value":"x"}]}]}}`, deployments, nil},
		{"empty path", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"","value":1}]}]}}`, deployments,
			[]string{"spec.overrides[0].clusterOverrides[0].path: Required value"}},
		{"bad op", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"move","path":"/a","value":1}]}]}}`, deployments,
			[]string{`spec.overrides[0].clusterOverrides[0].op: Unsupported value: "move"`}},
		{"add without value", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"add","path":"/a"}]}]}}`, deployments,
			[]string{`spec.overrides[0].clusterOverrides[0].value: Required value: op "add" needs a value`}},
		{"default op without value", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/a"}]}]}}`, deployments,
			[]string{`value: Required value: op "replace" needs a value`}},
		{"remove without value", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"op":"remove","path":"/a"}]}]}}`, deployments, nil},
		{"null value is a value", `{"spec":{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/a","value":null}]}]}}`, deployments,
			[]string{"value: Required value"}},
		{"template kind", `{"spec":{"template":{"kind":"StatefulSet"}}}`, deployments,
			[]string{`spec.template.kind: Invalid value: "StatefulSet": must be "Deployment"`}},
		{"template apiVersion", `{"spec":{"template":{"apiVersion":"extensions/v1beta1"}}}`, deployments,
			[]string{`spec.template.apiVersion: Invalid value: "extensions/v1beta1": must be "apps/v1"`}},
		{"template not object", `{"spec":{"template":[1,2]}}`, deployments, []string{"spec.template: Invalid value"}},
		{"namespace name", `{"metadata":{"name":"ns1","namespace":"ns2"},"spec":{}}`, namespaces,
			[]string{"metadata.name: Invalid value: \"ns1\": " + FederatedNamespaceNameMessage}},
		{"namespace name ok", `{"metadata":{"name":"ns1","namespace":"ns1"},"spec":{"template":{"apiVersion":"v1","kind":"Namespace"}}}`, namespaces, nil},
		{"all problems at once", `{"spec":{"template":{"kind":"Pod"},"placement":{"clusters":[{"name":"c1"},{"name":"c1"}]},
			"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/kind","value":"x"},{"op":"copy","path":"x"}]}]}}`, deployments,
			[]string{"spec.template.kind", "spec.placement.clusters[1].name: Duplicate", "clusterOverrides[0].path: Forbidden",
				"clusterOverrides[1].path: Invalid", "clusterOverrides[1].op: Unsupported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := Decode([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			errs := ValidateFederatedObject(obj, tt.target)
			if len(tt.fragments) == 0 {
				if len(errs) > 0 {
					t.Fatalf("unexpected: %v", errs.ToAggregate())
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("no errors, want %q", tt.fragments)
			}
			msg := errs.ToAggregate().Error()
			for _, f := range tt.fragments {
				if !strings.Contains(msg, f) {
					t.Errorf("%q does not contain %q", msg, f)
				}
			}
		})
	}
}

func TestCoveringPrefix(t *testing.T) {
	tests := []struct {
		path, prefix string
		covered      bool
	}{
		{"/spec", "/spec", true},
		{"/spec/replicas", "/spec", true},
		{"/spec/replicas", "/spec/", true},
		{"/specs", "/spec", false},
		{"/metadata", "/metadata/labels", false},
	}
	for _, tt := range tests {
		if got := CoveringPrefix(tt.path, []string{tt.prefix}) != ""; got != tt.covered {
			t.Errorf("CoveringPrefix(%q, %q) = %v", tt.path, tt.prefix, got)
		}
	}
}

func TestValidateClusterOverrides(t *testing.T) {
	obj, err := Decode([]byte(`{"spec":{"overrides":[
		{"clusterName":"a","clusterOverrides":[{"path":"/spec/replicas","value":1}]},
		{"clusterName":"b","clusterOverrides":[{"path":"/kind","value":"Pod"}]},
		{"clusterName":"c","clusterOverrides":[{"path":"/x","value":1},{"path":"/x","value":2}]},
		{"clusterName":"c"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	path := field.NewPath("spec", "overrides")
	for cluster, want := range map[string][]string{
		"a": nil,
		"b": {"spec.overrides[1].clusterOverrides[0].path: Forbidden: overrides may not change /kind"},
		"c": {`spec.overrides[2].clusterOverrides[1].path: Duplicate value: "/x"`, `spec.overrides[3].clusterName: Duplicate value: "c"`},
		"d": nil,
	} {
		errs := ValidateClusterOverrides(obj.Spec.Overrides, func(i int) bool { return obj.Spec.Overrides[i].ClusterName == cluster }, path)
		if len(errs) != len(want) {
			t.Errorf("cluster %s: %v, want %q", cluster, errs, want)
			continue
		}
		for i, e := range errs {
			if !strings.Contains(e.Error(), want[i]) {
				t.Errorf("cluster %s: %q does not contain %q", cluster, e.Error(), want[i])
			}
		}
	}
	// The whole list reports every cluster's problems, as admission does.
	if errs := ValidateOverrides(obj.Spec.Overrides, path); len(errs) != 3 {
		t.Errorf("ValidateOverrides: %v, want 3 errors", errs)
	}
}
