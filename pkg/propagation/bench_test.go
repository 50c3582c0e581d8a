package propagation

import (
	"fmt"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"

	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/overrides"
	"github.com/kubectl-fed/kubectl-fed/pkg/placement"
)

// BenchmarkRenderDeployment30Clusters renders one FederatedDeployment for
// 30 clusters in three regions, with 3 override policies (a cluster-wide
// registry per region, a namespaced env and a namespaced label) and 5
// selector entries of its own (JSON patch and typed overriders), decoding
// the object once for the 30 (NewSource), as a syncer pass does. It prints
// µs per cluster beside the 50 µs goal and never fails on a timing.
func BenchmarkRenderDeployment30Clusters(b *testing.B) {
	regions := []string{"eu", "us", "ap"}
	eu := &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}
	fed := federated("shop", object{
		"template": object{"metadata": object{"labels": object{"app": "web"}, "annotations": object{"team": "shop"}},
			"spec": object{"replicas": int64(3), "selector": object{"matchLabels": object{"app": "web"}},
				"template": object{"metadata": object{"labels": object{"app": "web"}}, "spec": object{"containers": []interface{}{
					object{"name": "web", "image": "nginx:1.27", "args": []interface{}{"-q"}, "env": []interface{}{object{"name": "A", "value": "1"}}},
					object{"name": "sidecar", "image": "envoy:1.30"}}}}}},
		"placement": object{"clusterSelector": object{}},
		"overrides": []interface{}{
			object{"clusterSelector": object{"matchLabels": object{"region": "eu"}}, "clusterOverrides": []interface{}{object{"path": "/spec/replicas", "value": int64(5)}}},
			object{"clusterSelector": object{"matchLabels": object{"region": "us"}}, "image": []interface{}{object{"containerNames": []interface{}{"web"}, "component": "Tag", "value": "1.28"}}},
			object{"clusterSelector": object{"matchExpressions": []interface{}{object{"key": "region", "operator": "In", "values": []interface{}{"eu", "ap"}}}},
				"args": []interface{}{object{"containerNames": []interface{}{"web"}, "values": []interface{}{"--zone-aware"}}}},
			object{"clusterSelector": object{"matchLabels": object{"tier": "edge"}}, "labels": []interface{}{object{"key": "tier", "value": "edge"}}},
			object{"clusterSelector": object{}, "annotations": []interface{}{object{"key": "example.com/rendered", "value": "yes"}}},
		},
	})
	var policies []overrides.Policy
	for _, r := range regions {
		policies = append(policies, overrides.FromClusterOverridePolicy(&policyv1alpha1.ClusterOverridePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "registry-" + r},
			Spec: policyv1alpha1.ClusterOverridePolicySpec{OverridePolicySpec: policyv1alpha1.OverridePolicySpec{
				TargetClusters:  &policyv1alpha1.ClusterSet{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": r}}},
				TypedOverriders: typesv1beta1.TypedOverriders{Image: []typesv1beta1.ImageOverrider{{Component: typesv1beta1.ImageRegistry, Value: r + ".example.com"}}}}}}))
	}
	policies[1] = overrides.FromOverridePolicy(&policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "env"},
		Spec: policyv1alpha1.OverridePolicySpec{TargetClusters: &policyv1alpha1.ClusterSet{ClusterSelector: eu},
			TypedOverriders: typesv1beta1.TypedOverriders{Env: []typesv1beta1.EnvOverrider{{Name: "REGION", Value: "eu"}}}}})
	policies[2] = overrides.FromOverridePolicy(&policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "label"},
		Spec: policyv1alpha1.OverridePolicySpec{ClusterOverrides: []typesv1beta1.ClusterOverride{
			{Op: "add", Path: "/metadata/labels/owner", Value: &apiextensionsv1.JSON{Raw: []byte(`"platform"`)}}}}})
	in := Input{Federated: fed, Target: deployment,
		OverridePolicies: overrides.Select(policies, overrides.Object{Kind: "FederatedX", Namespace: "shop", Name: "web"})}
	if len(in.OverridePolicies) != 3 {
		b.Fatalf("%d policies select the object, want 3", len(in.OverridePolicies))
	}
	var members []Member
	for i := range 30 {
		labels := map[string]string{"region": regions[i%3]}
		if i%5 == 0 {
			labels["tier"] = "edge"
		}
		members = append(members, Member{Name: fmt.Sprintf("cluster-%02d", i), Labels: labels})
	}
	var last *unstructured.Unstructured
	b.ReportAllocs()
	for b.Loop() {
		source := NewSource(in.Federated, in.Target) // once per pass, as the syncer does
		for _, m := range members {
			rendered, err := source.Render(in.Destination(m), nil)
			if err != nil {
				b.Fatal(err)
			}
			last = rendered
		}
	}
	if last.GetLabels()["owner"] != "platform" {
		b.Fatalf("the policies did not apply: %v", last.GetLabels())
	}
	perCluster := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(len(members))
	b.ReportMetric(perCluster/1000, "µs/cluster")
	b.ReportMetric(50, "goal-µs/cluster")
}

