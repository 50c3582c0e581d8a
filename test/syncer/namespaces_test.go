package syncer

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// TestDisabledNamespacesTypeDeletesNothing disables the namespaces type
// and changes a FederatedConfigMap meanwhile: without the namespace
// placement the object would look placed nowhere, so the syncer waits
// instead of deleting the member copy, and applies the change once the
// type is back.
func TestDisabledNamespacesTypeDeletesNothing(t *testing.T) {
	ns := federatedNamespace(t)
	fcm := federated(federatedConfigMapKind, ns, "kept", object{"template": object{"data": object{"v": "1"}}, "placement": onClusters("member1")})
	create(t, fcm)
	memberConfigMap(t, "member1", ns, "kept", "the member copy", hasData("v", "1"))
	w, err := memberClient(t, "member1").CoreV1().ConfigMaps(ns).Watch(context.Background(), metav1.ListOptions{FieldSelector: "metadata.name=kept"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var deleted atomic.Int64
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type == watch.Deleted {
				deleted.Add(1)
			}
		}
	}()

	setTypePropagation(t, "namespaces", corev1beta1.PropagationDisabled, corev1beta1.ControllerStatusNotRunning)
	mutate(t, fcm, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, "2", "spec", "template", "data", "v")
	})
	<-time.After(2 * time.Second) // a window for the pass the change triggers (it runs within milliseconds)
	setTypePropagation(t, "namespaces", corev1beta1.PropagationEnabled, corev1beta1.ControllerStatusRunning)
	memberConfigMap(t, "member1", ns, "kept", "the change applied once namespaces are back", hasData("v", "2"))
	if n := deleted.Load(); n != 0 {
		t.Errorf("the member copy was deleted %d times while the namespaces type was disabled", n)
	}
}
