// Package deploy tests manifests/ against a real local fleet: every variant
// passes `kubectl apply -k ... --dry-run=server` on a fresh host, and the
// RBAC the base grants is enough for the real syncer and webhook binaries
// running as local processes under the manifests' service accounts (tokens
// from the TokenRequest API, the identity a pod would have): the webhook
// rotates its certificate and admits, the syncer propagates, writes status
// and runs the quickstart of `make demo`, and neither logs a denial.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	kubefedNamespace = core.DefaultKubeFedSystemNamespace
	// The service accounts of manifests/syncer and manifests/webhook/common.
	syncerServiceAccount  = "kubefed-syncer"
	webhookServiceAccount = "kubefed-admission-webhook"
)

// variants are the kustomizations a user applies.
var variants = []string{"manifests", "manifests/overlays/namespaced", "manifests/overlays/cert-manager"}

var (
	shared *fleet.Fleet
	// processes are the syncer and webhook, stopped after the tests.
	processes []*fleet.Process
	// control is what setUp prepared.
	control struct {
		root, bin, logs string
		// dryRuns holds the output of `kubectl apply -k <variant>
		// --dry-run=server` on the fresh host, and its error.
		dryRuns map[string]testkit.Result
		// syncerLog and webhookLog are the processes' logs.
		syncerLog, webhookLog string
		err                   error
	}
	setUpDone bool
)

func TestMain(m *testing.M) {
	code := fleet.RunTests(m, fleet.Options{Clusters: fleet.ClusterNames(2)}, &shared)
	for _, p := range processes {
		p.Stop()
	}
	if control.logs != "" {
		if code == 0 {
			_ = os.RemoveAll(control.logs)
		} else {
			fmt.Fprintln(os.Stderr, "control-plane logs kept in", control.logs)
		}
	}
	os.Exit(code)
}

// setUp prepares the host once per test binary, in the order a real
// install happens: dry-runs on the fresh host, the manifests applied, then
// the webhook and syncer under their service accounts, and the members
// joined by a user with `kubectl fed join`.
func setUp(t *testing.T) {
	t.Helper()
	if !setUpDone {
		setUpDone = true
		control.err = prepare(context.Background())
	}
	if control.err != nil {
		t.Fatalf("setting up the control plane from manifests/: %v", control.err)
	}
}

func prepare(ctx context.Context) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	bin, err := fleet.BinDir()
	if err != nil {
		return err
	}
	logs, err := os.MkdirTemp("", "deploy-test-logs-")
	if err != nil {
		return err
	}
	control.root, control.bin, control.logs = root, bin, logs
	docs, err := render(root, bin, "manifests")
	if err != nil {
		return err
	}
	// A dry run cannot create CRDs and then use them, nor create a namespace
	// and then objects in it; a real apply does so in one go. So the host
	// first gets exactly those, for real, as the first moments of an apply.
	if err := applyDocs(bin, filter(docs, "Namespace", "CustomResourceDefinition")); err != nil {
		return err
	}
	if err := kubectl(bin, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"); err != nil {
		return err
	}
	if err := kubectl(bin, "apply", "-f", filepath.Join(root, "test", "deploy", "testdata", "cert-manager-crds.yaml")); err != nil {
		return err
	}
	if err := kubectl(bin, "wait", "--for=condition=Established", "crd/certificates.cert-manager.io", "crd/issuers.cert-manager.io", "--timeout=60s"); err != nil {
		return err
	}
	control.dryRuns = map[string]testkit.Result{}
	for _, v := range variants {
		control.dryRuns[v] = run(bin, "kubectl", "--kubeconfig", shared.KubeconfigPath(), "apply", "-k", filepath.Join(root, v), "--dry-run=server")
	}

	// Everything for real but the webhook configurations, which name a
	// Service no pod backs here: the webhook runs as a local process, so its
	// configurations (same names, same rules) point at it by URL.
	if err := applyDocs(bin, filter(docs, "!ValidatingWebhookConfiguration", "!MutatingWebhookConfiguration")); err != nil {
		return err
	}
	ports, err := fleet.FreePorts(2)
	if err != nil {
		return err
	}
	webhookURL := "https://127.0.0.1:" + strconv.Itoa(ports[0])
	configs := run(bin, "webhook", "configurations", "--url", webhookURL)
	if configs.Err != nil {
		return fmt.Errorf("webhook configurations: %w\n%s", configs.Err, configs.Stderr)
	}
	if err := applyInput(bin, configs.Stdout); err != nil {
		return err
	}

	control.webhookLog = filepath.Join(logs, "webhook.log")
	if err := startAs(ctx, webhookServiceAccount, "webhook", control.webhookLog, webhookURL+"/readyz",
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(ports[0]), "--cert-dir", filepath.Join(logs, "webhook-certs"),
		"--cert-rotation", "--cert-host", "127.0.0.1", "--policy-status-interval", "1s"); err != nil {
		return err
	}
	control.syncerLog = filepath.Join(logs, "syncer.log")
	probes := "127.0.0.1:" + strconv.Itoa(ports[1])
	if err := startAs(ctx, syncerServiceAccount, "syncer", control.syncerLog, "http://"+probes+"/readyz",
		"--leader-elect", "--metrics-bind-address", "0", "--health-probe-bind-address", probes); err != nil {
		return err
	}

	for _, m := range shared.Members() {
		if r := fed(bin, "join", m.Name, "--cluster-context", m.Name); r.Err != nil {
			return fmt.Errorf("kubectl fed join %s: %w\n%s", m.Name, r.Err, r.Stderr)
		}
	}
	if r := fed(bin, "enable", "namespaces", "configmaps", "secrets", "deployments.apps"); r.Err != nil {
		return fmt.Errorf("kubectl fed enable: %w\n%s", r.Err, r.Stderr)
	}
	return nil
}

