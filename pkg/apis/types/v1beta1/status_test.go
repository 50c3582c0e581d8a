package v1beta1

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// federated is a FederatedConfigMap ns/c whose status is status (absent
// when nil).
func federated(status interface{}) *unstructured.Unstructured {
	obj := map[string]interface{}{"kind": "FederatedConfigMap", "metadata": map[string]interface{}{"name": "c", "namespace": "ns"}}
	if status != nil {
		obj["status"] = status
	}
	return &unstructured.Unstructured{Object: obj}
}

func TestStatusOf(t *testing.T) {
	cases := []struct {
		name    string
		status  interface{}
		want    *FederatedStatus
		wantErr string
	}{
		{name: "no status", want: &FederatedStatus{}},
		{name: "empty status", status: map[string]interface{}{}, want: &FederatedStatus{}},
		{name: "clusters with status, message and version", status: map[string]interface{}{
			"observedGeneration": int64(3),
			"clusters": []interface{}{
				map[string]interface{}{"name": "member1", "version": "rv:7 h"},
				map[string]interface{}{"name": "member2", "status": "Tainted", "message": "the cluster has the taint x"},
				map[string]interface{}{"name": "member3", "status": "WaitingForRemoval"},
			}},
			want: &FederatedStatus{ObservedGeneration: 3, Clusters: []ClusterStatus{
				{Name: "member1", Version: "rv:7 h"},
				{Name: "member2", Status: Tainted, Message: "the cluster has the taint x"},
				{Name: "member3", Status: WaitingForRemoval},
			}}},
		{name: "remote status and aggregated", status: map[string]interface{}{
			"clusters":   []interface{}{map[string]interface{}{"name": "a", "remoteStatus": map[string]interface{}{"replicas": int64(2)}}},
			"aggregated": map[string]interface{}{"clustersReady": int64(1), "clustersTotal": int64(2)},
		}, want: &FederatedStatus{
			Clusters:   []ClusterStatus{{Name: "a", RemoteStatus: &apiextensionsv1.JSON{Raw: []byte(`{"replicas":2}`)}}},
			Aggregated: &AggregatedStatus{ClustersReady: 1, ClustersTotal: 2},
		}},
		{name: "status not an object", status: "Propagated", wantErr: "FederatedConfigMap ns/c: status: is a string, not an object"},
		{name: "clusters not a list", status: map[string]interface{}{"clusters": "member1"}, wantErr: "FederatedConfigMap ns/c: status:"},
		{name: "cluster entry not an object", status: map[string]interface{}{"clusters": []interface{}{"member1"}}, wantErr: "FederatedConfigMap ns/c: status:"},
		{name: "name not a string", status: map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": int64(1)}}}, wantErr: "FederatedConfigMap ns/c: status:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StatusOf(federated(tc.status))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("StatusOf = %+v, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("StatusOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestStatusOfDoesNotAlias: changing the decoded status leaves the object
// as it was.
func TestStatusOfDoesNotAlias(t *testing.T) {
	obj := federated(map[string]interface{}{"clusters": []interface{}{map[string]interface{}{"name": "a", "version": "v"}}})
	before := obj.DeepCopy()
	s, err := StatusOf(obj)
	if err != nil {
		t.Fatal(err)
	}
	s.Clusters[0].Version = "changed"
	s.Clusters = append(s.Clusters, ClusterStatus{Name: "b"})
	if !reflect.DeepEqual(obj, before) {
		t.Errorf("object changed through its decoded status: %v", obj.Object)
	}
}

func TestCluster(t *testing.T) {
	s := &FederatedStatus{Clusters: []ClusterStatus{{Name: "a", Version: "1"}, {Name: "b", Status: Tainted}}}
	if c := s.Cluster("b"); c == nil || c.Status != Tainted {
		t.Errorf("Cluster(b) = %+v, want the Tainted entry", c)
	}
	if c := s.Cluster("z"); c != nil {
		t.Errorf("Cluster(z) = %+v, want nil", c)
	}
	if c := (&FederatedStatus{}).Cluster("a"); c != nil {
		t.Errorf("Cluster of an empty status = %+v, want nil", c)
	}
}

// FuzzStatusOf: any JSON value as the status decodes or is an error, never
// a panic, and a decoded status re-encodes.
func FuzzStatusOf(f *testing.F) {
	for _, seed := range []string{`{}`, `null`, `"x"`, `[1]`, `{"clusters":[{"name":"a","status":"Tainted","version":"rv:1 h"}]}`,
		`{"clusters":[{"name":"a","remoteStatus":{"x":[1,{"y":null}]}}],"aggregated":{"clustersReady":1}}`,
		`{"clusters":[null,"a",{"name":1}],"observedGeneration":"x"}`, `{"conditions":[{"type":"Propagation","lastUpdateTime":"x"}]}`,
		`{"clusters":{"name":"a"}}`, `{"observedGeneration":1e300}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var status interface{}
		if err := json.Unmarshal(data, &status); err != nil {
			return
		}
		obj := &unstructured.Unstructured{Object: map[string]interface{}{"status": status}}
		s, err := StatusOf(obj)
		if err != nil {
			return
		}
		if _, err := json.Marshal(s); err != nil {
			t.Errorf("decoded status %+v does not encode: %v", s, err)
		}
	})
}

func TestClusterOf(t *testing.T) {
	entries := func(list ...interface{}) map[string]interface{} {
		return map[string]interface{}{"clusters": list}
	}
	cases := []struct {
		name    string
		status  interface{}
		cluster string
		want    *ClusterStatus
		wantErr string
	}{
		{name: "no status", cluster: "a"},
		{name: "no clusters", status: map[string]interface{}{"observedGeneration": int64(1)}, cluster: "a"},
		{name: "not listed", status: entries(map[string]interface{}{"name": "b"}), cluster: "a"},
		{name: "listed with every field", cluster: "b", status: entries(
			map[string]interface{}{"name": "a", "status": "Tainted"},
			map[string]interface{}{"name": "b", "status": "ClusterNotReady", "message": "m", "version": "rv:7 h", "remoteStatus": map[string]interface{}{"x": int64(1)}}),
			want: &ClusterStatus{Name: "b", Status: ClusterNotReady, Message: "m", Version: "rv:7 h", RemoteStatus: &apiextensionsv1.JSON{Raw: []byte(`{"x":1}`)}}},
		{name: "the first of two", status: entries(map[string]interface{}{"name": "a", "version": "1"}, map[string]interface{}{"name": "a", "version": "2"}),
			cluster: "a", want: &ClusterStatus{Name: "a", Version: "1"}},
		{name: "other entries are not decoded", status: entries(map[string]interface{}{"name": "b", "status": int64(1)}, map[string]interface{}{"name": "a"}),
			cluster: "a", want: &ClusterStatus{Name: "a"}},
		{name: "status not an object", status: "x", cluster: "a", wantErr: "FederatedConfigMap ns/c: status: is a string, not an object"},
		{name: "clusters not a list", status: map[string]interface{}{"clusters": "a"}, cluster: "a", wantErr: "FederatedConfigMap ns/c: status.clusters: is a string, not a list"},
		{name: "entry not an object", status: entries(map[string]interface{}{"name": "b"}, "a"), cluster: "a", wantErr: "FederatedConfigMap ns/c: status.clusters[1]: is a string, not an object"},
		{name: "name not a string", status: entries(map[string]interface{}{"name": int64(1)}), cluster: "a", wantErr: "FederatedConfigMap ns/c: status.clusters[0].name: is a int64, not a string"},
		{name: "the entry does not decode", status: entries(map[string]interface{}{"name": "a", "status": int64(1)}), cluster: "a", wantErr: "FederatedConfigMap ns/c: status.clusters[0]:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ClusterOf(federated(tc.status), tc.cluster)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ClusterOf = %+v, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ClusterOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzClusterOf: any JSON value as the status, and any cluster name: never
// a panic, and on a status StatusOf decodes, ClusterOf finds what
// StatusOf(obj).Cluster does, for every listed name and the one asked.
func FuzzClusterOf(f *testing.F) {
	for _, seed := range []struct{ status, name string }{{`{}`, "a"}, {`null`, "a"}, {`"x"`, ""}, {`{"clusters":[{"name":"a","status":"Tainted","version":"rv:1 h"}]}`, "a"},
		{`{"clusters":[{"name":"b"},{"name":"a","remoteStatus":{"x":[1,{"y":null}]}}]}`, "a"}, {`{"clusters":[null,{"name":""}]}`, ""},
		{`{"clusters":[null,"a",{"name":1}]}`, "b"}, {`{"clusters":[{"name":"a","status":1}]}`, "a"}, {`{"clusters":{"name":"a"}}`, "a"},
		{`{"clusters":[{"name":"a","version":"1"},{"name":"a","version":"2"}]}`, "a"}} {
		f.Add([]byte(seed.status), seed.name)
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		var status interface{}
		if err := json.Unmarshal(data, &status); err != nil {
			return
		}
		obj := &unstructured.Unstructured{Object: map[string]interface{}{"status": status}}
		got, gotErr := ClusterOf(obj, name)
		whole, err := StatusOf(obj)
		if err != nil {
			return // ClusterOf may find the entry without the rest decoding
		}
		names := []string{name}
		for _, c := range whole.Clusters {
			names = append(names, c.Name)
		}
		for i, n := range names {
			if i > 0 {
				got, gotErr = ClusterOf(obj, n)
			}
			if gotErr != nil {
				t.Fatalf("ClusterOf(%q) of a status StatusOf decodes: %v", n, gotErr)
			}
			if want := whole.Cluster(n); !reflect.DeepEqual(got, want) {
				t.Fatalf("ClusterOf(%q) = %+v, StatusOf(obj).Cluster = %+v", n, got, want)
			}
		}
	})
}
