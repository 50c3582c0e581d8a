// Package deploy tests manifests/ against a real local fleet: every variant
// passes `kubectl apply -k ... --dry-run=server` on a fresh host, and the
// RBAC each grants is enough for the real syncer and webhook binaries
// running as local processes under the manifests' service accounts (tokens
// from the TokenRequest API, the identity a pod would have): the webhook
// rotates its certificate and admits, the syncer propagates and writes
// status, and neither logs a denial. This file installs such a control
// plane; the tests of this package (the base, with the `make demo` steps)
// and of ./namespaced (the namespaced overlay) use it.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

const (
	// KubeFedNamespace is the namespace of the manifests.
	KubeFedNamespace = core.DefaultKubeFedSystemNamespace
	// The service accounts of manifests/syncer and manifests/webhook/common.
	syncerServiceAccount  = "kubefed-syncer"
	webhookServiceAccount = "kubefed-admission-webhook"
)

// ControlPlane is a control plane installed on a fleet's host from one
// variant of manifests/, with the syncer and webhook as local processes.
type ControlPlane struct {
	// Root is the repository; Bin holds the built binaries; Logs holds the
	// processes' logs and kubeconfigs.
	Root, Bin, Logs string
	// DryRuns holds what `kubectl apply -k <variant> --dry-run=server` did
	// on the fresh host, by variant.
	DryRuns map[string]testkit.Result
	// SyncerLog and WebhookLog are the processes' logs.
	SyncerLog, WebhookLog string
	// SyncerMetrics is the URL of the syncer's /metrics (HTTPS, with
	// authentication and authorization, as the manifests serve it).
	SyncerMetrics string

	fleet     *fleet.Fleet
	processes []*fleet.Process
	// webhook is the running webhook process; webhookArgs and webhookURL
	// start it again.
	webhook     *fleet.Process
	webhookArgs []string
	webhookURL  string
}

// Install dry-runs the dryRuns variants on the fleet's fresh host, applies
// variant for real but for its webhook configurations (they name a Service
// no pod backs here; the same configurations by URL point at the local
// webhook instead), starts the webhook and the syncer with tokens of the
// manifests' service accounts, joins every member with `kubectl fed join`
// and enables types with `kubectl fed enable`, as the fleet's admin.
func Install(ctx context.Context, f *fleet.Fleet, variant string, dryRuns []string, types []string) (*ControlPlane, error) {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return nil, err
	}
	bin, err := fleet.BinDir()
	if err != nil {
		return nil, err
	}
	logs, err := os.MkdirTemp("", "deploy-test-logs-")
	if err != nil {
		return nil, err
	}
	cp := &ControlPlane{Root: root, Bin: bin, Logs: logs, fleet: f, DryRuns: map[string]testkit.Result{}}
	if err := cp.install(ctx, variant, dryRuns, types); err != nil {
		cp.Stop(true)
		return nil, err
	}
	return cp, nil
}

