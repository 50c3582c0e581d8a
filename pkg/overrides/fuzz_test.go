package overrides

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// FuzzApply applies an arbitrary operation to a Deployment: it must never
// panic, and a failed override must leave the object as it was. The seeds
// run in every plain `go test`.
func FuzzApply(f *testing.F) {
	for _, seed := range []struct{ op, path, value string }{
		{"", "/metadata/labels", `{"a":"b"}`},
		{"add", "/spec/template/spec/containers/-", `{"name":"x"}`},
		{"remove", "/spec/template/spec/containers/0", ``},
		{"replace", "/spec/template/spec/containers/9/image", `"x"`},
		{"add", "/spec/replicas/x", `1`},
		{"replace", "/", `null`},
		{"add", "/a~1b~0/c", `[1,2]`},
		{"remove", "/kind", ``},
		{"move", "", `{`},
	} {
		f.Add(seed.op, seed.path, seed.value)
	}
	f.Fuzz(func(t *testing.T, op, path, value string) {
		o := typesv1beta1.ClusterOverride{Op: typesv1beta1.OverrideOp(op), Path: path}
		if value != "" {
			o.Value = &apiextensionsv1.JSON{Raw: []byte(value)}
		}
		obj := deployment()
		if err := Apply(obj, []typesv1beta1.ClusterOverride{o}); err != nil && !reflect.DeepEqual(obj, deployment()) {
			t.Errorf("a failed override (%v) changed the object", err)
		}
	})
}
