package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// TestFederate federates objects of the host cluster and files, and checks
// the federated objects' templates and placements and the errors.
func TestFederate(t *testing.T) {
	host := hostClient(t)
	ctx := context.Background()
	ns := testkit.CreateNamespace(t, testkit.Clientset(t, shared.Host().RESTConfig()), "fed-")
	mustFed(t, "enable", "configmaps", "deployments.apps", "namespaces")

	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-config", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"note": "x"}},
		Data:       map[string]string{"color": "blue"},
	}
	replicas := int32(3)
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, obj := range []client.Object{cm, deploy, svc} {
		if err := host.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a ConfigMap goes to every cluster by default", func(t *testing.T) {
		r := fed(t, "federate", "configmap", "web-config", "-n", ns)
		if r.Err != nil {
			t.Fatalf("%v\n%s", r.Err, r.Stderr)
		}
		if !strings.Contains(r.Stdout, "federatedconfigmap.types.kubefed.io/web-config created") {
			t.Errorf("output:\n%s", r.Stdout)
		}
		if strings.Contains(r.Stderr, "annotation") {
			t.Errorf("a warning about a user annotation, which is copied:\n%s", r.Stderr)
		}
		fcm := getFederated(t, host, "FederatedConfigMap", ns, "web-config")
		if got, _, _ := unstructured.NestedString(fcm.Object, "spec", "template", "data", "color"); got != "blue" {
			t.Errorf("template data color = %q", got)
		}
		if got, _, _ := unstructured.NestedStringMap(fcm.Object, "spec", "template", "metadata", "labels"); got["app"] != "web" {
			t.Errorf("template labels = %v", got)
		}
		if got, _, _ := unstructured.NestedStringMap(fcm.Object, "spec", "template", "metadata", "annotations"); got["note"] != "x" || len(got) != 1 {
			t.Errorf("template annotations = %v, want the user's note only", got)
		}
		sel, found, _ := unstructured.NestedMap(fcm.Object, "spec", "placement", "clusterSelector")
		if !found || len(sel) > 1 {
			t.Errorf("placement = %v, want an empty clusterSelector (all clusters)", fcm.Object["spec"].(map[string]any)["placement"])
		}
	})

	t.Run("federate applies: unchanged, configured, placement kept, server dry run", func(t *testing.T) {
		ref := "federatedconfigmap.types.kubefed.io/web-config"
		if out := mustFed(t, "federate", "configmap", "web-config", "-n", ns); strings.TrimSpace(out) != ref+" unchanged" {
			t.Errorf("a second federate printed %q, want unchanged", out)
		}
		before := getFederated(t, host, "FederatedConfigMap", ns, "web-config")
		overrides := []any{map[string]any{"clusterName": "member1", "clusterOverrides": []any{map[string]any{"path": "/data/color", "value": "red"}}}}
		if err := unstructured.SetNestedSlice(before.Object, overrides, "spec", "overrides"); err != nil {
			t.Fatal(err)
		}
		if err := host.Update(ctx, before); err != nil {
			t.Fatal(err)
		}
		cm.Data["color"] = "green"
		if err := host.Update(ctx, cm); err != nil {
			t.Fatal(err)
		}
		if out := mustFed(t, "federate", "configmap", "web-config", "-n", ns, "--dry-run=server"); strings.TrimSpace(out) != ref+" configured (server dry run)" {
			t.Errorf("federate --dry-run=server printed %q", out)
		}
		if out := mustFed(t, "federate", "configmap", "web-config", "-n", ns, "--dry-run"); strings.TrimSpace(out) != ref+" configured (dry run)" {
			t.Errorf("federate --dry-run printed %q", out)
		}
		if got, _, _ := unstructured.NestedString(getFederated(t, host, "FederatedConfigMap", ns, "web-config").Object, "spec", "template", "data", "color"); got != "blue" {
			t.Errorf("a dry run changed the template: color = %q", got)
		}
		if out := mustFed(t, "federate", "configmap", "web-config", "-n", ns); strings.TrimSpace(out) != ref+" configured" {
			t.Errorf("federate after a change printed %q, want configured", out)
		}
		after := getFederated(t, host, "FederatedConfigMap", ns, "web-config")
		if got, _, _ := unstructured.NestedString(after.Object, "spec", "template", "data", "color"); got != "green" {
			t.Errorf("template color = %q, want green", got)
		}
		if got, _, _ := unstructured.NestedSlice(after.Object, "spec", "overrides"); len(got) != 1 {
			t.Errorf("overrides = %v, want them kept", got)
		}
		if _, found, _ := unstructured.NestedMap(after.Object, "spec", "placement", "clusterSelector"); !found {
			t.Errorf("placement = %v, want it kept", after.Object["spec"].(map[string]any)["placement"])
		}
	})

	t.Run("a Deployment to named clusters", func(t *testing.T) {
		mustFed(t, "federate", "deploy", "web", "-n", ns, "--clusters", "member1,member2")
		fd := getFederated(t, host, "FederatedDeployment", ns, "web")
		clusters, _, _ := unstructured.NestedSlice(fd.Object, "spec", "placement", "clusters")
		if len(clusters) != 2 || clusters[0].(map[string]any)["name"] != "member1" {
			t.Errorf("placement clusters = %v", clusters)
		}
		if got, _, _ := unstructured.NestedInt64(fd.Object, "spec", "template", "spec", "replicas"); got != 3 {
			t.Errorf("template replicas = %d", got)
		}
	})

	t.Run("a Service with --enable-type loses its allocated IPs and ports", func(t *testing.T) {
		out := mustFed(t, "federate", "service", "web", "-n", ns, "--enable-type")
		if !strings.Contains(out, "federatedtypeconfig.core.kubefed.io/services created") || !strings.Contains(out, "federatedservice.types.kubefed.io/web created") {
			t.Errorf("output:\n%s", out)
		}
		fs := getFederated(t, host, "FederatedService", ns, "web")
		spec, _, _ := unstructured.NestedMap(fs.Object, "spec", "template", "spec")
		for _, field := range []string{"clusterIP", "clusterIPs"} {
			if _, ok := spec[field]; ok {
				t.Errorf("template kept spec.%s", field)
			}
		}
		port := spec["ports"].([]any)[0].(map[string]any)
		if _, ok := port["nodePort"]; ok || port["port"] != int64(80) {
			t.Errorf("template port = %v", port)
		}
	})

	t.Run("a namespace with its contents", func(t *testing.T) {
		if err := host.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "more-config"}}); err != nil {
			t.Fatal(err)
		}
		r := fed(t, "federate", "namespace", ns, "--contents", "--cluster-selector", "env=prod", "--skip-api-resources", "services,apps")
		if r.Err != nil {
			t.Fatalf("%v\n%s", r.Err, r.Stderr)
		}
		out := r.Stdout
		// web-config was federated before: --cluster-selector replaces its placement.
		for _, want := range []string{"federatednamespace.types.kubefed.io/" + ns + " created", "federatedconfigmap.types.kubefed.io/more-config created", "federatedconfigmap.types.kubefed.io/web-config configured"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		fns := getFederated(t, host, "FederatedNamespace", ns, ns)
		if got, _, _ := unstructured.NestedStringMap(fns.Object, "spec", "placement", "clusterSelector", "matchLabels"); got["env"] != "prod" {
			t.Errorf("placement = %v", fns.Object["spec"].(map[string]any)["placement"])
		}
		if _, found, _ := unstructured.NestedFieldNoCopy(fns.Object, "spec", "template", "spec", "finalizers"); found {
			t.Error("the namespace template kept spec.finalizers")
		}
		for _, skipped := range []string{"kube-root-ca.crt", "default"} {
			if strings.Contains(out, "/"+skipped+" created") {
				t.Errorf("--contents federated %s, which every cluster makes itself:\n%s", skipped, out)
			}
		}
	})

	t.Run("a Pod and a Job lose what the cluster assigned; annotations", func(t *testing.T) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bare", Annotations: map[string]string{
				"team": "a", "kubectl.kubernetes.io/last-applied-configuration": "{}", "kubefed.io/orphan": "true"}},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}
		// The ServiceAccount admission plugin injects the token volume once
		// the namespace's default ServiceAccount exists.
		testkit.Eventually(t, "the pod's creation", func(ctx context.Context) (bool, error) {
			return host.Create(ctx, pod.DeepCopy()) == nil, nil
		})
		r := fed(t, "federate", "pod", "bare", "-n", ns, "-o", "yaml")
		if r.Err != nil {
			t.Fatalf("%v\n%s", r.Err, r.Stderr)
		}
		for _, unwanted := range []string{"nodeName", "kube-api-access-", "last-applied-configuration"} {
			if strings.Contains(r.Stdout, unwanted) {
				t.Errorf("the federated pod keeps %s:\n%s", unwanted, r.Stdout)
			}
		}
		if !strings.Contains(r.Stdout, "team: a") {
			t.Errorf("the user annotation was not copied:\n%s", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "kubefed.io/orphan") || strings.Contains(r.Stderr, "last-applied-configuration") {
			t.Errorf("want a warning for kubefed.io/orphan only:\n%s", r.Stderr)
		}

		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "once"},
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "once"}},
				Spec:       corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			}},
		}
		if err := host.Create(ctx, job); err != nil {
			t.Fatal(err)
		}
		out := mustFed(t, "federate", "job", "once", "-n", ns, "-o", "yaml")
		for _, unwanted := range []string{"controller-uid", "job-name", "selector:"} {
			if strings.Contains(out, unwanted) {
				t.Errorf("the federated job keeps %s:\n%s", unwanted, out)
			}
		}
		if !strings.Contains(out, "app: once") {
			t.Errorf("the job's own label is gone:\n%s", out)
		}
	})

	t.Run("files and standard input, several documents", func(t *testing.T) {
		input := `apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: shop}
data: {k: v}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
`
		out := federateStdin(t, input)
		for _, want := range []string{"kind: FederatedConfigMap", "namespace: shop", "kind: FederatedClusterRole", "name: reader", "apiVersion: types.kubefed.io/v1beta1"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Count(out, "---\n") != 2 {
			t.Errorf("want two YAML documents:\n%s", out)
		}
	})

	t.Run("errors", func(t *testing.T) {
		mustFail(t, fed(t, "federate", "configmap", "nope", "-n", ns), `configmaps "nope" not found in namespace "`+ns+`"`)
		if err := host.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sa1"}}); err != nil {
			t.Fatal(err)
		}
		mustFail(t, fed(t, "federate", "serviceaccount", "sa1", "-n", ns), `federatedtypeconfigs.core.kubefed.io "serviceaccounts" not found`, "Consider using '--enable-type'")
		// A dry run fails as the real run does (issue 14: faithful previews) and changes nothing.
		mustFail(t, fed(t, "federate", "serviceaccount", "sa1", "-n", ns, "--dry-run"), `federatedtypeconfigs.core.kubefed.io "serviceaccounts" not found`, "Consider using '--enable-type'")
		assertGone(t, host, &corev1beta1.FederatedTypeConfig{}, kubefedNS, "serviceaccounts")
		mustFail(t, fed(t, "federate", "configmap", "web-config", "-n", ns, "--contents"), "Flag '--contents' can only be used with type 'namespaces'.")
		mustFail(t, fed(t, "federate", "configmap", "web-config", "-n", ns, "-t", "-o", "yaml"), "Flag '--enable-type' cannot be used with '--output [yaml]'")
		mustFail(t, fed(t, "federate", "federatedtypeconfigs", "configmaps", "-n", kubefedNS), "federatedtypeconfigs.core.kubefed.io cannot be federated: it configures the federation itself")
		rsp := "apiVersion: scheduling.kubefed.io/v1alpha1\nkind: ReplicaSchedulingPreference\nmetadata: {name: web, namespace: shop}\nspec: {targetKind: FederatedDeployment, totalReplicas: 3}\n"
		mustFail(t, federateStdinResult(t, rsp), `ReplicaSchedulingPreference "web" cannot be federated: a ReplicaSchedulingPreference schedules federated objects on the host`)
		mustFail(t, fed(t, "federate"), "TYPE-NAME is required")
		mustFail(t, fed(t, "federate", "configmap"), "RESOURCE-NAME is required")
		mustFail(t, fed(t, "federate", "configmap", "x", "--clusters", "a", "--cluster-selector", "b=c"), "cannot be used together")
	})
}

// getFederated reads a federated object from the host.
func getFederated(t *testing.T, host client.Client, kind, ns, name string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("types.kubefed.io/v1beta1")
	obj.SetKind(kind)
	mustGet(t, host, obj, ns, name)
	return obj
}

// federateStdin runs `kubectl fed federate -f - -o yaml` with input on
// standard input and returns its output.
func federateStdin(t *testing.T, input string) string {
	t.Helper()
	r := federateStdinResult(t, input)
	if r.Err != nil {
		t.Fatalf("kubectl fed federate -f -: %v\n%s", r.Err, r.Stderr)
	}
	return r.Stdout
}

// federateStdinResult runs `kubectl fed federate -f - -o yaml` with input
// on standard input.
func federateStdinResult(t *testing.T, input string) testkit.Result {
	t.Helper()
	bin, err := fleet.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "kubectl"), "fed", "federate", "-f", "-", "-o", "yaml")
	cmd.Env = append(os.Environ(), pluginEnv(t, shared.KubeconfigPath())...)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return testkit.Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}
