package explain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/syncview"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
	"github.com/kubectl-fed/kubectl-fed/pkg/propagation"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
	"github.com/kubectl-fed/kubectl-fed/pkg/taints"
)

// Steps of the funnel, in order.
const (
	StepPlacement = "placement"
	StepNamespace = "namespace"
	StepPolicy    = "policy"
	StepReady     = "ready"
	StepTaints    = "taints"
	StepReplicas  = "replicas"
	StepServed    = "type served"
	StepOverrides = "overrides"
	StepMember    = "member object"
	StepAction    = "action"
)

// Step is one stage of a cluster's funnel: its result in a few words and,
// when there is more to say, the detail.
type Step struct {
	Step   string `json:"step"`
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
}

// Cluster is the funnel of one cluster: the steps, the one where the
// object stopped ("" when it goes through), the syncer's action and the
// status it reports, and the status the syncer last recorded.
type Cluster struct {
	Cluster string `json:"cluster"`
	// Source is where the cluster comes from: joined or inventory.
	Source    string `json:"source"`
	Steps     []Step `json:"steps"`
	StoppedAt string `json:"stoppedAt,omitempty"`
	Action    string `json:"action"`
	// Status and Message are the propagation status the plan sets ("" when
	// the cluster gets no entry in the status); Recorded and
	// RecordedMessage are the entry the syncer last wrote.
	Status          string `json:"status,omitempty"`
	Message         string `json:"message,omitempty"`
	Recorded        string `json:"recorded,omitempty"`
	RecordedMessage string `json:"recordedMessage,omitempty"`
	// ReadError is why the member's object could not be read.
	ReadError string `json:"readError,omitempty"`
}

// Explanation is explain's result for one federated object.
type Explanation struct {
	Object string `json:"object"`
	// Placement is the reason and message of the placement as a whole
	// (UnknownCluster, NamespaceNotFederated, ...) or the error computing
	// it.
	Placement string    `json:"placement,omitempty"`
	Policies  []string  `json:"policies,omitempty"`
	Clusters  []Cluster `json:"clusters"`
}

