package propagation

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
)

func memberConfigMap(rv string, data object, labels object) *unstructured.Unstructured {
	meta := object{"name": "c", "namespace": "ns1", "resourceVersion": rv, "labels": labels}
	return &unstructured.Unstructured{Object: object{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}}
}

func memberDeployment(generation int64, rv string, spec object, labels object) *unstructured.Unstructured {
	meta := object{"name": "web", "namespace": "ns1", "resourceVersion": rv, "generation": generation, "labels": labels}
	return &unstructured.Unstructured{Object: object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}}
}

func TestCheck(t *testing.T) {
	managed := object{"kubefed.io/managed": "true"}
	cm := memberConfigMap("7", object{"a": "1"}, managed)
	podSpec := func(extra object) object {
		spec := object{"containers": []interface{}{object{"name": "nginx", "image": "nginx"}}}
		for k, v := range extra {
			spec[k] = v
		}
		return object{"replicas": int64(2), "template": object{"spec": spec}}
	}
	deploy := memberDeployment(3, "40", podSpec(nil), managed)
	defaulted := podSpec(object{"dnsPolicy": "ClusterFirst", "restartPolicy": "Always"})
	cases := []struct {
		name              string
		desired, observed *unstructured.Unstructured
		rendered          string
		recorded          string
		want              Verdict
	}{
		{"no record, up to date: the check becomes the record", cm, memberConfigMap("7", object{"a": "1"}, managed), "h1", "",
			Verdict{Version: "rv:7 h1"}},
		{"no record, a value missing: update", cm, memberConfigMap("7", object{}, managed), "h1", "", Verdict{Update: true}},
		{"no record, an added key is not seen", cm, memberConfigMap("7", object{"a": "1", "extra": "x"}, managed), "h1", "",
			Verdict{Version: "rv:7 h1"}},
		{"recorded and unchanged: nothing to do", cm, memberConfigMap("7", object{"a": "1"}, managed), "h1", "rv:7 h1",
			Verdict{Version: "rv:7 h1"}},
		{"a key added by someone else: revert", cm, memberConfigMap("8", object{"a": "1", "extra": "x"}, managed), "h1", "rv:7 h1",
			Verdict{Update: true, Drifted: true}},
		{"the template changed: update", cm, memberConfigMap("7", object{"a": "1", "b": "2"}, managed), "h2", "rv:7 h1",
			Verdict{Update: true}},
		{"defaulted fields and status cost nothing", deploy, memberDeployment(3, "55", defaulted, managed), "h1", "gen:3 h1",
			Verdict{Version: "gen:3 h1"}},
		{"a spec change moves the generation: revert", deploy, memberDeployment(4, "56", podSpec(object{"hostNetwork": true}), managed), "h1", "gen:3 h1",
			Verdict{Update: true, Drifted: true}},
		{"a label added by someone else: revert", deploy, memberDeployment(3, "57", defaulted, object{"kubefed.io/managed": "true", "x": "y"}), "h1", "gen:3 h1",
			Verdict{Update: true, Drifted: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Check(tc.desired, tc.observed, tc.rendered, tc.recorded); got != tc.want {
				t.Errorf("Check = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRenderedHashFollowsTheTemplateAndOverrides(t *testing.T) {
	fed := func(data object, overrides []interface{}) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: object{"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedConfigMap",
			"metadata": object{"name": "c", "namespace": "ns1"},
			"spec":     object{"template": object{"data": data}, "overrides": overrides}}}
	}
	target := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	hash := func(obj *unstructured.Unstructured, cluster string) string {
		rendered, err := Render(obj, target, overrides.Destination{Cluster: cluster}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return RenderedHash(rendered)
	}
	base := hash(fed(object{"a": "1", "b": "2"}, nil), "m1")
	if hash(fed(object{"a": "1", "b": "2"}, nil), "m1") != base {
		t.Error("the same federated object hashes differently")
	}
	if hash(fed(object{"a": "1"}, nil), "m1") == base {
		t.Error("removing a template key keeps the hash")
	}
	override := []interface{}{object{"clusterName": "m2", "clusterOverrides": []interface{}{object{"path": "/data/a", "value": "9"}}}}
	if hash(fed(object{"a": "1", "b": "2"}, override), "m1") != base {
		t.Error("another cluster's override changes this cluster's hash")
	}
	if hash(fed(object{"a": "1", "b": "2"}, override), "m2") == base {
		t.Error("the cluster's own override keeps the hash")
	}
}

func TestChangedFields(t *testing.T) {
	before := memberDeployment(4, "56", object{"replicas": int64(2), "template": object{"spec": object{
		"hostNetwork": true, "nodeSelector": object{"disk": "ssd"}, "dnsPolicy": "ClusterFirst",
		"containers": []interface{}{object{"name": "nginx", "image": "nginx:evil"}}}}}, object{"kubefed.io/managed": "true"})
	before.Object["status"] = object{"replicas": int64(2)}
	after := memberDeployment(5, "60", object{"replicas": float64(2), "template": object{"spec": object{
		"dnsPolicy":  "ClusterFirst",
		"containers": []interface{}{object{"name": "nginx", "image": "nginx"}}}}}, object{"kubefed.io/managed": "true"})
	after.Object["status"] = object{"replicas": int64(1)}
	want := []string{"spec.template.spec.containers[0].image", "spec.template.spec.hostNetwork", "spec.template.spec.nodeSelector"}
	if got := ChangedFields(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedFields = %q, want %q", got, want)
	}
	if got := ChangedFields(after, after.DeepCopy()); len(got) != 0 {
		t.Errorf("ChangedFields of equal objects = %q", got)
	}
}
