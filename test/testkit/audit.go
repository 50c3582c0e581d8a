package testkit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// UpdatesAuditPolicy returns an audit policy (for fleet.Options.AuditPolicy)
// that logs, at Metadata level and once per request (when it completes),
// the update and patch requests (server-side apply included) of the named
// core resources, e.g. "configmaps", and nothing else: cheap enough for
// any suite, and what UpdateRequests reads.
func UpdatesAuditPolicy(resources ...string) string {
	quoted, _ := json.Marshal(resources)
	return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: Metadata
  verbs: ["update", "patch"]
  resources:
  - group: ""
    resources: ` + string(quoted) + `
- level: None
`
}

// AuditedRequest is one request of an API server's audit log.
type AuditedRequest struct {
	// Verb is the request's verb, e.g. "update" or "patch".
	Verb string `json:"verb"`
	// UserAgent is the client's user agent.
	UserAgent string `json:"userAgent"`
	// ObjectRef names the object the request concerned.
	ObjectRef struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	// ResponseStatus is the answer; Code 200 for an update that changed
	// nothing too.
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	// RequestReceived is when the API server received the request.
	RequestReceived time.Time `json:"requestReceivedTimestamp"`
}

// String names the request, e.g. "update configmaps ns/cm-001 (200) by syncer/v0.0.0".
func (r AuditedRequest) String() string {
	resource := r.ObjectRef.Resource
	if r.ObjectRef.Subresource != "" {
		resource += "/" + r.ObjectRef.Subresource
	}
	return fmt.Sprintf("%s %s %s/%s (%d) by %s", r.Verb, resource, r.ObjectRef.Namespace, r.ObjectRef.Name, r.ResponseStatus.Code, r.UserAgent)
}

// UpdateRequests returns the update and patch requests in the audit log at
// path (fleet.Cluster.AuditLogPath of a fleet started with
// UpdatesAuditPolicy) that concern resource (e.g. "configmaps", outside
// subresources) in namespace and were received at or after since, whatever
// their answer: no-op updates, which a watch does not see, included.
// Unlike the API server's request metrics, other namespaces' requests
// (another test's clean-up) do not count.
func UpdateRequests(path, resource, namespace string, since time.Time) ([]AuditedRequest, error) {
	if path == "" {
		return nil, errors.New("the cluster writes no audit log: start its fleet with fleet.Options.AuditPolicy set to testkit.UpdatesAuditPolicy")
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	defer file.Close()
	var found []AuditedRequest
	reader := bufio.NewReader(file)
	for {
		line, err := reader.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A line without its newline is still being written: its
			// request is answered once it is, and counts at the next read.
			return found, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the audit log %s: %w", path, err)
		}
		var r AuditedRequest
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("audit log %s: %w in %q", path, err, line)
		}
		if (r.Verb == "update" || r.Verb == "patch") && r.ObjectRef.Resource == resource && r.ObjectRef.Subresource == "" &&
			r.ObjectRef.Namespace == namespace && !r.RequestReceived.Before(since) {
			found = append(found, r)
		}
	}
}
