package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

func TestParseDryRun(t *testing.T) {
	for value, want := range map[string]DryRun{"": DryRunNone, "none": DryRunNone, "false": DryRunNone, "client": DryRunClient, "true": DryRunClient, "server": DryRunServer} {
		if got, err := ParseDryRun(value); err != nil || got != want {
			t.Errorf("ParseDryRun(%q) = %v, %v", value, got, err)
		}
	}
	if _, err := ParseDryRun("all"); err == nil || !strings.Contains(err.Error(), `invalid --dry-run value "all"`) {
		t.Errorf("ParseDryRun(all) error = %v", err)
	}
	var b bytes.Buffer
	w := DryRunServer.SuffixWriter(&b)
	fmt.Fprintf(w, "a created\nb updated\n")
	if b.String() != "a created (server dry run)\nb updated (server dry run)\n" {
		t.Errorf("server suffix writer: %q", b.String())
	}
	if DryRunNone.SuffixWriter(&b) != io.Writer(&b) || DryRunClient.Suffix() != " (dry run)" {
		t.Error("suffixes of none and client")
	}
}

func TestValidateOutput(t *testing.T) {
	for _, ok := range []string{"", "yaml", "json"} {
		if err := ValidateOutput(ok); err != nil {
			t.Errorf("ValidateOutput(%q) = %v", ok, err)
		}
	}
	if err := ValidateOutput("wide"); err == nil || !strings.Contains(err.Error(), "Invalid value for --output") {
		t.Errorf("ValidateOutput(wide) = %v", err)
	}
}

func TestPrintObjects(t *testing.T) {
	kfc := &corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "kf"}, Spec: corev1beta1.KubeFedClusterSpec{APIEndpoint: "https://m"}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}
	crd := &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: "crd"}}

	var out bytes.Buffer
	if err := PrintObjects(&out, "yaml", kfc, cm, crd); err != nil {
		t.Fatal(err)
	}
	y := out.String()
	if !strings.HasPrefix(y, "---\napiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\n") || !strings.Contains(y, "---\napiVersion: v1\nkind: ConfigMap\n") {
		t.Errorf("yaml:\n%s", y)
	}
	for _, unwanted := range []string{"status", "creationTimestamp"} {
		if strings.Contains(y, unwanted) {
			t.Errorf("yaml has %s:\n%s", unwanted, y)
		}
	}

	out.Reset()
	if err := PrintObjects(&out, "json", kfc, cm); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || list.Kind != "List" || len(list.Items) != 2 {
		t.Errorf("json list = %+v, %v:\n%s", list, err, out.String())
	}

	out.Reset()
	if err := PrintObjects(&out, "json", cm); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"kind": "ConfigMap"`) {
		t.Errorf("one object in json is not printed as itself:\n%s", out.String())
	}
}

func TestRef(t *testing.T) {
	if got := Ref(schema.GroupVersionKind{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedConfigMap"}, "c"); got != "federatedconfigmap.types.kubefed.io/c" {
		t.Errorf("Ref = %q", got)
	}
	if got := Ref(schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, "s"); got != "secret/s" {
		t.Errorf("Ref = %q", got)
	}
}

func TestPrintObjectsWithKubectlPrinters(t *testing.T) {
	cm := func(name string) runtime.Object {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("ConfigMap")
		u.SetName(name)
		u.SetNamespace("shop")
		return u
	}
	tests := []struct {
		format string
		objs   []runtime.Object
		want   string
	}{
		{"name", []runtime.Object{cm("a"), cm("b")}, "configmap/a\nconfigmap/b\n"},
		{"jsonpath={.metadata.name}", []runtime.Object{cm("a")}, "a"},
		{"jsonpath={.items[*].metadata.name}", []runtime.Object{cm("a"), cm("b")}, "a b"},
		{"go-template={{.metadata.namespace}}", []runtime.Object{cm("a")}, "shop"},
		{"custom-columns=NAME:.metadata.name,NS:.metadata.namespace,X:.spec.x", []runtime.Object{cm("a"), cm("bb")}, "NAME   NS     X\na      shop   <none>\nbb     shop   <none>\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := PrintObjects(&b, tt.format, tt.objs...); err != nil {
			t.Errorf("%s: %v", tt.format, err)
			continue
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%q\nwant\n%q", tt.format, b.String(), tt.want)
		}
	}
	for _, bad := range []string{"xml", "custom-columns=", "custom-columns=NAME", "jsonpath={.a"} {
		if err := ValidateOutput(bad); err == nil {
			t.Errorf("ValidateOutput(%q) accepted it", bad)
		}
	}
}
