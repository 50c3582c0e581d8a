package apis_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// federatedObject is the typed view of any Federated<Kind>.
type federatedObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              typesv1beta1.FederatedSpec   `json:"spec"`
	Status            typesv1beta1.FederatedStatus `json:"status,omitempty"`
}

// TestKubeFedManifestsDecode checks that KubeFed-style manifests decode
// strictly (no unknown or misnamed field) into the Go types, and that
// encoding the Go value again writes the same fields.
func TestKubeFedManifestsDecode(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

	files, err := filepath.Glob(filepath.Join("testdata", "kubefed", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var typed interface{}
			if filepath.Base(f) == "federateddeployment.yaml" {
				obj := &federatedObject{}
				if err := yaml.UnmarshalStrict(data, obj); err != nil {
					t.Fatalf("strict decoding: %v", err)
				}
				typed = obj
			} else {
				obj, gvk, err := decoder.Decode(data, nil, nil)
				if err != nil {
					t.Fatalf("strict decoding: %v", err)
				}
				if obj.GetObjectKind().GroupVersionKind() != *gvk {
					t.Errorf("decoded kind %v, want %v", obj.GetObjectKind().GroupVersionKind(), *gvk)
				}
				typed = obj
			}

			encoded, err := json.Marshal(typed)
			if err != nil {
				t.Fatal(err)
			}
			var original, roundTripped map[string]interface{}
			if err := yaml.Unmarshal(data, &original); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(encoded, &roundTripped); err != nil {
				t.Fatal(err)
			}
			// Zero scalars (false, 0, "") may be omitted by omitempty.
			if want, got := fieldPaths(original, true), fieldPaths(roundTripped, false); !reflect.DeepEqual(want, got) {
				t.Errorf("fields differ after a round trip:\nwant %v\ngot  %v", want, got)
			}
		})
	}
}

// fieldPaths lists the paths of the non-null values of a JSON value, and
// leaves out zero scalars if skipZero is set; list elements share the path
// of their list.
func fieldPaths(v interface{}, skipZero bool) []string {
	set := map[string]bool{}
	var walk func(prefix string, v interface{})
	walk = func(prefix string, v interface{}) {
		switch x := v.(type) {
		case nil:
			return
		case map[string]interface{}:
			if prefix != "" {
				set[prefix] = true
			}
			for k, child := range x {
				walk(prefix+"."+k, child)
			}
		case []interface{}:
			set[prefix] = true
			for _, child := range x {
				walk(prefix+"[]", child)
			}
		case bool, float64, string:
			if !skipZero || !reflect.ValueOf(x).IsZero() {
				set[prefix] = true
			}
		default:
			set[prefix] = true
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
