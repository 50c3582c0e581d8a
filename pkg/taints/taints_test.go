package taints

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

const (
	noSchedule = corev1beta1.TaintNoSchedule
	noExecute  = corev1beta1.TaintNoExecute
	exists     = corev1beta1.TolerationOpExists
	equal      = corev1beta1.TolerationOpEqual
)

func TestTolerates(t *testing.T) {
	taint := corev1beta1.Taint{Key: "team", Value: "a", Effect: noExecute}
	tests := []struct {
		name string
		tol  corev1beta1.Toleration
		want bool
	}{
		{"equal key, value and effect", corev1beta1.Toleration{Key: "team", Value: "a", Effect: noExecute}, true},
		{"operator Equal spelled out", corev1beta1.Toleration{Key: "team", Operator: equal, Value: "a"}, true},
		{"empty effect matches both", corev1beta1.Toleration{Key: "team", Value: "a"}, true},
		{"other value", corev1beta1.Toleration{Key: "team", Value: "b"}, false},
		{"other effect", corev1beta1.Toleration{Key: "team", Value: "a", Effect: noSchedule}, false},
		{"other key", corev1beta1.Toleration{Key: "zone", Value: "a"}, false},
		{"exists on the key", corev1beta1.Toleration{Key: "team", Operator: exists}, true},
		{"exists without key matches every taint", corev1beta1.Toleration{Operator: exists}, true},
		{"exists without key, other effect", corev1beta1.Toleration{Operator: exists, Effect: noSchedule}, false},
		{"equal without key matches nothing", corev1beta1.Toleration{Value: "a"}, false},
		{"unknown operator matches nothing", corev1beta1.Toleration{Key: "team", Operator: "In", Value: "a"}, false},
	}
	for _, tt := range tests {
		if got := Tolerates(tt.tol, taint); got != tt.want {
			t.Errorf("%s: Tolerates(%+v) = %v, want %v", tt.name, tt.tol, got, tt.want)
		}
	}
}

func TestUntolerated(t *testing.T) {
	list := []corev1beta1.Taint{{Key: "a", Effect: noSchedule}, {Key: "b", Value: "x", Effect: noExecute}}
	if got, ok := Untolerated(list, noExecute); !ok || got.Key != "b" {
		t.Errorf("no tolerations: got %v %v, want b", got, ok)
	}
	if _, ok := Untolerated(list, noExecute, nil, []corev1beta1.Toleration{{Key: "b", Value: "x"}}); ok {
		t.Error("a toleration in the second list is enough")
	}
	if got, ok := Untolerated(list, noSchedule, []corev1beta1.Toleration{{Key: "b", Value: "x"}}); !ok || got.Key != "a" {
		t.Errorf("NoSchedule: got %v %v, want a", got, ok)
	}
	if _, ok := Untolerated(nil, noSchedule); ok {
		t.Error("no taints: nothing untolerated")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		arg     string
		want    Change
		wantErr string
	}{
		{arg: "team=a:NoSchedule", want: Change{Taint: corev1beta1.Taint{Key: "team", Value: "a", Effect: noSchedule}}},
		{arg: "example.com/maintenance:NoExecute", want: Change{Taint: corev1beta1.Taint{Key: "example.com/maintenance", Effect: noExecute}}},
		{arg: "team-", want: Change{Taint: corev1beta1.Taint{Key: "team"}, Remove: true}},
		{arg: "team:NoSchedule-", want: Change{Taint: corev1beta1.Taint{Key: "team", Effect: noSchedule}, Remove: true}},
		{arg: "team=a:NoExecute-", want: Change{Taint: corev1beta1.Taint{Key: "team", Value: "a", Effect: noExecute}, Remove: true}},
		{arg: "team=a", wantErr: "has no effect"},
		{arg: "team=a:PreferNoSchedule", wantErr: `effect "PreferNoSchedule"`},
		{arg: "=a:NoSchedule", wantErr: "invalid key"},
		{arg: "team=a b:NoSchedule", wantErr: "invalid value"},
		{arg: "-", wantErr: "invalid key"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.arg)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Parse(%q) error = %v, want one containing %q", tt.arg, err, tt.wantErr)
		case tt.wantErr == "" && err != nil:
			t.Errorf("Parse(%q): %v", tt.arg, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("Parse(%q) = %+v, want %+v", tt.arg, got, tt.want)
		}
	}
}

