package integration

// These tables check the CRD schemas (OpenAPI validation, enums, list types
// and CEL rules) against the real host API server: each case creates a
// KubeFed-style sample, changed as the case says, with server-side dry run
// and strict field validation, and expects the API server's own verdict.

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// schemaTarget is a resource whose schema a table checks.
type schemaTarget struct {
	gvr        schema.GroupVersionResource
	namespaced bool
	// status is set when the resource has a status subresource, so that its
	// status is judged by the status endpoint rather than on create.
	status bool
}

var (
	kubeFedClusters              = schemaTarget{gvr: coreV1beta1.WithResource("kubefedclusters"), namespaced: true, status: true}
	kubeFedConfigs               = schemaTarget{gvr: coreV1beta1.WithResource("kubefedconfigs"), namespaced: true}
	federatedTypeConfigs         = schemaTarget{gvr: coreV1beta1.WithResource("federatedtypeconfigs"), namespaced: true, status: true}
	propagatedVersions           = schemaTarget{gvr: coreV1alpha1.WithResource("propagatedversions"), namespaced: true, status: true}
	clusterPropagatedVersions    = schemaTarget{gvr: coreV1alpha1.WithResource("clusterpropagatedversions"), status: true}
	replicaSchedulingPreferences = schemaTarget{gvr: schema.GroupVersion{Group: "scheduling.kubefed.io", Version: "v1alpha1"}.WithResource("replicaschedulingpreferences"), namespaced: true}
	federatedDeployments         = schemaTarget{gvr: typesV1beta1.WithResource("federateddeployments"), namespaced: true, status: true}
	federatedConfigMaps          = schemaTarget{gvr: typesV1beta1.WithResource("federatedconfigmaps"), namespaced: true, status: true}

	coreV1beta1  = schema.GroupVersion{Group: "core.kubefed.io", Version: "v1beta1"}
	coreV1alpha1 = schema.GroupVersion{Group: "core.kubefed.io", Version: "v1alpha1"}
	typesV1beta1 = schema.GroupVersion{Group: "types.kubefed.io", Version: "v1beta1"}
)

// resourceCase is one object judged by the API server: a sample file, a
// change to it, and optionally a change that makes the stored old object of
// an update.
type resourceCase struct {
	name    string
	file    string
	mutate  func(obj map[string]interface{})
	old     func(obj map[string]interface{})
	wantErr string // "" means the API server accepts the object
}

func runResourceCases(t *testing.T, target schemaTarget, cases []resourceCase) {
	t.Helper()
	ns := testkit.CreateNamespace(t, clientset(t, fleet.HostName), "schema-")
	var client dynamic.ResourceInterface = dynamicClient(t, fleet.HostName).Resource(target.gvr)
	if target.namespaced {
		client = dynamicClient(t, fleet.HostName).Resource(target.gvr).Namespace(ns)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := readSample(t, tc.file)
			if target.namespaced {
				obj.SetNamespace(ns)
			}
			var old *unstructured.Unstructured
			if tc.old != nil {
				old = obj.DeepCopy()
				tc.old(old.Object)
			}
			if tc.mutate != nil {
				tc.mutate(obj.Object)
			}
			err := judge(context.Background(), client, target, obj, old)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("want the object accepted, the API server said: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("want an error containing %q, the API server accepted the object", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("want an error containing %q, the API server said: %v", tc.wantErr, err)
			}
		})
	}
}

