package deploy

import "testing"

// TestSyncerServiceAccountPropagates propagates with the base's syncer RBAC.
func TestSyncerServiceAccountPropagates(t *testing.T) {
	control.CheckSyncerPropagates(t, "rbac-check")
}

// TestWebhookServiceAccountRotatesAndAdmits admits with the base's webhook RBAC.
func TestWebhookServiceAccountRotatesAndAdmits(t *testing.T) {
	control.CheckWebhookRotatesAndAdmits(t, "webhook-check",
		"validatingwebhookconfiguration/validations.core.kubefed.io", "mutatingwebhookconfiguration/mutation.core.kubefed.io")
}
