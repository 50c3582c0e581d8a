// Package validation checks the core.kubefed.io/v1beta1 kinds: every
// function is pure and returns all problems at once as field errors with
// the paths and message fragments of KubeFed's admission webhook.
package validation

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
)

// hostPairMessage is the error for an endpoint that is neither a URL nor a
// host:port pair.
const hostPairMessage = "host must be a URL or a host:port pair"

// ValidateKubeFedCluster validates the spec of a KubeFedCluster (the status
// is validated on its own subresource by ValidateKubeFedClusterStatus).
func ValidateKubeFedCluster(c *v1beta1.KubeFedCluster) field.ErrorList {
	return ValidateKubeFedClusterSpec(&c.Spec, field.NewPath("spec"))
}

// ValidateKubeFedClusterSpec validates how a member cluster is reached.
func ValidateKubeFedClusterSpec(spec *v1beta1.KubeFedClusterSpec, path *field.Path) field.ErrorList {
	errs := validateAPIEndpoint(spec.APIEndpoint, path.Child("apiEndpoint"))
	secret := path.Child("secretRef", "name")
	if spec.SecretRef.Name == "" {
		errs = append(errs, field.Required(secret, ""))
	} else {
		errs = append(errs, dns1123Subdomain(spec.SecretRef.Name, secret)...)
	}
	errs = append(errs, validateDisabledTLSValidations(spec.DisabledTLSValidations, path.Child("disabledTLSValidations"))...)
	if spec.ProxyURL != "" {
		errs = append(errs, validateProxyURL(spec.ProxyURL, path.Child("proxyURL"))...)
	}
	return append(errs, validateTaints(spec.Taints, path.Child("taints"))...)
}

// validateTaints checks that taint keys are qualified names, values label
// values, effects NoSchedule or NoExecute, and each key and effect unique.
func validateTaints(list []v1beta1.Taint, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[v1beta1.Taint]bool{}
	for i, t := range list {
		p := path.Index(i)
		for _, msg := range apivalidation.IsQualifiedName(t.Key) {
			errs = append(errs, field.Invalid(p.Child("key"), t.Key, msg))
		}
		for _, msg := range apivalidation.IsValidLabelValue(t.Value) {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, msg))
		}
		if t.Effect != v1beta1.TaintNoSchedule && t.Effect != v1beta1.TaintNoExecute {
			errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, []string{string(v1beta1.TaintNoSchedule), string(v1beta1.TaintNoExecute)}))
		}
		id := v1beta1.Taint{Key: t.Key, Effect: t.Effect}
		if seen[id] {
			errs = append(errs, field.Duplicate(p, t.Key+":"+string(t.Effect)))
		}
		seen[id] = true
	}
	return errs
}

// validateAPIEndpoint parses the endpoint the way client-go parses a host:
// a URL with an http or https scheme, or a schemeless host[:port] with at
// most a "/" path.
func validateAPIEndpoint(endpoint string, path *field.Path) field.ErrorList {
	if endpoint == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	raw := endpoint
	schemeless := !strings.Contains(endpoint, "://")
	if schemeless {
		raw = "https://" + endpoint
	}
	u, err := url.Parse(raw)
	if err != nil {
		return field.ErrorList{field.Invalid(path, endpoint, err.Error())}
	}
	if !schemeless && u.Scheme != "http" && u.Scheme != "https" {
		return field.ErrorList{field.NotSupported(path, u.Scheme, []string{"http", "https"})}
	}
	if u.Host == "" || (schemeless && u.Path != "" && u.Path != "/") || u.Hostname() == "" {
		return field.ErrorList{field.Invalid(path, endpoint, hostPairMessage)}
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return field.ErrorList{field.Invalid(path, endpoint, "invalid port "+strconv.Quote(port))}
		}
		if msgs := apivalidation.IsValidPortNum(n); len(msgs) > 0 {
			return field.ErrorList{field.Invalid(path, endpoint, msgs[0])}
		}
	}
	return nil
}

// validateDisabledTLSValidations checks the values and that "*" is alone.
func validateDisabledTLSValidations(list []v1beta1.TLSValidation, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	all := false
	for i, v := range list {
		switch v {
		case v1beta1.TLSAll:
			all = true
		case v1beta1.TLSSubjectName, v1beta1.TLSValidityPeriod:
		default:
			errs = append(errs, field.NotSupported(path.Index(i), v,
				[]v1beta1.TLSValidation{v1beta1.TLSAll, v1beta1.TLSSubjectName, v1beta1.TLSValidityPeriod}))
		}
	}
	if all && len(list) > 1 {
		errs = append(errs, field.Invalid(path, list, "when * is specified, it is expected to be the only option in list"))
	}
	return errs
}

// validateProxyURL checks that the proxy URL parses and has a supported
// scheme.
func validateProxyURL(proxy string, path *field.Path) field.ErrorList {
	u, err := url.Parse(proxy)
	if err != nil {
		return field.ErrorList{field.Invalid(path, proxy, err.Error())}
	}
	switch u.Scheme {
	case "http", "https", "socks5":
		return nil
	}
	return field.ErrorList{field.Invalid(path, proxy, "proxy URL scheme must be one of: [http, https, socks5]")}
}

