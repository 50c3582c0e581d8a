package testkit

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

// KubeFedCRD is the federated CRD of target shaped as KubeFed created it:
// its status declares no status.clusters[].message and no
// status.aggregated, which this project's syncer writes. Users who migrate
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
	return crd
}
