package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWaitUntil(t *testing.T) {
	w := Wait{Enabled: true, Timeout: time.Second, Interval: time.Millisecond}
	t.Run("done after progress, each change printed once", func(t *testing.T) {
		steps := []string{"a", "a", "b", ""}
		var out bytes.Buffer
		i := 0
		err := w.Until(context.Background(), &out, "x to be ready", "fix it", func(context.Context) (bool, string, error) {
			s := steps[i]
			i++
			return s == "", s, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(out.String(), "waiting for x to be ready: "); got != 2 {
			t.Errorf("printed %d progress lines, want 2 (a, b):\n%s", got, out.String())
		}
	})
	t.Run("timeout names what, the last progress and the fix", func(t *testing.T) {
		short := w
		short.Timeout = 20 * time.Millisecond
		err := short.Until(context.Background(), &bytes.Buffer{}, "x to be ready", "fix it", func(context.Context) (bool, string, error) {
			return false, "still b", nil
		})
		if err == nil || !strings.Contains(err.Error(), "timed out after 20ms waiting for x to be ready (last seen: still b); fix it") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an error of the check ends the wait", func(t *testing.T) {
		err := w.Until(context.Background(), &bytes.Buffer{}, "x", "", func(context.Context) (bool, string, error) {
			return false, "", errors.New("forbidden")
		})
		if err == nil || err.Error() != "waiting for x: forbidden" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an error of a check the timeout falls before the next of times out, naming it", func(t *testing.T) {
		near := Wait{Enabled: true, Timeout: 30 * time.Millisecond, Interval: time.Second}
		err := near.Until(context.Background(), &bytes.Buffer{}, "x to be ready", "fix it", func(context.Context) (bool, string, error) {
			return false, "", errors.New("client rate limiter Wait returned an error: rate: Wait(n=1) would exceed context deadline")
		})
		want := "timed out after 30ms waiting for x to be ready (last seen: ); the last check failed: client rate limiter Wait returned an error: rate: Wait(n=1) would exceed context deadline; fix it"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})
	if err := (Wait{Timeout: -time.Second}).Validate(); err == nil {
		t.Error("a negative timeout is accepted")
	}
}
