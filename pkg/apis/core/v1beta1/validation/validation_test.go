package validation

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/defaults"
)

// expect checks that errs is empty when fragment is "" and otherwise that
// its aggregate message contains fragment.
func expect(t *testing.T, errs field.ErrorList, fragment string) {
	t.Helper()
	if fragment == "" {
		if len(errs) != 0 {
			t.Fatalf("unexpected errors: %v", errs.ToAggregate())
		}
		return
	}
	if len(errs) == 0 {
		t.Fatalf("no error, want one containing %q", fragment)
	}
	if msg := errs.ToAggregate().Error(); !strings.Contains(msg, fragment) {
		t.Fatalf("error %q does not contain %q", msg, fragment)
	}
}

func validCluster() *v1beta1.KubeFedCluster {
	return &v1beta1.KubeFedCluster{Spec: v1beta1.KubeFedClusterSpec{
		APIEndpoint: "https://example.com:6443",
		SecretRef:   v1beta1.LocalSecretReference{Name: "member-secret"},
	}}
}

func TestAPIEndpointAcceptedForms(t *testing.T) {
	for _, scheme := range []string{"", "http://", "https://"} {
		for _, host := range []string{"example.com", "my.example.com", "192.0.2.219", "[2001:db8:25a4:8d2::1]"} {
			for _, port := range []string{"", ":1", ":80", ":8080", ":65535"} {
				paths := []string{"", "/"}
				if scheme != "" {
					paths = append(paths, "/path/to/endpoint")
				}
				for _, p := range paths {
					c := validCluster()
					c.Spec.APIEndpoint = scheme + host + port + p
					if errs := ValidateKubeFedCluster(c); len(errs) != 0 {
						t.Errorf("%s: %v", c.Spec.APIEndpoint, errs.ToAggregate())
					}
				}
			}
		}
	}
}

func TestKubeFedClusterSpec(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*v1beta1.KubeFedClusterSpec)
		fragment string
	}{
		{"valid", func(*v1beta1.KubeFedClusterSpec) {}, ""},
		{"missing endpoint", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "" }, "spec.apiEndpoint: Required value"},
		{"tcp scheme", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "tcp://example.com" }, `spec.apiEndpoint: Unsupported value: "tcp"`},
		{"port80", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "example.com:port80" }, "invalid port"},
		{"negative port", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "https://example.com:-80" }, "invalid port"},
		{"port 0", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "example.com:0" }, "must be between 1 and 65535, inclusive"},
		{"port 65536", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "https://example.com:65536" }, "must be between 1 and 65535, inclusive"},
		{"no host", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "https://" }, hostPairMessage},
		{"schemeless path", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "example.com/path/to/endpoint" }, hostPairMessage},
		{"missing secret", func(s *v1beta1.KubeFedClusterSpec) { s.SecretRef.Name = "" }, "spec.secretRef.name: Required value"},
		{"bad secret", func(s *v1beta1.KubeFedClusterSpec) { s.SecretRef.Name = "invalid_secretname" }, "spec.secretRef.name: Invalid value"},
		{"tls star alone", func(s *v1beta1.KubeFedClusterSpec) { s.DisabledTLSValidations = []v1beta1.TLSValidation{"*"} }, ""},
		{"tls both", func(s *v1beta1.KubeFedClusterSpec) {
			s.DisabledTLSValidations = []v1beta1.TLSValidation{"SubjectName", "ValidityPeriod"}
		}, ""},
		{"tls star not alone", func(s *v1beta1.KubeFedClusterSpec) {
			s.DisabledTLSValidations = []v1beta1.TLSValidation{"*", "SubjectName"}
		}, "when * is specified, it is expected to be the only option in list"},
		{"tls unknown", func(s *v1beta1.KubeFedClusterSpec) { s.DisabledTLSValidations = []v1beta1.TLSValidation{"Nope"} }, "spec.disabledTLSValidations[0]: Unsupported value"},
		{"proxy ok", func(s *v1beta1.KubeFedClusterSpec) { s.ProxyURL = "socks5://proxy:1080" }, ""},
		{"proxy no scheme", func(s *v1beta1.KubeFedClusterSpec) { s.ProxyURL = "example.com" }, "proxy URL scheme must be one of: [http, https, socks5]"},
		{"proxy socks6", func(s *v1beta1.KubeFedClusterSpec) { s.ProxyURL = "socks6://example.com" }, "proxy URL scheme must be one of"},
		{"proxy user", func(s *v1beta1.KubeFedClusterSpec) { s.ProxyURL = "chewbacca@example.com" }, "proxy URL scheme must be one of"},
		{"taints ok", func(s *v1beta1.KubeFedClusterSpec) {
			s.Taints = []v1beta1.Taint{{Key: "example.com/team", Value: "a", Effect: v1beta1.TaintNoSchedule}, {Key: "example.com/team", Effect: v1beta1.TaintNoExecute}}
		}, ""},
		{"taint key", func(s *v1beta1.KubeFedClusterSpec) {
			s.Taints = []v1beta1.Taint{{Key: "a b", Effect: v1beta1.TaintNoSchedule}}
		}, "spec.taints[0].key"},
		{"taint effect", func(s *v1beta1.KubeFedClusterSpec) {
			s.Taints = []v1beta1.Taint{{Key: "a", Effect: "PreferNoSchedule"}}
		}, "spec.taints[0].effect"},
		{"taint twice", func(s *v1beta1.KubeFedClusterSpec) {
			s.Taints = []v1beta1.Taint{{Key: "a", Effect: v1beta1.TaintNoSchedule}, {Key: "a", Value: "x", Effect: v1beta1.TaintNoSchedule}}
		}, "spec.taints[1]: Duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCluster()
			tt.mutate(&c.Spec)
			expect(t, ValidateKubeFedCluster(c), tt.fragment)
		})
	}
}

