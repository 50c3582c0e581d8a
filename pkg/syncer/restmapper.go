package syncer

import (
	"net/http"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
)

// fixedGroups are the API groups whose kinds kubectl-fed defines itself:
// their scope and versions never change while the syncer runs.
var fixedGroups = map[string]bool{core.GroupName: true, policyv1alpha1.GroupName: true, schedulingv1alpha1.GroupName: true}

// newRESTMapper is the manager's REST mapper (controller-runtime's
// dynamic one) with the mappings of fixedGroups remembered once found.
// Every List from the manager's cache looks its list type's mapping up,
// and a pass over a federated object lists the policies four times: the
// lookup was a tenth of the syncer's CPU while propagating.
func newRESTMapper(cfg *rest.Config, httpClient *http.Client) (meta.RESTMapper, error) {
	m, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	return &fixedMappings{RESTMapper: m, found: map[string]meta.RESTMapping{}}, nil
}

// fixedMappings remembers the RESTMapping answers of fixedGroups; a
// failed lookup is not remembered (e.g. a CRD not installed yet).
type fixedMappings struct {
	meta.RESTMapper

	mu    sync.RWMutex
	found map[string]meta.RESTMapping
}

// RESTMapping answers from what it remembers for fixedGroups, and asks
// the mapper otherwise.
func (m *fixedMappings) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	if !fixedGroups[gk.Group] {
		return m.RESTMapper.RESTMapping(gk, versions...)
	}
	key := gk.String() + "/" + strings.Join(versions, ",")
	m.mu.RLock()
	mapping, ok := m.found[key]
	m.mu.RUnlock()
	if ok {
		return &mapping, nil
	}
	found, err := m.RESTMapper.RESTMapping(gk, versions...)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.found[key] = *found
	m.mu.Unlock()
	return found, nil
}
