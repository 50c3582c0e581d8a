package federate

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
)

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

var allClusters = map[string]any{"clusterSelector": map[string]any{"matchLabels": map[string]any{}}}

func TestFederatedObject(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		want     string
		warnings int
	}{{
		name: "deployment without namespace (KubeFed's unit test)",
		in: `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, uid: u, resourceVersion: "1", labels: {app: web}},
		      spec: {replicas: 2}, status: {readyReplicas: 1}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedDeployment, metadata: {name: web},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {metadata: {labels: {app: web}}, spec: {replicas: 2}}}}`,
	}, {
		name: "namespace kept; user annotations copied, controller-owned ones skipped silently",
		in: `{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: ns,
		      annotations: {a: b, kubectl.kubernetes.io/last-applied-configuration: "{}", deployment.kubernetes.io/revision: "2"}}, data: {k: v}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedConfigMap, metadata: {name: c, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {metadata: {annotations: {a: b}}, data: {k: v}}}}`,
	}, {
		name: "annotations the cluster or the federation sets are dropped with a warning",
		in:   `{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: ns, annotations: {kubefed.io/orphan: "true", pv.kubernetes.io/bound-by-controller: "yes"}}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedConfigMap, metadata: {name: c, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {}}}`,
		warnings: 1,
	}, {
		name: "a pod loses its node and the injected token volume and mounts",
		in: `{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: ns}, spec: {nodeName: n1,
		      volumes: [{name: data, emptyDir: {}}, {name: kube-api-access-x7k2p, projected: {sources: []}}],
		      initContainers: [{name: i, image: busybox, volumeMounts: [{name: kube-api-access-x7k2p, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]}],
		      containers: [{name: c, image: nginx, volumeMounts: [{name: data, mountPath: /data}, {name: kube-api-access-x7k2p, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]}]}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedPod, metadata: {name: p, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {spec: {volumes: [{name: data, emptyDir: {}}],
		          initContainers: [{name: i, image: busybox}],
		          containers: [{name: c, image: nginx, volumeMounts: [{name: data, mountPath: /data}]}]}}}}`,
	}, {
		name: "a job loses its generated selector and labels",
		in: `{apiVersion: batch/v1, kind: Job, metadata: {name: j, namespace: ns, labels: {app: x, controller-uid: u1, job-name: j}},
		      spec: {selector: {matchLabels: {batch.kubernetes.io/controller-uid: u1}},
		             template: {metadata: {labels: {app: x, controller-uid: u1, batch.kubernetes.io/controller-uid: u1, job-name: j, batch.kubernetes.io/job-name: j}},
		                        spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedJob, metadata: {name: j, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {metadata: {labels: {app: x}},
		          spec: {template: {metadata: {labels: {app: x}}, spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}}}`,
	}, {
		name: "a job with a manual selector keeps it",
		in: `{apiVersion: batch/v1, kind: Job, metadata: {name: j, namespace: ns},
		      spec: {manualSelector: true, selector: {matchLabels: {job-name: mine}}, template: {metadata: {labels: {job-name: mine}}}}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedJob, metadata: {name: j, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {
		          spec: {manualSelector: true, selector: {matchLabels: {job-name: mine}}, template: {metadata: {labels: {job-name: mine}}}}}}}`,
	}, {
		name: "service loses its allocated IPs and ports",
		in: `{apiVersion: v1, kind: Service, metadata: {name: s, namespace: ns},
		      spec: {type: LoadBalancer, clusterIP: 10.0.0.1, clusterIPs: [10.0.0.1], healthCheckNodePort: 30001,
		             ports: [{port: 80, nodePort: 30000}]}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedService, metadata: {name: s, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {spec: {type: LoadBalancer, ports: [{port: 80}]}}}}`,
	}, {
		name: "a headless service stays headless",
		in:   `{apiVersion: v1, kind: Service, metadata: {name: s, namespace: ns}, spec: {clusterIP: None, clusterIPs: [None]}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedService, metadata: {name: s, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {spec: {clusterIP: None, clusterIPs: [None]}}}}`,
	}, {
		name: "service account loses its secrets",
		in:   `{apiVersion: v1, kind: ServiceAccount, metadata: {name: sa, namespace: ns}, secrets: [{name: t}], automountServiceAccountToken: false}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedServiceAccount, metadata: {name: sa, namespace: ns},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {automountServiceAccountToken: false}}}`,
	}, {
		name: "a namespace lives in itself and loses its finalizers",
		in:   `{apiVersion: v1, kind: Namespace, metadata: {name: shop, labels: {team: a}}, spec: {finalizers: [kubernetes]}, status: {phase: Active}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedNamespace, metadata: {name: shop, namespace: shop},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {metadata: {labels: {team: a}}, spec: {}}}}`,
	}, {
		name: "a non-core Service is left alone",
		in:   `{apiVersion: example.com/v1, kind: Service, metadata: {name: s}, spec: {clusterIP: x}}`,
		want: `{apiVersion: types.kubefed.io/v1beta1, kind: FederatedService, metadata: {name: s},
		        spec: {placement: {clusterSelector: {matchLabels: {}}}, template: {spec: {clusterIP: x}}}}`,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := obj(t, c.in)
			before := in.DeepCopy()
			got, warnings, err := FederatedObject(in, DefaultFederatedGVK(in.GetKind()), allClusters)
			if err != nil {
				t.Fatal(err)
			}
			want := obj(t, c.want)
			if !reflect.DeepEqual(got.Object, want.Object) {
				g, _ := yaml.Marshal(got.Object)
				w, _ := yaml.Marshal(want.Object)
				t.Errorf("got:\n%s\nwant:\n%s", g, w)
			}
			if len(warnings) != c.warnings {
				t.Errorf("warnings = %v, want %d", warnings, c.warnings)
			}
			if !reflect.DeepEqual(in, before) {
				t.Error("FederatedObject modified its input")
			}
		})
	}
}