// Funnel explains a scene: for every member, each step of the syncer's
// decision and where it stopped. It only reads the scene, which the
// syncer's functions computed.
func Funnel(s *syncview.Scene) Explanation {
	fed := s.Input.Federated
	out := Explanation{Object: fed.GetKind() + " " + qualified(fed)}
	switch {
	case s.PlacementErr != nil:
		out.Placement = string(typesv1beta1.ComputePlacementFailed) + ": " + s.PlacementErr.Error()
	case s.Input.Placement.Reason != "":
		out.Placement = string(s.Input.Placement.Reason) + ": " + s.Input.Placement.Message
	}
	for _, p := range s.Verdict.Selecting {
		out.Policies = append(out.Policies, p.String())
	}
	recorded := recordedStatuses(s.Status)
	own, _ := placement.Selected(s.Spec.Placement, s.Clusters)
	for i, m := range s.Members {
		c := Cluster{Cluster: m.Name(), Source: string(m.Source)}
		c.Recorded, c.RecordedMessage = recorded[m.Name()][0], recorded[m.Name()][1]
		if err := s.ReadErrs[i]; err != nil {
			c.ReadError = err.Error()
		}
		add := func(step, result, detail string, stops bool) {
			c.Steps = append(c.Steps, Step{Step: step, Result: result, Detail: detail})
			if stops && c.StoppedAt == "" {
				c.StoppedAt = step
			}
		}
		// placement
		switch {
		case s.Spec.Placement == nil:
			add(StepPlacement, "not selected", "the object has no spec.placement", true)
		case s.Spec.Placement.Clusters != nil:
			add(StepPlacement, yesNo(own.Has(m.Name()), "named", "not named"), "spec.placement.clusters", !own.Has(m.Name()))
		default:
			add(StepPlacement, yesNo(own.Has(m.Name()), "selected", "not selected"), "spec.placement.clusterSelector", !own.Has(m.Name()))
		}
		// namespace placement
		if s.Input.Placement.Clusters != nil && s.Type.Config.Spec.TargetType.Scope == "Namespaced" {
			switch {
			case s.NamespaceSpec != nil:
				ns, _ := placement.Selected(s.NamespaceSpec.Placement, s.Clusters)
				add(StepNamespace, yesNo(ns.Has(m.Name()), "selected", "not selected"), "FederatedNamespace "+fed.GetNamespace(), !ns.Has(m.Name()))
			case s.ClusterScoped:
				add(StepNamespace, "not federated", s.Input.Placement.Message, true)
			default:
				add(StepNamespace, "not federated", "the control plane is namespaced: no namespace placement applies", false)
			}
		}
		// policy
		if msg, denied := s.Input.Placement.Denied[m.Name()]; denied {
			add(StepPolicy, "denied", msg, true)
		} else {
			add(StepPolicy, "allowed", "", false)
		}
		// readiness
		if s.Seen[i].Ready {
			add(StepReady, "ready", "", false)
		} else {
			detail := "its KubeFedCluster is not Ready"
			if m.Err != nil {
				detail = m.Err.Error()
			}
			add(StepReady, "not ready", detail, true)
		}
		taintsStep(s, m.Name(), add)
		if s.Scheduled {
			replicasStep(s, m.Name(), add)
		}
		switch {
		case s.Seen[i].Missing != "":
			add(StepServed, "not served", s.Seen[i].Missing, true)
		case s.Seen[i].Synced:
			add(StepServed, "served", "", false)
		default:
			add(StepServed, "-", "", false)
		}
		// overrides: in the order the syncer applies them
		sets, err := overrides.ForCluster(s.Spec.Overrides, s.Input.Target.Kind, s.Input.Destination(s.Seen[i]))
		switch {
		case err != nil:
			add(StepOverrides, "invalid", err.Error(), true)
		case len(sets) == 0:
			add(StepOverrides, "none", "", false)
		default:
			add(StepOverrides, fmt.Sprintf("%d", len(sets)), describeOverrides(sets), false)
		}
		p := s.Plans[i]
		kept := p.Status == typesv1beta1.ManagedLabelFalse || p.Status == typesv1beta1.AlreadyExists
		add(StepMember, memberState(s.Seen[i], s.ReadErrs[i]), "", kept)
		c.Action, c.Message = string(p.Action), p.Message
		if p.Listed {
			c.Status = statusName(p.Status)
		}
		if s.PlacementErr != nil && !s.Input.Deleting {
			c.Action = "None"
		}
		// Evicting keeps the object there, up to date: it does not stop.
		add(StepAction, actionResult(c), c.Message, c.Status != "" && c.Status != "OK" && c.Status != string(typesv1beta1.Evicting))
		out.Clusters = append(out.Clusters, c)
	}
	return out
}

// taintsStep adds the taints step of a cluster: whether the object
// tolerates the cluster's taints in effect, and for a NoExecute taint it
// does not tolerate, what the syncer's eviction gate decides now, or that
// the cluster eviction rate limit has not admitted the cluster yet.
func taintsStep(s *syncview.Scene, cluster string, add func(step, result, detail string, stops bool)) {
	queued := ""
	if list, ok := s.QueuedTaints[cluster]; ok {
		queued = fmt.Sprintf("; its NoExecute taint (%s) acts as NoSchedule until the cluster eviction rate limit admits the cluster (spec.taints.clusterEvictionsPerMinute of the KubeFedConfig; replayed from the taints' times)", list)
	}
	evicted := slices.IndexFunc(s.Gate.Evictions, func(e taints.Eviction) bool { return e.Cluster == cluster && e.Cluster == s.Eviction.Evict })
	switch taint, evicting := s.Input.Placement.Evicting[cluster]; {
	case evicted >= 0:
		why := fmt.Sprintf("it runs ready in its %d other clusters", s.Gate.Remaining)
		if s.Eviction.TimedOut {
			why = fmt.Sprintf("the eviction timed out after %s (an EvictionTimedOut event)", s.Gate.Timeout)
		}
		add(StepTaints, "evicted", taints.String(s.Gate.Evictions[evicted].Taint)+" is not tolerated and the eviction gate lets the object go now: "+why, true)
	case evicting:
		detail := s.Input.Evicting[cluster]
		if detail == "" {
			detail = taints.String(taint) + " is not tolerated"
		}
		add(StepTaints, "evicting", detail+"; the member object is kept up to date meanwhile", false)
	default:
		if taint, tainted := s.Input.Placement.Tainted[cluster]; tainted {
			add(StepTaints, "not tolerated", taint+queued, true)
		} else if queued != "" {
			add(StepTaints, "eviction queued", strings.TrimPrefix(queued, "; "), false)
		} else {
			add(StepTaints, "tolerated", "", false)
		}
	}
}