// judge asks the API server to admit obj without storing it: as an update
// of old when old is set, otherwise as a create; a status on a resource with
// a status subresource is judged by an update of the status of a stored copy.
func judge(ctx context.Context, client dynamic.ResourceInterface, target schemaTarget, obj, old *unstructured.Unstructured) error {
	dryCreate := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"}
	dryUpdate := metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"}
	store := func(o *unstructured.Unstructured) (*unstructured.Unstructured, func(), error) {
		stored, err := client.Create(ctx, o, metav1.CreateOptions{})
		if err != nil {
			return nil, nil, err
		}
		return stored, func() { _ = client.Delete(ctx, o.GetName(), metav1.DeleteOptions{}) }, nil
	}
	if old != nil {
		stored, cleanup, err := store(old)
		if err != nil {
			return err
		}
		defer cleanup()
		obj.SetResourceVersion(stored.GetResourceVersion())
		_, err = client.Update(ctx, obj, dryUpdate)
		return err
	}
	if _, err := client.Create(ctx, obj, dryCreate); err != nil || !target.status || obj.Object["status"] == nil {
		return err
	}
	stored, cleanup, err := store(obj)
	if err != nil {
		return err
	}
	defer cleanup()
	obj.SetResourceVersion(stored.GetResourceVersion())
	_, err = client.UpdateStatus(ctx, obj, dryUpdate)
	return err
}

// set sets the value at a dot-separated path of maps, creating maps on the
// way. A nil value deletes the key.
func set(obj map[string]interface{}, path string, value interface{}) {
	keys := strings.Split(path, ".")
	m := obj
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	last := keys[len(keys)-1]
	if value == nil {
		delete(m, last)
		return
	}
	m[last] = value
}

func TestKubeFedClusterValidation(t *testing.T) {
	v := kubeFedClusters
	const file = "kubefedcluster.yaml"
	spec := func(key string, value interface{}) func(map[string]interface{}) {
		return func(o map[string]interface{}) { set(o, "spec."+key, value) }
	}
	runResourceCases(t, v, []resourceCase{
		{name: "sample", file: file},
		{name: "minimal spec, no status", file: file, mutate: func(o map[string]interface{}) {
			set(o, "status", nil)
			set(o, "spec", map[string]interface{}{"apiEndpoint": "example.com", "secretRef": map[string]interface{}{"name": "s"}})
		}},
		{name: "empty apiEndpoint", file: file, mutate: spec("apiEndpoint", ""), wantErr: "spec.apiEndpoint"},
		{name: "missing apiEndpoint", file: file, mutate: spec("apiEndpoint", nil), wantErr: `spec.apiEndpoint: Required value`},
		{name: "missing secretRef", file: file, mutate: spec("secretRef", nil), wantErr: `spec.secretRef: Required value`},
		{name: "missing secretRef.name", file: file, mutate: spec("secretRef", map[string]interface{}{}), wantErr: `spec.secretRef.name: Required value`},
		{name: "invalid secret name", file: file, mutate: spec("secretRef.name", "invalid_secretname"), wantErr: "spec.secretRef.name"},
		{name: "TLS * alone", file: file, mutate: spec("disabledTLSValidations", []interface{}{"*"})},
		{name: "TLS * with others", file: file, mutate: spec("disabledTLSValidations", []interface{}{"*", "SubjectName"}),
			wantErr: "when * is specified, it is expected to be the only option in list"},
		{name: "TLS unknown", file: file, mutate: spec("disabledTLSValidations", []interface{}{"Hostname"}), wantErr: "Unsupported value"},
		{name: "proxy http", file: file, mutate: spec("proxyURL", "http://proxy:3128")},
		{name: "proxy https", file: file, mutate: spec("proxyURL", "https://user:pw@proxy:3128/")},
		{name: "proxy upper-case scheme", file: file, mutate: spec("proxyURL", "HTTP://proxy:3128")},
		{name: "proxy empty", file: file, mutate: spec("proxyURL", "")},
		{name: "proxy without scheme", file: file, mutate: spec("proxyURL", "example.com"), wantErr: "proxy URL scheme must be one of: [http, https, socks5]"},
		{name: "proxy socks6", file: file, mutate: spec("proxyURL", "socks6://example.com"), wantErr: "proxy URL scheme must be one of"},
		{name: "proxy user@host", file: file, mutate: spec("proxyURL", "chewbacca@example.com"), wantErr: "proxy URL scheme must be one of"},
		{name: "status without conditions", file: file, mutate: func(o map[string]interface{}) { set(o, "status.conditions", nil) }, wantErr: "status.conditions: Required value"},
		{name: "condition type unknown", file: file, mutate: func(o map[string]interface{}) {
			set(o, "status.conditions", []interface{}{map[string]interface{}{"type": "Healthy", "status": "True", "lastProbeTime": "2022-08-01T10:00:00Z"}})
		}, wantErr: "status.conditions[0].type: Unsupported value"},
		{name: "condition status unknown", file: file, mutate: func(o map[string]interface{}) {
			set(o, "status.conditions", []interface{}{map[string]interface{}{"type": "Offline", "status": "Maybe", "lastProbeTime": "2022-08-01T10:00:00Z"}})
		}, wantErr: "status.conditions[0].status: Unsupported value"},
		{name: "condition without lastProbeTime", file: file, mutate: func(o map[string]interface{}) {
			set(o, "status.conditions", []interface{}{map[string]interface{}{"type": "ConfigMalformed", "status": "True"}})
		}, wantErr: "status.conditions[0].lastProbeTime: Required value"},
	})
}

