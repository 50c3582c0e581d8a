package join

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// tokenSource returns a getter whose secret has no token for the first
// `empty` reads and has one afterwards.
func tokenSource(empty int, secretType corev1.SecretType) func(context.Context) (*corev1.Secret, error) {
	reads := 0
	return func(context.Context) (*corev1.Secret, error) {
		reads++
		if reads == 1 {
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, "s")
		}
		s := &corev1.Secret{Type: secretType}
		if reads > empty {
			s.Data = map[string][]byte{"token": []byte("t")}
		}
		return s, nil
	}
}

func TestWaitForToken(t *testing.T) {
	var progress bytes.Buffer
	s, err := waitForToken(context.Background(), tokenSource(3, corev1.SecretTypeServiceAccountToken), "secret kf/s", 5*time.Second, &progress)
	if err != nil || string(s.Data["token"]) != "t" {
		t.Fatalf("waitForToken = %v, %v", s, err)
	}
	if !strings.Contains(progress.String(), "Waiting for the token of secret kf/s") {
		t.Errorf("no progress shown: %q", progress.String())
	}

	_, err = waitForToken(context.Background(), tokenSource(1<<30, corev1.SecretTypeServiceAccountToken), "secret kf/s", 300*time.Millisecond, &progress)
	if err == nil || !strings.Contains(err.Error(), "timed out after 300ms waiting for the token controller to fill secret kf/s") || !strings.Contains(err.Error(), "--token-timeout") {
		t.Errorf("timeout error = %v", err)
	}

	_, err = waitForToken(context.Background(), tokenSource(1<<30, corev1.SecretTypeOpaque), "secret kf/s", time.Second, &progress)
	if err == nil || !strings.Contains(err.Error(), `has type "Opaque"`) {
		t.Errorf("wrong-type error = %v", err)
	}
}
