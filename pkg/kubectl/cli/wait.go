package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// WaitInterval is how often a --wait looks again.
const WaitInterval = time.Second

// DefaultWaitTimeout is the default --timeout of --wait.
const DefaultWaitTimeout = 2 * time.Minute

// Wait is the --wait and --timeout of a command that changes something the
// control plane then acts on.
type Wait struct {
	// Enabled is --wait.
	Enabled bool
	// Timeout bounds the wait; 0 waits until interrupted.
	Timeout time.Duration
	// Interval is how often the condition is checked (WaitInterval when 0).
	Interval time.Duration
}

// AddWaitFlags adds --wait (what it waits for is until) and --timeout.
func AddWaitFlags(cmd *cobra.Command, w *Wait, until string, timeout time.Duration) {
	w.Timeout = timeout
	cmd.Flags().BoolVar(&w.Enabled, "wait", false, "Wait until "+until+", printing the progress on standard error")
	cmd.Flags().DurationVar(&w.Timeout, "timeout", timeout, "How long --wait waits (0: no limit)")
}

// Validate checks --timeout.
func (w Wait) Validate() error {
	if w.Timeout < 0 {
		return fmt.Errorf("--timeout must not be negative, got %s", w.Timeout)
	}
	return nil
}

// Until polls check until it reports done, printing to progressOut each
// progress line that differs from the last, prefixed with the time waited.
// An error of check ends the wait, unless the timeout falls before the
// next check: a read that starts that close to it may fail because of it
// (client-go's rate limiter refuses a request that would outlast the
// deadline), so the wait times out as usual, naming that error. After the
// timeout it fails naming what (e.g. `kubefedcluster/member1 to be
// Ready`), the last progress and hint, the fix.
func (w Wait) Until(ctx context.Context, progressOut io.Writer, what, hint string, check func(context.Context) (done bool, progress string, err error)) error {
	interval := w.Interval
	if interval <= 0 {
		interval = WaitInterval
	}
	if w.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.Timeout)
		defer cancel()
	}
	start := time.Now()
	last := ""
	var lastErr error
	for {
		done, progress, err := check(ctx)
		lastErr = err
		switch {
		case err != nil && ctx.Err() == nil && !timeoutBefore(ctx, interval):
			return fmt.Errorf("waiting for %s: %w", what, err)
		case err == nil && done:
			return nil
		case err == nil && progress != last:
			fmt.Fprintf(progressOut, "%s: waiting for %s: %s\n", time.Since(start).Round(time.Second), what, progress)
			last = progress
		}
		select {
		case <-ctx.Done():
			if w.Timeout > 0 && ctx.Err() == context.DeadlineExceeded {
				if lastErr != nil && !errors.Is(lastErr, context.DeadlineExceeded) {
					return fmt.Errorf("timed out after %s waiting for %s (last seen: %s); the last check failed: %v; %s", w.Timeout, what, last, lastErr, hint)
				}
				return fmt.Errorf("timed out after %s waiting for %s (last seen: %s); %s", w.Timeout, what, last, hint)
			}
			return fmt.Errorf("stopped waiting for %s (last seen: %s): %w", what, last, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// timeoutBefore reports whether ctx's deadline comes within d.
func timeoutBefore(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) <= d
}