func TestFederatedObjectRefusesTheFederationsOwnKinds(t *testing.T) {
	for _, y := range []string{
		`{apiVersion: scheduling.kubefed.io/v1alpha1, kind: ReplicaSchedulingPreference, metadata: {name: web, namespace: ns}}`,
		`{apiVersion: core.kubefed.io/v1beta1, kind: FederatedTypeConfig, metadata: {name: configmaps, namespace: kube-federation-system}}`,
		`{apiVersion: types.kubefed.io/v1beta1, kind: FederatedConfigMap, metadata: {name: c, namespace: ns}}`,
		`{apiVersion: policy.kubefed.io/v1alpha1, kind: FederationPolicy, metadata: {name: p, namespace: ns}}`,
	} {
		in := obj(t, y)
		if _, _, err := FederatedObject(in, DefaultFederatedGVK(in.GetKind()), allClusters); err == nil || !strings.Contains(err.Error(), "cannot be federated: ") {
			t.Errorf("%s: error = %v", in.GetKind(), err)
		}
	}
}

func TestTemplateAnnotations(t *testing.T) {
	kept, dropped := TemplateAnnotations(map[string]string{
		"team": "a", "example.com/owner": "b",
		"kubectl.kubernetes.io/last-applied-configuration": "{}", "deployment.kubernetes.io/revision": "3",
		"kubefed.io/orphan": "true", "volume.kubernetes.io/selected-node": "n1",
	})
	if !reflect.DeepEqual(kept, map[string]string{"team": "a", "example.com/owner": "b"}) {
		t.Errorf("kept = %v", kept)
	}
	if strings.Join(dropped, ",") != "kubefed.io/orphan,volume.kubernetes.io/selected-node" {
		t.Errorf("dropped = %v", dropped)
	}
}

func TestPlacement(t *testing.T) {
	cases := []struct {
		name     string
		clusters []string
		selector string
		want     string
		wantErr  string
	}{
		{name: "default is every cluster", want: `{clusterSelector: {matchLabels: {}}}`},
		{name: "clusters", clusters: []string{"a", "b"}, want: `{clusters: [{name: a}, {name: b}]}`},
		{name: "equality selector", selector: "env=prod,team=web", want: `{clusterSelector: {matchLabels: {env: prod, team: web}}}`},
		{name: "set selector", selector: "env in (prod)",
			want: `{clusterSelector: {matchExpressions: [{key: env, operator: In, values: [prod]}]}}`},
		{name: "both", clusters: []string{"a"}, selector: "env=prod", wantErr: "cannot be used together"},
		{name: "bad cluster", clusters: []string{"A_b"}, wantErr: `invalid cluster name "A_b"`},
		{name: "bad selector", selector: "env in prod", wantErr: "invalid --cluster-selector"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Placement(c.clusters, c.selector)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := obj(t, c.want).Object; !reflect.DeepEqual(got, want) {
				t.Errorf("Placement = %v, want %v", got, want)
			}
		})
	}
}