func TestKubeFedClusterSpecListsAllProblems(t *testing.T) {
	c := &v1beta1.KubeFedCluster{Spec: v1beta1.KubeFedClusterSpec{ProxyURL: "socks6://x"}}
	errs := ValidateKubeFedCluster(c)
	if len(errs) != 3 {
		t.Fatalf("want 3 errors (endpoint, secret, proxy), got %v", errs.ToAggregate())
	}
}

func TestKubeFedClusterStatus(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name     string
		cond     v1beta1.ClusterCondition
		fragment string
	}{
		{"valid", v1beta1.ClusterCondition{Type: v1beta1.ClusterReady, Status: corev1.ConditionTrue, LastProbeTime: now}, ""},
		{"missing type", v1beta1.ClusterCondition{Status: corev1.ConditionTrue, LastProbeTime: now}, "status.conditions[0].type: Required value"},
		{"bad type", v1beta1.ClusterCondition{Type: "Happy", Status: corev1.ConditionTrue, LastProbeTime: now}, "status.conditions[0].type: Unsupported value"},
		{"missing status", v1beta1.ClusterCondition{Type: v1beta1.ClusterOffline, LastProbeTime: now}, "status.conditions[0].status: Required value"},
		{"bad status", v1beta1.ClusterCondition{Type: v1beta1.ClusterOffline, Status: "Maybe", LastProbeTime: now}, "status.conditions[0].status: Unsupported value"},
		{"no probe time", v1beta1.ClusterCondition{Type: v1beta1.ClusterConfigMalformed, Status: corev1.ConditionFalse}, "status.conditions[0].lastProbeTime: Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &v1beta1.KubeFedClusterStatus{Conditions: []v1beta1.ClusterCondition{tt.cond}}
			expect(t, ValidateKubeFedClusterStatus(s, field.NewPath("status")), tt.fragment)
		})
	}
}