// replicasStep adds the replica plan of a cluster, for a kind a
// ReplicaSchedulingPreference schedules: the replicas the RSP wrote for the
// cluster (its /spec/replicas override) and why, from the RSP's status.
func replicasStep(s *syncview.Scene, cluster string, add func(step, result, detail string, stops bool)) {
	if s.RSP == nil {
		add(StepReplicas, "no RSP", "no ReplicaSchedulingPreference "+s.Input.Federated.GetName()+": the template's replicas, with the overrides", false)
		return
	}
	rsp := s.RSP
	detail := fmt.Sprintf("ReplicaSchedulingPreference %s/%s (totalReplicas %d)", rsp.Namespace, rsp.Name, rsp.Spec.TotalReplicas)
	for _, c := range rsp.Status.Clusters {
		if c.Name != cluster {
			continue
		}
		detail += ": planned " + strconv.FormatInt(c.Replicas, 10)
		if c.Reason != "" {
			detail += " (" + c.Reason + ")"
		}
		if c.Overflow > 0 {
			detail += fmt.Sprintf(", %d of them overflow", c.Overflow)
		}
	}
	n := scheduling.Scheduled(s.Spec, cluster)
	if n < 0 {
		add(StepReplicas, "not planned", detail+"; no "+scheduling.ReplicasPath+" override for the cluster", false)
		return
	}
	add(StepReplicas, strconv.FormatInt(n, 10), detail, false)
}

// describeOverrides lists the override sets that apply, in the order the
// syncer applies them: "SOURCE: op path=value, ...; ...", with "typed
// overriders" for a set that has them.
func describeOverrides(sets []overrides.Set) string {
	parts := make([]string, 0, len(sets))
	for _, set := range sets {
		var ops []string
		for _, o := range set.Patches {
			op := string(o.Op)
			if op == "" {
				op = "replace"
			}
			part := op + " " + o.Path
			if o.Value != nil {
				part += "=" + string(o.Value.Raw)
			}
			ops = append(ops, part)
		}
		if set.Typed != nil {
			ops = append(ops, "typed overriders")
		}
		parts = append(parts, set.Source+": "+strings.Join(ops, ", "))
	}
	return strings.Join(parts, "; ")
}

// memberState says what the member holds under the object's name; err is
// the error reading it.
func memberState(m propagation.Member, err error) string {
	switch {
	case !m.Synced && err != nil:
		return "unknown"
	case !m.Synced:
		return "not read"
	case m.Observed == nil:
		return "absent"
	case m.Observed.GetDeletionTimestamp() != nil:
		return "being deleted"
	}
	switch m.Observed.GetLabels()[core.ManagedByKubeFedLabelKey] {
	case core.ManagedByKubeFedLabelValue:
		return "managed"
	case core.UnmanagedByKubeFedLabelValue:
		return "labeled " + core.ManagedByKubeFedLabelKey + "=false"
	}
	return "not managed"
}

// actionResult is the action with the status it sets.
func actionResult(c Cluster) string {
	if c.Status == "" {
		return c.Action
	}
	return c.Action + " (" + c.Status + ")"
}

// recordedStatuses returns the status and message per cluster that the
// federated object's status holds.
func recordedStatuses(status *typesv1beta1.FederatedStatus) map[string][2]string {
	out := map[string][2]string{}
	for _, c := range status.Clusters {
		out[c.Name] = [2]string{statusName(c.Status), c.Message}
	}
	return out
}

// statusName names a cluster's propagation status; OK is stored as "".
func statusName(s typesv1beta1.PropagationStatus) string {
	if s == typesv1beta1.ClusterPropagationOK {
		return "OK"
	}
	return string(s)
}

func yesNo(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

func qualified(u *unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return u.GetName()
	}
	return u.GetNamespace() + "/" + u.GetName()
}
