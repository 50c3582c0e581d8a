// Package join holds `kubectl fed join` and `kubectl fed unjoin`, which
// register a member cluster with the host cluster and remove it again.
package join

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/kubectl/pkg/util/templates"
	inventoryv1alpha1 "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1/validation"
	"github.com/kubectl-fed/kubectl-fed/pkg/inventory"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
)

// DefaultTokenTimeout bounds the wait for the member's token controller.
const DefaultTokenTimeout = 30 * time.Second

var (
	joinLong = templates.LongDesc(`
		Join a member cluster to the federation.

		In the member cluster (the kubeconfig context --cluster-context, by default
		CLUSTER_NAME), join creates the KubeFed namespace, a service account
		named CLUSTER_NAME-HOST_NAME with a service-account token secret, and the
		RBAC rules that let the control plane manage the cluster: every verb on
		the enabled types (kubectl fed enable and disable keep them in step), read
		access to Deployments, ReplicaSets and Pods for replica scheduling, and
		the health endpoints. --cluster-admin grants everything instead, as
		KubeFed did. It waits for the
		member's token controller to fill the token, then creates in the host
		cluster (--context) a secret holding the token and the KubeFedCluster
		CLUSTER_NAME that points at the member's API server.

		If a step fails, join deletes what it created, so no KubeFedCluster is left
		pointing at a secret that was never written, and the error names the step
		and the cluster.`)

	joinExample = templates.Examples(`
		# Join the cluster of context "member1" under the name member1
		kubectl fed join member1 --context=host

		# Join context "gke-eu" under the name eu, with labels for placement
		kubectl fed join eu --cluster-context=gke-eu --cluster-labels=env=prod --region=europe-west1

		# Join member1 and wait until the syncer reports it Ready
		kubectl fed join member1 --wait --timeout=2m

		# Join again, updating what already exists
		kubectl fed join member1 --error-on-existing=false

		# Show the KubeFedCluster that join would create, without creating anything
		kubectl fed join member1 --dry-run=client -o yaml`)
)

// Options are the inputs of `kubectl fed join`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	member

	// SecretName is the host secret's name; empty means generated.
	SecretName string
	// ErrorOnExisting fails when an object to create already exists.
	ErrorOnExisting bool
	// Output is -o.
	Output string
	// Labels are --cluster-labels.
	Labels map[string]string
	// Region and Zone become topology labels of the KubeFedCluster.
	Region, Zone string
	// TokenTimeout bounds the wait for the member's token.
	TokenTimeout time.Duration
	// ClusterAdmin grants the control plane every verb on every resource of
	// the member, as KubeFed did, instead of only what the enabled types need.
	ClusterAdmin bool
	// Wait is --wait and --timeout: until the KubeFedCluster is Ready.
	Wait cli.Wait

	clusterLabels map[string]string
	hostContext   string
}

// NewCmdJoin returns `kubectl fed join`.
func NewCmdJoin(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, ErrorOnExisting: true, TokenTimeout: DefaultTokenTimeout}
	cmd := &cobra.Command{
		Use:               "join CLUSTER_NAME [--cluster-context=CONTEXT]",
		Short:             "Register a member cluster with the federation",
		Long:              joinLong,
		Example:           joinExample,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: flags.CompleteFirstArgContexts,
		RunE:              cli.RunE(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.ClusterContext, "cluster-context", "", "Kubeconfig context of the joining cluster (default CLUSTER_NAME)")
	f.StringVar(&o.HostClusterName, "host-cluster-name", "", "Name of the host in the names of the objects created in the member (default: the host's context name); must not contain '/' or ':'")
	f.StringVar(&o.SecretName, "secret-name", "", "Name of the secret in the host cluster that holds the member's token (default: generated from CLUSTER_NAME)")
	f.BoolVar(&o.ErrorOnExisting, "error-on-existing", o.ErrorOnExisting, "Fail if an object to create already exists; with false, existing objects are updated")
	f.StringToStringVar(&o.Labels, "cluster-labels", nil, "Labels of the KubeFedCluster, for placement by cluster selector (e.g. env=prod,team=web)")
	f.StringVar(&o.Region, "region", "", "Region of the cluster, set as label topology.kubernetes.io/region")
	f.StringVar(&o.Zone, "zone", "", "Zone of the cluster, set as label topology.kubernetes.io/zone")
	f.BoolVar(&o.ClusterAdmin, "cluster-admin", false, "Grant the control plane every verb on every resource of the member, as KubeFed did, instead of only what the enabled types, replica scheduling and health checks need")
	f.DurationVar(&o.TokenTimeout, "token-timeout", o.TokenTimeout, "How long to wait for the member cluster: for a terminating KubeFed namespace to go, and for the token controller to issue the service account's token")
	cli.AddDryRunFlag(cmd, &o.DryRun)
	cli.AddOutputFlag(cmd, &o.Output, "Print the KubeFedCluster in this format instead of the list of changes")
	cli.AddWaitFlags(cmd, &o.Wait, "the syncer reports the KubeFedCluster Ready", cli.DefaultWaitTimeout)
	return cmd
}

