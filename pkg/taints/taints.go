// Package taints is cluster taints and tolerations without I/O: whether a
// federated object (or a ReplicaSchedulingPreference's replicas) tolerates
// a member cluster's taints, the `kubectl fed taint` syntax and its edits of
// a KubeFedCluster's taints, and the eviction gate that decides when the
// member object of a NoExecute-tainted cluster may be removed. The
// semantics of matching are those of a pod's toleration of a node taint.
package taints

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// Tolerates reports whether the toleration matches the taint: the keys are
// equal (or the toleration's is empty with Exists), the effects are equal
// (or the toleration's is empty), and, with Equal (the default), the
// values are equal.
func Tolerates(t corev1beta1.Toleration, taint corev1beta1.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case corev1beta1.TolerationOpExists:
		return true
	case "", corev1beta1.TolerationOpEqual:
		return t.Key != "" && t.Value == taint.Value
	}
	return false
}

// Untolerated returns the first of the taints with the given effect that
// none of the tolerations matches.
func Untolerated(taints []corev1beta1.Taint, effect corev1beta1.TaintEffect, tolerations ...[]corev1beta1.Toleration) (corev1beta1.Taint, bool) {
	for _, taint := range taints {
		if taint.Effect != effect {
			continue
		}
		if !tolerated(taint, tolerations) {
			return taint, true
		}
	}
	return corev1beta1.Taint{}, false
}

func tolerated(taint corev1beta1.Taint, lists [][]corev1beta1.Toleration) bool {
	for _, list := range lists {
		for _, t := range list {
			if Tolerates(t, taint) {
				return true
			}
		}
	}
	return false
}

// String is the taint in kubectl taint's syntax: key=value:Effect, or
// key:Effect without a value.
func String(taint corev1beta1.Taint) string {
	if taint.Value == "" {
		return taint.Key + ":" + string(taint.Effect)
	}
	return taint.Key + "=" + taint.Value + ":" + string(taint.Effect)
}

// Join is the taints in kubectl taint's syntax, separated by commas.
func Join(list []corev1beta1.Taint) string {
	out := make([]string, len(list))
	for i, t := range list {
		out[i] = String(t)
	}
	return strings.Join(out, ",")
}

// Change is one argument of `kubectl fed taint`: a taint to add (or
// overwrite), or, with Remove, the taints of a key (and effect, when set)
// to remove.
type Change struct {
	Taint  corev1beta1.Taint
	Remove bool
}

// Parse reads one argument in kubectl taint's syntax: key=value:Effect or
// key:Effect adds a taint; key-, key:Effect- and key=value:Effect- remove
// the key's taints (of that effect).
func Parse(arg string) (Change, error) {
	var c Change
	spec := arg
	if rest, ok := strings.CutSuffix(arg, "-"); ok {
		c.Remove, spec = true, rest
	}
	keyValue, effect, hasEffect := strings.Cut(spec, ":")
	key, value, _ := strings.Cut(keyValue, "=")
	c.Taint = corev1beta1.Taint{Key: key, Value: value, Effect: corev1beta1.TaintEffect(effect)}
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return Change{}, fmt.Errorf("taint %q: invalid key %q: %s", arg, key, strings.Join(errs, "; "))
	}
	if value != "" {
		if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
			return Change{}, fmt.Errorf("taint %q: invalid value %q: %s", arg, value, strings.Join(errs, "; "))
		}
	}
	switch {
	case !hasEffect && !c.Remove:
		return Change{}, fmt.Errorf("taint %q has no effect: write key=value:NoSchedule or key=value:NoExecute (key- removes)", arg)
	case hasEffect && c.Taint.Effect != corev1beta1.TaintNoSchedule && c.Taint.Effect != corev1beta1.TaintNoExecute:
		return Change{}, fmt.Errorf("taint %q: effect %q is not NoSchedule or NoExecute", arg, effect)
	}
	return c, nil
}

// Edit applies changes to a cluster's taints and returns the new list. An
// added taint replaces one of the same key and effect only with overwrite
// (a different value is otherwise an error; the same one is kept with its
// time); a new one gets TimeAdded now. Removing a key (and effect) that
// has no taint is an error, as in kubectl taint.
func Edit(list []corev1beta1.Taint, changes []Change, overwrite bool, now metav1.Time) ([]corev1beta1.Taint, error) {
	out := append([]corev1beta1.Taint(nil), list...)
	for _, c := range changes {
		if c.Remove {
			kept := out[:0:0]
			for _, t := range out {
				if t.Key != c.Taint.Key || (c.Taint.Effect != "" && t.Effect != c.Taint.Effect) {
					kept = append(kept, t)
				}
			}
			if len(kept) == len(out) {
				return nil, fmt.Errorf("taint %q not found", removal(c.Taint))
			}
			out = kept
			continue
		}
		taint := c.Taint
		taint.TimeAdded = &now
		i := index(out, taint.Key, taint.Effect)
		switch {
		case i < 0:
			out = append(out, taint)
		case out[i].Value == taint.Value:
		case !overwrite:
			return nil, fmt.Errorf("taint %s already exists with value %q: use --overwrite to replace it", String(out[i]), out[i].Value)
		default:
			out[i] = taint
		}
	}
	return out, nil
}

func removal(t corev1beta1.Taint) string {
	if t.Effect == "" {
		return t.Key
	}
	return t.Key + ":" + string(t.Effect)
}

func index(list []corev1beta1.Taint, key string, effect corev1beta1.TaintEffect) int {
	for i, t := range list {
		if t.Key == key && t.Effect == effect {
			return i
		}
	}
	return -1
}
