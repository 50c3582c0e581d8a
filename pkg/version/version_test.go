package version

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestGetReportsRuntimeFacts(t *testing.T) {
	info := Get()
	if info.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", info.GoVersion, runtime.Version())
	}
	if info.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("Platform = %q", info.Platform)
	}
	if info.GitVersion == "" {
		t.Error("GitVersion is empty")
	}
}

func TestAddFlagPrintsBinaryAndInfo(t *testing.T) {
	cmd := &cobra.Command{Use: "thing"}
	AddFlag(cmd, "thing")
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--version"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("--version: %v", err)
	}
	want := "thing version: " + Get().String() + "\n"
	if out.String() != want {
		t.Errorf("--version printed %q, want %q", out.String(), want)
	}
	if !strings.Contains(out.String(), `GitVersion:"`+Get().GitVersion+`"`) {
		t.Errorf("output lacks the git version: %q", out.String())
	}
}