// member are the arguments join and unjoin share.
type member struct {
	// ClusterName is the name of the KubeFedCluster.
	ClusterName string
	// ClusterContext is the member's kubeconfig context.
	ClusterContext string
	// HostClusterName names the host in the member-side object names.
	HostClusterName string
	// DryRun is --dry-run.
	DryRun string

	dryRun cli.DryRun
}

// complete takes CLUSTER_NAME from the arguments and defaults the member's
// context to it.
func (m *member) complete(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cli.UsageErrorf(cmd, "CLUSTER_NAME is required")
	}
	m.ClusterName = args[0]
	if m.ClusterContext == "" {
		m.ClusterContext = m.ClusterName
	}
	var err error
	m.dryRun, err = cli.ParseDryRun(m.DryRun)
	return err
}

// Complete fills the defaults from the arguments and the kubeconfig.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	if err := o.member.complete(cmd, args); err != nil {
		return err
	}
	var err error
	if o.hostContext, err = o.flags.HostContext(); err != nil {
		return err
	}
	if o.HostClusterName == "" {
		o.HostClusterName = o.hostContext
		if err := ValidateHostName(o.HostClusterName, false); err != nil {
			return err
		}
	}
	o.clusterLabels, err = ClusterLabels(o.Labels, o.Region, o.Zone)
	return err
}

// Validate checks the options.
func (o *Options) Validate() error {
	if err := ValidateClusterName(o.ClusterName); err != nil {
		return err
	}
	if err := ValidateHostName(o.HostClusterName, true); err != nil {
		return err
	}
	if o.TokenTimeout <= 0 {
		return fmt.Errorf("--token-timeout must be positive")
	}
	if err := o.Wait.Validate(); err != nil {
		return err
	}
	if o.Wait.Enabled && o.dryRun.Enabled() {
		return fmt.Errorf("--wait cannot be used with --dry-run: nothing is joined to wait for")
	}
	return cli.ValidateOutput(o.Output)
}

// stepError says which step of a join failed in which cluster, and how to
// fix the usual causes.
func stepError(step string, cluster *cli.Cluster, err error) error {
	msg := fmt.Errorf("join failed at step %q in cluster %q: %w", step, cluster.Name, err)
	switch {
	case cli.Unreachable(err):
		return fmt.Errorf("%w\nCheck that context %q reaches its API server: kubectl --context %s get --raw /healthz", msg, cluster.Name, cluster.Name)
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), " cannot "):
		return fmt.Errorf("%w\nThe user of context %q needs cluster-admin rights to join clusters", msg, cluster.Name)
	}
	return msg
}

