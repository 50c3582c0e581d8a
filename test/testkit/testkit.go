// Package testkit holds the helpers that tests against a real fleet share:
// polling with a deadline, throw-away namespaces, CRD installation, reading
// manifests and running the pinned kubectl.
package testkit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// WaitTimeout bounds every wait for an API server or controller to act.
const WaitTimeout = 60 * time.Second

// PollInterval is how often Eventually checks its condition.
const PollInterval = 100 * time.Millisecond

// Eventually polls condition until it returns true, failing the test with
// the last error if WaitTimeout passes first.
func Eventually(t testing.TB, what string, condition func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := Poll(context.Background(), WaitTimeout, condition); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// Poll calls condition every PollInterval until it returns true, or returns
// an error naming the timeout and the condition's last error.
func Poll(ctx context.Context, timeout time.Duration, condition func(ctx context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error
	for {
		done, err := condition(ctx)
		if done && err == nil {
			return nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out after %s (last error: %v)", timeout, lastErr)
		case <-time.After(PollInterval):
		}
	}
}

// Clientset returns a typed client for cfg, failing the test on error.
func Clientset(t testing.TB, cfg *rest.Config) *kubernetes.Clientset {
	t.Helper()
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Client returns a controller-runtime client of the cluster at cfg that
// knows every KubeFed kind (the project's one scheme).
func Client(t testing.TB, cfg *rest.Config) client.Client {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: kubeFedScheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CreateNamespace creates a namespace with a generated name and deletes it
// when the test ends.
func CreateNamespace(t testing.TB, client kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// LoadCRDs reads every CRD manifest in dir (strictly: a misspelt field fails).
func LoadCRDs(dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRD manifests in %s: run make generate", dir)
	}
	crds := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}

// InstallCRDs creates the CRDs (or updates existing ones) and waits until
// the API server serves each of them.
func InstallCRDs(ctx context.Context, cfg *rest.Config, crds ...*apiextensionsv1.CustomResourceDefinition) error {
	client, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	crdClient := client.ApiextensionsV1().CustomResourceDefinitions()
	for _, crd := range crds {
		_, err := crdClient.Create(ctx, crd, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			var existing *apiextensionsv1.CustomResourceDefinition
			if existing, err = crdClient.Get(ctx, crd.Name, metav1.GetOptions{}); err == nil {
				update := crd.DeepCopy()
				update.ResourceVersion = existing.ResourceVersion
				_, err = crdClient.Update(ctx, update, metav1.UpdateOptions{})
			}
		}
		if err != nil {
			return fmt.Errorf("installing CRD %s: %w", crd.Name, err)
		}
	}
	for _, crd := range crds {
		err := Poll(ctx, WaitTimeout, func(ctx context.Context) (bool, error) {
			got, err := crdClient.Get(ctx, crd.Name, metav1.GetOptions{})
			return err == nil && Established(got), err
		})
		if err != nil {
			return fmt.Errorf("CRD %s is not established: %w", crd.Name, err)
		}
	}
	return nil
}

// Established reports whether the API server serves the CRD.
func Established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

// ReadManifest reads a one-object YAML file. Integers decode as int64, as
// they do in objects read from an API server.
func ReadManifest(t testing.TB, path string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	jsonData, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(jsonData); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

// Result is what a command printed and how it ended.
type Result struct {
	Stdout, Stderr string
	Err            error // nil when the exit code was 0
}

// Kubectl runs the pinned kubectl with the given kubeconfig and arguments,
// and extra environment entries (e.g. a PATH holding kubectl-fed).
func Kubectl(t testing.TB, kubeconfig string, env []string, args ...string) Result {
	t.Helper()
	return KubectlEnv(t, env, append([]string{"--kubeconfig", kubeconfig}, args...)...)
}

// KubectlEnv runs the pinned kubectl with the given arguments and extra
// environment entries, and no --kubeconfig flag: kubectl refuses flags
// before a plugin's name, so plugin runs (`kubectl fed ...`) pass
// KUBECONFIG in env instead.
func KubectlEnv(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	dir, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "kubectl"), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// MustKubectl is Kubectl that fails the test unless kubectl exits 0, and
// returns its standard output.
func MustKubectl(t testing.TB, kubeconfig string, args ...string) string {
	t.Helper()
	r := Kubectl(t, kubeconfig, nil, args...)
	if r.Err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), r.Err, r.Stdout, r.Stderr)
	}
	return r.Stdout
}
