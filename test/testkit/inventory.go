package testkit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
)

// InstallInventoryCRDs installs the cluster inventory's CRDs
// (ClusterProfile, PlacementDecision: manifests/inventory) in the cluster
// of cfg, for tests that use ClusterProfiles.
func InstallInventoryCRDs(ctx context.Context, cfg *rest.Config) error {
	root, err := fleet.RepositoryRoot()
	if err != nil {
		return err
	}
	crds, err := LoadCRDs(filepath.Join(root, "manifests", "inventory"))
	if err != nil {
		return err
	}
	return InstallCRDs(ctx, cfg, crds...)
}

// ExecProviderFile writes a cluster inventory access provider file (the
// JSON of the syncer's and the views' --clusterprofile-provider-file)
// whose provider named provider is a client-go exec plugin that answers
// with the client certificate of cfg (cat of an ExecCredential file), and
// returns its path: what a ClusterProfile listing that provider is
// reached with, without building a credential plugin.
func ExecProviderFile(t testing.TB, provider string, cfg *rest.Config) string {
	t.Helper()
	dir := t.TempDir()
	credential, err := json.Marshal(map[string]any{
		"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
		"status": map[string]any{"clientCertificateData": string(cfg.CertData), "clientKeyData": string(cfg.KeyData)},
	})
	if err != nil {
		t.Fatal(err)
	}
	credentialPath := filepath.Join(dir, "credential.json")
	if err := os.WriteFile(credentialPath, credential, 0o600); err != nil {
		t.Fatal(err)
	}
	providers, err := json.Marshal(map[string]any{"providers": []any{map[string]any{
		"name": provider,
		"execConfig": map[string]any{"apiVersion": "client.authentication.k8s.io/v1", "command": "cat",
			"args": []string{credentialPath}, "interactiveMode": "Never"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "providers.json")
	if err := os.WriteFile(path, providers, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
