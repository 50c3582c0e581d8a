package syncer

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestUnschedulableWindowDefaultsToSixtySeconds: --unschedulable-window
// keeps KubeFed's 60 s unless given, and a given value is parsed.
func TestUnschedulableWindowDefaultsToSixtySeconds(t *testing.T) {
	cmd := NewCommand()
	f := cmd.Flags().Lookup("unschedulable-window")
	if f == nil {
		t.Fatal("the syncer has no --unschedulable-window flag")
	}
	if f.DefValue != (60 * time.Second).String() {
		t.Errorf("--unschedulable-window defaults to %s, want 1m0s", f.DefValue)
	}
	if err := cmd.ParseFlags([]string{"--unschedulable-window=12s"}); err != nil {
		t.Fatal(err)
	}
	if got, err := cmd.Flags().GetDuration("unschedulable-window"); err != nil || got != 12*time.Second {
		t.Errorf("--unschedulable-window=12s parsed as %s (%v)", got, err)
	}
}

// TestRunRejectsANonPositiveUnschedulableWindow: a zero window would move
// replicas the moment a pod is unschedulable; Run refuses it before
// connecting anywhere.
func TestRunRejectsANonPositiveUnschedulableWindow(t *testing.T) {
	for _, window := range []time.Duration{0, -time.Second} {
		err := (&Options{UnschedulableWindow: window}).Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "--unschedulable-window") {
			t.Errorf("window %s: Run returned %v, want an error naming --unschedulable-window", window, err)
		}
	}
}