func defaultedConfig() *v1beta1.KubeFedConfig {
	cfg := &v1beta1.KubeFedConfig{Spec: v1beta1.KubeFedConfigSpec{Scope: v1beta1.ClusterScoped}}
	defaults.SetDefaultKubeFedConfig(cfg)
	return cfg
}

func TestKubeFedConfig(t *testing.T) {
	dur := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name     string
		mutate   func(*v1beta1.KubeFedConfigSpec)
		fragment string
	}{
		{"defaulted", func(*v1beta1.KubeFedConfigSpec) {}, ""},
		{"no scope", func(s *v1beta1.KubeFedConfigSpec) { s.Scope = "" }, "spec.scope: Required value"},
		{"bad scope", func(s *v1beta1.KubeFedConfigSpec) { s.Scope = "Galaxy" }, "spec.scope: Unsupported value"},
		{"no durations", func(s *v1beta1.KubeFedConfigSpec) { s.ControllerDuration = nil }, "spec.controllerDuration: Required value"},
		{"inventory namespaces", func(s *v1beta1.KubeFedConfigSpec) {
			s.Inventory = &v1beta1.InventoryConfig{Namespace: "fleet", ProfileNamespace: "fleet-out"}
		}, ""},
		{"bad inventory namespace", func(s *v1beta1.KubeFedConfigSpec) { s.Inventory = &v1beta1.InventoryConfig{Namespace: "Fleet_1"} }, "spec.inventory.namespace: Invalid value"},
		{"bad profile namespace", func(s *v1beta1.KubeFedConfigSpec) { s.Inventory = &v1beta1.InventoryConfig{ProfileNamespace: "-x"} }, "spec.inventory.profileNamespace: Invalid value"},
		{"no available delay", func(s *v1beta1.KubeFedConfigSpec) { s.ControllerDuration.AvailableDelay = nil }, "spec.controllerDuration.availableDelay: Required value"},
		{"zero unavailable delay", func(s *v1beta1.KubeFedConfigSpec) { s.ControllerDuration.UnavailableDelay = dur(0) }, "spec.controllerDuration.unavailableDelay: Invalid value"},
		{"negative cache sync", func(s *v1beta1.KubeFedConfigSpec) { s.ControllerDuration.CacheSyncTimeout = dur(-time.Second) }, "spec.controllerDuration.cacheSyncTimeout: Invalid value"},
		{"no leader elect", func(s *v1beta1.KubeFedConfigSpec) { s.LeaderElect = nil }, "spec.leaderElect: Required value"},
		{"lease not above renew", func(s *v1beta1.KubeFedConfigSpec) { s.LeaderElect.LeaseDuration = dur(10 * time.Second) }, "leaseDuration must be greater than renewDeadline"},
		{"renew 12 retry 10", func(s *v1beta1.KubeFedConfigSpec) {
			s.LeaderElect.RenewDeadline, s.LeaderElect.RetryPeriod = dur(12*time.Second), dur(10*time.Second)
		}, "spec.leaderElect.renewDeadline: Invalid value"},
		{"no lock", func(s *v1beta1.KubeFedConfigSpec) { s.LeaderElect.ResourceLock = nil }, "spec.leaderElect.resourceLock: Required value"},
		{"bad lock", func(s *v1beta1.KubeFedConfigSpec) {
			l := v1beta1.ResourceLockType("leases")
			s.LeaderElect.ResourceLock = &l
		}, "spec.leaderElect.resourceLock: Unsupported value"},
		{"nil gates", func(s *v1beta1.KubeFedConfigSpec) { s.FeatureGates = nil }, "spec.featureGates: Required value"},
		{"duplicate gate", func(s *v1beta1.KubeFedConfigSpec) {
			s.FeatureGates = append(s.FeatureGates, v1beta1.FeatureGatesConfig{Name: v1beta1.PushReconciler, Configuration: v1beta1.ConfigurationEnabled})
		}, "Duplicate value"},
		{"removed gate", func(s *v1beta1.KubeFedConfigSpec) {
			s.FeatureGates = append(s.FeatureGates, v1beta1.FeatureGatesConfig{Name: "FederatedIngress", Configuration: v1beta1.ConfigurationEnabled})
		}, `Unsupported value: "FederatedIngress"`},
		{"bad gate configuration", func(s *v1beta1.KubeFedConfigSpec) { s.FeatureGates[0].Configuration = "On" }, "spec.featureGates[0].configuration: Unsupported value"},
		{"no health check", func(s *v1beta1.KubeFedConfigSpec) { s.ClusterHealthCheck = nil }, "spec.clusterHealthCheck: Required value"},
		{"zero period", func(s *v1beta1.KubeFedConfigSpec) { s.ClusterHealthCheck.Period = dur(0) }, "spec.clusterHealthCheck.period: Invalid value"},
		{"zero timeout", func(s *v1beta1.KubeFedConfigSpec) { s.ClusterHealthCheck.Timeout = dur(0) }, "spec.clusterHealthCheck.timeout: Invalid value"},
		{"no failure threshold", func(s *v1beta1.KubeFedConfigSpec) { s.ClusterHealthCheck.FailureThreshold = nil }, "spec.clusterHealthCheck.failureThreshold: Required value"},
		{"zero success threshold", func(s *v1beta1.KubeFedConfigSpec) { s.ClusterHealthCheck.SuccessThreshold = n(0) }, "spec.clusterHealthCheck.successThreshold: Invalid value"},
		{"no sync controller", func(s *v1beta1.KubeFedConfigSpec) { s.SyncController = nil }, "spec.syncController: Required value"},
		{"no adopt resources", func(s *v1beta1.KubeFedConfigSpec) {
			s.SyncController.AdoptResources = nil
			s.SyncController.MaxConcurrentReconciles = n(0)
		}, "spec.syncController.adoptResources: Required value"},
		{"zero sync workers", func(s *v1beta1.KubeFedConfigSpec) { s.SyncController.MaxConcurrentReconciles = n(0) }, "spec.syncController.maxConcurrentReconciles: Invalid value"},
		{"bad adopt", func(s *v1beta1.KubeFedConfigSpec) {
			a := v1beta1.ResourceAdoption("Sometimes")
			s.SyncController.AdoptResources = &a
		}, "spec.syncController.adoptResources: Unsupported value"},
		{"no status controller", func(s *v1beta1.KubeFedConfigSpec) { s.StatusController = nil }, "spec.statusController: Required value"},
		{"zero status workers", func(s *v1beta1.KubeFedConfigSpec) { s.StatusController.MaxConcurrentReconciles = n(0) }, "spec.statusController.maxConcurrentReconciles: Invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultedConfig()
			tt.mutate(&cfg.Spec)
			expect(t, ValidateKubeFedConfig(cfg, nil), tt.fragment)
		})
	}
}

