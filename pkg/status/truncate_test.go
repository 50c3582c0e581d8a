package status

import (
	"strings"
	"testing"
	"unicode/utf8"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestTruncate(t *testing.T) {
	cases := []struct {
		name, message string
		limit         int
		want          string
	}{
		{"short message unchanged", "invalid key", 100, "invalid key"},
		{"exactly the limit unchanged", strings.Repeat("a", 40), 40, strings.Repeat("a", 40)},
		{"long message cut with its length", strings.Repeat("a", 100), 40, strings.Repeat("a", 14) + "... (100 bytes, truncated)"},
		{"cut on a rune boundary", "a" + strings.Repeat("é", 50), 40, "a" + strings.Repeat("é", 6) + "... (101 bytes, truncated)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Truncate(tc.message, tc.limit)
			if got != tc.want {
				t.Errorf("Truncate = %q, want %q", got, tc.want)
			}
			if len(got) > tc.limit || !utf8.ValidString(got) {
				t.Errorf("Truncate = %q: %d bytes (limit %d), valid UTF-8 %v", got, len(got), tc.limit, utf8.ValidString(got))
			}
		})
	}
}

func TestHugeMessageIsBoundedInTheStatus(t *testing.T) {
	huge := strings.Repeat("x", 400*1024)
	next, _ := Next(typesv1beta1.FederatedStatus{}, Pass{Clusters: map[string]typesv1beta1.PropagationStatus{"cluster1": typesv1beta1.CreationFailed},
		Messages: map[string]string{"cluster1": huge}}, now)
	if got := len(next.Clusters[0].Message); got > MessageLimit {
		t.Errorf("status message is %d bytes, want at most %d", got, MessageLimit)
	}
}
