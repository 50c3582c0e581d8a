package propagate

import (
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"

	"github.com/kubectl-fed/kubectl-fed/pkg/status"
)

// eventLimit bounds the message of an event that gathers several
// clusters' messages.
const eventLimit = 4 * status.MessageLimit

// passEvents gathers the events of one pass over a federated object. The
// same type and reason in several clusters becomes one event whose message
// lists each cluster's, so a pass over N clusters costs one event write per
// reason instead of N (KubeFed wrote one per cluster).
type passEvents struct {
	mu       sync.Mutex
	order    []eventKind
	messages map[eventKind][]string
}

// eventKind is an event's type and reason.
type eventKind struct {
	eventType, reason string
}

func newPassEvents() *passEvents {
	return &passEvents{messages: map[eventKind][]string{}}
}

// add records an event; it is safe for concurrent use.
func (p *passEvents) add(eventType, reason, format string, args ...interface{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kind := eventKind{eventType: eventType, reason: reason}
	if _, seen := p.messages[kind]; !seen {
		p.order = append(p.order, kind)
	}
	p.messages[kind] = append(p.messages[kind], status.Truncate(fmt.Sprintf(format, args...), status.MessageLimit))
}

// emit writes one event per type and reason recorded, in the order first
// seen, on obj. Each cluster's message is bounded, and so is the event's.
func (p *passEvents) emit(recorder record.EventRecorder, obj runtime.Object) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, kind := range p.order {
		recorder.Event(obj, kind.eventType, kind.reason, status.Truncate(strings.Join(p.messages[kind], "; "), eventLimit))
	}
	p.order, p.messages = nil, map[eventKind][]string{}
}