// Run joins the cluster.
func (o *Options) Run(ctx context.Context) error {
	ns := o.flags.KubeFedNamespace
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	kfconfig := &corev1beta1.KubeFedConfig{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.KubeFedConfigName}, kfconfig); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return fmt.Errorf("A KubeFedConfig named %q was not found in namespace %q of the host cluster (context %q). Is a KubeFed control plane running in this namespace? Pass --kubefed-namespace or --context to choose another one", core.KubeFedConfigName, ns, host.Name)
		}
		return stepError("read the KubeFedConfig", host, err)
	}
	if err := o.checkInventory(ctx, host, kfconfig.Spec.Inventory); err != nil {
		return err
	}
	existing := &corev1beta1.KubeFedCluster{}
	switch err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: o.ClusterName}, existing); {
	case apierrors.IsNotFound(err):
		existing = nil
	case err != nil:
		return stepError("read the KubeFedCluster", host, err)
	case o.ErrorOnExisting:
		return fmt.Errorf("federated cluster %s already exists in host cluster (kubefedcluster %s/%s in context %q): unjoin it first, or pass --error-on-existing=false to update it", o.ClusterName, ns, o.ClusterName, host.Name)
	}
	secretName := o.SecretName
	if secretName == "" && existing != nil {
		secretName = existing.Spec.SecretRef.Name
	}
	if o.SecretName != "" && o.ErrorOnExisting {
		err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: o.SecretName}, &corev1.Secret{})
		if err == nil {
			return fmt.Errorf("host cluster secret %s already exists (in namespace %s of context %q): choose another --secret-name, or pass --error-on-existing=false to update it", o.SecretName, ns, host.Name)
		}
		if !apierrors.IsNotFound(err) {
			return stepError("read the host secret", host, err)
		}
	}

	member, entry, err := o.flags.Member(o.ClusterContext)
	if err != nil {
		return err
	}
	sa := ServiceAccountName(o.ClusterName, o.HostClusterName)
	switch err := member.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: sa}, &corev1.ServiceAccount{}); {
	case err == nil && o.ErrorOnExisting:
		return fmt.Errorf("service account: %s already exists in joining cluster: %s (namespace %s): unjoin the cluster first, or pass --error-on-existing=false to update it", sa, o.ClusterContext, ns)
	case err != nil && !apierrors.IsNotFound(err):
		return stepError("check for an existing service account", member, err)
	}

	if o.dryRun.Enabled() {
		return o.preview(ctx, host, member, entry, kfconfig.Spec.Scope, sa, secretName)
	}

	j := &journal{}
	kfc, err := o.join(ctx, j, host, member, entry, kfconfig.Spec.Scope, sa, secretName)
	if err != nil {
		if rbErr := j.rollback(); rbErr != nil {
			return fmt.Errorf("%w\nRolling back also failed; delete these objects by hand:\n%w", err, rbErr)
		}
		if len(j.created) > 0 {
			return fmt.Errorf("%w\nThe %d objects this join had created were deleted again", err, len(j.created))
		}
		return err
	}
	done := o.streams.Out
	if o.Output != "" {
		if err := cli.PrintObjects(o.streams.Out, o.Output, kfc); err != nil {
			return err
		}
		done = o.streams.ErrOut // standard output holds only the objects
	} else {
		for _, line := range j.lines {
			fmt.Fprintln(o.streams.Out, line)
		}
		if j.unchanged() {
			fmt.Fprintf(o.streams.Out, "Cluster %q unchanged: it is joined to host cluster %q as requested\n", o.ClusterName, host.Name)
		} else {
			fmt.Fprintf(o.streams.Out, "Cluster %q joined the federation of host cluster %q\n", o.ClusterName, host.Name)
		}
	}
	if !o.Wait.Enabled {
		return nil
	}
	if err := o.waitReady(ctx, host); err != nil {
		return err
	}
	fmt.Fprintf(done, "Cluster %q is Ready\n", o.ClusterName)
	return nil
}

