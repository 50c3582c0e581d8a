package plan_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	"github.com/kubectl-fed/kubectl-fed/pkg/fixtures/golden"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/plan"
	"github.com/kubectl-fed/kubectl-fed/pkg/scheduling"
)

// run runs `kubectl fed ARGS` in process with an empty kubeconfig: the
// offline plan needs no cluster.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	var out, errOut bytes.Buffer
	cmd := kubectl.NewCmdFed(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestOfflineGolden(t *testing.T) {
	cases := []struct {
		golden string
		args   []string
		stderr string
	}{
		{"offline-weights.txt", []string{"plan", "-f", "testdata/weights.yaml", "--clusters", "member2,member1"}, ""},
		{"offline-capacity.txt", []string{"plan", "-f", "testdata/spread.yaml", "--clusters", "A,B,C", "--capacity", "C=10", "--key", ""}, ""},
		{"offline-capacity.json", []string{"plan", "-f", "testdata/spread.yaml", "--clusters", "A,B,C", "--capacity", "C=10", "-o", "json"}, ""},
		{"offline-current.yaml", []string{"plan", "-f", "testdata/weights.yaml", "--clusters", "member1,member2,member3", "--current", "member2=5", "-o", "yaml"}, ""},
		{"offline-current.txt", []string{"plan", "-f", "testdata/weights.yaml", "--clusters", "member1,member2,member3", "--current", "member2=5,member3=4"}, ""},
		{"offline-capped.txt", []string{"plan", "-f", "testdata/capped.yaml", "--clusters", "eu,us,edge"},
			"Warning: 5 of 10 replicas fit in no cluster (maximums or capacity reached)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, err := run(t, tc.args...)
			if err != nil {
				t.Fatalf("kubectl fed %s: %v", strings.Join(tc.args, " "), err)
			}
			if errOut != tc.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tc.stderr)
			}
			golden.Assert(t, filepath.Join("testdata", tc.golden), out)
		})
	}
}

// TestKeyDefaultsToNamespaceAndName: without --key, the tie-breaking key is
// the RSP's namespace/name, as in the syncer; "--key shop/web" gives the
// same plan, another key may not.
func TestKeyDefaultsToNamespaceAndName(t *testing.T) {
	args := []string{"plan", "-f", "testdata/weights.yaml", "--clusters", "a,b,member1", "-o", "json"}
	byDefault, _, err := run(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	explicit, _, err := run(t, append(args, "--key", "shop/web")...)
	if err != nil {
		t.Fatal(err)
	}
	if byDefault != explicit {
		t.Errorf("default key plan:\n%s\n--key shop/web plan:\n%s", byDefault, explicit)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"plan"}, "nothing to plan"},
		{[]string{"plan", "deployment", "web", "extra"}, "accepts at most 2 arg(s)"},
		{[]string{"plan", "deployment", "web", "-f", "testdata/weights.yaml", "--clusters", "a"}, "not both"},
		{[]string{"plan", "deployment", "web", "--clusters", "a"}, "are for offline plans"},
		{[]string{"plan", "deployment", "web", "--cluster-timeout", "0s"}, "--cluster-timeout must be positive"},
		{[]string{"plan", "deployment", "web", "-o", "name"}, `invalid value for --output: "name"`},
		{[]string{"plan", "-f", "testdata/weights.yaml"}, "needs the candidate clusters: add --clusters"},
		{[]string{"plan", "rsp", "web", "-f", "testdata/weights.yaml", "--clusters", "a"}, "not both"},
		{[]string{"plan", "rsp", "web", "--clusters", "a"}, "are for offline plans"},
		{[]string{"plan", "rsp", "web", "--key", ""}, "are for offline plans"},
		{[]string{"plan", "-f", "testdata/weights.yaml", "--clusters", "a", "--current", "b=1"}, `--current names cluster "b", which is not in --clusters a`},
		{[]string{"plan", "-f", "testdata/weights.yaml", "--clusters", "a", "--capacity", "a=-1"}, "--capacity a=-1: must not be negative"},
		{[]string{"plan", "-f", "testdata/weights.yaml", "--clusters", "a", "-o", "wide"}, `invalid value for --output: "wide"`},
		{[]string{"plan", "-f", "testdata/invalid.yaml", "--clusters", "a"}, `spec.targetKind: Unsupported value: "FederatedStatefulSet"`},
		{[]string{"plan", "-f", "testdata/invalid.yaml", "--clusters", "a"}, "spec.clusters[A].weight: Invalid value: -1"},
		{[]string{"plan", "-f", "testdata/weights.yaml.missing", "--clusters", "a"}, "reading testdata/weights.yaml.missing"},
		{[]string{"plan", "-f", "testdata/offline-weights.txt", "--clusters", "a"}, "is not a ReplicaSchedulingPreference"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := run(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestLiveRowsGolden renders the live view of a recorded plan: clusters of
// the plan from the status, a NotReady cluster and one left out.
func TestLiveRowsGolden(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	status := &v1alpha1.ReplicaSchedulingPreferenceStatus{Clusters: []v1alpha1.ClusterSchedulingStatus{
		{Name: "us", Replicas: 17, CurrentReplicas: n(10), Capacity: n(10), Overflow: 7, Reason: "capacity"},
		{Name: "eu", Replicas: 20, CurrentReplicas: n(20), Reason: "weight"},
		{Name: "asia", Replicas: 0, CurrentReplicas: n(3), Reason: "no preference"},
	}}
	ready := corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Name: "edge"}, Status: corev1beta1.KubeFedClusterStatus{
		Conditions: []corev1beta1.ClusterCondition{{Type: corev1beta1.ClusterReady, Status: corev1.ConditionTrue}}}}
	down := corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Name: "moon"}}
	eu := corev1beta1.KubeFedCluster{ObjectMeta: metav1.ObjectMeta{Name: "eu"}}
	rows := scheduling.StatusRows(status, []corev1beta1.KubeFedCluster{down, ready, eu})
	var out bytes.Buffer
	if err := plan.PrintTable(&out, rows); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/live.txt", out.String())
	var doc bytes.Buffer
	if err := plan.PrintDocument(&doc, rows, "json"); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/live.json", doc.String())
}

func TestLiveRowsWithGroupsGolden(t *testing.T) {
	status := &v1alpha1.ReplicaSchedulingPreferenceStatus{Clusters: []v1alpha1.ClusterSchedulingStatus{
		{Name: "eu1", Replicas: 2, Reason: "weight", Group: "eu"},
		{Name: "us1", Replicas: 2, Reason: "weight", Group: "us"},
		{Name: "old", Replicas: 1, Reason: scheduling.ReasonEvicting},
	}}
	var out bytes.Buffer
	if err := plan.PrintTable(&out, scheduling.StatusRows(status, nil)); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/live-groups.txt", out.String())
}