// render returns the documents `kubectl kustomize` builds from dir.
func render(root, bin, dir string) ([]map[string]any, error) {
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

func applyDocs(bin string, docs []map[string]any) error {
	var buf bytes.Buffer
	for _, d := range docs {
		data, err := yaml.Marshal(d)
		if err != nil {
			return err
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	return applyInput(bin, buf.String())
}

func applyInput(bin, input string) error {
	cmd := exec.Command(filepath.Join(bin, "kubectl"), "--kubeconfig", shared.KubeconfigPath(), "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(input)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply: %w\n%s", err, out)
	}
	return nil
}

// kubectl runs the pinned kubectl as the fleet's admin.
func kubectl(bin string, args ...string) error {
	r := run(bin, "kubectl", append([]string{"--kubeconfig", shared.KubeconfigPath()}, args...)...)
	if r.Err != nil {
		return fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), r.Err, r.Stderr)
	}
	return nil
}

// fed runs `kubectl fed` as the fleet's admin (the user, not the control plane).
func fed(bin string, args ...string) testkit.Result {
	cmd := exec.Command(filepath.Join(bin, "kubectl"), append([]string{"fed"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+shared.KubeconfigPath(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
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
func startAs(ctx context.Context, serviceAccount, binary, logPath, readyURL string, args ...string) error {
	kubeconfig, err := serviceAccountKubeconfig(ctx, serviceAccount)
	if err != nil {
		return err
	}
	p, err := fleet.StartProcess(binary, filepath.Join(control.bin, binary), append([]string{"--kubeconfig", kubeconfig, "--kubefed-namespace", kubefedNamespace}, args...), logPath)
	if err != nil {
		return err
	}
	processes = append(processes, p)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		// Only the probe skips verification; the API server verifies the
		// rotated certificate against the caBundle the webhook patched in.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // readiness probe of a local process
	}}
	return testkit.Poll(ctx, 2*time.Minute, func(context.Context) (bool, error) {
		if p.Exited() {
			out, _ := os.ReadFile(logPath)
			return false, fmt.Errorf("%s exited:\n%s", binary, lastLines(string(out), 20))
		}
		resp, err := client.Get(readyURL)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("%s answered %s", readyURL, resp.Status)
		}
		return true, nil
	})
}

// serviceAccountKubeconfig writes a kubeconfig for the host that
// authenticates as system:serviceaccount:<kubefed namespace>:<name>.
func serviceAccountKubeconfig(ctx context.Context, name string) (string, error) {
	host := shared.Host()
	admin, err := kubernetes.NewForConfig(host.RESTConfig())
	if err != nil {
		return "", err
	}
	hours := int64(4 * 60 * 60)
	token, err := admin.CoreV1().ServiceAccounts(kubefedNamespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &hours}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("a token for service account %s/%s (created by manifests/): %w", kubefedNamespace, name, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["host"] = &clientcmdapi.Cluster{Server: host.Server, CertificateAuthorityData: host.CAData()}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: token.Status.Token}
	cfg.Contexts["host"] = &clientcmdapi.Context{Cluster: "host", AuthInfo: name}
	cfg.CurrentContext = "host"
	path := filepath.Join(control.logs, name+".kubeconfig")
	return path, clientcmd.WriteToFile(*cfg, path)
}

// noDenials fails the test if a control-plane log shows a request the
// host's RBAC refused.
func noDenials(t *testing.T, logPath string) {
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

// get reads an object of the host as unstructured.
func getHost(t *testing.T, args ...string) *unstructured.Unstructured {
	t.Helper()
	out := testkit.MustKubectl(t, shared.KubeconfigPath(), append([]string{"get", "-o", "json"}, args...)...)
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON([]byte(out)); err != nil {
		t.Fatal(err)
	}
	return obj
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func repositoryRoot(t *testing.T) string {
	t.Helper()
	root, err := fleet.RepositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func binDir(t *testing.T) string {
	t.Helper()
	bin, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// writeTemp writes a manifest to a file of the test's temporary directory.
func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