func TestKubeFedConfigValidation(t *testing.T) {
	v := kubeFedConfigs
	const file = "kubefedconfig.yaml"
	spec := func(key string, value interface{}) func(map[string]interface{}) {
		return func(o map[string]interface{}) { set(o, "spec."+key, value) }
	}
	leader := func(lease, renew, retry string) func(map[string]interface{}) {
		return spec("leaderElect", map[string]interface{}{"leaseDuration": lease, "renewDeadline": renew, "retryPeriod": retry})
	}
	gate := func(name, configuration string) map[string]interface{} {
		return map[string]interface{}{"name": name, "configuration": configuration}
	}
	runResourceCases(t, v, []resourceCase{
		{name: "sample", file: file},
		{name: "scope only", file: file, mutate: func(o map[string]interface{}) { set(o, "spec", map[string]interface{}{"scope": "Namespaced"}) }},
		{name: "missing scope", file: file, mutate: spec("scope", nil), wantErr: "spec.scope: Required value"},
		{name: "unknown scope", file: file, mutate: spec("scope", "Global"), wantErr: "spec.scope: Unsupported value"},
		{name: "scope unchanged on update", file: file, old: func(map[string]interface{}) {}},
		{name: "scope changed on update", file: file, mutate: spec("scope", "Namespaced"), old: func(map[string]interface{}) {},
			wantErr: `spec.scope: Invalid value: "Namespaced": field is immutable`},
		{name: "zero availableDelay", file: file, mutate: spec("controllerDuration.availableDelay", "0s"), wantErr: `spec.controllerDuration.availableDelay: Invalid value: "0s": must be greater than 0`},
		{name: "negative cacheSyncTimeout", file: file, mutate: spec("controllerDuration.cacheSyncTimeout", "-1m"), wantErr: "spec.controllerDuration.cacheSyncTimeout"},
		{name: "unparsable period", file: file, mutate: spec("clusterHealthCheck.period", "ten seconds"), wantErr: "spec.clusterHealthCheck.period"},
		{name: "sub-second durations", file: file, mutate: leader("1500ms", "1000ms", "500ms")},
		{name: "only leaseDuration", file: file, mutate: spec("leaderElect", map[string]interface{}{"leaseDuration": "1s"})},
		{name: "lease equal to renew", file: file, mutate: leader("10s", "10s", "5s"), wantErr: "spec.leaderElect.leaseDuration: Invalid value: leaseDuration must be greater than renewDeadline"},
		{name: "renew 12 retry 10", file: file, mutate: leader("15s", "12s", "10s"), wantErr: "spec.leaderElect.renewDeadline: Invalid value: renewDeadline must be greater than retryPeriod*JitterFactor"},
		{name: "renew 12001ms retry 10s", file: file, mutate: leader("15s", "12001ms", "10s")},
		{name: "zero retryPeriod", file: file, mutate: leader("15s", "10s", "0s"), wantErr: "spec.leaderElect.retryPeriod"},
		{name: "leases lock", file: file, mutate: spec("leaderElect.resourceLock", "leases"), wantErr: "spec.leaderElect.resourceLock: Unsupported value"},
		{name: "endpoints lock", file: file, mutate: spec("leaderElect.resourceLock", "endpoints")},
		{name: "no feature gates", file: file, mutate: spec("featureGates", []interface{}{})},
		{name: "duplicate feature gate", file: file, mutate: spec("featureGates", []interface{}{gate("PushReconciler", "Enabled"), gate("PushReconciler", "Disabled")}),
			wantErr: "Duplicate value"},
		{name: "removed feature gate", file: file, mutate: spec("featureGates", []interface{}{gate("FederatedIngress", "Enabled")}), wantErr: "spec.featureGates[0].name: Unsupported value"},
		{name: "bad gate configuration", file: file, mutate: spec("featureGates", []interface{}{gate("PushReconciler", "On")}), wantErr: "spec.featureGates[0].configuration: Unsupported value"},
		{name: "gate without configuration", file: file, mutate: spec("featureGates", []interface{}{map[string]interface{}{"name": "PushReconciler"}}),
			wantErr: "spec.featureGates[0].configuration: Required value"},
		{name: "zero failureThreshold", file: file, mutate: spec("clusterHealthCheck.failureThreshold", int64(0)), wantErr: "spec.clusterHealthCheck.failureThreshold"},
		{name: "zero successThreshold", file: file, mutate: spec("clusterHealthCheck.successThreshold", int64(0)), wantErr: "spec.clusterHealthCheck.successThreshold"},
		{name: "zero sync workers", file: file, mutate: spec("syncController.maxConcurrentReconciles", int64(0)), wantErr: "spec.syncController.maxConcurrentReconciles"},
		{name: "zero status workers", file: file, mutate: spec("statusController.maxConcurrentReconciles", int64(0)), wantErr: "spec.statusController.maxConcurrentReconciles"},
		{name: "unknown adoptResources", file: file, mutate: spec("syncController.adoptResources", "Unknown"), wantErr: "spec.syncController.adoptResources: Unsupported value"},
		{name: "adoptResources Disabled", file: file, mutate: spec("syncController.adoptResources", "Disabled")},
	})
}

