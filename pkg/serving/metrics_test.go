package serving

import (
	"testing"

	"github.com/spf13/pflag"
)

func TestMetricsFlags(t *testing.T) {
	var m Metrics
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	m.AddFlags(fs, ":9090")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if opts := m.Options(); opts.BindAddress != ":9090" || !opts.SecureServing || opts.FilterProvider == nil {
		t.Errorf("by default metrics must be served securely with the authn/authz filter: %+v", opts)
	}
	if err := fs.Parse([]string{"--metrics-secure=false", "--metrics-bind-address=127.0.0.1:9091"}); err != nil {
		t.Fatal(err)
	}
	if opts := m.Options(); opts.BindAddress != "127.0.0.1:9091" || opts.SecureServing || opts.FilterProvider != nil {
		t.Errorf("--metrics-secure=false: %+v", opts)
	}
}
