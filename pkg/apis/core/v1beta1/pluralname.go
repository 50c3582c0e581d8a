package v1beta1

import "strings"

// PluralName returns the plural resource name KubeFed derives from a kind
// when none is given: the kind is lowercased; then "es" is appended if it
// ends in s, x, ch, sh, z or o; otherwise a trailing y becomes "ies";
// otherwise "s" is appended. For example Ingress gives ingresses, Policy
// gives policies and Deployment gives deployments. The rule is KubeFed's and
// knows no irregular plurals (Gateway gives gatewaies); use the plural the
// API server reports when it is available. An empty kind gives "".
func PluralName(kind string) string {
	if kind == "" {
		return ""
	}
	lower := strings.ToLower(kind)
	for _, suffix := range []string{"s", "x", "ch", "sh", "z", "o"} {
		if strings.HasSuffix(lower, suffix) {
			return lower + "es"
		}
	}
	if strings.HasSuffix(lower, "y") {
		return strings.TrimSuffix(lower, "y") + "ies"
	}
	return lower + "s"
}
