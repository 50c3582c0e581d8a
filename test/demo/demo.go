// Package demo is the quickstart that `make demo` walks on a running local
// federation: each step runs real kubectl and `kubectl fed` commands,
// printing each command before it runs and its output after, then checks
// what the step should have achieved by polling the clusters with a
// deadline. test/deploy runs the same steps against its own fleet.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// Namespace is the namespace the demo federates.
const Namespace = "federate-me"

// DefaultTimeout bounds the wait for each expectation.
const DefaultTimeout = 90 * time.Second

// Config says where the demo runs.
type Config struct {
	// Kubeconfig holds a context for the host and one per member; its
	// current context is the host.
	Kubeconfig string
	// Host is the host's context name.
	Host string
	// Members are the members' context names (also their KubeFedCluster
	// names); the demo needs two.
	Members []string
	// BinDir holds kubectl and kubectl-fed.
	BinDir string
	// Out receives the commands, their output and the checks.
	Out io.Writer
	// Timeout bounds each expectation; zero means DefaultTimeout.
	Timeout time.Duration
}

// Step is one part of the quickstart.
type Step struct {
	// Title is printed before the step runs.
	Title string
	run   func(ctx context.Context, d *driver) error
}

// Steps are the quickstart's steps, in order.
func Steps() []Step {
	return []Step{
		{"Federate a namespace", federateNamespace},
		{"Federate a ConfigMap", federateConfigMap},
		{"A Deployment with a per-cluster override of replicas", overrideReplicas},
		{"Spread replicas with a ReplicaSchedulingPreference", schedulingPreference},
		{"A FederationPolicy rejects a placement", policyRejects},
		{"Ask the federation for its status", showStatus},
		{"The objects are in every member", objectsInMembers},
	}
}

// Run runs every step and returns the first failed expectation, naming the
// step. It prints a summary line at the end.
func Run(ctx context.Context, cfg Config) error {
	d, err := newDriver(cfg)
	if err != nil {
		return err
	}
	started := time.Now()
	steps := Steps()
	for i, step := range steps {
		fmt.Fprintf(d.out, "\n==> %d/%d %s\n", i+1, len(steps), step.Title)
		if err := step.run(ctx, d); err != nil {
			return fmt.Errorf("step %d/%d %q: %w", i+1, len(steps), step.Title, err)
		}
	}
	fmt.Fprintf(d.out, "\ndemo passed: %d steps, %d expectations held, in %.1fs\n", len(steps), d.checks, time.Since(started).Seconds())
	return nil
}

// driver runs commands and checks expectations for the steps.
type driver struct {
	cfg     Config
	out     io.Writer
	env     []string
	clients map[string]dynamic.Interface
	checks  int
}