// waitReady waits until the syncer reports the KubeFedCluster Ready,
// showing its Ready condition meanwhile.
func (o *Options) waitReady(ctx context.Context, host *cli.Cluster) error {
	ns := o.flags.KubeFedNamespace
	hint := fmt.Sprintf("the cluster is joined; the syncer probes it and sets Ready: check that the syncer runs (kubectl -n %s get pods) and reaches the cluster (kubectl fed status)", ns)
	return o.Wait.Until(ctx, o.streams.ErrOut, "kubefedcluster/"+o.ClusterName+" to be Ready", hint, func(ctx context.Context) (bool, string, error) {
		kfc := &corev1beta1.KubeFedCluster{}
		if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: o.ClusterName}, kfc); err != nil {
			return false, "", fmt.Errorf("reading kubefedcluster %s/%s: %w", ns, o.ClusterName, err)
		}
		ready, why := status.ClusterReadiness(*kfc)
		if why != "" {
			ready += ": " + why
		}
		return kfc.Status.IsReady(), "Ready " + ready, nil
	})
}

// join runs the steps that change the clusters, recording them in j.
func (o *Options) join(ctx context.Context, j *journal, host, member *cli.Cluster, entry *clientcmdapi.Cluster, scope apiextensionsv1.ResourceScope, sa, secretName string) (*corev1beta1.KubeFedCluster, error) {
	ns := o.flags.KubeFedNamespace
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	exists, err := o.waitForNamespace(ctx, member, ns)
	if err != nil {
		return nil, stepError("read the namespace "+ns, member, err)
	}
	if !exists {
		if err := j.create(ctx, member, nsObj); err != nil {
			return nil, stepError("create the namespace "+ns, member, err)
		}
	}
	if err := j.ensure(ctx, member, serviceAccount(ns, sa), o.ErrorOnExisting); err != nil {
		return nil, stepError("create the service account "+sa, member, err)
	}
	if err := j.ensure(ctx, member, tokenSecret(ns, sa), o.ErrorOnExisting); err != nil {
		return nil, stepError("create the token secret "+sa, member, err)
	}
	types, err := grant.EnabledTypes(ctx, host.Client, ns)
	if err != nil {
		return nil, stepError("read the enabled types", host, err)
	}
	if o.ClusterAdmin {
		fmt.Fprintf(o.streams.ErrOut, "Warning: --cluster-admin grants the control plane every verb on every resource of cluster %q: whoever obtains its token (from Secret %s/%s of the host) is that cluster's admin\n", member.Name, ns, secretName)
	}
	for _, obj := range rbacObjects(scope, ns, sa, types, o.ClusterAdmin) {
		if err := j.ensure(ctx, member, obj, o.ErrorOnExisting); err != nil {
			return nil, stepError("grant access with "+describe(obj), member, err)
		}
	}
	token, err := waitForToken(ctx, func(ctx context.Context) (*corev1.Secret, error) {
		s := &corev1.Secret{}
		return s, member.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: sa}, s)
	}, fmt.Sprintf("secret %s/%s in cluster %q", ns, sa, member.Name), o.TokenTimeout, o.streams.ErrOut)
	if err != nil {
		return nil, stepError("wait for the service account token", member, err)
	}

	secret, err := o.ensureHostSecret(ctx, j, host, secretName, token.Data[core.ClusterSecretTokenKey])
	if err != nil {
		return nil, stepError("write the host secret", host, err)
	}
	kfc := KubeFedCluster(ns, o.ClusterName, entry, secret.Name, token.Data[core.ClusterSecretCAKey], o.clusterLabels)
	if err := o.ensureKubeFedCluster(ctx, j, host, kfc); err != nil {
		return nil, stepError("write the KubeFedCluster "+o.ClusterName, host, err)
	}
	return kfc, nil
}