func TestFederatedTypeConfigValidation(t *testing.T) {
	v := federatedTypeConfigs
	const file = "federatedtypeconfig.yaml"
	set2 := func(key string, value interface{}) func(map[string]interface{}) {
		return func(o map[string]interface{}) { set(o, key, value) }
	}
	runResourceCases(t, v, []resourceCase{
		{name: "sample", file: file},
		{name: "services sample", file: "federatedtypeconfig-services.yaml"},
		{name: "core group written as empty string", file: "federatedtypeconfig-services.yaml", mutate: set2("spec.targetType.group", "")},
		{name: "cluster-scoped with a long group", file: file, mutate: func(o map[string]interface{}) {
			set(o, "metadata.name", "clusterroles.rbac.authorization.k8s.io")
			set(o, "spec.targetType", map[string]interface{}{"group": "rbac.authorization.k8s.io", "version": "v1", "kind": "ClusterRole", "pluralName": "clusterroles", "scope": "Cluster"})
		}},
		{name: "name without group", file: file, mutate: set2("metadata.name", "deployments"), wantErr: "name must be 'TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)'"},
		{name: "singular name of a core type", file: "federatedtypeconfig-services.yaml", mutate: set2("metadata.name", "service"), wantErr: "name must be 'TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)'"},
		{name: "missing spec", file: file, mutate: set2("spec", nil), wantErr: "spec: Required value"},
		{name: "federatedType without group", file: file, mutate: set2("spec.federatedType.group", nil), wantErr: "spec.federatedType.group: Invalid value: should be a domain with at least one dot"},
		{name: "federatedType group without dot", file: file, mutate: set2("spec.federatedType.group", "nodomain"), wantErr: "should be a domain with at least one dot"},
		{name: "statusType group without dot", file: "federatedtypeconfig-services.yaml", mutate: set2("spec.statusType.group", "nodomain"), wantErr: "spec.statusType.group: Invalid value: should be a domain with at least one dot"},
		{name: "invalid group", file: file, mutate: func(o map[string]interface{}) {
			set(o, "metadata.name", "deployments.invalid#group")
			set(o, "spec.targetType.group", "invalid#group")
		}, wantErr: "spec.targetType.group"},
		{name: "upper-case version", file: file, mutate: set2("spec.targetType.version", "Alpha"), wantErr: "spec.targetType.version"},
		{name: "missing version", file: file, mutate: set2("spec.federatedType.version", nil), wantErr: "spec.federatedType.version: Required value"},
		{name: "kind with a dot", file: file, mutate: set2("spec.targetType.kind", "Invalid.Kind"), wantErr: "spec.targetType.kind"},
		{name: "plural starting with a digit", file: file, mutate: func(o map[string]interface{}) {
			set(o, "metadata.name", "2invalidkind.apps")
			set(o, "spec.targetType.pluralName", "2invalidkind")
		}, wantErr: "spec.targetType.pluralName"},
		{name: "unknown scope", file: file, mutate: set2("spec.targetType.scope", "Global"), wantErr: "spec.targetType.scope: Unsupported value"},
		{name: "missing propagation", file: file, mutate: set2("spec.propagation", nil), wantErr: "spec.propagation: Required value"},
		{name: "unknown propagation", file: file, mutate: set2("spec.propagation", "Maybe"), wantErr: "spec.propagation: Unsupported value"},
		{name: "unknown statusCollection", file: file, mutate: set2("spec.statusCollection", "Sometimes"), wantErr: "spec.statusCollection: Unsupported value"},
		{name: "negative observedGeneration", file: file, mutate: set2("status.observedGeneration", int64(-1)), wantErr: "status.observedGeneration"},
		{name: "missing propagationController", file: file, mutate: set2("status.propagationController", nil), wantErr: "status.propagationController: Required value"},
		{name: "unknown statusController", file: file, mutate: set2("status.statusController", "Stopped"), wantErr: "status.statusController: Unsupported value"},
	})
}

