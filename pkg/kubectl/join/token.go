package join

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// Token waiting: how often the secret is read, and how often a waiting
// user is told so.
const (
	tokenPollInterval     = 100 * time.Millisecond
	tokenProgressInterval = 5 * time.Second
)

// waitForToken reads the service-account token secret with get until the
// member's token controller has filled its token, printing progress to
// progress while it waits, and gives up after timeout with an error that
// says what to check.
func waitForToken(ctx context.Context, get func(context.Context) (*corev1.Secret, error), what string, timeout time.Duration, progress io.Writer) (*corev1.Secret, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	nextProgress := start
	var lastErr error
	for {
		secret, err := get(ctx)
		switch {
		case err == nil && secret.Type != corev1.SecretTypeServiceAccountToken:
			return nil, fmt.Errorf("%s has type %q, not %q, so no token will be written to it: delete it and join again", what, secret.Type, corev1.SecretTypeServiceAccountToken)
		case err == nil && len(secret.Data[core.ClusterSecretTokenKey]) > 0:
			return secret, nil
		case err != nil && !apierrors.IsNotFound(err):
			lastErr = err
		}
		now := time.Now()
		if !now.Before(deadline) {
			msg := fmt.Sprintf("timed out after %s waiting for the token controller to fill %s: check that kube-controller-manager runs in that cluster with --service-account-private-key-file, or raise --token-timeout", timeout, what)
			if lastErr != nil {
				msg += fmt.Sprintf(" (last error: %v)", lastErr)
			}
			return nil, fmt.Errorf("%s", msg)
		}
		if !now.Before(nextProgress) && now.Sub(start) >= tokenPollInterval {
			if now.Sub(start) < tokenProgressInterval {
				fmt.Fprintf(progress, "Waiting for the token of %s...\n", what)
			} else {
				fmt.Fprintf(progress, "Still waiting for the token of %s (%s of %s)\n", what, now.Sub(start).Round(time.Second), timeout)
			}
			nextProgress = now.Add(tokenProgressInterval)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(tokenPollInterval):
		}
	}
}
