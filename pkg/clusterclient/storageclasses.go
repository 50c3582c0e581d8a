package clusterclient

import (
	"context"
	"sync/atomic"

	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// storageClassesResource is the resource of the StorageClass caches.
var storageClassesResource = storagev1.SchemeGroupVersion.WithResource("storageclasses")

// Presence is what a member's cache says of one object.
type Presence int

// The answers of StorageClass.
const (
	// Filling: the cache has not listed the objects yet; ask again soon.
	Filling Presence = iota
	// Present: the member has the object.
	Present
	// Absent: the member has no object of the name.
	Absent
	// Unreadable: the member refuses to list them (its grant lacks the
	// read), so the cache will not fill until the grant is fixed.
	Unreadable
)

// StorageClass says whether the member has the StorageClass name, from the
// connection's shared cache of its StorageClasses (all of them: they carry
// no managed label), starting the cache on first use. A non-nil handler is
// attached once per owner and told of every change of a StorageClass
// (namespace "").
func (c *Connection) StorageClass(name, owner string, handler EventHandler) Presence {
	c.mu.Lock()
	failure := &atomic.Pointer[error]{}
	mi := c.informer(informerKey{gvr: storageClassesResource}, func() cache.SharedIndexInformer {
		informer := dynamicinformer.NewFilteredDynamicInformer(c.Dynamic, storageClassesResource, "", 0, cache.Indexers{}, nil).Informer()
		_ = informer.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
			failure.Store(&err)
			cache.DefaultWatchErrorHandler(ctx, r, err)
		}) // cannot fail: the informer has not started
		return informer
	}, StripManagedFields)
	if mi.failure == nil {
		mi.failure = failure // the cache was built just now, with this recorder
	}
	c.attach(mi, owner, handler.versioned())
	c.mu.Unlock()
	if !mi.informer.HasSynced() {
		if err := mi.failure.Load(); err != nil && apierrors.IsForbidden(*err) {
			return Unreadable
		}
		return Filling
	}
	if _, exists, err := mi.informer.GetIndexer().GetByKey(name); err != nil || !exists {
		return Absent
	}
	return Present
}