func (cp *ControlPlane) install(ctx context.Context, variant string, dryRuns []string, types []string) error {
	docs, err := Render(cp.Root, cp.Bin, variant)
	if err != nil {
		return err
	}
	// A dry run cannot create CRDs and then use them, nor create a namespace
	// and then objects in it; a real apply does so in one go. So the host
	// first gets exactly those, for real, as the first moments of an apply.
	if err := cp.applyDocs(filter(docs, "Namespace", "CustomResourceDefinition")); err != nil {
		return err
	}
	if err := cp.Kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"); err != nil {
		return err
	}
	if len(dryRuns) > 0 {
		if err := cp.Kubectl("apply", "-f", filepath.Join(cp.Root, "test", "deploy", "testdata", "cert-manager-crds.yaml")); err != nil {
			return err
		}
		if err := cp.Kubectl("wait", "--for=condition=Established", "crd/certificates.cert-manager.io", "crd/issuers.cert-manager.io", "--timeout=60s"); err != nil {
			return err
		}
	}
	for _, v := range dryRuns {
		cp.DryRuns[v] = run(cp.Bin, "kubectl", "--kubeconfig", cp.fleet.KubeconfigPath(), "apply", "-k", filepath.Join(cp.Root, v), "--dry-run=server")
	}

	if err := cp.applyDocs(filter(docs, "!ValidatingWebhookConfiguration", "!MutatingWebhookConfiguration")); err != nil {
		return err
	}
	namespaced := false
	for _, d := range filter(docs, "KubeFedConfig") {
		scope, _, _ := unstructured.NestedString(d, "spec", "scope")
		namespaced = scope == "Namespaced"
	}
	ports, err := fleet.FreePorts(3)
	if err != nil {
		return err
	}
	webhookURL := "https://127.0.0.1:" + strconv.Itoa(ports[0])
	configArgs := []string{"configurations", "--url", webhookURL}
	webhookArgs := []string{"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(ports[0]), "--cert-dir", filepath.Join(cp.Logs, "webhook-certs"),
		"--cert-rotation", "--cert-host", "127.0.0.1"}
	if namespaced {
		configArgs = append(configArgs, "--namespaced")
		webhookArgs = append(webhookArgs, "--namespaced")
	}
	configs := run(cp.Bin, "webhook", configArgs...)
	if configs.Err != nil {
		return fmt.Errorf("webhook configurations: %w\n%s", configs.Err, configs.Stderr)
	}
	if err := cp.applyInput(configs.Stdout); err != nil {
		return err
	}

	cp.WebhookLog = filepath.Join(cp.Logs, "webhook.log")
	cp.webhookArgs, cp.webhookURL = webhookArgs, webhookURL
	if err := cp.StartWebhook(ctx); err != nil {
		return err
	}
	cp.SyncerLog = filepath.Join(cp.Logs, "syncer.log")
	probes := "127.0.0.1:" + strconv.Itoa(ports[1])
	metrics := "127.0.0.1:" + strconv.Itoa(ports[2])
	cp.SyncerMetrics = "https://" + metrics + "/metrics"
	if _, err := cp.startAs(ctx, syncerServiceAccount, "syncer", cp.SyncerLog, "http://"+probes+"/readyz",
		"--leader-elect", "--metrics-bind-address", metrics, "--metrics-secure", "--health-probe-bind-address", probes, "--policy-status-interval", "1s"); err != nil {
		return err
	}

	for _, m := range cp.fleet.Members() {
		if r := cp.Fed("join", m.Name, "--cluster-context", m.Name); r.Err != nil {
			return fmt.Errorf("kubectl fed join %s: %w\n%s", m.Name, r.Err, r.Stderr)
		}
	}
	if r := cp.Fed(append([]string{"enable"}, types...)...); r.Err != nil {
		return fmt.Errorf("kubectl fed enable: %w\n%s", r.Err, r.Stderr)
	}
	return nil
}

// StartWebhook starts the webhook (again, after StopWebhook), appending to
// its log, and waits until it is ready.
func (cp *ControlPlane) StartWebhook(ctx context.Context) error {
	p, err := cp.startAs(ctx, webhookServiceAccount, "webhook", cp.WebhookLog, cp.webhookURL+"/readyz", cp.webhookArgs...)
	cp.webhook = p
	return err
}

// StopWebhook stops the webhook process; its configurations stay, so the
// API server's calls to it fail.
func (cp *ControlPlane) StopWebhook() {
	if cp.webhook != nil {
		cp.webhook.Stop()
	}
}

// Stop ends the processes and removes the logs unless keepLogs, in which
// case it names them on stderr.
func (cp *ControlPlane) Stop(keepLogs bool) {
	for _, p := range cp.processes {
		p.Stop()
	}
	if keepLogs {
		fmt.Fprintln(os.Stderr, "control-plane logs kept in", cp.Logs)
		return
	}
	_ = os.RemoveAll(cp.Logs)
}

// Render returns the documents `kubectl kustomize` builds from dir, a
// path relative to root.
func Render(root, bin, dir string) ([]map[string]any, error) {
	r := run(bin, "kubectl", "kustomize", filepath.Join(root, dir))
	if r.Err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w\n%s", dir, r.Err, r.Stderr)
	}
	var docs []map[string]any
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(r.Stdout)))
	for {
		raw, err := reader.Read()
		if err != nil {
			break
		}
		data, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("kubectl kustomize %s: %w", dir, err)
		}
		if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || string(trimmed) == "null" {
			continue
		}
		doc := &unstructured.Unstructured{} // integers stay int64, unlike with yaml.Unmarshal
		if err := doc.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("kubectl kustomize %s: %w", dir, err)
		}
		docs = append(docs, doc.Object)
	}
	return docs, nil
}

// filter keeps the documents of the listed kinds, or, with "!Kind"
// entries, all but those kinds.
func filter(docs []map[string]any, kinds ...string) []map[string]any {
	var out []map[string]any
	for _, d := range docs {
		kind, _ := d["kind"].(string)
		keep := strings.HasPrefix(kinds[0], "!")
		for _, k := range kinds {
			if k == kind {
				keep = true
			} else if k == "!"+kind {
				keep = false
			}
		}
		if keep {
			out = append(out, d)
		}
	}
	return out
}

