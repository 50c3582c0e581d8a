package validation

import "testing"

// FuzzValidateFederatedObject decodes arbitrary JSON as a federated object
// and validates it against both a namespaced and the namespace target: it
// must never panic. The seeds run in every plain `go test`.
func FuzzValidateFederatedObject(f *testing.F) {
	for _, seed := range []string{
		validDeployment,
		`{}`,
		`{"spec":null}`,
		`{"spec":{"template":"x","placement":{"clusters":[],"clusterSelector":{}}}}`,
		`{"spec":{"placement":{"clusterSelector":{"matchExpressions":[{"key":"","operator":"Exists","values":["x"]}]}}}}`,
		`{"spec":{"overrides":[{"clusterName":"c","clusterOverrides":[{"op":"add","path":"/~","value":{}},{"path":"~1"}]}]}}`,
		`{"metadata":{"name":"a","namespace":"b"},"spec":{"template":{"apiVersion":7}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		obj, err := Decode(raw)
		if err != nil {
			return
		}
		_ = ValidateFederatedObject(obj, deployments)
		_ = ValidateFederatedObject(obj, namespaces)
		_ = ValidateFederatedObject(obj, nil)
	})
}