// BenchmarkPlanPerClusterOverrides plans one FederatedDeployment for 10 and
// 30 members that already hold it (an update check renders it twice per
// member: without and with the retained fields), with 5 selector entries
// plus one clusterName entry per member, as the scale benchmark's objects
// have. It prints µs per cluster: a figure that grows with the members
// means a per-object cost paid per member (members²).
func BenchmarkPlanPerClusterOverrides(b *testing.B) {
	for _, n := range []int{10, 30} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			in := perClusterOverridesInput(n)
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range Plan(in) {
					if p.Action != Update && p.Action != Skip {
						b.Fatalf("cluster %s: %s %s %s", p.Cluster, p.Action, p.Status, p.Message)
					}
				}
			}
			perCluster := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(n)
			b.ReportMetric(perCluster/1000, "µs/cluster")
		})
	}
}

// perClusterOverridesInput is the plan input of
// BenchmarkPlanPerClusterOverrides for n members.
func perClusterOverridesInput(n int) Input {
	overridesList := []interface{}{
		object{"clusterSelector": object{"matchLabels": object{"region": "eu"}}, "clusterOverrides": []interface{}{object{"path": "/spec/replicas", "value": int64(5)}}},
		object{"clusterSelector": object{"matchLabels": object{"region": "us"}}, "image": []interface{}{object{"containerNames": []interface{}{"web"}, "component": "Tag", "value": "1.28"}}},
		object{"clusterSelector": object{"matchExpressions": []interface{}{object{"key": "region", "operator": "In", "values": []interface{}{"eu", "ap"}}}},
			"args": []interface{}{object{"containerNames": []interface{}{"web"}, "values": []interface{}{"--zone-aware"}}}},
		object{"clusterSelector": object{"matchLabels": object{"tier": "edge"}}, "labels": []interface{}{object{"key": "tier", "value": "edge"}}},
		object{"clusterSelector": object{}, "annotations": []interface{}{object{"key": "example.com/rendered", "value": "yes"}}},
	}
	regions := []string{"eu", "us", "ap"}
	var members []Member
	placed := sets.New[string]()
	for i := range n {
		name := fmt.Sprintf("cluster-%02d", i)
		labels := map[string]string{"region": regions[i%3]}
		if i%5 == 0 {
			labels["tier"] = "edge"
		}
		overridesList = append(overridesList, object{"clusterName": name, "clusterOverrides": []interface{}{
			object{"path": "/metadata/labels/cluster", "value": name}}})
		members = append(members, Member{Name: name, Labels: labels, Ready: true, Synced: true})
		placed.Insert(name)
	}
	fed := federated("shop", object{
		"template": object{"metadata": object{"labels": object{"app": "web"}},
			"spec": object{"replicas": int64(3), "selector": object{"matchLabels": object{"app": "web"}},
				"template": object{"metadata": object{"labels": object{"app": "web"}}, "spec": object{"containers": []interface{}{
					object{"name": "web", "image": "nginx:1.27", "args": []interface{}{"-q"}}}}}}},
		"placement": object{"clusterSelector": object{}},
		"overrides": overridesList,
	})
	in := Input{Federated: fed, Target: deployment, Placement: placement.Result{Clusters: placed}}
	for i, m := range members {
		observed, err := Render(fed, deployment, in.Destination(m), nil)
		if err != nil {
			panic(err)
		}
		members[i].Observed = observed
	}
	in.Members = members
	return in
}
