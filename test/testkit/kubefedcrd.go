package testkit

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// OverrideFieldsAdded are the fields of an entry of spec.overrides that
// this project adds to KubeFed's (clusterName, clusterOverrides).
var OverrideFieldsAdded = []string{"clusterSelector", "image", "command", "args", "env", "labels", "annotations"}

// KubeFedCRD is the federated CRD of target shaped as KubeFed created it:
// its status declares no status.clusters[].message and no
// status.aggregated, which this project's syncer writes, and its override
// entries have none of OverrideFieldsAdded. Users who migrate
// from KubeFed have such CRDs.
func KubeFedCRD(target typesv1beta1.TargetType) *apiextensionsv1.CustomResourceDefinition {
	crd := typesv1beta1.FederatedCRD(target, "", "")
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	status := root.Properties["status"]
	clusters := status.Properties["clusters"]
	delete(clusters.Items.Schema.Properties, "message")
	status.Properties["clusters"] = clusters
	delete(status.Properties, "aggregated")
	root.Properties["status"] = status
	spec := root.Properties["spec"]
	overrides := spec.Properties["overrides"]
	for _, added := range OverrideFieldsAdded {
		delete(overrides.Items.Schema.Properties, added)
	}
	spec.Properties["overrides"] = overrides
	root.Properties["spec"] = spec
	return crd
}