func TestKubeFedConfigOnlyAdoptResourcesWhenNil(t *testing.T) {
	cfg := defaultedConfig()
	cfg.Spec.SyncController.AdoptResources = nil
	cfg.Spec.SyncController.MaxConcurrentReconciles = nil
	errs := ValidateKubeFedConfig(cfg, nil)
	if len(errs) != 1 || errs[0].Field != "spec.syncController.adoptResources" {
		t.Fatalf("want only adoptResources: Required value, got %v", errs.ToAggregate())
	}
}

func TestKubeFedConfigScopeIsImmutable(t *testing.T) {
	old := defaultedConfig()
	cfg := defaultedConfig()
	expect(t, ValidateKubeFedConfig(cfg, old), "")
	cfg.Spec.Scope = v1beta1.NamespaceScoped
	expect(t, ValidateKubeFedConfig(cfg, old), `spec.scope: Invalid value: "Namespaced": field is immutable`)
}

func validFTC() *v1beta1.FederatedTypeConfig {
	ftc := &v1beta1.FederatedTypeConfig{Spec: v1beta1.FederatedTypeConfigSpec{
		TargetType:    v1beta1.APIResource{Group: "apps", Version: "v1", Kind: "Deployment", PluralName: "deployments", Scope: v1beta1.NamespaceScoped},
		FederatedType: v1beta1.APIResource{Group: "types.kubefed.io", Version: "v1beta1", Kind: "FederatedDeployment", PluralName: "federateddeployments", Scope: v1beta1.NamespaceScoped},
		Propagation:   v1beta1.PropagationEnabled,
	}}
	ftc.Name = "deployments.apps"
	return ftc
}

