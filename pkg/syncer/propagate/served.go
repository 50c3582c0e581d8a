package propagate

import (
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
)

// servedTTL is how long an answer of a member's discovery is reused.
const servedTTL = 10 * time.Second

// servedMemory remembers, per cluster and type, whether the member serves
// the type, so that objects waiting on a member without the type cost one
// discovery request per servedTTL, not one per pass.
type servedMemory struct {
	mu      sync.Mutex
	answers map[string]servedAnswer
}

type servedAnswer struct {
	served bool
	at     time.Time
}

func newServedMemory() *servedMemory { return &servedMemory{answers: map[string]servedAnswer{}} }

// lacksType reports whether a member does not serve the object's target
// type (no CRD there), as its discovery says. Such a member holds none of
// the type's objects: deletion does not wait for it. A member whose cache
// of the type has filled serves it.
func (e *Engine) lacksType(t *federatedType, m clusterclient.Member) bool {
	if m.Conn.Watch(t.target, watchOwner, e.memberHandler(t)).HasSynced() {
		return false
	}
	key := m.Name + "/" + t.target.String()
	e.served.mu.Lock()
	answer, ok := e.served.answers[key]
	e.served.mu.Unlock()
	if ok && time.Since(answer.at) < servedTTL {
		return !answer.served
	}
	served := true // unless discovery says otherwise: an error is not an answer
	resources, err := m.Conn.Discovery.ServerResourcesForGroupVersion(t.target.GroupVersion().String())
	switch {
	case apierrors.IsNotFound(err):
		served = false
	case err == nil:
		served = false
		for _, r := range resources.APIResources {
			served = served || r.Name == t.target.Resource
		}
	}
	e.served.mu.Lock()
	e.served.answers[key] = servedAnswer{served: served, at: time.Now()}
	e.served.mu.Unlock()
	return !served
}
