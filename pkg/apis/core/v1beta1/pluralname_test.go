package v1beta1

import "testing"

func TestPluralName(t *testing.T) {
	tests := []struct {
		kind string
		want string
	}{
		{kind: "Ingress", want: "ingresses"},
		{kind: "Policy", want: "policies"},
		{kind: "NetworkPolicy", want: "networkpolicies"},
		{kind: "Deployment", want: "deployments"},
		{kind: "ConfigMap", want: "configmaps"},
		{kind: "Namespace", want: "namespaces"},
		{kind: "Box", want: "boxes"},
		{kind: "Branch", want: "branches"},
		{kind: "Mesh", want: "meshes"},
		{kind: "Quiz", want: "quizes"},
		{kind: "Potato", want: "potatoes"},
		{kind: "Endpoints", want: "endpointses"},
		{kind: "Gateway", want: "gatewaies"},
		{kind: "FederatedDeployment", want: "federateddeployments"},
		{kind: "y", want: "ies"},
		{kind: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if got := PluralName(tt.kind); got != tt.want {
				t.Errorf("PluralName(%q) = %q, want %q", tt.kind, got, tt.want)
			}
		})
	}
}

func TestQualifiedName(t *testing.T) {
	tests := []struct {
		resource APIResource
		want     string
	}{
		{resource: APIResource{PluralName: "configmaps"}, want: "configmaps"},
		{resource: APIResource{Group: "apps", PluralName: "deployments"}, want: "deployments.apps"},
		{resource: APIResource{Group: "rbac.authorization.k8s.io", PluralName: "clusterroles"}, want: "clusterroles.rbac.authorization.k8s.io"},
	}
	for _, tt := range tests {
		if got := tt.resource.QualifiedName(); got != tt.want {
			t.Errorf("%+v.QualifiedName() = %q, want %q", tt.resource, got, tt.want)
		}
	}
}