func TestFederatedTypeConfig(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*v1beta1.FederatedTypeConfig)
		fragment string
	}{
		{"valid", func(*v1beta1.FederatedTypeConfig) {}, ""},
		{"name without group", func(f *v1beta1.FederatedTypeConfig) { f.Name = "deployments" }, FTCNameMessage},
		{"singular core name", func(f *v1beta1.FederatedTypeConfig) {
			f.Name = "service"
			f.Spec.TargetType = v1beta1.APIResource{Version: "v1", Kind: "Service", PluralName: "services", Scope: v1beta1.NamespaceScoped}
		}, FTCNameMessage},
		{"bad group", func(f *v1beta1.FederatedTypeConfig) {
			f.Spec.TargetType.Group = "invalid#group"
			f.Name = "deployments.invalid#group"
		}, "consist of lower case alphanumeric characters, '-' or '.'"},
		{"no version", func(f *v1beta1.FederatedTypeConfig) { f.Spec.TargetType.Version = "" }, "spec.targetType.version: Required value"},
		{"upper version", func(f *v1beta1.FederatedTypeConfig) { f.Spec.FederatedType.Version = "Alpha" }, "must consist of lower case alphanumeric characters"},
		{"no kind", func(f *v1beta1.FederatedTypeConfig) { f.Spec.TargetType.Kind = "" }, "spec.targetType.kind: Required value"},
		{"dotted kind", func(f *v1beta1.FederatedTypeConfig) { f.Spec.TargetType.Kind = "Invalid.Kind" }, "spec.targetType.kind: Invalid value"},
		{"no plural", func(f *v1beta1.FederatedTypeConfig) { f.Spec.FederatedType.PluralName = "" }, "spec.federatedType.pluralName: Required value"},
		{"digit plural", func(f *v1beta1.FederatedTypeConfig) { f.Spec.FederatedType.PluralName = "2InvalidKind" }, "start with an alphabetic character"},
		{"no scope", func(f *v1beta1.FederatedTypeConfig) { f.Spec.TargetType.Scope = "" }, "spec.targetType.scope: Required value"},
		{"bad scope", func(f *v1beta1.FederatedTypeConfig) { f.Spec.TargetType.Scope = "Global" }, "spec.targetType.scope: Unsupported value"},
		{"federated group missing", func(f *v1beta1.FederatedTypeConfig) { f.Spec.FederatedType.Group = "" }, "spec.federatedType.group: Required value"},
		{"federated group no dot", func(f *v1beta1.FederatedTypeConfig) { f.Spec.FederatedType.Group = "nodomain" }, "should be a domain with at least one dot"},
		{"status group no dot", func(f *v1beta1.FederatedTypeConfig) {
			f.Spec.StatusType = &v1beta1.APIResource{Group: "nodomain", Version: "v1alpha1", Kind: "FederatedServiceStatus", PluralName: "federatedservicestatuses", Scope: v1beta1.NamespaceScoped}
		}, "spec.statusType.group: Invalid value: \"nodomain\": should be a domain with at least one dot"},
		{"no propagation", func(f *v1beta1.FederatedTypeConfig) { f.Spec.Propagation = "" }, "spec.propagation: Required value"},
		{"bad propagation", func(f *v1beta1.FederatedTypeConfig) { f.Spec.Propagation = "Sometimes" }, "spec.propagation: Unsupported value"},
		{"bad status collection", func(f *v1beta1.FederatedTypeConfig) {
			m := v1beta1.StatusCollectionMode("On")
			f.Spec.StatusCollection = &m
		}, "spec.statusCollection: Unsupported value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ftc := validFTC()
			tt.mutate(ftc)
			expect(t, ValidateFederatedTypeConfig(ftc), tt.fragment)
		})
	}
}

