// Command credplugin is the test credential plugin of the cluster inventory
// tests: a client-go exec plugin, built on the inventory module's
// credentialplugin helpers, that answers with the bearer token read from
// the file its --token-file argument names.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	clientauthenticationv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	"sigs.k8s.io/cluster-inventory-api/pkg/credentialplugin"
)

// tokenFile gives the token kept in a file.
type tokenFile struct{ path string }

// Name names the plugin in its error messages.
func (tokenFile) Name() string { return "credplugin" }

// GetToken reads the token.
func (p tokenFile) GetToken(context.Context, clientauthenticationv1.ExecCredential) (clientauthenticationv1.ExecCredentialStatus, error) {
	data, err := os.ReadFile(p.path)
	if err != nil {
		return clientauthenticationv1.ExecCredentialStatus{}, fmt.Errorf("reading the token: %w", err)
	}
	return clientauthenticationv1.ExecCredentialStatus{Token: strings.TrimSpace(string(data))}, nil
}

func main() {
	path := flag.String("token-file", "", "file holding the bearer token")
	flag.Parse()
	credentialplugin.Run(tokenFile{path: *path})
}
