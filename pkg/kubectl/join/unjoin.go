package join

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apitypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
)

var (
	unjoinLong = templates.LongDesc(`
		Remove a member cluster from the federation.

		In the member cluster (--cluster-context, by default CLUSTER_NAME), unjoin
		deletes the roles, bindings, token secret and service account that join
		created, releases the objects the control plane managed there (removes
		their kubefed.io/managed label, so they stay but are no longer managed),
		and deletes the KubeFed namespace unless the member is the host cluster
		itself. In the host cluster it deletes the secret holding the member's
		token and the KubeFedCluster. Objects that are already gone are skipped;
		what could not be removed is listed.

		If the member cannot be cleaned up, unjoin stops before touching the
		host; with --force it removes the host's objects anyway (and still
		cleans up what it can reach in the member).`)

	unjoinExample = templates.Examples(`
		# Unjoin the cluster member1
		kubectl fed unjoin member1

		# Unjoin a member whose API server is gone for good
		kubectl fed unjoin member1 --force

		# Show what unjoin would delete
		kubectl fed unjoin member1 --dry-run`)
)

// UnjoinOptions are the inputs of `kubectl fed unjoin`.
type UnjoinOptions struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	member

	// Force removes the host's objects even if the member's clean-up fails.
	Force bool
	// IgnoreNotFound succeeds without a change when the cluster is not
	// joined (kubectl delete's --ignore-not-found).
	IgnoreNotFound bool

	lines []string
}

// NewCmdUnjoin returns `kubectl fed unjoin`.
func NewCmdUnjoin(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &UnjoinOptions{flags: flags, streams: streams}
	cmd := &cobra.Command{
		Use:               "unjoin CLUSTER_NAME [--cluster-context=CONTEXT]",
		Short:             "Remove a member cluster from the federation",
		Long:              unjoinLong,
		Example:           unjoinExample,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: flags.CompleteJoinedClusters,
		RunE:              cli.RunE(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.ClusterContext, "cluster-context", "", "Kubeconfig context of the cluster to unjoin (default CLUSTER_NAME)")
	f.StringVar(&o.HostClusterName, "host-cluster-name", "", "Name of the host used when the cluster was joined (default: the host's context name)")
	f.BoolVar(&o.Force, "force", false, "Delete the host's objects even if the member cannot be cleaned up")
	f.BoolVar(&o.IgnoreNotFound, "ignore-not-found", false, "Succeed without a change when the cluster is not joined")
	cli.AddDryRunFlag(cmd, &o.DryRun)
	return cmd
}

// Complete fills the defaults from the arguments and the kubeconfig.
func (o *UnjoinOptions) Complete(cmd *cobra.Command, args []string) error {
	if err := o.member.complete(cmd, args); err != nil {
		return err
	}
	var err error
	if o.HostClusterName == "" {
		if o.HostClusterName, err = o.flags.HostContext(); err != nil {
			return err
		}
		return ValidateHostName(o.HostClusterName, false)
	}
	return nil
}

// Validate checks the host's name.
func (o *UnjoinOptions) Validate() error { return ValidateHostName(o.HostClusterName, true) }

// Run unjoins the cluster.
func (o *UnjoinOptions) Run(ctx context.Context) error {
	ns := o.flags.KubeFedNamespace
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	kfc := &corev1beta1.KubeFedCluster{}
	err = host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: o.ClusterName}, kfc)
	switch {
	case apierrors.IsNotFound(err) && o.IgnoreNotFound && !o.Force:
		return nil
	case apierrors.IsNotFound(err) && !o.Force:
		return fmt.Errorf("Failed to get kubefed cluster %q: not found in namespace %s of the host cluster (context %q): list the joined clusters with kubectl get kubefedclusters -n %s, or pass --force to clean up the member anyway", o.ClusterName, ns, host.Name, ns)
	case apierrors.IsNotFound(err):
		kfc = nil
	case err != nil:
		return fmt.Errorf("Failed to get kubefed cluster %q in the host cluster (context %q): %w", o.ClusterName, host.Name, err)
	}

	remove := func(cluster *cli.Cluster, obj client.Object) error {
		var err error
		if o.dryRun.Client() {
			err = cluster.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		} else {
			cli.LogAction(ctx, "Deleting object", cluster, obj)
			err = cluster.ForDryRun(o.dryRun).Client.Delete(ctx, obj)
		}
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("deleting %s: %w", where(obj, cluster), err)
		}
		o.lines = append(o.lines, fmt.Sprintf("%s deleted in cluster %q%s", describe(obj), cluster.Name, o.dryRun.Suffix()))
		return nil
	}

	if err := o.cleanMember(ctx, host, remove); err != nil {
		if !o.Force {
			o.printLines()
			return fmt.Errorf("unjoin of cluster %q failed in the member; nothing was deleted in the host cluster. Not removed:\n%s\nFix the access to context %q, or pass --force to remove the host's objects anyway", o.ClusterName, bullets(err), o.ClusterContext)
		}
		fmt.Fprintf(o.streams.ErrOut, "Warning: the member cluster was not fully cleaned up; removing the host's objects anyway (--force). Not removed:\n%s\n", bullets(err))
	}
	if kfc != nil {
		var errs []error
		if name := kfc.Spec.SecretRef.Name; name != "" {
			errs = append(errs, remove(host, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}))
		}
		errs = append(errs, remove(host, kfc))
		if err := errors.Join(errs...); err != nil {
			o.printLines()
			return fmt.Errorf("unjoin of cluster %q failed in the host cluster. Not removed:\n%s", o.ClusterName, bullets(err))
		}
	}
	o.printLines()
	return nil
}