func newDriver(cfg Config) (*driver, error) {
	if len(cfg.Members) < 2 {
		return nil, fmt.Errorf("the demo needs two member clusters, got %d (%v): start the fleet with MEMBERS=2 or more", len(cfg.Members), cfg.Members)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	for _, bin := range []string{"kubectl", "kubectl-fed"} {
		if _, err := os.Stat(filepath.Join(cfg.BinDir, bin)); err != nil {
			return nil, fmt.Errorf("%s is missing from %s: run `make tools build`", bin, cfg.BinDir)
		}
	}
	d := &driver{cfg: cfg, out: cfg.Out, clients: map[string]dynamic.Interface{},
		env: []string{"KUBECONFIG=" + cfg.Kubeconfig, "PATH=" + cfg.BinDir + string(os.PathListSeparator) + os.Getenv("PATH")}}
	for _, context := range append([]string{cfg.Host}, cfg.Members...) {
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: cfg.Kubeconfig}
		rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("context %s of %s: %w", context, cfg.Kubeconfig, err)
		}
		if d.clients[context], err = dynamic.NewForConfig(rc); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// command is the result of one command.
type command struct {
	stdout, stderr string
	err            error
}

// exec prints and runs kubectl with args (stdin, if set, is shown as a
// here-document), prints its output, and returns it.
func (d *driver) exec(ctx context.Context, stdin string, args ...string) command {
	shown := "kubectl " + quote(args)
	if stdin != "" {
		shown += " <<EOF\n" + stdin + "EOF"
	}
	fmt.Fprintf(d.out, "$ %s\n", shown)
	cmd := exec.CommandContext(ctx, filepath.Join(d.cfg.BinDir, "kubectl"), args...)
	cmd.Env = append(os.Environ(), d.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	for _, text := range []string{stdout.String(), stderr.String()} {
		if text = strings.TrimRight(text, "\n"); text != "" {
			fmt.Fprintln(d.out, indent(text))
		}
	}
	return command{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// run is exec that fails unless the command exits 0.
func (d *driver) run(ctx context.Context, args ...string) (string, error) {
	return d.runInput(ctx, "", args...)
}

func (d *driver) runInput(ctx context.Context, stdin string, args ...string) (string, error) {
	c := d.exec(ctx, stdin, args...)
	if c.err != nil {
		return "", fmt.Errorf("kubectl %s: %w: %s", quote(args), c.err, strings.TrimSpace(c.stderr))
	}
	return c.stdout, nil
}

// expect polls condition until it holds or the timeout passes, and prints
// the expectation with the time it took.
func (d *driver) expect(ctx context.Context, what string, condition func(ctx context.Context) error) error {
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	for {
		err := condition(ctx)
		if err == nil {
			d.checks++
			fmt.Fprintf(d.out, "  ok: %s (%.1fs)\n", what, time.Since(started).Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("expected %s, but after %s: %w", what, d.cfg.Timeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// get reads one object in a cluster.
func (d *driver) get(ctx context.Context, cluster string, gvr schema.GroupVersionResource, namespace, name string) (*unstructured.Unstructured, error) {
	obj, err := d.clients[cluster].Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s in %s: %w", describe(gvr, namespace, name), cluster, err)
	}
	return obj, nil
}

// inEveryMember checks an object in every member.
func (d *driver) inEveryMember(ctx context.Context, gvr schema.GroupVersionResource, name string, check func(cluster string, obj *unstructured.Unstructured) error) error {
	for _, m := range d.cfg.Members {
		obj, err := d.get(ctx, m, gvr, namespaceOf(gvr), name)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(m, obj); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	namespaces       = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	configMaps       = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	secrets          = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	deployments      = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	federatedSecrets = schema.GroupVersionResource{Group: "types.kubefed.io", Version: "v1beta1", Resource: "federatedsecrets"}
)

const (
	// demoImage is the image of the demo's Deployments.
	demoImage = "registry.k8s.io/pause:3.10"
	// overriddenReplicas is what the override sets in the second member.
	overriddenReplicas = 4
)

func namespaceOf(gvr schema.GroupVersionResource) string {
	if gvr == namespaces {
		return ""
	}
	return Namespace
}

func federateNamespace(ctx context.Context, d *driver) error {
	if _, err := d.run(ctx, "create", "namespace", Namespace); err != nil {
		return err
	}
	if _, err := d.run(ctx, "fed", "federate", "ns", Namespace); err != nil {
		return err
	}
	return d.expect(ctx, "namespace "+Namespace+" exists in "+strings.Join(d.cfg.Members, " and "), func(ctx context.Context) error {
		return d.inEveryMember(ctx, namespaces, Namespace, nil)
	})
}

func federateConfigMap(ctx context.Context, d *driver) error {
	if _, err := d.run(ctx, "-n", Namespace, "create", "configmap", "my-cm", "--from-literal=greeting=hello"); err != nil {
		return err
	}
	if _, err := d.run(ctx, "fed", "federate", "configmap", "my-cm", "-n", Namespace); err != nil {
		return err
	}
	return d.expect(ctx, "ConfigMap my-cm with greeting=hello in every member", func(ctx context.Context) error {
		return d.inEveryMember(ctx, configMaps, "my-cm", func(cluster string, obj *unstructured.Unstructured) error {
			if got, _, _ := unstructured.NestedString(obj.Object, "data", "greeting"); got != "hello" {
				return fmt.Errorf("ConfigMap my-cm in %s has greeting=%q", cluster, got)
			}
			return nil
		})
	})
}

// replicasAre checks spec.replicas of a Deployment cluster by cluster.
func (d *driver) replicasAre(ctx context.Context, name string, want map[string]int64) error {
	return d.inEveryMember(ctx, deployments, name, func(cluster string, obj *unstructured.Unstructured) error {
		got, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
		if got != want[cluster] {
			return fmt.Errorf("deployment %s in %s has %d replicas, want %d", name, cluster, got, want[cluster])
		}
		return nil
	})
}

func overrideReplicas(ctx context.Context, d *driver) error {
	first, second := d.cfg.Members[0], d.cfg.Members[1]
	if _, err := d.run(ctx, "-n", Namespace, "create", "deployment", "web", "--image="+demoImage, "--replicas=2"); err != nil {
		return err
	}
	if _, err := d.run(ctx, "fed", "federate", "deployment", "web", "-n", Namespace); err != nil {
		return err
	}
	patch := fmt.Sprintf(`{"spec":{"overrides":[{"clusterName":%q,"clusterOverrides":[{"path":"/spec/replicas","value":%d}]}]}}`, second, overriddenReplicas)
	if _, err := d.run(ctx, "-n", Namespace, "patch", "federateddeployment", "web", "--type=merge", "-p", patch); err != nil {
		return err
	}
	want := map[string]int64{}
	for _, m := range d.cfg.Members {
		want[m] = 2
	}
	want[second] = overriddenReplicas
	return d.expect(ctx, fmt.Sprintf("deployment web has 2 replicas in %s and %d in %s", first, overriddenReplicas, second), func(ctx context.Context) error {
		return d.replicasAre(ctx, "web", want)
	})
}

// schedulingPreference federates a Deployment and gives it a
// ReplicaSchedulingPreference that spreads 6 replicas 2:1 over the first
// two members: the syncer writes 4 and 2 into the members' Deployments.
func schedulingPreference(ctx context.Context, d *driver) error {
	first, second := d.cfg.Members[0], d.cfg.Members[1]
	if _, err := d.run(ctx, "-n", Namespace, "create", "deployment", "scaled", "--image="+demoImage, "--replicas=1"); err != nil {
		return err
	}
	if _, err := d.run(ctx, "fed", "federate", "deployment", "scaled", "-n", Namespace); err != nil {
		return err
	}
	rsp := fmt.Sprintf(`apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata:
  name: scaled
  namespace: %s
spec:
  targetKind: FederatedDeployment
  totalReplicas: 6
  clusters:
    %s: {weight: 2}
    %s: {weight: 1}
`, Namespace, first, second)
	if _, err := d.runInput(ctx, rsp, "apply", "-f", "-"); err != nil {
		return err
	}
	if err := d.expect(ctx, fmt.Sprintf("deployment scaled has 4 replicas in %s and 2 in %s", first, second), func(ctx context.Context) error {
		want := map[string]int64{first: 4, second: 2}
		for _, m := range d.cfg.Members[2:] {
			want[m] = 0
		}
		return d.replicasAre(ctx, "scaled", want)
	}); err != nil {
		return err
	}
	_, err := d.run(ctx, "-n", Namespace, "get", "rsp", "scaled")
	return err
}

func policyRejects(ctx context.Context, d *driver) error {
	first, second := d.cfg.Members[0], d.cfg.Members[1]
	policy := "secrets-stay-off-" + second
	if _, err := d.runInput(ctx, fmt.Sprintf(`apiVersion: policy.kubefed.io/v1alpha1
kind: FederationPolicy
metadata:
  name: %s
  namespace: %s
spec:
  resourceSelector: {kinds: [FederatedSecret]}
  deniedClusters: {names: [%s]}
`, policy, Namespace, second), "apply", "-f", "-"); err != nil {
		return err
	}
	if _, err := d.run(ctx, "-n", Namespace, "create", "secret", "generic", "db-password", "--from-literal=password=s3cret"); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "# placing the Secret in %s breaks the policy: the webhook must reject it\n", second)
	rejected := d.exec(ctx, "", "fed", "federate", "secret", "db-password", "-n", Namespace, "--clusters", first+","+second)
	if rejected.err == nil {
		return fmt.Errorf("federating secret db-password to %s was admitted; FederationPolicy %s should have denied it", second, policy)
	}
	if !strings.Contains(rejected.stderr, policy) {
		return fmt.Errorf("the rejection does not name FederationPolicy %s: %s", policy, rejected.stderr)
	}
	if err := d.expect(ctx, "the admission webhook rejected the placement on "+second+", naming policy "+policy, func(ctx context.Context) error {
		_, err := d.get(ctx, d.cfg.Host, federatedSecrets, Namespace, "db-password")
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("FederatedSecret db-password is stored on the host (%v)", err)
	}); err != nil {
		return err
	}
	if _, err := d.run(ctx, "fed", "federate", "secret", "db-password", "-n", Namespace, "--clusters", first); err != nil {
		return err
	}
	return d.expect(ctx, "secret db-password in "+first+" only", func(ctx context.Context) error {
		if _, err := d.get(ctx, first, secrets, Namespace, "db-password"); err != nil {
			return err
		}
		if _, err := d.get(ctx, second, secrets, Namespace, "db-password"); !apierrors.IsNotFound(err) {
			return fmt.Errorf("secret db-password in %s: %v", second, err)
		}
		return nil
	})
}

func showStatus(ctx context.Context, d *driver) error {
	if err := d.expect(ctx, "kubectl fed status --fail-if-not-ready passes for ConfigMap my-cm", func(ctx context.Context) error {
		cmd := exec.CommandContext(ctx, filepath.Join(d.cfg.BinDir, "kubectl"), "fed", "status", "configmap", "my-cm", "-n", Namespace, "--fail-if-not-ready")
		cmd.Env = append(os.Environ(), d.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"fed", "status"},
		{"fed", "status", "deployments", "-n", Namespace},
		{"fed", "status", "configmap", "my-cm", "-n", Namespace, "--fail-if-not-ready"},
	} {
		if _, err := d.run(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func objectsInMembers(ctx context.Context, d *driver) error {
	for i, m := range d.cfg.Members {
		out, err := d.run(ctx, "--context", m, "-n", Namespace, "get", "configmap,secret,deployment", "-o", "name")
		if err != nil {
			return err
		}
		want := []string{"configmap/my-cm", "deployment.apps/web", "deployment.apps/scaled"}
		if i == 0 {
			want = append(want, "secret/db-password")
		}
		for _, name := range want {
			if !strings.Contains(out, name+"\n") {
				return fmt.Errorf("kubectl get in %s does not list %s:\n%s", m, name, out)
			}
		}
		if i > 0 && strings.Contains(out, "secret/db-password") {
			return fmt.Errorf("kubectl get in %s lists secret/db-password, which the policy keeps out", m)
		}
		d.checks++
		fmt.Fprintf(d.out, "  ok: %s holds %s\n", m, strings.Join(want, ", "))
	}
	return nil
}

func describe(gvr schema.GroupVersionResource, namespace, name string) string {
	if namespace == "" {
		return gvr.Resource + " " + name
	}
	return gvr.Resource + " " + namespace + "/" + name
}

func indent(text string) string {
	return "    " + strings.ReplaceAll(text, "\n", "\n    ")
}

// quote joins args for display, quoting those a shell would split.
func quote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \"{}*") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
