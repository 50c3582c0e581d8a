package testkit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// WriteRequests returns how many write requests (POST, PUT, PATCH, DELETE,
// APPLY, whatever their answer, no-op updates included) the API server of
// cfg has served so far for resource (a plural, e.g. "configmaps") outside
// subresources, summed over groups and versions, from its
// apiserver_request_total metric. A difference of two readings counts the
// writes in between, which a watch does not see when an update changed
// nothing. verbs, when given, limits the count to those verbs (e.g. "PUT",
// "PATCH" and "APPLY" to count updates only).
func WriteRequests(ctx context.Context, cfg *rest.Config, resource string, verbs ...string) (int64, error) {
	if len(verbs) == 0 {
		verbs = []string{"POST", "PUT", "PATCH", "DELETE", "APPLY"}
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	raw, err := kube.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading the API server's metrics: %w", err)
	}
	var n int64
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") || !strings.Contains(line, `resource="`+resource+`"`) ||
			!strings.Contains(line, `subresource=""`) {
			continue
		}
		for _, verb := range verbs {
			if strings.Contains(line, `verb="`+verb+`"`) {
				fields := strings.Fields(line)
				v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
				if err != nil {
					return 0, fmt.Errorf("parsing %q: %w", line, err)
				}
				n += int64(v)
			}
		}
	}
	return n, scanner.Err()
}
