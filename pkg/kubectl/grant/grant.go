// Package grant computes and keeps in step what a member cluster grants the
// control plane: full access to the enabled target types, read access to
// workloads and pods for replica scheduling and to StorageClasses for
// dependency following, and the health endpoints —
// instead of KubeFed's cluster-admin. `kubectl fed join` writes the grant;
// `kubectl fed enable` and `disable` update it in every joined member their
// kubeconfig reaches.
package grant

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
)

// Label marks the ClusterRole (or, for a namespaced control plane, Role) that
// holds a member's grant of the enabled types; enable and disable update the
// rules of the objects that carry it. A grant made with --cluster-admin does
// not carry it.
const (
	Label      = "kubefed.io/grant"
	LabelValue = "enabled-types"
)

// TypeVerbs are what the syncer does with the objects of an enabled type
// (kubectl fed doctor checks them).
var TypeVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete"}

// readVerbs are what replica scheduling does with workloads and pods.
var readVerbs = []string{"get", "list", "watch"}

// HealthURLs are the endpoints the syncer probes.
var HealthURLs = []string{"/healthz", "/livez", "/readyz", "/version"}

// Rules are the rules of a member's grant: every verb the syncer uses on
// each enabled target type (only the namespaced ones for a namespaced
// control plane, which cannot manage cluster-scoped objects), and read
// access to Deployments, ReplicaSets and Pods for replica scheduling. The
// health endpoints are not included (a Role cannot hold them): see
// HealthRule.
func Rules(types []corev1beta1.APIResource, namespaced bool) []rbacv1.PolicyRule {
	byGroup := map[string]map[string]bool{}
	for _, t := range types {
		if namespaced && t.Scope != corev1beta1.NamespaceScoped {
			continue
		}
		if byGroup[t.Group] == nil {
			byGroup[t.Group] = map[string]bool{}
		}
		byGroup[t.Group][t.PluralName] = true
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	rules := make([]rbacv1.PolicyRule, 0, len(groups)+2)
	for _, g := range groups {
		resources := make([]string, 0, len(byGroup[g]))
		for r := range byGroup[g] {
			resources = append(resources, r)
		}
		sort.Strings(resources)
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: resources, Verbs: TypeVerbs})
	}
	return append(rules,
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: readVerbs},
		rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets"}, Verbs: readVerbs},
	)
}

// HealthRule lets the syncer probe the member's health endpoints.
func HealthRule() rbacv1.PolicyRule {
	return rbacv1.PolicyRule{NonResourceURLs: HealthURLs, Verbs: []string{"get"}}
}

// StorageClassRule lets the syncer read the member's StorageClasses
// (cluster-scoped), to report a PersistentVolumeClaim that dependency
// following copies whose class the member lacks.
func StorageClassRule() rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{"storage.k8s.io"}, Resources: []string{"storageclasses"}, Verbs: readVerbs}
}

// ClusterRules are the rules of a cluster-scoped control plane's
// ClusterRole: Rules plus StorageClassRule and HealthRule.
func ClusterRules(types []corev1beta1.APIResource) []rbacv1.PolicyRule {
	return append(Rules(types, false), StorageClassRule(), HealthRule())
}

// EnabledTypes lists the target types of the FederatedTypeConfigs in the
// KubeFed namespace of the host, leaving out those being deleted.
func EnabledTypes(ctx context.Context, host client.Reader, namespace string) ([]corev1beta1.APIResource, error) {
	list := &corev1beta1.FederatedTypeConfigList{}
	if err := host.List(ctx, list, client.InNamespace(namespace)); err != nil {
		if meta.IsNoMatchError(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing the FederatedTypeConfigs in namespace %s: %w", namespace, err)
	}
	types := make([]corev1beta1.APIResource, 0, len(list.Items))
	for _, ftc := range list.Items {
		if ftc.DeletionTimestamp != nil {
			continue
		}
		types = append(types, ftc.Spec.TargetType)
	}
	return types, nil
}

// MemberContext picks the kubeconfig context that reaches a joined cluster:
// the context named after the cluster if its server is the cluster's
// apiEndpoint, else the first context (by name) whose server is; "" if none.
func MemberContext(raw clientcmdapi.Config, cluster *corev1beta1.KubeFedCluster) string {
	server := func(name string) string {
		if c, ok := raw.Contexts[name]; ok {
			if entry, ok := raw.Clusters[c.Cluster]; ok {
				return entry.Server
			}
		}
		return ""
	}
	if server(cluster.Name) == cluster.Spec.APIEndpoint {
		return cluster.Name
	}
	names := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if server(name) == cluster.Spec.APIEndpoint {
			return name
		}
	}
	return ""
}