// preview is join's dry run. It prints (-o, YAML by default) the host
// objects join would write, the token Secret and the KubeFedCluster naming
// it, and lists the member's objects on stderr; the token itself is issued
// by the member when join runs. A server-side dry run sends every one of
// these writes as a dry run, so that the API servers and admission judge
// them.
func (o *Options) preview(ctx context.Context, host, member *cli.Cluster, entry *clientcmdapi.Cluster, scope apiextensionsv1.ResourceScope, sa, secretName string) error {
	ns := o.flags.KubeFedNamespace
	types, err := grant.EnabledTypes(ctx, host.Client, ns)
	if err != nil {
		return stepError("read the enabled types", host, err)
	}
	var memberObjs []client.Object
	exists, err := o.waitForNamespace(ctx, member, ns)
	if err != nil {
		return stepError("read the namespace "+ns, member, err)
	}
	if !exists {
		memberObjs = append(memberObjs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	memberObjs = append(memberObjs, serviceAccount(ns, sa), tokenSecret(ns, sa))
	memberObjs = append(memberObjs, rbacObjects(scope, ns, sa, types, o.ClusterAdmin)...)
	if secretName == "" {
		// As the API server would generate it from join's generateName.
		secretName = o.ClusterName + "-" + utilrand.String(5)
		fmt.Fprintf(o.streams.ErrOut, "The host secret's name is generated when join runs (%s-xxxxx); this preview names it %s.\n", o.ClusterName, secretName)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName},
		Data:       map[string][]byte{core.ClusterSecretTokenKey: {}},
	}
	kfc := KubeFedCluster(ns, o.ClusterName, entry, secretName, nil, o.clusterLabels)
	fmt.Fprintf(o.streams.ErrOut, "The token is issued by cluster %q when join runs; the Secret below holds it then.\n", member.Name)
	for _, target := range []struct {
		cluster *cli.Cluster
		objs    []client.Object
	}{{member, memberObjs}, {host, []client.Object{secret, kfc}}} {
		for _, obj := range target.objs {
			verb, note := "created", ""
			switch {
			case o.dryRun.Server() && target.cluster == member && !exists && obj.GetNamespace() == ns:
				// Dry runs persist nothing: the namespace is not there.
				note = fmt.Sprintf(": not sent, namespace %s does not exist yet", ns)
			case o.dryRun.Server():
				cli.LogAction(ctx, "Creating object", target.cluster, obj)
				err := target.cluster.ForDryRun(o.dryRun).Client.Create(ctx, obj.DeepCopyObject().(client.Object))
				switch {
				case apierrors.IsAlreadyExists(err):
					verb = "exists already (join updates it)"
				case err != nil:
					return stepError("create "+describe(obj)+" (server dry run)", target.cluster, err)
				}
			}
			fmt.Fprintf(o.streams.ErrOut, "%s %s in cluster %q%s%s\n", describe(obj), verb, target.cluster.Name, o.dryRun.Suffix(), note)
		}
	}
	return cli.PrintObjects(o.streams.Out, outputOrYAML(o.Output), secret, kfc)
}

// waitForNamespace reports whether the namespace exists in the cluster,
// waiting (with progress) for one that is terminating, e.g. after an unjoin,
// to be gone.
func (o *Options) waitForNamespace(ctx context.Context, cluster *cli.Cluster, name string) (bool, error) {
	waiting := false
	exists := false
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, o.TokenTimeout, true, func(ctx context.Context) (bool, error) {
		ns := &corev1.Namespace{}
		err := cluster.Client.Get(ctx, client.ObjectKey{Name: name}, ns)
		switch {
		case apierrors.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, err
		case ns.DeletionTimestamp == nil:
			exists = true
			return true, nil
		}
		if !waiting {
			fmt.Fprintf(o.streams.ErrOut, "Waiting for namespace %s in cluster %q to finish terminating...\n", name, cluster.Name)
			waiting = true
		}
		return false, nil
	})
	if err != nil && waiting {
		return false, fmt.Errorf("namespace %s is still terminating after %s: check what blocks it with kubectl --context %s get namespace %s -o yaml", name, o.TokenTimeout, cluster.Name, name)
	}
	return exists, err
}

