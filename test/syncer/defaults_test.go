package syncer

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// memberUpdateRequests returns how many Deployment and Service update
// requests (PUT, PATCH, APPLY) each member's API server has served so far,
// by member. Creates and deletes are left out: the namespace controller
// and the syncer delete the objects of earlier tests' namespaces while this
// test runs, and a create or delete of this test's objects would change
// their uid, which the test checks on its own.
func memberUpdateRequests(t *testing.T) map[string]int64 {
	t.Helper()
	counts := map[string]int64{}
	for _, c := range shared.Members() {
		for _, resource := range []string{"deployments", "services"} {
			n, err := testkit.WriteRequests(context.Background(), c.RESTConfig(), resource, "PUT", "PATCH", "APPLY")
			if err != nil {
				t.Fatal(err)
			}
			counts[c.Name] += n
		}
	}
	return counts
}

// TestDefaultedFieldsCostNoWrites propagates a Deployment and a Service to
// both members, whose API servers fill in fields the templates do not set
// (a Deployment's strategy, revision history limit and pod defaults; a
// Service's cluster IPs, IP families, session affinity, the ports'
// protocol and target port) and whose controllers write their status and
// annotations. Once they have settled, five changes to the federated
// objects that change nothing rendered for the members (an override for a
// cluster that is not joined) each make the syncer pass over both objects
// again: the members' API servers serve no Deployment or Service write
// request meanwhile, not even an update that changes nothing.
func TestDefaultedFieldsCostNoWrites(t *testing.T) {
	ns := federatedNamespace(t)
	labels := object{"app": "api"}
	fd := federated(federatedDeploymentKind, ns, "api", object{
		"template": object{"spec": object{"replicas": int64(1), "selector": object{"matchLabels": labels},
			"template": object{"metadata": object{"labels": labels}, "spec": object{"containers": []interface{}{
				object{"name": "api", "image": "api:1", "ports": []interface{}{object{"containerPort": int64(8080)}}}}}}}},
		"placement": everywhere})
	fsvc := federated(federatedServiceKind, ns, "api", object{
		"template":  object{"spec": object{"selector": labels, "ports": []interface{}{object{"port": int64(80)}}}},
		"placement": everywhere})
	create(t, fd)
	create(t, fsvc)
	for _, c := range shared.Members() {
		member := memberClient(t, c.Name)
		testkit.Eventually(t, "the deployment and the service settled in "+c.Name, func(ctx context.Context) (bool, error) {
			d, err := member.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
			if err != nil || d.Annotations["deployment.kubernetes.io/revision"] == "" || d.Status.ObservedGeneration != d.Generation {
				return false, client.IgnoreNotFound(err)
			}
			_, err = member.CoreV1().Services(ns).Get(ctx, "api", metav1.GetOptions{})
			return err == nil, client.IgnoreNotFound(err)
		})
	}
	propagationCondition(t, fsvc, "True", "")

	uids := memberUIDs(t, ns)
	before := memberUpdateRequests(t)
	const passes = 5
	for i := 1; i <= passes; i++ {
		for _, obj := range []*unstructured.Unstructured{fd, fsvc} {
			mutate(t, obj, func(o *unstructured.Unstructured) {
				o.Object["spec"].(object)["overrides"] = []interface{}{object{"clusterName": fmt.Sprintf("absent-%d", i),
					"clusterOverrides": []interface{}{object{"path": "/metadata/labels", "value": object{"absent": "yes"}}}}}
			})
			observedGeneration(t, obj)
		}
	}
	after := memberUpdateRequests(t)
	if now := memberUIDs(t, ns); fmt.Sprint(now) != fmt.Sprint(uids) {
		t.Errorf("the member objects were re-created meanwhile: uids %v, then %v", uids, now)
	}
	for _, c := range shared.Members() {
		n := after[c.Name] - before[c.Name]
		t.Logf("%s: %d Deployment and Service write requests over %d passes of both objects", c.Name, n, passes)
		if n != 0 {
			t.Errorf("%s served %d Deployment and Service write requests for objects whose rendering did not change, want 0", c.Name, n)
		}
	}
}

// memberUIDs returns the uids of the "api" Deployment and Service of ns in
// each member, keyed by member and kind.
func memberUIDs(t *testing.T, ns string) map[string]string {
	t.Helper()
	ctx := context.Background()
	uids := map[string]string{}
	for _, c := range shared.Members() {
		member := memberClient(t, c.Name)
		d, err := member.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := member.CoreV1().Services(ns).Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids[c.Name+"/Deployment"], uids[c.Name+"/Service"] = string(d.UID), string(svc.UID)
	}
	return uids
}

// observedGeneration waits until the syncer has passed over the current
// generation of a federated object (its status.observedGeneration).
func observedGeneration(t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	testkit.Eventually(t, "the syncer's pass over "+obj.GetKind()+" "+obj.GetName(), func(ctx context.Context) (bool, error) {
		if err := hostClient.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
			return false, err
		}
		observed, _, _ := unstructured.NestedInt64(live.Object, "status", "observedGeneration")
		return observed == live.GetGeneration(), nil
	})
}