// Sync brings the grant of every joined member in step with the enabled
// types of the host plus enabling (types about to be enabled: enable calls
// Sync before it creates their FederatedTypeConfigs, so that the syncer is
// never denied): in each member its kubeconfig reaches, the rules of the
// labelled ClusterRoles (Roles in the KubeFed namespace for a namespaced
// control plane) are replaced. Result lines go to out; a member it could not
// update is named on errOut with the fix, and does not fail the command
// (the member's status shows Forbidden until its grant is fixed).
func Sync(ctx context.Context, flags *cli.Flags, host *cli.Cluster, enabling []corev1beta1.APIResource, out, errOut io.Writer) error {
	ns := flags.KubeFedNamespace
	types, err := EnabledTypes(ctx, host.Client, ns)
	if err != nil {
		return err
	}
	types = append(types, enabling...)
	cfg := &corev1beta1.KubeFedConfig{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.KubeFedConfigName}, cfg); err != nil && !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
		return fmt.Errorf("reading the KubeFedConfig %s/%s: %w", ns, core.KubeFedConfigName, err)
	}
	namespaced := cfg.Spec.Scope == corev1beta1.NamespaceScoped
	clusters := &corev1beta1.KubeFedClusterList{}
	if err := host.Client.List(ctx, clusters, client.InNamespace(ns)); err != nil {
		if meta.IsNoMatchError(err) {
			return nil // no KubeFedCluster CRD: nothing is joined
		}
		return fmt.Errorf("listing the KubeFedClusters in namespace %s: %w", ns, err)
	}
	raw, err := flags.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return fmt.Errorf("reading the kubeconfig: %w", err)
	}
	for i := range clusters.Items {
		kfc := &clusters.Items[i]
		if err := syncMember(ctx, flags, raw, kfc, types, namespaced, out); err != nil {
			fmt.Fprintf(errOut, "Warning: the access granted by cluster %q was not updated to the enabled types: %v\nUpdate it with: kubectl fed join %s --cluster-context=CONTEXT --error-on-existing=false\n", kfc.Name, err, kfc.Name)
		}
	}
	return nil
}

// syncMember updates the labelled grant objects of one member.
func syncMember(ctx context.Context, flags *cli.Flags, raw clientcmdapi.Config, kfc *corev1beta1.KubeFedCluster, types []corev1beta1.APIResource, namespaced bool, out io.Writer) error {
	kctx := MemberContext(raw, kfc)
	if kctx == "" {
		return fmt.Errorf("no kubeconfig context has the server %s", kfc.Spec.APIEndpoint)
	}
	member, _, err := flags.Member(kctx)
	if err != nil {
		return err
	}
	selector := client.MatchingLabels{Label: LabelValue}
	if namespaced {
		roles := &rbacv1.RoleList{}
		if err := member.Client.List(ctx, roles, client.InNamespace(flags.KubeFedNamespace), selector); err != nil {
			return err
		}
		for i := range roles.Items {
			if err := update(ctx, member, &roles.Items[i], &roles.Items[i].Rules, Rules(types, true), out); err != nil {
				return err
			}
		}
		return nil
	}
	roles := &rbacv1.ClusterRoleList{}
	if err := member.Client.List(ctx, roles, selector); err != nil {
		return err
	}
	for i := range roles.Items {
		if err := update(ctx, member, &roles.Items[i], &roles.Items[i].Rules, ClusterRules(types), out); err != nil {
			return err
		}
	}
	return nil
}

// update sets a role's rules when they differ, and says so.
func update(ctx context.Context, member *cli.Cluster, role client.Object, rules *[]rbacv1.PolicyRule, desired []rbacv1.PolicyRule, out io.Writer) error {
	if reflect.DeepEqual(*rules, desired) {
		return nil
	}
	*rules = desired
	if err := member.Client.Update(ctx, role); err != nil {
		return fmt.Errorf("updating %s: %w", role.GetName(), err)
	}
	kind := "clusterrole"
	if role.GetNamespace() != "" {
		kind = "role"
	}
	fmt.Fprintf(out, "%s.rbac.authorization.k8s.io/%s updated in cluster %q\n", kind, role.GetName(), member.Name)
	return nil
}
