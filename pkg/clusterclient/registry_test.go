package clusterclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
)

func TestRegistryMembersAndNotifications(t *testing.T) {
	r := NewRegistry("")
	var told []string
	r.Subscribe(func(cluster string) { told = append(told, cluster) })

	conn, err := r.Connect("b", &rest.Config{Host: "https://127.0.0.1:1"}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.List(); len(got) != 0 {
		t.Errorf("a connected member whose state is not recorded yet is listed: %+v", got)
	}
	if len(told) != 0 {
		t.Errorf("connecting told the subscribers %v; only state changes should", told)
	}
	r.Update("b", State{Labels: map[string]string{"region": "eu"}, Ready: true})
	r.Update("a", State{})
	if want := []string{"b", "a"}; !slices.Equal(told, want) {
		t.Errorf("after two joins the subscribers were told %v, want %v", told, want)
	}
	list := r.List()
	if len(list) != 2 || list[0].Name != "a" || list[1].Name != "b" || list[0].Conn != nil || list[1].Conn != conn || !list[1].Ready || list[1].Labels["region"] != "eu" {
		t.Fatalf("List = %+v, want a (no connection, not ready) then b (connected, ready, region=eu)", list)
	}

	told = nil
	r.Update("b", State{Labels: map[string]string{"region": "eu"}, Ready: true})
	if same, _ := r.Connect("b", &rest.Config{Host: "https://127.0.0.1:1"}, "v1"); same != conn {
		t.Error("Connect with an unchanged fingerprint replaced the connection")
	}
	if len(told) != 0 {
		t.Errorf("an unchanged member told the subscribers %v", told)
	}
	r.Update("b", State{Labels: map[string]string{"region": "us"}, Ready: true})
	r.Update("a", State{Ready: true})
	if want := []string{"b", "a"}; !slices.Equal(told, want) {
		t.Errorf("a label change and a readiness change told %v, want %v", told, want)
	}

	told = nil
	if other, _ := r.Connect("b", &rest.Config{Host: "https://127.0.0.1:1"}, "v2"); other == conn {
		t.Error("Connect with a new fingerprint kept the old connection")
	}
	r.Disconnect("b")
	if m, ok := r.Get("b"); !ok || m.Conn != nil || !m.Ready {
		t.Errorf("after Disconnect b is %+v (known %v), want known, ready and without a connection", m, ok)
	}
	r.Remove("b")
	r.Remove("never-joined")
	if want := []string{"b"}; !slices.Equal(told, want) {
		t.Errorf("removing b and an unknown cluster told %v, want %v", told, want)
	}
	if _, ok := r.Get("b"); ok {
		t.Error("b is still known after Remove")
	}
}

func TestTrimPod(t *testing.T) {
	pod := map[string]interface{}{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]interface{}{"name": "p", "namespace": "ns", "labels": map[string]interface{}{"app": "web"}},
		"spec":     map[string]interface{}{"containers": []interface{}{map[string]interface{}{"name": "c", "image": "x"}}},
		"status":   map[string]interface{}{"phase": "Running", "podIP": "10.0.0.1", "conditions": []interface{}{map[string]interface{}{"type": "Ready", "status": "True"}}},
	}
	out, err := trimPod(&unstructured.Unstructured{Object: pod})
	if err != nil {
		t.Fatal(err)
	}
	u := out.(*unstructured.Unstructured)
	if _, found := u.Object["spec"]; found {
		t.Error("the pod's spec was kept")
	}
	if u.GetName() != "p" || u.GetNamespace() != "ns" || u.GetLabels()["app"] != "web" {
		t.Errorf("metadata not kept: %v", u.Object["metadata"])
	}
	status := u.Object["status"].(map[string]interface{})
	if status["phase"] != "Running" || len(status["conditions"].([]interface{})) != 1 || status["podIP"] != nil {
		t.Errorf("status = %v, want phase and conditions only", status)
	}
}

func TestRegistryClaimsBySource(t *testing.T) {
	r := NewRegistry("")
	if err := r.Claim("a", SourceJoined, "KubeFedCluster kube-federation-system/a"); err != nil {
		t.Fatalf("a first claim failed: %v", err)
	}
	if err := r.Claim("a", SourceJoined, "KubeFedCluster kube-federation-system/a"); err != nil {
		t.Fatalf("claiming again by the same source failed: %v", err)
	}
	since := time.Unix(100, 0)
	r.Update("a", State{NotReadySince: since})
	if m, _ := r.Get("a"); m.Ready || !m.NotReadySince.Equal(since) {
		t.Errorf("Get = %+v, want not ready since %v", m, since)
	}
	r.Update("a", State{Ready: true})
	if m, _ := r.Get("a"); m.Source != SourceJoined {
		t.Errorf("Source = %q, want %q", m.Source, SourceJoined)
	}
	err := r.Claim("a", SourceInventory, "ClusterProfile fleet/a")
	if err == nil {
		t.Fatal("a second source claiming the same name got no error")
	}
	for _, want := range []string{"KubeFedCluster kube-federation-system/a", "ClusterProfile fleet/a", "renamed or removed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("conflict error %q does not name %q", err, want)
		}
	}
	if err := r.Claim("a", SourceJoined, "KubeFedCluster kube-federation-system/a"); err == nil {
		t.Error("the first source's next claim got no error while the conflict lasts: it would be silently preferred")
	}
	if m, _ := r.Get("a"); m.Source != "" {
		t.Errorf("Source = %q while two sources claim the name, want empty", m.Source)
	}
	r.Release("a", SourceJoined)
	if _, ok := r.Get("a"); !ok {
		t.Fatal("releasing one of two claims removed the member")
	}
	if err := r.Claim("a", SourceInventory, "ClusterProfile fleet/a"); err != nil {
		t.Errorf("the remaining source's claim failed after the other was released: %v", err)
	}
	r.Release("a", SourceInventory)
	if _, ok := r.Get("a"); ok {
		t.Error("the member is still known after its last claim was released")
	}
}

// TestHealthzTimeoutIsTheProbes checks that an unreachable member's error
// quotes the probe's timeout (healthz?timeout=...), not the client's.
func TestHealthzTimeoutIsTheProbes(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	conn, err := NewRegistry("kube-federation-system").Connect("slow", &rest.Config{Host: srv.URL, Timeout: 32 * time.Second}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Healthz(context.Background(), 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "healthz?timeout=200ms") {
		t.Errorf("error = %v, want it to quote healthz?timeout=200ms", err)
	}
}