func TestReadObjects(t *testing.T) {
	in := `
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
- {apiVersion: v1, kind: Secret, metadata: {name: c}}
---
{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "d"}}
`
	objs, err := ReadObjects(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.GetKind()+"/"+o.GetName())
	}
	if strings.Join(names, ",") != "ConfigMap/a,Secret/b,Secret/c,ServiceAccount/d" {
		t.Errorf("objects = %v", names)
	}
	if _, err := ReadObjects(strings.NewReader("kind: ConfigMap\nmetadata: {name: a}\n")); err == nil || !strings.Contains(err.Error(), "document 1: apiVersion, kind and metadata.name are required") {
		t.Errorf("missing apiVersion: %v", err)
	}
	if _, err := ReadObjects(strings.NewReader("a: [\n")); err == nil {
		t.Error("broken YAML accepted")
	}
}

func TestSkipContent(t *testing.T) {
	res := func(group, plural, kind string, namespaced bool) apiresource.Resource {
		return apiresource.Resource{Group: group, Plural: plural, Kind: kind, Singular: strings.ToLower(kind), Namespaced: namespaced, Verbs: []string{"get", "list"}}
	}
	typeCases := []struct {
		r    apiresource.Resource
		skip []string
		want bool
	}{
		{r: res("", "configmaps", "ConfigMap", true), want: false},
		{r: res("", "namespaces", "Namespace", false), want: true},
		{r: res("", "events", "Event", true), want: true},
		{r: res("", "endpoints", "Endpoints", true), want: true},
		{r: res("events.k8s.io", "events", "Event", true), want: true},
		{r: res("extensions", "ingresses", "Ingress", true), want: true},
		{r: res("core.kubefed.io", "propagatedversions", "PropagatedVersion", true), want: true},
		{r: res("types.kubefed.io", "federatedconfigmaps", "FederatedConfigMap", true), want: true},
		{r: res("", "pods", "Pod", true), skip: []string{"pods"}, want: true},
		{r: res("apps", "deployments", "Deployment", true), skip: []string{"apps"}, want: true},
		{r: res("apps", "deployments", "Deployment", true), skip: []string{"Deployment"}, want: true},
		{r: res("apps", "deployments", "Deployment", true), skip: []string{"deployments.extensions"}, want: false},
		{r: apiresource.Resource{Plural: "bindings", Kind: "Binding", Namespaced: true, Verbs: []string{"create"}}, want: true},
	}
	for _, c := range typeCases {
		if got := SkipContentType(c.r, "types.kubefed.io", c.skip); got != c.want {
			t.Errorf("SkipContentType(%s, %v) = %v, want %v", c.r.QualifiedName(), c.skip, got, c.want)
		}
	}
	objCases := []struct {
		in   string
		skip bool
	}{
		{in: `{apiVersion: v1, kind: ConfigMap, metadata: {name: app}}`},
		{in: `{apiVersion: v1, kind: ConfigMap, metadata: {name: kube-root-ca.crt}}`, skip: true},
		{in: `{apiVersion: v1, kind: ServiceAccount, metadata: {name: default}}`, skip: true},
		{in: `{apiVersion: v1, kind: ServiceAccount, metadata: {name: app}}`},
		{in: `{apiVersion: v1, kind: Secret, metadata: {name: t}, type: kubernetes.io/service-account-token}`, skip: true},
		{in: `{apiVersion: v1, kind: Secret, metadata: {name: t}, type: Opaque}`},
		{in: `{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: r, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: d, uid: u, controller: true}]}}`, skip: true},
		{in: `{apiVersion: v1, kind: ConfigMap, metadata: {name: c, ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: o, uid: u}]}}`},
		{in: `{apiVersion: example.com/v1, kind: Thing, metadata: {name: Not_DNS}}`, skip: true},
	}
	for _, c := range objCases {
		if got := SkipContentObject(obj(t, c.in)); (got != "") != c.skip {
			t.Errorf("SkipContentObject(%s) = %q, want skip=%v", c.in, got, c.skip)
		}
	}
}

