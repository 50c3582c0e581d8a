package propagation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
)

// retain copies into desired the fields of the member's current object that
// the member owns (reference §3.3 field retention): the resourceVersion,
// finalizers, annotations and status always (status so that an update of a
// type without a status subresource does not wipe it); for a Service its
// cluster IPs, health check node port and node ports; for a ServiceAccount
// its secrets; for other kinds spec.replicas when the federated object sets
// retainReplicas.
func retain(fed, desired, observed *unstructured.Unstructured) error {
	desired.SetResourceVersion(observed.GetResourceVersion())
	desired.SetFinalizers(observed.GetFinalizers())
	desired.SetAnnotations(mergeAnnotations(desired.GetAnnotations(), observed.GetAnnotations()))
	if status, found := observed.Object["status"]; found {
		desired.Object["status"] = runtime.DeepCopyJSONValue(status)
	}
	switch {
	case desired.GetAPIVersion() == "v1" && desired.GetKind() == "Service":
		return retainServiceFields(desired, observed)
	case desired.GetAPIVersion() == "v1" && desired.GetKind() == "ServiceAccount":
		retainServiceAccountSecrets(desired, observed)
		return nil
	}
	if retainReplicas, _, _ := unstructured.NestedBool(fed.Object, "spec", "retainReplicas"); retainReplicas {
		if replicas, found, _ := unstructured.NestedFieldCopy(observed.Object, "spec", "replicas"); found {
			return unstructured.SetNestedField(desired.Object, replicas, "spec", "replicas")
		}
	}
	return nil
}

// mergeAnnotations keeps the member's annotations, drops those the syncer
// propagated before but the template no longer has, and lays the template's
// annotations (with their bookkeeping entry) on top.
func mergeAnnotations(template, observed map[string]string) map[string]string {
	merged := map[string]string{}
	for k, v := range observed {
		merged[k] = v
	}
	for _, k := range previouslyPropagated(observed) {
		if _, kept := template[k]; !kept {
			delete(merged, k)
		}
	}
	delete(merged, core.PropagatedAnnotationsAnnotation)
	for k, v := range template {
		merged[k] = v
	}
	if len(merged) == 0 {
		return nil
	}
	return merged
}

func retainServiceFields(desired, observed *unstructured.Unstructured) error {
	port, found, err := unstructured.NestedInt64(observed.Object, "spec", "healthCheckNodePort")
	if err != nil {
		return fmt.Errorf("spec.healthCheckNodePort: %w", err)
	}
	if found && port > 0 {
		if err := unstructured.SetNestedField(desired.Object, port, "spec", "healthCheckNodePort"); err != nil {
			return err
		}
	}
	clusterIP, _, err := unstructured.NestedString(observed.Object, "spec", "clusterIP")
	if err != nil {
		return fmt.Errorf("spec.clusterIP: %w", err)
	}
	if clusterIP != "" {
		if err := unstructured.SetNestedField(desired.Object, clusterIP, "spec", "clusterIP"); err != nil {
			return err
		}
	}
	clusterIPs, _, err := unstructured.NestedStringSlice(observed.Object, "spec", "clusterIPs")
	if err != nil {
		return fmt.Errorf("spec.clusterIPs: %w", err)
	}
	if len(clusterIPs) > 0 {
		if err := unstructured.SetNestedStringSlice(desired.Object, clusterIPs, "spec", "clusterIPs"); err != nil {
			return err
		}
	}
	return retainNodePorts(desired, observed)
}

// servicePort identifies a port across the desired and the observed Service.
type servicePort struct {
	name, protocol string
	port           int64
}

func portKey(p map[string]interface{}) servicePort {
	name, _, _ := unstructured.NestedString(p, "name")
	protocol, _, _ := unstructured.NestedString(p, "protocol")
	if protocol == "" {
		protocol = "TCP"
	}
	port, _, _ := unstructured.NestedInt64(p, "port")
	return servicePort{name: name, protocol: protocol, port: port}
}

// retainNodePorts gives each desired port the node port the member
// allocated to the matching port (same name, protocol and port).
func retainNodePorts(desired, observed *unstructured.Unstructured) error {
	observedPorts, _, err := unstructured.NestedSlice(observed.Object, "spec", "ports")
	if err != nil {
		return fmt.Errorf("spec.ports: %w", err)
	}
	nodePorts := map[servicePort]interface{}{}
	for _, p := range observedPorts {
		if port, ok := p.(map[string]interface{}); ok && port["nodePort"] != nil {
			nodePorts[portKey(port)] = port["nodePort"]
		}
	}
	desiredPorts, found, err := unstructured.NestedSlice(desired.Object, "spec", "ports")
	if err != nil || !found {
		return err
	}
	for _, p := range desiredPorts {
		port, ok := p.(map[string]interface{})
		if !ok {
			continue
		}
		if nodePort, ok := nodePorts[portKey(port)]; ok {
			port["nodePort"] = nodePort
		}
	}
	return unstructured.SetNestedSlice(desired.Object, desiredPorts, "spec", "ports")
}

func retainServiceAccountSecrets(desired, observed *unstructured.Unstructured) {
	if secrets, _, _ := unstructured.NestedSlice(desired.Object, "secrets"); len(secrets) > 0 {
		return
	}
	if secrets, found, _ := unstructured.NestedSlice(observed.Object, "secrets"); found {
		_ = unstructured.SetNestedSlice(desired.Object, secrets, "secrets")
	}
}
