package webhook

import (
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	corevalidation "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
)

// ClusterGuard answers the questions the KubeFedCluster admission asks the
// host cluster.
type ClusterGuard interface {
	// AllowInsecure reports the allowInsecureClusterConnections switch of the
	// KubeFedConfig (false when there is none).
	AllowInsecure(ctx context.Context) (bool, error)
	// CanReadSecret reports whether user may get the Secret namespace/name.
	CanReadSecret(ctx context.Context, user admission.Request, namespace, name string) (bool, error)
}

// kubeFedClusterHandler validates the spec, or only the status on the
// status subresource. Besides the shape of the spec it guards where the
// member's token goes:
//   - http:// endpoints and disabledTLSValidations need the KubeFedConfig's
//     allowInsecureClusterConnections;
//   - the connection fields change only in a re-join (an update that also
//     changes the kubefed.io/joined-at annotation);
//   - whoever creates a cluster, or changes its connection, must be allowed
//     to read the token Secret it names (before and after), so that nobody
//     can send a token they cannot read to a server they choose.
func kubeFedClusterHandler(guard ClusterGuard) admission.Handler {
	return validating(func(ctx context.Context, req admission.Request, c, old *corev1beta1.KubeFedCluster) ([]string, field.ErrorList, error) {
		if req.SubResource == "status" {
			return nil, corevalidation.ValidateKubeFedClusterStatus(&c.Status, field.NewPath("status")), nil
		}
		spec := field.NewPath("spec")
		errs := corevalidation.ValidateKubeFedCluster(c)
		secrets := []string{c.Spec.SecretRef.Name}
		if req.Operation == admissionv1.Update && old != nil {
			if len(corevalidation.ConnectionChanges(&old.Spec, &c.Spec, spec)) == 0 {
				return nil, errs, nil
			}
			errs = append(errs, corevalidation.ValidateKubeFedClusterUpdate(c, old)...)
			if old.Spec.SecretRef.Name != c.Spec.SecretRef.Name {
				secrets = append(secrets, old.Spec.SecretRef.Name)
			}
		}
		allow, err := guard.AllowInsecure(ctx)
		if err != nil {
			return nil, nil, err
		}
		errs = append(errs, corevalidation.ValidateKubeFedClusterConnection(&c.Spec, spec, allow)...)
		for _, name := range secrets {
			if name == "" {
				continue
			}
			ok, err := guard.CanReadSecret(ctx, req, req.Namespace, name)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				errs = append(errs, field.Forbidden(spec.Child("secretRef", "name"), fmt.Sprintf(
					"user %q cannot get Secret %s/%s: only someone who may read a cluster's token Secret may choose where its token is sent",
					req.UserInfo.Username, req.Namespace, name)))
			}
		}
		return nil, errs, nil
	})
}

// clientGuard implements ClusterGuard with a (cached) reader for the
// KubeFedConfig of the KubeFed namespace and SubjectAccessReviews for the
// Secret access.
type clientGuard struct {
	reader           client.Reader
	writer           client.Writer
	kubeFedNamespace string
}

var _ ClusterGuard = &clientGuard{}

// AllowInsecure reads the KubeFedConfig's switch.
func (g *clientGuard) AllowInsecure(ctx context.Context) (bool, error) {
	namespace := g.kubeFedNamespace
	cfg := &corev1beta1.KubeFedConfig{}
	err := g.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: core.KubeFedConfigName}, cfg)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading KubeFedConfig %s/%s: %w", namespace, core.KubeFedConfigName, err)
	}
	return cfg.Spec.AllowInsecureClusterConnections, nil
}

// CanReadSecret asks the API server, with a SubjectAccessReview for the
// requesting user, whether they may get the Secret.
func (g *clientGuard) CanReadSecret(ctx context.Context, req admission.Request, namespace, name string) (bool, error) {
	user := req.UserInfo
	extra := make(map[string]authorizationv1.ExtraValue, len(user.Extra))
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user.Username, UID: user.UID, Groups: user.Groups, Extra: extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Verb: "get", Resource: "secrets", Version: corev1.SchemeGroupVersion.Version, Name: name,
		},
	}}
	if err := g.writer.Create(ctx, sar); err != nil {
		return false, fmt.Errorf("asking whether user %q may read Secret %s/%s: %w", user.Username, namespace, name, err)
	}
	return sar.Status.Allowed, nil
}
