package propagation

import (
	"crypto/md5"
	"encoding/hex"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestVersionStatusHashesLikeKubeFed(t *testing.T) {
	fed := federated("ns", object{"template": object{"spec": object{"foo": nil}}})
	got := VersionStatus(fed, map[string]string{"b": "rv:7", "a": "gen:2"})
	if got.TemplateVersion != "a5b8d4352d5aed51c51b93900258ccf3" {
		t.Errorf("templateVersion = %s, want the reference's a5b8d4352d5aed51c51b93900258ccf3", got.TemplateVersion)
	}
	if want := md5Hex(`{"overrides":null}` + "\n"); got.OverridesVersion != want {
		t.Errorf("overridesVersion = %s, want md5 of {\"overrides\":null}", got.OverridesVersion)
	}
	if len(got.ClusterVersions) != 2 || got.ClusterVersions[0].ClusterName != "a" || got.ClusterVersions[0].Version != "gen:2" ||
		got.ClusterVersions[1].ClusterName != "b" || got.ClusterVersions[1].Version != "rv:7" {
		t.Errorf("clusterVersions = %+v, want a then b", got.ClusterVersions)
	}
}

func TestVersionStatusOverridesUseSortedKeysAndHTMLEscaping(t *testing.T) {
	fed := federated("ns", object{"overrides": []interface{}{
		object{"clusterName": "c1", "clusterOverrides": []interface{}{object{"path": "/data/x", "value": "<b>"}}},
	}})
	got := VersionStatus(fed, nil)
	want := md5Hex(`{"overrides":[{"clusterName":"c1","clusterOverrides":[{"path":"/data/x","value":"\u003cb\u003e"}]}]}` + "\n")
	if got.OverridesVersion != want {
		t.Errorf("overridesVersion = %s, want %s", got.OverridesVersion, want)
	}
	if got.TemplateVersion != "" {
		t.Errorf("templateVersion = %q without a template, want empty", got.TemplateVersion)
	}
}

func TestVersionStatusWithoutSpecIsEmpty(t *testing.T) {
	fed := &unstructured.Unstructured{Object: map[string]interface{}{"metadata": object{"name": "x"}}}
	if got := VersionStatus(fed, nil); got.TemplateVersion != "" || got.OverridesVersion != "" || got.ClusterVersions != nil {
		t.Errorf("status without spec = %+v, want empty", got)
	}
}

func TestObjectVersionAndName(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]interface{}{}}
	obj.SetResourceVersion("42")
	if got := ObjectVersion(obj); got != "rv:42" {
		t.Errorf("without generation: %s, want rv:42", got)
	}
	obj.SetGeneration(3)
	if got := ObjectVersion(obj); got != "gen:3" {
		t.Errorf("with generation: %s, want gen:3", got)
	}
	if got := VersionName("ConfigMap", "foo"); got != "configmap-foo" {
		t.Errorf("VersionName = %s, want configmap-foo", got)
	}
}

func TestRecordedHoldingAndRemoving(t *testing.T) {
	status := &typesv1beta1.FederatedStatus{Clusters: []typesv1beta1.ClusterStatus{
		{Name: "ok"}, {Name: "failed", Status: typesv1beta1.UpdateFailed}, {Name: "tainted", Status: typesv1beta1.Tainted},
	}}
	holding, removing := Recorded(status)
	if !holding.Equal(sets.New("ok", "failed")) || removing {
		t.Errorf("Recorded = %v, %v; want ok and failed holding, none removing", sets.List(holding), removing)
	}
	status.Clusters = append(status.Clusters, typesv1beta1.ClusterStatus{Name: "going", Status: typesv1beta1.WaitingForRemoval})
	if _, removing := Recorded(status); !removing {
		t.Error("a WaitingForRemoval cluster is not seen as removing")
	}
	if holding, removing := Recorded(&typesv1beta1.FederatedStatus{}); holding.Len() != 0 || removing {
		t.Errorf("empty status: %v, %v", sets.List(holding), removing)
	}
}