// ensureHostSecret creates (or, for a rejoin, updates) the host secret
// holding the member's token.
func (o *Options) ensureHostSecret(ctx context.Context, j *journal, host *cli.Cluster, name string, token []byte) (*corev1.Secret, error) {
	ns := o.flags.KubeFedNamespace
	desired := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Data:       map[string][]byte{core.ClusterSecretTokenKey: token},
	}
	if name == "" {
		desired.GenerateName = o.ClusterName + "-"
		return desired, j.create(ctx, host, desired)
	}
	existing := &corev1.Secret{}
	err := host.Client.Get(ctx, client.ObjectKeyFromObject(desired), existing)
	switch {
	case apierrors.IsNotFound(err):
		return desired, j.create(ctx, host, desired)
	case err != nil:
		return nil, err
	case o.ErrorOnExisting:
		return nil, fmt.Errorf("host cluster secret %s already exists", name)
	case string(existing.Data[core.ClusterSecretTokenKey]) == string(token):
		j.record(host, existing, "unchanged")
		return existing, nil
	}
	if existing.Data == nil {
		existing.Data = map[string][]byte{}
	}
	existing.Data[core.ClusterSecretTokenKey] = token
	cli.LogAction(ctx, "Updating object", host, existing)
	if err := host.Client.Update(ctx, existing); err != nil {
		return nil, err
	}
	j.record(host, existing, "updated")
	return existing, nil
}

// ensureKubeFedCluster creates the KubeFedCluster or, for a rejoin,
// replaces its spec and adds its labels.
func (o *Options) ensureKubeFedCluster(ctx context.Context, j *journal, host *cli.Cluster, kfc *corev1beta1.KubeFedCluster) error {
	err := j.create(ctx, host, kfc)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	if o.ErrorOnExisting {
		return fmt.Errorf("federated cluster %s already exists in host cluster", kfc.Name)
	}
	existing := &corev1beta1.KubeFedCluster{}
	if err := host.Client.Get(ctx, client.ObjectKeyFromObject(kfc), existing); err != nil {
		return err
	}
	patch := client.MergeFrom(existing.DeepCopy())
	// A re-join that changes the connection marks itself with a new
	// joined-at time (admission allows connection changes only so); one
	// that changes nothing leaves the cluster unchanged.
	if existing.Annotations[core.JoinedAtAnnotation] == "" || len(validation.ConnectionChanges(&existing.Spec, &kfc.Spec, field.NewPath("spec"))) > 0 {
		metav1.SetMetaDataAnnotation(&existing.ObjectMeta, core.JoinedAtAnnotation, kfc.Annotations[core.JoinedAtAnnotation])
	}
	existing.Spec = kfc.Spec
	for k, v := range kfc.Labels {
		if existing.Labels == nil {
			existing.Labels = map[string]string{}
		}
		existing.Labels[k] = v
	}
	before := existing.ResourceVersion
	cli.LogAction(ctx, "Updating object", host, existing)
	if err := host.Client.Patch(ctx, existing, patch); err != nil {
		return err
	}
	existing.DeepCopyInto(kfc)
	j.record(host, kfc, cli.UpdatedOrUnchanged(before, existing))
	return nil
}

// outputOrYAML is the -o value, YAML when none was given.
func outputOrYAML(format string) string {
	if format == "" {
		return "yaml"
	}
	return format
}

// checkInventory refuses a cluster name that a ClusterProfile of the
// KubeFedConfig's inventory namespace already uses: both would define the
// member, and the syncer would use neither.
func (o *Options) checkInventory(ctx context.Context, host *cli.Cluster, inv *corev1beta1.InventoryConfig) error {
	if inv == nil || inv.Namespace == "" {
		return nil
	}
	profile := &inventoryv1alpha1.ClusterProfile{}
	err := host.Client.Get(ctx, client.ObjectKey{Namespace: inv.Namespace, Name: o.ClusterName}, profile)
	switch {
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		return nil
	case err != nil:
		return stepError("read the cluster inventory's ClusterProfile", host, err)
	case inventory.Ours(profile):
		return nil
	}
	return fmt.Errorf("the cluster name %s is already used by ClusterProfile %s/%s of the cluster inventory (cluster manager %q), which makes it a member already: join under another name (kubectl fed join OTHER-NAME --cluster-context ...) or remove the profile from the inventory",
		o.ClusterName, inv.Namespace, o.ClusterName, profile.Spec.ClusterManager.Name)
}
