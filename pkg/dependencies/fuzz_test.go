package dependencies

import (
	"encoding/json"
	"testing"
)

// FuzzOf feeds arbitrary JSON as the object of every pod-template kind: Of
// never panics, and what it returns is sorted, named and unique.
func FuzzOf(f *testing.F) {
	f.Add(`{"spec": {"template": {"spec": ` + podSpec + `}}}`)
	f.Add(`{"spec": {"jobTemplate": {"spec": {"template": {"spec": {"volumes": [{"secret": null}]}}}}}}`)
	f.Add(`{"spec": {"containers": [{"env": [{"valueFrom": {}}]}], "volumes": [{"projected": {"sources": [{}]}}]}}`)
	f.Add(`{"spec": {"template": {"spec": {"volumes": 3}}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var obj map[string]interface{}
		if json.Unmarshal([]byte(s), &obj) != nil {
			return
		}
		for _, k := range []struct{ group, kind string }{{"apps", "Deployment"}, {"batch", "CronJob"}, {"", "Pod"}} {
			refs, err := Of(k.group, k.kind, obj)
			if err != nil {
				continue
			}
			for i, r := range refs {
				if r.Name == "" {
					t.Fatalf("%v: a ref without a name", refs)
				}
				if i > 0 && !Less(refs[i-1], r) {
					t.Fatalf("%v: not sorted or not unique", refs)
				}
			}
			_ = Index([]Workload{{Kind: k.kind, Name: "w", Refs: refs}})
		}
	})
}