func TestReplicaSchedulingPreferenceValidation(t *testing.T) {
	v := replicaSchedulingPreferences
	const file = "replicaschedulingpreference.yaml"
	set2 := func(key string, value interface{}) func(map[string]interface{}) {
		return func(o map[string]interface{}) { set(o, key, value) }
	}
	prefs := func(p map[string]interface{}) func(map[string]interface{}) {
		return set2("spec.clusters", map[string]interface{}{"cluster1": p})
	}
	runResourceCases(t, v, []resourceCase{
		{name: "sample", file: file},
		{name: "no clusters", file: file, mutate: set2("spec.clusters", nil)},
		{name: "replica set", file: file, mutate: set2("spec.targetKind", "FederatedReplicaSet")},
		{name: "other kind", file: file, mutate: set2("spec.targetKind", "FederatedStatefulSet"), wantErr: "spec.targetKind: Unsupported value"},
		{name: "missing totalReplicas", file: file, mutate: set2("spec.totalReplicas", nil), wantErr: "spec.totalReplicas: Required value"},
		{name: "zero totalReplicas", file: file, mutate: set2("spec.totalReplicas", int64(0))},
		{name: "negative totalReplicas", file: file, mutate: set2("spec.totalReplicas", int64(-1)), wantErr: "spec.totalReplicas"},
		{name: "negative weight", file: file, mutate: prefs(map[string]interface{}{"weight": int64(-1)}), wantErr: "spec.clusters.cluster1.weight in body should be greater than or equal to 0"},
		{name: "max equal to min", file: file, mutate: prefs(map[string]interface{}{"minReplicas": int64(3), "maxReplicas": int64(3)})},
		{name: "max zero without min", file: file, mutate: prefs(map[string]interface{}{"maxReplicas": int64(0)})},
		{name: "max below min", file: file, mutate: prefs(map[string]interface{}{"minReplicas": int64(4), "maxReplicas": int64(3)}),
			wantErr: "spec.clusters[cluster1].maxReplicas: Invalid value: maxReplicas must be greater than or equal to minReplicas"},
	})
}