func TestFederatedTypeConfigStatus(t *testing.T) {
	running := v1beta1.ControllerStatusRunning
	bad := v1beta1.ControllerStatus("Sleeping")
	tests := []struct {
		name     string
		status   v1beta1.FederatedTypeConfigStatus
		fragment string
	}{
		{"valid", v1beta1.FederatedTypeConfigStatus{PropagationController: running, StatusController: &running}, ""},
		{"negative generation", v1beta1.FederatedTypeConfigStatus{ObservedGeneration: -1, PropagationController: running}, "must be greater than or equal to 0"},
		{"no propagation controller", v1beta1.FederatedTypeConfigStatus{}, "status.propagationController: Required value"},
		{"bad propagation controller", v1beta1.FederatedTypeConfigStatus{PropagationController: bad}, "status.propagationController: Unsupported value"},
		{"bad status controller", v1beta1.FederatedTypeConfigStatus{PropagationController: running, StatusController: &bad}, "status.statusController: Unsupported value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, ValidateFederatedTypeConfigStatus(&tt.status, field.NewPath("status")), tt.fragment)
		})
	}
}

func TestConnectionChangesAndInsecureConnection(t *testing.T) {
	base := v1beta1.KubeFedClusterSpec{APIEndpoint: "https://m:6443", SecretRef: v1beta1.LocalSecretReference{Name: "s"}, CABundle: []byte("ca")}
	for _, tc := range []struct {
		name     string
		change   func(*v1beta1.KubeFedClusterSpec)
		paths    string
		insecure string
	}{
		{"nothing", func(*v1beta1.KubeFedClusterSpec) {}, "", ""},
		{"http endpoint", func(s *v1beta1.KubeFedClusterSpec) { s.APIEndpoint = "HTTP://m:8080" }, "spec.apiEndpoint",
			"the API endpoint is http://, so the token travels in clear text"},
		{"every field", func(s *v1beta1.KubeFedClusterSpec) {
			s.APIEndpoint, s.SecretRef.Name, s.CABundle, s.ProxyURL = "https://x:6443", "t", []byte("other"), "socks5://p:1080"
			s.DisabledTLSValidations = []v1beta1.TLSValidation{v1beta1.TLSSubjectName, v1beta1.TLSValidityPeriod}
		}, "spec.apiEndpoint spec.secretRef spec.caBundle spec.proxyURL spec.disabledTLSValidations",
			"TLS validations are disabled (SubjectName, ValidityPeriod)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := base
			tc.change(&spec)
			var paths []string
			for _, p := range ConnectionChanges(&base, &spec, field.NewPath("spec")) {
				paths = append(paths, p.String())
			}
			if got := strings.Join(paths, " "); got != tc.paths {
				t.Errorf("ConnectionChanges = %q, want %q", got, tc.paths)
			}
			if got := InsecureConnection(&spec); got != tc.insecure {
				t.Errorf("InsecureConnection = %q, want %q", got, tc.insecure)
			}
			if errs := ValidateKubeFedClusterConnection(&spec, field.NewPath("spec"), false); (len(errs) > 0) != (tc.insecure != "") {
				t.Errorf("ValidateKubeFedClusterConnection without the switch = %v", errs)
			}
			if errs := ValidateKubeFedClusterConnection(&spec, field.NewPath("spec"), true); len(errs) > 0 {
				t.Errorf("ValidateKubeFedClusterConnection with the switch = %v", errs)
			}
		})
	}
}
