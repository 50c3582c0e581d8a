package propagation

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
)

type object = map[string]interface{}

var (
	deployment = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	service    = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	namespace  = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	account    = schema.GroupVersionKind{Version: "v1", Kind: "ServiceAccount"}
)

func federated(namespace string, spec object) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: object{
		"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedX",
		"metadata": object{"name": "web", "namespace": namespace},
		"spec":     spec,
	}}
}

func field(t *testing.T, obj *unstructured.Unstructured, path ...string) interface{} {
	t.Helper()
	v, _, err := unstructured.NestedFieldNoCopy(obj.Object, path...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustRender(t *testing.T, fed *unstructured.Unstructured, gvk schema.GroupVersionKind, observed *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	got, err := Render(fed, gvk, overrides.Destination{Cluster: "cluster1"}, observed)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRenderForcesIdentityAndLabel(t *testing.T) {
	fed := federated("ns1", object{"template": object{
		"metadata": object{"name": "other", "namespace": "elsewhere", "labels": object{"app": "web"},
			"finalizers": []interface{}{"x/y"}, "uid": "123", "resourceVersion": "9"},
		"kind": "Pod", "spec": object{"replicas": int64(1)}, "status": object{"readyReplicas": int64(1)},
	}})
	got := mustRender(t, fed, deployment, nil)
	if got.GetName() != "web" || got.GetNamespace() != "ns1" || got.GetKind() != "Deployment" || got.GetAPIVersion() != "apps/v1" {
		t.Errorf("identity: %s %s/%s %s", got.GetAPIVersion(), got.GetNamespace(), got.GetName(), got.GetKind())
	}
	if want := map[string]string{"app": "web", core.ManagedByKubeFedLabelKey: "true"}; !reflect.DeepEqual(got.GetLabels(), want) {
		t.Errorf("labels %v, want %v", got.GetLabels(), want)
	}
	if got.GetFinalizers() != nil || got.GetUID() != "" || got.GetResourceVersion() != "" || got.Object["status"] != nil {
		t.Errorf("template carried server or finalizer fields: %v", got.Object)
	}
}

func TestRenderKeepsTemplateAPIVersionAndHandlesNamespaces(t *testing.T) {
	got := mustRender(t, federated("ns1", object{"template": object{"apiVersion": "apps/v1beta2"}}), deployment, nil)
	if got.GetAPIVersion() != "apps/v1beta2" {
		t.Errorf("apiVersion %q, want the template's", got.GetAPIVersion())
	}
	ns := mustRender(t, federated("ns1", object{}), namespace, nil)
	if ns.GetName() != "web" || ns.GetNamespace() != "" || ns.GetAPIVersion() != "v1" {
		t.Errorf("namespace rendered as %s %q/%q", ns.GetAPIVersion(), ns.GetNamespace(), ns.GetName())
	}
}

func TestRenderPropagatesTemplateAnnotations(t *testing.T) {
	fed := federated("ns1", object{"template": object{"metadata": object{"annotations": object{
		"team": "shop", core.LastAppliedConfigAnnotation: "{}", core.OrphanManagedResourcesAnnotation: "true",
	}}}})
	got := mustRender(t, fed, deployment, nil)
	want := map[string]string{"team": "shop", core.PropagatedAnnotationsAnnotation: "team"}
	if !reflect.DeepEqual(got.GetAnnotations(), want) {
		t.Errorf("annotations %v, want %v", got.GetAnnotations(), want)
	}

	// On update, the member's own annotations stay, a key dropped from the
	// template goes, and the template's keys win.
	observed := &unstructured.Unstructured{Object: object{"metadata": object{"annotations": object{
		"deployment.kubernetes.io/revision": "3", "old": "x", "team": "legacy", core.PropagatedAnnotationsAnnotation: "old,team",
	}}}}
	got = mustRender(t, fed, deployment, observed)
	want = map[string]string{"deployment.kubernetes.io/revision": "3", "team": "shop", core.PropagatedAnnotationsAnnotation: "team"}
	if !reflect.DeepEqual(got.GetAnnotations(), want) {
		t.Errorf("annotations on update %v, want %v", got.GetAnnotations(), want)
	}
}

func TestRenderRetainsMemberOwnedMetadata(t *testing.T) {
	observed := &unstructured.Unstructured{Object: object{"metadata": object{
		"resourceVersion": "42", "finalizers": []interface{}{"member/cleanup"}}, "status": object{"phase": "Ready"}}}
	got := mustRender(t, federated("ns1", object{}), deployment, observed)
	if got.GetResourceVersion() != "42" || !reflect.DeepEqual(got.GetFinalizers(), []string{"member/cleanup"}) {
		t.Errorf("resourceVersion %q finalizers %v", got.GetResourceVersion(), got.GetFinalizers())
	}
	if !reflect.DeepEqual(got.Object["status"], object{"phase": "Ready"}) {
		t.Errorf("status %v, want the member's", got.Object["status"])
	}
}

func TestRetainReplicas(t *testing.T) {
	observed := &unstructured.Unstructured{Object: object{"spec": object{"replicas": int64(2)}}}
	for _, tc := range []struct {
		retain bool
		want   int64
	}{{false, 1}, {true, 2}} {
		fed := federated("ns1", object{"retainReplicas": tc.retain, "template": object{"spec": object{"replicas": int64(1)}}})
		if got := field(t, mustRender(t, fed, deployment, observed), "spec", "replicas"); got != tc.want {
			t.Errorf("retainReplicas %v: replicas %v, want %d", tc.retain, got, tc.want)
		}
	}
}

func TestOverridesApplyAfterRetention(t *testing.T) {
	observed := &unstructured.Unstructured{Object: object{"spec": object{"replicas": int64(2)}}}
	fed := federated("ns1", object{"retainReplicas": true,
		"template": object{"metadata": object{"labels": object{"app": "web"}}, "spec": object{"replicas": int64(1)}},
		"overrides": []interface{}{object{"clusterName": "cluster1", "clusterOverrides": []interface{}{
			object{"path": "/spec/replicas", "value": int64(7)},
			object{"op": "remove", "path": "/metadata/labels"},
		}}}})
	got := mustRender(t, fed, deployment, observed)
	if replicas := field(t, got, "spec", "replicas"); replicas != int64(7) {
		t.Errorf("replicas %v, want the override's 7", replicas)
	}
	if got.GetLabels()[core.ManagedByKubeFedLabelKey] != "true" {
		t.Errorf("an override removed the managed label: %v", got.GetLabels())
	}
}

func TestRenderFailures(t *testing.T) {
	badOverride := federated("ns1", object{"overrides": []interface{}{object{"clusterName": "cluster1",
		"clusterOverrides": []interface{}{object{"path": "/spec/missing", "value": int64(1)}}}}})
	if _, err := Render(badOverride, deployment, overrides.Destination{Cluster: "cluster1"}, nil); err == nil || err.Status != typesv1beta1.ApplyOverridesFailed {
		t.Errorf("bad override: %v, want ApplyOverridesFailed", err)
	}
	if _, err := Render(badOverride, deployment, overrides.Destination{Cluster: "cluster2"}, nil); err != nil {
		t.Errorf("another cluster's bad override failed cluster2: %v", err)
	}
	badTemplate := federated("ns1", object{"template": "not an object"})
	if _, err := Render(badTemplate, deployment, overrides.Destination{Cluster: "cluster1"}, nil); err == nil || err.Status != typesv1beta1.ComputeResourceFailed {
		t.Errorf("bad template: %v, want ComputeResourceFailed", err)
	}
}

func TestRenderSelectorOverrides(t *testing.T) {
	fed := federated("ns1", object{"template": object{"spec": object{"replicas": int64(1)}}, "overrides": []interface{}{
		object{"clusterSelector": object{"matchLabels": object{"region": "eu"}},
			"clusterOverrides": []interface{}{object{"path": "/spec/replicas", "value": int64(3)}}},
		object{"clusterName": "eu2", "clusterOverrides": []interface{}{object{"path": "/spec/replicas", "value": int64(5)}}},
	}})
	for _, tc := range []struct {
		dest overrides.Destination
		want int64
	}{
		{overrides.Destination{Cluster: "eu1", Labels: map[string]string{"region": "eu"}}, 3},
		{overrides.Destination{Cluster: "eu2", Labels: map[string]string{"region": "eu"}}, 5}, // both entries apply, in list order
		{overrides.Destination{Cluster: "us1", Labels: map[string]string{"region": "us"}}, 1},
		{overrides.Destination{Cluster: "bare"}, 1},
	} {
		got, err := Render(fed, deployment, tc.dest, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.dest.Cluster, err)
		}
		if replicas := field(t, got, "spec", "replicas"); replicas != tc.want {
			t.Errorf("%s: replicas %v, want %d", tc.dest.Cluster, replicas, tc.want)
		}
	}
}

func TestServiceRetention(t *testing.T) {
	template := object{"spec": object{"ports": []interface{}{
		object{"name": "http", "port": int64(80)},
		object{"name": "dns", "port": int64(53), "protocol": "UDP"},
	}}}
	cases := []struct {
		name       string
		observed   object
		wantStatus typesv1beta1.PropagationStatus
		check      func(t *testing.T, got *unstructured.Unstructured)
	}{
		{name: "nothing to keep", observed: object{}, check: func(t *testing.T, got *unstructured.Unstructured) {
			if field(t, got, "spec", "clusterIP") != nil || field(t, got, "spec", "healthCheckNodePort") != nil {
				t.Errorf("retained fields from nothing: %v", got.Object["spec"])
			}
		}},
		{name: "cluster IPs and node ports kept", observed: object{"spec": object{
			"clusterIP": "10.0.0.7", "clusterIPs": []interface{}{"10.0.0.7"}, "healthCheckNodePort": int64(1000),
			"ports": []interface{}{object{"name": "http", "port": int64(80), "protocol": "TCP", "nodePort": int64(30080)},
				object{"name": "dns", "port": int64(53), "protocol": "TCP", "nodePort": int64(30053)}},
		}}, check: func(t *testing.T, got *unstructured.Unstructured) {
			if field(t, got, "spec", "clusterIP") != "10.0.0.7" || !reflect.DeepEqual(field(t, got, "spec", "clusterIPs"), []interface{}{"10.0.0.7"}) ||
				field(t, got, "spec", "healthCheckNodePort") != int64(1000) {
				t.Errorf("spec %v", got.Object["spec"])
			}
			ports := field(t, got, "spec", "ports").([]interface{})
			if ports[0].(object)["nodePort"] != int64(30080) || ports[1].(object)["nodePort"] != nil {
				t.Errorf("node ports %v: want 30080 for http/TCP/80 and none for dns (UDP differs)", ports)
			}
		}},
		{name: "zero healthCheckNodePort is not kept", observed: object{"spec": object{"healthCheckNodePort": int64(0)}},
			check: func(t *testing.T, got *unstructured.Unstructured) {
				if _, found := got.Object["spec"].(object)["healthCheckNodePort"]; found {
					t.Error("kept healthCheckNodePort 0")
				}
			}},
		{name: "string healthCheckNodePort", observed: object{"spec": object{"healthCheckNodePort": "1000"}}, wantStatus: typesv1beta1.FieldRetentionFailed},
		{name: "int clusterIP", observed: object{"spec": object{"clusterIP": int64(7)}}, wantStatus: typesv1beta1.FieldRetentionFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fed := federated("ns1", object{"template": template, "retainReplicas": true})
			got, err := Render(fed, service, overrides.Destination{Cluster: "cluster1"}, &unstructured.Unstructured{Object: tc.observed})
			if tc.wantStatus != "" {
				if err == nil || err.Status != tc.wantStatus {
					t.Fatalf("got %v, want %s", err, tc.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func TestServiceAccountSecretsKeptUnlessSet(t *testing.T) {
	observed := &unstructured.Unstructured{Object: object{"secrets": []interface{}{object{"name": "token-abc"}}}}
	got := mustRender(t, federated("ns1", object{}), account, observed)
	if !reflect.DeepEqual(field(t, got, "secrets"), []interface{}{object{"name": "token-abc"}}) {
		t.Errorf("secrets %v, want the member's", field(t, got, "secrets"))
	}
	own := federated("ns1", object{"template": object{"secrets": []interface{}{object{"name": "mine"}}}})
	if got := field(t, mustRender(t, own, account, observed), "secrets"); !reflect.DeepEqual(got, []interface{}{object{"name": "mine"}}) {
		t.Errorf("secrets %v, want the template's", got)
	}
}

// TestOverridesListsWhatRenderApplies: the policies' sets come first, in
// overrides.Select's order (cluster-wide, then namespaced), then the
// object's own entries in list order; what Render writes is the template
// with exactly these sets applied.
func TestOverridesListsWhatRenderApplies(t *testing.T) {
	fed := federated("shop", object{"template": object{"metadata": object{"labels": object{"app": "web"}}}, "overrides": []interface{}{
		object{"clusterSelector": object{"matchLabels": object{"region": "eu"}}, "labels": []interface{}{object{"key": "from", "value": "entry0"}}},
		object{"clusterName": "us1", "labels": []interface{}{object{"key": "from", "value": "entry1"}}},
		object{"clusterName": "eu1", "clusterOverrides": []interface{}{object{"path": "/metadata/labels/app", "value": "web-eu"}}},
	}})
	label := func(value string) typesv1beta1.TypedOverriders {
		return typesv1beta1.TypedOverriders{Labels: []typesv1beta1.MapOverrider{{Key: "from", Value: value}}}
	}
	policies := overrides.Select([]overrides.Policy{
		overrides.FromOverridePolicy(&policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "a-namespaced"},
			Spec: policyv1alpha1.OverridePolicySpec{TypedOverriders: label("namespaced")}}),
		overrides.FromClusterOverridePolicy(&policyv1alpha1.ClusterOverridePolicy{ObjectMeta: metav1.ObjectMeta{Name: "z-cluster-wide"},
			Spec: policyv1alpha1.ClusterOverridePolicySpec{OverridePolicySpec: policyv1alpha1.OverridePolicySpec{TypedOverriders: label("cluster-wide")}}}),
	}, overrides.Object{Kind: "FederatedX", Namespace: "shop", Name: "web"})
	dest := overrides.Destination{Cluster: "eu1", Labels: map[string]string{"region": "eu"}, Policies: policies}
	sets, err := Overrides(fed, deployment, dest)
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, s := range sets {
		sources = append(sources, s.Source)
	}
	want := []string{"ClusterOverridePolicy z-cluster-wide", "OverridePolicy shop/a-namespaced", "spec.overrides[0]", "spec.overrides[2]"}
	if !reflect.DeepEqual(sources, want) {
		t.Errorf("sources = %q, want %q", sources, want)
	}
	rendered, rerr := Render(fed, deployment, dest, nil)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if got := rendered.GetLabels(); got["from"] != "entry0" || got["app"] != "web-eu" {
		t.Errorf("rendered labels %v: want the last set's from=entry0 and app=web-eu", got)
	}
	bad := federated("shop", object{"overrides": []interface{}{object{"clusterName": "eu1", "clusterOverrides": []interface{}{object{"op": "move", "path": "/spec"}}}}})
	if _, err := Overrides(bad, deployment, dest); err == nil || err.Status != typesv1beta1.ApplyOverridesFailed {
		t.Errorf("an invalid entry: %v, want ApplyOverridesFailed as Render reports it", err)
	}
}