func TestPropagatedVersionValidation(t *testing.T) {
	runResourceCases(t, propagatedVersions, []resourceCase{
		{name: "sample", file: "propagatedversion.yaml"},
		{name: "no overrides version", file: "propagatedversion.yaml", mutate: func(o map[string]interface{}) { set(o, "status.overridesVersion", "") }},
		{name: "cluster version without name", file: "propagatedversion.yaml", mutate: func(o map[string]interface{}) {
			set(o, "status.clusterVersions", []interface{}{map[string]interface{}{"version": "gen:1"}})
		}, wantErr: "status.clusterVersions[0].clusterName: Required value"},
	})
	runResourceCases(t, clusterPropagatedVersions, []resourceCase{
		{name: "sample", file: "clusterpropagatedversion.yaml"},
	})
}

func TestFederatedObjectValidation(t *testing.T) {
	v := federatedDeployments
	const file = "federateddeployment.yaml"
	set2 := func(key string, value interface{}) func(map[string]interface{}) {
		return func(o map[string]interface{}) { set(o, key, value) }
	}
	override := func(o map[string]interface{}) map[string]interface{} {
		return o["spec"].(map[string]interface{})["overrides"].([]interface{})[0].(map[string]interface{})["clusterOverrides"].([]interface{})[0].(map[string]interface{})
	}
	runResourceCases(t, v, []resourceCase{
		{name: "sample", file: file},
		{name: "missing spec", file: file, mutate: set2("spec", nil), wantErr: "spec: Required value"},
		{name: "empty spec", file: file, mutate: set2("spec", map[string]interface{}{})},
		{name: "unknown op", file: file, mutate: func(o map[string]interface{}) { override(o)["op"] = "move" }, wantErr: "clusterOverrides[0].op"},
		{name: "missing path", file: file, mutate: func(o map[string]interface{}) { delete(override(o), "path") }, wantErr: "clusterOverrides[0].path: Required value"},
		{name: "string value", file: file, mutate: func(o map[string]interface{}) { override(o)["value"] = "five" }},
		{name: "cluster without name", file: file, mutate: set2("spec.placement.clusters", []interface{}{map[string]interface{}{}}), wantErr: "spec.placement.clusters[0].name: Required value"},
		{name: "expression without operator", file: file, mutate: set2("spec.placement.clusterSelector.matchExpressions", []interface{}{map[string]interface{}{"key": "tier"}}),
			wantErr: "spec.placement.clusterSelector.matchExpressions[0].operator: Required value"},
		{name: "condition without status", file: file, mutate: set2("status.conditions", []interface{}{map[string]interface{}{"type": "Propagation"}}), wantErr: "status.conditions[0].status: Required value"},
		{name: "bad time", file: file, mutate: set2("status.conditions", []interface{}{map[string]interface{}{"type": "Propagation", "status": "True", "lastUpdateTime": "yesterday"}}),
			wantErr: "status.conditions[0].lastUpdateTime"},
	})

	runResourceCases(t, federatedConfigMaps, []resourceCase{
		{name: "retainReplicas is unknown to a non-scalable type", file: file,
			mutate: func(o map[string]interface{}) {
				set(o, "kind", "FederatedConfigMap")
				set(o, "spec.template", map[string]interface{}{"data": map[string]interface{}{"a": "b"}})
			},
			wantErr: `unknown field "spec.retainReplicas"`},
	})
}
