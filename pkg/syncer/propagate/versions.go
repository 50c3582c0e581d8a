package propagate

import (
	"context"
	"sync"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	ctrl "sigs.k8s.io/controller-runtime"

	corev1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
)

// versionMemory remembers the PropagatedVersion status last written for
// each federated object, so that an unchanged one costs no request.
type versionMemory struct {
	mu      sync.Mutex
	written map[Key]corev1alpha1.PropagatedVersionStatus
}

func newVersionMemory() *versionMemory {
	return &versionMemory{written: map[Key]corev1alpha1.PropagatedVersionStatus{}}
}

func (v *versionMemory) same(key Key, status corev1alpha1.PropagatedVersionStatus) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	old, ok := v.written[key]
	return ok && apiequality.Semantic.DeepEqual(old, status)
}

func (v *versionMemory) remember(key Key, status corev1alpha1.PropagatedVersionStatus) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.written[key] = status
}

func (v *versionMemory) forget(key Key) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.written, key)
}

// writeVersions writes the federated object's PropagatedVersion (or
// ClusterPropagatedVersion for a cluster-scoped federated type) as KubeFed
// did (reference §1.6), for tools that read them. It is owned by the
// federated object, so the garbage collector removes it. As in KubeFed,
// failures are only logged.
func (e *Engine) writeVersions(ctx context.Context, t *federatedType, key Key, fed *unstructured.Unstructured, clusterVersions map[string]string) {
	status := propagation.VersionStatus(fed, clusterVersions)
	if e.versions.same(key, status) {
		return
	}
	if err := e.putVersion(ctx, t, fed, status); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "writing the propagated version", "object", key.String())
		return
	}
	e.versions.remember(key, status)
}

func (e *Engine) putVersion(ctx context.Context, t *federatedType, fed *unstructured.Unstructured, status corev1alpha1.PropagatedVersionStatus) error {
	kind, resource := "ClusterPropagatedVersion", "clusterpropagatedversions"
	var client dynamic.ResourceInterface
	if t.namespaced {
		kind, resource = "PropagatedVersion", "propagatedversions"
		client = e.host.Resource(corev1alpha1.SchemeGroupVersion.WithResource(resource)).Namespace(fed.GetNamespace())
	} else {
		client = e.host.Resource(corev1alpha1.SchemeGroupVersion.WithResource(resource))
	}
	name := propagation.VersionName(t.targetKind.Kind, fed.GetName())
	current, err := client.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		current = &unstructured.Unstructured{}
		current.SetAPIVersion(corev1alpha1.SchemeGroupVersion.String())
		current.SetKind(kind)
		current.SetName(name)
		current.SetNamespace(fed.GetNamespace())
		current.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: fed.GetAPIVersion(), Kind: fed.GetKind(), Name: fed.GetName(), UID: fed.GetUID()}})
		current.Object["spec"] = map[string]interface{}{}
		current, err = client.Create(ctx, current, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	var old corev1alpha1.PropagatedVersionStatus
	if raw, found, _ := unstructured.NestedMap(current.Object, "status"); found {
		_ = runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &old)
	}
	if apiequality.Semantic.DeepEqual(old, status) {
		return nil
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&status)
	if err != nil {
		return err
	}
	current.Object["status"] = raw
	_, err = client.UpdateStatus(ctx, current, metav1.UpdateOptions{})
	return err
}