func TestUnjoinedWarnings(t *testing.T) {
	tests := []struct {
		placed, joined []string
		want           []string
	}{
		{nil, []string{"a"}, nil},
		{[]string{"a"}, []string{"a", "b"}, nil},
		{[]string{"a", "c9"}, []string{"b", "a"}, []string{`cluster "c9" in --clusters is not joined (joined clusters: a, b): nothing goes there until it joins (kubectl fed join c9)`}},
		{[]string{"a"}, nil, []string{`cluster "a" in --clusters is not joined (joined clusters: none): nothing goes there until it joins (kubectl fed join a)`}},
		{nil, nil, []string{"no cluster is joined to the federation yet, so the federated objects go nowhere until one joins: kubectl fed join CLUSTER"}},
	}
	for _, tt := range tests {
		if got := UnjoinedWarnings(tt.placed, tt.joined); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("UnjoinedWarnings(%v, %v) = %q, want %q", tt.placed, tt.joined, got, tt.want)
		}
	}
}

func TestSelectorOverrides(t *testing.T) {
	cases := []struct {
		name    string
		values  []string
		want    string
		wantErr string
	}{
		{name: "none", want: `[]`},
		{name: "a number", values: []string{"region=eu:/spec/replicas=5"},
			want: `[{clusterSelector: {matchLabels: {region: eu}}, clusterOverrides: [{path: /spec/replicas, value: 5}]}]`},
		{name: "a string that is not JSON", values: []string{"region=eu:/spec/template/spec/containers/0/image=eu.example.com/nginx:1.25"},
			want: `[{clusterSelector: {matchLabels: {region: eu}}, clusterOverrides: [{path: /spec/template/spec/containers/0/image, value: "eu.example.com/nginx:1.25"}]}]`},
		{name: "a prefixed label key, grouped by selector in first-seen order",
			values: []string{"topology.kubernetes.io/region=eu:/spec/replicas=5", "env in (prod):/spec/paused=true", "topology.kubernetes.io/region=eu:/metadata/labels={\"a\":\"b\"}"},
			want: `[{clusterSelector: {matchLabels: {topology.kubernetes.io/region: eu}}, clusterOverrides: [{path: /spec/replicas, value: 5}, {path: /metadata/labels, value: {a: b}}]},
			        {clusterSelector: {matchExpressions: [{key: env, operator: In, values: [prod]}]}, clusterOverrides: [{path: /spec/paused, value: true}]}]`},
		{name: "an empty selector matches every cluster", values: []string{":/spec/replicas=1"},
			want: `[{clusterSelector: {}, clusterOverrides: [{path: /spec/replicas, value: 1}]}]`},
		{name: "no path", values: []string{"region=eu"}, wantErr: `invalid --override "region=eu": want SELECTOR:PATH=VALUE`},
		{name: "no value", values: []string{"region=eu:/spec/replicas"}, wantErr: "want SELECTOR:PATH=VALUE"},
		{name: "bad selector", values: []string{"region in eu:/spec/replicas=1"}, wantErr: `invalid selector "region in eu"`},
		{name: "forbidden path", values: []string{"region=eu:/metadata/name=x"},
			wantErr: "spec.overrides[0].clusterOverrides[0].path: Forbidden: overrides may not change /metadata/name"},
		{name: "the same path twice", values: []string{"region=eu:/spec/replicas=1", "region=eu:/spec/replicas=2"},
			wantErr: `spec.overrides[0].clusterOverrides[1].path: Duplicate value: "/spec/replicas"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SelectorOverrides(c.values)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []any
			if err := yaml.Unmarshal([]byte(c.want), &want); err != nil {
				t.Fatal(err)
			}
			g, _ := yaml.Marshal(got)
			w, _ := yaml.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("got:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}