// printLines prints what was deleted and released.
func (o *UnjoinOptions) printLines() {
	for _, line := range o.lines {
		fmt.Fprintln(o.streams.Out, line)
	}
}

// bullets lists the errors joined in err, one per line.
func bullets(err error) string {
	var lines []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if line != "" {
			lines = append(lines, "  - "+line)
		}
	}
	return strings.Join(lines, "\n")
}

// cleanMember deletes join's objects in the member, releases the member
// objects the control plane managed (their managed label is removed, so a
// later join neither adopts nor deletes them) and, unless the member is the
// host itself, deletes the KubeFed namespace. It goes on past failures and
// returns them all; it stops early only when the member cannot be reached.
func (o *UnjoinOptions) cleanMember(ctx context.Context, host *cli.Cluster, remove func(*cli.Cluster, client.Object) error) error {
	ns := o.flags.KubeFedNamespace
	member, _, err := o.flags.Member(o.ClusterContext)
	if err != nil {
		return err
	}
	sa := ServiceAccountName(o.ClusterName, o.HostClusterName)
	name, health := RoleName(sa), HealthCheckRoleName(ns, sa)
	// The access goes first: once it is gone the syncer can no longer write
	// to the member, so it cannot re-label what is released below.
	objs := []client.Object{
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: health}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: health}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa}},
	}
	var errs []error
	for _, obj := range objs {
		if err := remove(member, obj); err != nil {
			errs = append(errs, err)
			if cli.Unreachable(err) {
				return errors.Join(errs...)
			}
		}
	}
	errs = append(errs, o.releaseManaged(ctx, host, member))
	memberNS, hostNS := &corev1.Namespace{}, &corev1.Namespace{}
	if err := member.Client.Get(ctx, client.ObjectKey{Name: ns}, memberNS); err != nil {
		if !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("reading namespace %s in cluster %q: %w", ns, member.Name, err))
		}
		return errors.Join(errs...)
	}
	if err := host.Client.Get(ctx, client.ObjectKey{Name: ns}, hostNS); err != nil && !apierrors.IsNotFound(err) {
		return errors.Join(append(errs, fmt.Errorf("reading namespace %s in the host cluster: %w", ns, err))...)
	}
	if memberNS.UID != hostNS.UID {
		errs = append(errs, remove(member, memberNS))
	}
	return errors.Join(errs...)
}

// releaseManaged removes the managed label from the member's objects of
// every enabled type, and says how many it released per type.
func (o *UnjoinOptions) releaseManaged(ctx context.Context, host, member *cli.Cluster) error {
	types, err := grant.EnabledTypes(ctx, host.Client, o.flags.KubeFedNamespace)
	if err != nil {
		return err
	}
	patch := client.RawPatch(apitypes.JSONPatchType, []byte(`[{"op":"test","path":"/metadata/labels/kubefed.io~1managed","value":"true"},{"op":"remove","path":"/metadata/labels/kubefed.io~1managed"}]`))
	var errs []error
	for _, t := range types {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(schema.GroupVersionKind{Group: t.Group, Version: t.Version, Kind: t.Kind + "List"})
		err := member.Client.List(ctx, list, client.MatchingLabels{core.ManagedByKubeFedLabelKey: core.ManagedByKubeFedLabelValue})
		switch {
		case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
			continue // the member does not serve the type
		case err != nil:
			errs = append(errs, fmt.Errorf("listing the managed %s in cluster %q: %w", t.PluralName, member.Name, err))
			continue
		}
		released := 0
		for i := range list.Items {
			obj := &list.Items[i]
			if !o.dryRun.Client() {
				if err := member.ForDryRun(o.dryRun).Client.Patch(ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err) {
					errs = append(errs, fmt.Errorf("removing the managed label of %s %s in cluster %q: %w", t.PluralName, client.ObjectKeyFromObject(obj), member.Name, err))
					continue
				}
			}
			released++
		}
		if released > 0 {
			o.lines = append(o.lines, fmt.Sprintf("%d %s released in cluster %q (managed label removed)%s", released, t.PluralName, member.Name, o.dryRun.Suffix()))
		}
	}
	return errors.Join(errs...)
}