func (cp *ControlPlane) applyDocs(docs []map[string]any) error {
	var buf bytes.Buffer
	for _, d := range docs {
		data, err := yaml.Marshal(d)
		if err != nil {
			return err
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	return cp.applyInput(buf.String())
}

func (cp *ControlPlane) applyInput(input string) error {
	cmd := exec.Command(filepath.Join(cp.Bin, "kubectl"), "--kubeconfig", cp.fleet.KubeconfigPath(), "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(input)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply: %w\n%s", err, out)
	}
	return nil
}

// Kubectl runs the pinned kubectl as the fleet's admin.
func (cp *ControlPlane) Kubectl(args ...string) error {
	r := run(cp.Bin, "kubectl", append([]string{"--kubeconfig", cp.fleet.KubeconfigPath()}, args...)...)
	if r.Err != nil {
		return fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), r.Err, r.Stderr)
	}
	return nil
}

// Fed runs `kubectl fed` as the fleet's admin (the user, not the control
// plane), through kubectl's plugin dispatch.
func (cp *ControlPlane) Fed(args ...string) testkit.Result {
	cmd := exec.Command(filepath.Join(cp.Bin, "kubectl"), append([]string{"fed"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cp.fleet.KubeconfigPath(), "PATH="+cp.Bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return collect(cmd)
}

// run runs a binary of bin.
func run(bin, name string, args ...string) testkit.Result {
	return collect(exec.Command(filepath.Join(bin, name), args...))
}

func collect(cmd *exec.Cmd) testkit.Result {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return testkit.Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// startAs starts a control-plane binary with a kubeconfig holding a token
// of the given service account of the KubeFed namespace, and waits until
// readyURL answers 200.
func (cp *ControlPlane) startAs(ctx context.Context, serviceAccount, binary, logPath, readyURL string, args ...string) (*fleet.Process, error) {
	kubeconfig, err := cp.serviceAccountKubeconfig(ctx, serviceAccount)
	if err != nil {
		return nil, err
	}
	p, err := fleet.StartProcess(binary, filepath.Join(cp.Bin, binary), append([]string{"--kubeconfig", kubeconfig, "--kubefed-namespace", KubeFedNamespace}, args...), logPath)
	if err != nil {
		return nil, err
	}
	cp.processes = append(cp.processes, p)
	return p, testkit.WaitReady(ctx, readyURL, nil, p)
}

// serviceAccountKubeconfig writes a kubeconfig for the host that
// authenticates as system:serviceaccount:<KubeFedNamespace>:<name>.
func (cp *ControlPlane) serviceAccountKubeconfig(ctx context.Context, name string) (string, error) {
	host := cp.fleet.Host()
	admin, err := kubernetes.NewForConfig(host.RESTConfig())
	if err != nil {
		return "", err
	}
	hours := int64(4 * 60 * 60)
	token, err := admin.CoreV1().ServiceAccounts(KubeFedNamespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &hours}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("a token for service account %s/%s (created by manifests/): %w", KubeFedNamespace, name, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["host"] = &clientcmdapi.Cluster{Server: host.Server, CertificateAuthorityData: host.CAData()}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: token.Status.Token}
	cfg.Contexts["host"] = &clientcmdapi.Context{Cluster: "host", AuthInfo: name}
	cfg.CurrentContext = "host"
	path := filepath.Join(cp.Logs, name+".kubeconfig")
	return path, clientcmd.WriteToFile(*cfg, path)
}

// NoDenials fails the test if a control-plane log shows a request the
// host's RBAC refused.
func NoDenials(t testing.TB, logPath string) {
	t.Helper()
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "is forbidden: User") { // the API server's RBAC denial
			t.Errorf("%s shows an RBAC denial; a rule is missing from manifests/:\n%s", filepath.Base(logPath), line)
		}
	}
}

// HostObject reads an object of the fleet's host with `kubectl get`.
func HostObject(t testing.TB, f *fleet.Fleet, args ...string) *unstructured.Unstructured {
	t.Helper()
	out := testkit.MustKubectl(t, f.KubeconfigPath(), append([]string{"get", "-o", "json"}, args...)...)
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON([]byte(out)); err != nil {
		t.Fatal(err)
	}
	return obj
}

// Holds is the result of a polled condition: done, or not yet and why.
func Holds(ok bool, format string, args ...any) (bool, error) {
	if ok {
		return true, nil
	}
	return false, fmt.Errorf(format, args...)
}

// HasCondition reports whether obj's status has the condition with status.
func HasCondition(obj *unstructured.Unstructured, conditionType, status string) bool {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		if m["type"] == conditionType && m["status"] == status {
			return true
		}
	}
	return false
}