func TestEdit(t *testing.T) {
	then, now := metav1.NewTime(time.Unix(100, 0)), metav1.NewTime(time.Unix(200, 0))
	list := []corev1beta1.Taint{{Key: "team", Value: "a", Effect: noSchedule, TimeAdded: &then}}
	change := func(arg string) Change {
		c, err := Parse(arg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	got, err := Edit(list, []Change{change("team=a:NoSchedule"), change("drain:NoExecute")}, false, now)
	if err != nil || Join(got) != "team=a:NoSchedule,drain:NoExecute" || !got[0].TimeAdded.Equal(&then) || !got[1].TimeAdded.Equal(&now) {
		t.Errorf("add: got %s %v, want the same taint kept with its time and drain added now", Join(got), err)
	}
	if _, err := Edit(list, []Change{change("team=b:NoSchedule")}, false, now); err == nil || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("other value without overwrite: error %v, want one naming --overwrite", err)
	}
	if got, err := Edit(list, []Change{change("team=b:NoSchedule")}, true, now); err != nil || Join(got) != "team=b:NoSchedule" {
		t.Errorf("overwrite: got %s %v", Join(got), err)
	}
	if got, err := Edit(list, []Change{change("team-")}, false, now); err != nil || len(got) != 0 {
		t.Errorf("remove: got %s %v, want none", Join(got), err)
	}
	if _, err := Edit(list, []Change{change("team:NoExecute-")}, false, now); err == nil || !strings.Contains(err.Error(), `"team:NoExecute" not found`) {
		t.Errorf("remove of an effect the key does not have: error %v", err)
	}
	if len(list) != 1 || list[0].Value != "a" {
		t.Errorf("Edit changed its input: %v", list)
	}
}

func TestAdmit(t *testing.T) {
	now := time.Unix(1000, 0)
	pending := []Pending{{"c", now.Add(-time.Second)}, {"a", now.Add(-time.Minute)}, {"b", now.Add(-time.Minute)}, {"old", now.Add(-time.Hour)}}
	tests := []struct {
		name      string
		admitted  map[string]time.Time
		perMinute int
		period    time.Duration // 0: EvictionPeriod
		want      []string
	}{
		{"oldest first, then by name", nil, 2, 0, []string{"old", "a"}},
		{"a start within the minute counts", map[string]time.Time{"x": now.Add(-30 * time.Second)}, 2, 0, []string{"old"}},
		{"a start over a minute ago does not", map[string]time.Time{"x": now.Add(-61 * time.Second)}, 2, 0, []string{"old", "a"}},
		{"admitted ones are not admitted again", map[string]time.Time{"old": now.Add(-time.Hour)}, 1, 0, []string{"a"}},
		{"below 1 counts as 1", nil, 0, 0, []string{"old"}},
		{"budget spent", map[string]time.Time{"x": now, "y": now}, 2, 0, nil},
		{"a start within a shorter period counts", map[string]time.Time{"x": now.Add(-9 * time.Second)}, 1, 10 * time.Second, nil},
		{"a start before a shorter period does not", map[string]time.Time{"x": now.Add(-11 * time.Second)}, 1, 10 * time.Second, []string{"old"}},
	}
	if EvictionPeriod != time.Minute {
		t.Fatalf("EvictionPeriod is %s; clusterEvictionsPerMinute counts per minute", EvictionPeriod)
	}
	for _, tt := range tests {
		period := tt.period
		if period == 0 {
			period = EvictionPeriod
		}
		got := Admit(pending, tt.admitted, tt.perMinute, period, now)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: Admit = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestReplay(t *testing.T) {
	now := time.Unix(10000, 0)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name      string
		pending   []Pending
		perMinute int
		want      map[string]time.Time
	}{
		{"none", nil, 1, map[string]time.Time{}},
		{"one at a time, a minute apart, oldest first", []Pending{{"b", ago(10 * time.Minute)}, {"a", ago(10 * time.Minute)}, {"c", ago(10 * time.Minute)}}, 1,
			map[string]time.Time{"a": ago(10 * time.Minute), "b": ago(9 * time.Minute), "c": ago(8 * time.Minute)}},
		{"still waiting at now", []Pending{{"a", ago(30 * time.Second)}, {"b", ago(20 * time.Second)}}, 1, map[string]time.Time{"a": ago(30 * time.Second)}},
		{"two per minute; a late one at its arrival", []Pending{{"a", ago(5 * time.Minute)}, {"b", ago(5 * time.Minute)}, {"c", ago(5 * time.Minute)}, {"d", ago(time.Minute)}}, 2,
			map[string]time.Time{"a": ago(5 * time.Minute), "b": ago(5 * time.Minute), "c": ago(4 * time.Minute), "d": ago(time.Minute)}},
		{"a taint of the future is not admitted", []Pending{{"a", now.Add(time.Minute)}}, 1, map[string]time.Time{}},
	}
	for _, tt := range tests {
		got := Replay(tt.pending, tt.perMinute, now)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Replay = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGate(t *testing.T) {
	now := time.Unix(1000, 0)
	taint := corev1beta1.Taint{Key: corev1beta1.TaintDrain, Effect: noExecute}
	a := Eviction{Cluster: "a", Taint: taint, Since: now.Add(-10 * time.Second)}
	b := Eviction{Cluster: "b", Taint: taint, Since: now.Add(-20 * time.Second)}
	held := b
	held.Holds = []string{"FederatedDeployment web"}
	tests := []struct {
		name      string
		in        GateInput
		evict     string
		timedOut  bool
		waiting   string
		recheckOK bool
	}{
		{"ready elsewhere: the oldest goes, one at a time", GateInput{Evictions: []Eviction{a, b}, Remaining: 1, ReadyElsewhere: true}, "b", false, "a", false},
		{"not ready elsewhere: waits with a recheck at the timeout", GateInput{Evictions: []Eviction{a}, Remaining: 2, Timeout: time.Minute}, "", false, "a", true},
		{"timeout passed: evicted and reported", GateInput{Evictions: []Eviction{a}, Remaining: 2, Timeout: 5 * time.Second}, "a", true, "", false},
		{"a removal in progress: waits", GateInput{Evictions: []Eviction{a}, Remaining: 1, ReadyElsewhere: true, Removing: true}, "", false, "a", false},
		{"no cluster remains: one at a time all the same", GateInput{Evictions: []Eviction{a, b}, Timeout: time.Hour}, "b", false, "a", false},
		{"nothing to evict", GateInput{}, "", false, "", false},
		{"a namespace stays while the cluster holds objects in it, whatever the timeout", GateInput{Evictions: []Eviction{held}, Remaining: 1, ReadyElsewhere: true, Timeout: time.Second}, "", false, "b", true},
		{"a namespace held in one cluster does not hold it in another", GateInput{Evictions: []Eviction{a, held}, Remaining: 1, ReadyElsewhere: true}, "a", false, "b", true},
	}
	for _, tt := range tests {
		tt.in.Now = now
		v := Gate(tt.in)
		var waiting []string
		for c := range v.Waiting {
			waiting = append(waiting, c)
		}
		slices.Sort(waiting)
		if v.Evict != tt.evict || v.TimedOut != tt.timedOut || strings.Join(waiting, ",") != tt.waiting || (v.Recheck > 0) != tt.recheckOK {
			t.Errorf("%s: Gate = %+v, want evict %q timedOut %v waiting %q recheck %v", tt.name, v, tt.evict, tt.timedOut, tt.waiting, tt.recheckOK)
		}
	}
}

// FuzzParse checks that Parse never panics and that what it accepts prints
// back (String) to an argument that parses to the same change.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a=b:NoSchedule", "a-", "a:NoExecute-", "x/y=z:NoExecute", ":", "=:-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		c, err := Parse(arg)
		if err != nil || c.Remove {
			return
		}
		again, err := Parse(String(c.Taint))
		if err != nil || again != c {
			t.Fatalf("Parse(%q) = %+v, but its String %q parses to %+v, %v", arg, c, String(c.Taint), again, err)
		}
	})
}

// FuzzTolerates checks Tolerates against its definition on random inputs.
func FuzzTolerates(f *testing.F) {
	f.Add("k", "v", "NoSchedule", "k", "Equal", "v", "")
	f.Fuzz(func(t *testing.T, key, value, effect, tKey, op, tValue, tEffect string) {
		taint := corev1beta1.Taint{Key: key, Value: value, Effect: corev1beta1.TaintEffect(effect)}
		tol := corev1beta1.Toleration{Key: tKey, Operator: corev1beta1.TolerationOperator(op), Value: tValue, Effect: corev1beta1.TaintEffect(tEffect)}
		got := Tolerates(tol, taint)
		effectOK := tEffect == "" || tEffect == effect
		keyOK := tKey == "" || tKey == key
		var want bool
		switch op {
		case "Exists":
			want = effectOK && keyOK
		case "", "Equal":
			want = effectOK && tKey != "" && tKey == key && tValue == value
		}
		if got != want {
			t.Fatalf("Tolerates(%+v, %+v) = %v, want %v", tol, taint, got, want)
		}
	})
}

func TestAutomatic(t *testing.T) {
	now := time.Unix(1000, 0)
	user := corev1beta1.Taint{Key: "team", Value: "a", Effect: noSchedule}
	notReady := corev1beta1.Taint{Key: corev1beta1.TaintNotReady, Effect: noExecute}
	down := ClusterState{NotReadySince: now.Add(-time.Hour)}
	offline := ClusterState{NotReadySince: now.Add(-time.Hour), Unreachable: true}
	tests := []struct {
		name    string
		list    []corev1beta1.Taint
		state   ClusterState
		on      bool
		want    string
		changed bool
	}{
		{"off: no automatic taint", []corev1beta1.Taint{user}, down, false, "team=a:NoSchedule", false},
		{"off: an automatic taint goes", []corev1beta1.Taint{user, notReady}, down, false, "team=a:NoSchedule", true},
		{"on, within the grace period: none", nil, ClusterState{NotReadySince: now.Add(-time.Second)}, true, "", false},
		{"on, not ready past the grace period", []corev1beta1.Taint{user}, down, true, "team=a:NoSchedule,kubefed.io/not-ready:NoExecute", true},
		{"on, unreachable past the grace period", nil, offline, true, "kubefed.io/unreachable:NoExecute", true},
		{"on, already tainted: unchanged", []corev1beta1.Taint{notReady}, down, true, "kubefed.io/not-ready:NoExecute", false},
		{"on, not-ready becomes unreachable", []corev1beta1.Taint{notReady}, offline, true, "kubefed.io/unreachable:NoExecute", true},
		{"on, ready again: removed", []corev1beta1.Taint{user, notReady}, ClusterState{Ready: true}, true, "team=a:NoSchedule", true},
		{"a user's NoSchedule taint of the same key stays", []corev1beta1.Taint{{Key: corev1beta1.TaintNotReady, Effect: noSchedule}}, ClusterState{Ready: true}, true, "kubefed.io/not-ready:NoSchedule", false},
	}
	for _, tt := range tests {
		got, changed := Automatic(tt.list, tt.state, tt.on, time.Minute, now)
		if Join(got) != tt.want || changed != tt.changed {
			t.Errorf("%s: Automatic = %s, %v; want %s, %v", tt.name, Join(got), changed, tt.want, tt.changed)
		}
	}
}

func TestInEffect(t *testing.T) {
	early, admitted := metav1.NewTime(time.Unix(100, 0)), time.Unix(200, 0)
	list := []corev1beta1.Taint{{Key: "a", Effect: noSchedule}, {Key: "b", Effect: noExecute, TimeAdded: &early}}
	if got := InEffect(list, time.Time{}); Join(got) != "a:NoSchedule,b:NoSchedule" {
		t.Errorf("not admitted: %s, want NoExecute acting as NoSchedule", Join(got))
	}
	got := InEffect(list, admitted)
	if Join(got) != "a:NoSchedule,b:NoExecute" || !got[1].TimeAdded.Time.Equal(admitted) {
		t.Errorf("admitted: %s from %v, want NoExecute from the admission", Join(got), got[1].TimeAdded)
	}
	if !list[1].TimeAdded.Equal(&early) || list[1].Effect != noExecute {
		t.Errorf("InEffect changed its input: %+v", list[1])
	}
	if since, ok := NoExecuteSince(list, admitted); !ok || !since.Equal(early.Time) {
		t.Errorf("NoExecuteSince = %v %v", since, ok)
	}
}

// TestGateNamesWhatTheNamespaceHolds checks the message of a namespace
// that stays in a cluster: the count of the objects it holds there and
// the first three names.
func TestGateNamesWhatTheNamespaceHolds(t *testing.T) {
	taint := corev1beta1.Taint{Key: corev1beta1.TaintDrain, Effect: noExecute}
	for _, tt := range []struct {
		holds []string
		want  string
	}{
		{[]string{"FederatedDeployment web"}, "the namespace stays while the cluster holds 1 federated object (FederatedDeployment web) in it"},
		{[]string{"FederatedService web", "FederatedDeployment web", "FederatedConfigMap b", "FederatedConfigMap a"},
			"holds 4 federated objects (FederatedConfigMap a, FederatedConfigMap b, FederatedDeployment web, ...) in it"},
	} {
		v := Gate(GateInput{Evictions: []Eviction{{Cluster: "c", Taint: taint, Holds: tt.holds}}, Remaining: 1, ReadyElsewhere: true})
		if got := v.Waiting["c"]; !strings.Contains(got, tt.want) {
			t.Errorf("Gate with holds %v: waiting message %q, want it to contain %q", tt.holds, got, tt.want)
		}
	}
}