// ValidateKubeFedClusterStatus validates the conditions a health probe
// wrote.
func ValidateKubeFedClusterStatus(status *v1beta1.KubeFedClusterStatus, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range status.Conditions {
		p := path.Child("conditions").Index(i)
		switch c.Type {
		case "":
			errs = append(errs, field.Required(p.Child("type"), ""))
		case v1beta1.ClusterReady, v1beta1.ClusterOffline, v1beta1.ClusterConfigMalformed, v1beta1.ClusterInsecureConnection:
		default:
			errs = append(errs, field.NotSupported(p.Child("type"), c.Type,
				[]v1beta1.ClusterConditionType{v1beta1.ClusterReady, v1beta1.ClusterOffline, v1beta1.ClusterConfigMalformed, v1beta1.ClusterInsecureConnection}))
		}
		switch c.Status {
		case "":
			errs = append(errs, field.Required(p.Child("status"), ""))
		case corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown:
		default:
			errs = append(errs, field.NotSupported(p.Child("status"), c.Status,
				[]corev1.ConditionStatus{corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown}))
		}
		if c.LastProbeTime.IsZero() {
			errs = append(errs, field.Required(p.Child("lastProbeTime"), ""))
		}
	}
	return errs
}

// dns1123Subdomain reports a value that is not a DNS-1123 subdomain.
func dns1123Subdomain(value string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range apivalidation.IsDNS1123Subdomain(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

// dns1035Label reports a value that is not a DNS-1035 label.
func dns1035Label(value string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range apivalidation.IsDNS1035Label(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

// ValidateKubeFedClusterConnection refuses, unless allowInsecure (the
// KubeFedConfig's allowInsecureClusterConnections), the connections that
// expose the member's token: an http:// endpoint sends it in clear text, and
// disabledTLSValidations sends it to a server whose identity is not fully
// checked.
func ValidateKubeFedClusterConnection(spec *v1beta1.KubeFedClusterSpec, path *field.Path, allowInsecure bool) field.ErrorList {
	if allowInsecure {
		return nil
	}
	var errs field.ErrorList
	if strings.HasPrefix(strings.ToLower(spec.APIEndpoint), "http://") {
		errs = append(errs, field.Forbidden(path.Child("apiEndpoint"),
			"an http:// endpoint sends the member's token in clear text: use https://, or set spec."+insecureSwitch+": true in the KubeFedConfig"))
	}
	if len(spec.DisabledTLSValidations) > 0 {
		errs = append(errs, field.Forbidden(path.Child("disabledTLSValidations"),
			"disabling TLS validations sends the member's token to a server whose identity is not checked: set caBundle to the member's CA instead, or set spec."+insecureSwitch+": true in the KubeFedConfig"))
	}
	return errs
}

// insecureSwitch is the KubeFedConfig field that allows insecure cluster
// connections.
const insecureSwitch = "allowInsecureClusterConnections"

// InsecureConnection describes what makes a cluster's connection insecure
// ("" if nothing): an http:// endpoint, disabled TLS validations.
func InsecureConnection(spec *v1beta1.KubeFedClusterSpec) string {
	var what []string
	if strings.HasPrefix(strings.ToLower(spec.APIEndpoint), "http://") {
		what = append(what, "the API endpoint is http://, so the token travels in clear text")
	}
	if len(spec.DisabledTLSValidations) > 0 {
		list := make([]string, len(spec.DisabledTLSValidations))
		for i, v := range spec.DisabledTLSValidations {
			list[i] = string(v)
		}
		what = append(what, "TLS validations are disabled ("+strings.Join(list, ", ")+")")
	}
	return strings.Join(what, "; ")
}

// ConnectionChanges lists the paths of the connection fields (where the
// member's token is sent, and which Secret holds it) that differ between
// old and new.
func ConnectionChanges(old, new *v1beta1.KubeFedClusterSpec, path *field.Path) []*field.Path {
	var changed []*field.Path
	if old.APIEndpoint != new.APIEndpoint {
		changed = append(changed, path.Child("apiEndpoint"))
	}
	if old.SecretRef != new.SecretRef {
		changed = append(changed, path.Child("secretRef"))
	}
	if string(old.CABundle) != string(new.CABundle) {
		changed = append(changed, path.Child("caBundle"))
	}
	if old.ProxyURL != new.ProxyURL {
		changed = append(changed, path.Child("proxyURL"))
	}
	if !slices.Equal(old.DisabledTLSValidations, new.DisabledTLSValidations) {
		changed = append(changed, path.Child("disabledTLSValidations"))
	}
	return changed
}

// ValidateKubeFedClusterUpdate refuses a change of the connection fields
// that is not a re-join: an update that changes them must also change the
// kubefed.io/joined-at annotation, as `kubectl fed join
// --error-on-existing=false` does.
func ValidateKubeFedClusterUpdate(c, old *v1beta1.KubeFedCluster) field.ErrorList {
	changed := ConnectionChanges(&old.Spec, &c.Spec, field.NewPath("spec"))
	if len(changed) == 0 || c.Annotations[core.JoinedAtAnnotation] != old.Annotations[core.JoinedAtAnnotation] {
		return nil
	}
	errs := make(field.ErrorList, 0, len(changed))
	for _, p := range changed {
		errs = append(errs, field.Forbidden(p, "the connection of a joined cluster (apiEndpoint, secretRef, caBundle, proxyURL, disabledTLSValidations) changes only by joining it again: kubectl fed join "+c.Name+" --error-on-existing=false"))
	}
	return errs
}
