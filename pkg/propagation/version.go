package propagation

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"

	corev1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// VersionName is the name of the PropagatedVersion (or
// ClusterPropagatedVersion) of a federated object: the lowercase target kind
// and the federated object's name, e.g. "configmap-foo" (reference §1.6).
func VersionName(targetKind, federatedName string) string {
	return strings.ToLower(targetKind) + "-" + federatedName
}

// ObjectVersion is the version KubeFed records for a member object:
// "gen:<generation>" when the object has a generation, else
// "rv:<resourceVersion>".
func ObjectVersion(obj *unstructured.Unstructured) string {
	if gen := obj.GetGeneration(); gen != 0 {
		return "gen:" + strconv.FormatInt(gen, 10)
	}
	return "rv:" + obj.GetResourceVersion()
}

// VersionStatus is the status of a federated object's PropagatedVersion:
// md5 hashes of its template and overrides as KubeFed computes them, and
// the member objects' versions sorted by cluster name.
func VersionStatus(fed *unstructured.Unstructured, clusterVersions map[string]string) corev1alpha1.PropagatedVersionStatus {
	var out corev1alpha1.PropagatedVersionStatus
	if spec, found, _ := unstructured.NestedMap(fed.Object, "spec"); found {
		if template, ok := spec["template"]; ok && template != nil {
			out.TemplateVersion = hashJSON(template)
		}
		out.OverridesVersion = hashJSON(map[string]interface{}{"overrides": spec["overrides"]})
	}
	for cluster, version := range clusterVersions {
		out.ClusterVersions = append(out.ClusterVersions, corev1alpha1.ClusterObjectVersion{ClusterName: cluster, Version: version})
	}
	slices.SortFunc(out.ClusterVersions, func(a, b corev1alpha1.ClusterObjectVersion) int {
		return strings.Compare(a.ClusterName, b.ClusterName)
	})
	return out
}

// hashJSON is the md5 hex of encoding/json's Encoder output for v: sorted
// map keys, HTML escaping and a trailing newline.
func hashJSON(v interface{}) string {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return "" // unreachable for values decoded from JSON
	}
	sum := md5.Sum(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// NotServedMessage is the status message of a cluster that does not serve
// the target type (Member.Missing); resource names it as users see it
// ("widgets.example.io/v1").
func NotServedMessage(resource string) string {
	return fmt.Sprintf("the cluster does not serve %s (its CustomResourceDefinition is missing there), so it holds none of these objects; install the CRD there or leave the cluster out of the placement", resource)
}

// Recorded returns, from the federated object's recorded status
// (typesv1beta1.StatusOf), the clusters that hold its member object (every
// listed cluster but the Tainted ones) and whether one is being removed
// (WaitingForRemoval).
func Recorded(status *typesv1beta1.FederatedStatus) (holding sets.Set[string], removing bool) {
	holding = sets.New[string]()
	for _, c := range status.Clusters {
		switch c.Status {
		case typesv1beta1.Tainted:
		case typesv1beta1.WaitingForRemoval:
			removing = true
		default:
			holding.Insert(c.Name)
		}
	}
	return holding, removing
}
