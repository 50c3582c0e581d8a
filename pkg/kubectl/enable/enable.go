// Package enable holds `kubectl fed enable` and `kubectl fed disable`,
// which turn the federation of a type on and off: a FederatedTypeConfig
// plus the CustomResourceDefinition of the Federated<Kind> type.
package enable

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/dependencies"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
)

// establishTimeout bounds the wait for a new CRD to be served.
const establishTimeout = 30 * time.Second

var (
	enableLong = templates.LongDesc(`
		Enable the federation of one or more types.

		enable finds each TYPE among the resources the host cluster serves (by plural,
		singular, kind, short name or plural.group), then creates or updates the
		CustomResourceDefinition of its federated type Federated<Kind> and the
		FederatedTypeConfig, named after the type's group-qualified plural, that
		tells the control plane to propagate it. Types defined by
		CustomResourceDefinitions work the same way.

		For Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and Services
		the FederatedTypeConfig also turns status collection on, so that the
		syncer copies member statuses into the federated object and aggregates
		them (see kubectl fed status). --status-collection=false turns it off;
		--status-collection=true turns it on for any type.

		--dependency-propagation=Enabled makes the objects of a type with a pod
		template (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
		CronJobs, Pods) follow their dependencies by default: the ConfigMaps,
		Secrets, ServiceAccount and PersistentVolumeClaims their pod template
		references go with them (an object annotated
		kubefed.io/propagate-dependencies: "false" opts out). Without the flag,
		a new type does not (Disabled) and enabling a type again keeps what its
		FederatedTypeConfig says.

		With -o, it prints the two objects instead of creating them.`)

	enableExample = templates.Examples(`
		# Enable the federation of ConfigMaps and Deployments
		kubectl fed enable configmaps deployments.apps

		# Print the FederatedTypeConfig and CRD without creating them
		kubectl fed enable deployments.apps -o yaml

		# Enable a version other than the preferred one, in a custom federated group
		kubectl fed enable widgets.example.com --version=v2 --federated-group=federated.example.com

		# Enable Deployments without collecting their member statuses
		kubectl fed enable deployments.apps --status-collection=false

		# Enable Deployments, each following its ConfigMaps, Secrets, ServiceAccount and PVCs
		kubectl fed enable deployments.apps --dependency-propagation=Enabled

		# Enable the type described by a KubeFed EnableTypeDirective file
		kubectl fed enable -f directive.yaml

		# Enable ConfigMaps and wait until the syncer propagates them
		kubectl fed enable configmaps --wait`)
)

// Options are the inputs of `kubectl fed enable`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// TypeNames name the target types.
	TypeNames []string
	// Filename is an EnableTypeDirective file (-f).
	Filename string
	// TargetVersion restricts the target to a version (--version).
	TargetVersion string
	// FederatedGroup and FederatedVersion place the federated type.
	FederatedGroup, FederatedVersion string
	// Output is -o.
	Output string
	// DryRun is --dry-run.
	DryRun string
	// StatusCollection is --status-collection; it overrides the per-type
	// default only when the flag was given.
	StatusCollection bool
	// DependencyPropagation is --dependency-propagation (Enabled or
	// Disabled); empty leaves the FederatedTypeConfig's as it is (unset
	// for a new type: Disabled).
	DependencyPropagation string
	// Wait is --wait and --timeout: until the syncer runs the types'
	// propagation controllers.
	Wait cli.Wait

	statusCollectionSet bool

	dryRun cli.DryRun
}

// NewCmdEnable returns `kubectl fed enable`.
func NewCmdEnable(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams,
		FederatedGroup: typesv1beta1.DefaultFederatedGroup, FederatedVersion: typesv1beta1.DefaultFederatedVersion}
	cmd := &cobra.Command{
		Use:     "enable (TYPE... | -f FILENAME)",
		Short:   "Enable the federation of a type",
		Long:    enableLong,
		Example: enableExample,
		Args:    cobra.ArbitraryArgs,

		ValidArgsFunction: flags.CompleteTypes,
		RunE:              cli.RunE(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Filename, "filename", "f", "", "EnableTypeDirective file naming the type to enable; TYPE and the other flags are then ignored")
	f.StringVar(&o.TargetVersion, "version", "", "Version of the target type (default: the preferred version)")
	f.StringVar(&o.FederatedGroup, "federated-group", o.FederatedGroup, "API group of the federated type")
	f.StringVar(&o.FederatedVersion, "federated-version", o.FederatedVersion, "API version of the federated type")
	f.BoolVar(&o.StatusCollection, "status-collection", true, "Collect and aggregate the status of member objects (default: on for deployments, replicasets, statefulsets, daemonsets, jobs and services)")
	f.StringVar(&o.DependencyPropagation, "dependency-propagation", "", "Enabled or Disabled: whether the type's objects follow their dependencies (ConfigMaps, Secrets, ServiceAccount, PVCs of the pod template) by default; types with a pod template only (default: Disabled for a new type, unchanged for an enabled one)")
	cli.AddOutputFlag(cmd, &o.Output, "Print the FederatedTypeConfig and CRD in this format instead of creating them")
	cli.AddDryRunFlag(cmd, &o.DryRun)
	cli.AddWaitFlags(cmd, &o.Wait, "the syncer runs the propagation controller of each type (its FederatedTypeConfig's status says Running)", cli.DefaultWaitTimeout)
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml")
	return cmd
}

// Complete reads TYPE or the directive file.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	var err error
	if o.dryRun, err = cli.ParseDryRun(o.DryRun); err != nil {
		return err
	}
	o.statusCollectionSet = cmd.Flags().Changed("status-collection")
	if o.Filename != "" {
		d, err := ReadDirective(o.Filename)
		if err != nil {
			return err
		}
		o.TypeNames, o.TargetVersion = []string{d.Name}, d.Spec.TargetVersion
		o.FederatedGroup, o.FederatedVersion = d.Spec.FederatedGroup, d.Spec.FederatedVersion
		return nil
	}
	if len(args) == 0 {
		return cli.UsageErrorf(cmd, "TYPE or -f FILENAME is required")
	}
	o.TypeNames = args
	return nil
}

// Validate checks -o, --wait and --dependency-propagation.
func (o *Options) Validate() error {
	if err := o.Wait.Validate(); err != nil {
		return err
	}
	switch corev1beta1.DependencyPropagationMode(o.DependencyPropagation) {
	case "", corev1beta1.DependencyPropagationEnabled, corev1beta1.DependencyPropagationDisabled:
	default:
		return fmt.Errorf("invalid value %q for --dependency-propagation: use %s or %s", o.DependencyPropagation,
			corev1beta1.DependencyPropagationEnabled, corev1beta1.DependencyPropagationDisabled)
	}
	if o.Wait.Enabled && (o.dryRun.Enabled() || o.Output != "") {
		return fmt.Errorf("--wait cannot be used with --dry-run or --output: nothing is enabled to wait for")
	}
	return cli.ValidateOutput(o.Output)
}

// Run enables the types. Every name is resolved before anything is
// changed, so a misspelt one changes nothing.
func (o *Options) Run(ctx context.Context) error {
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	var objs []runtime.Object
	for _, name := range o.TypeNames {
		target, err := ResolveTarget(ctx, host, name, o.TargetVersion)
		if err != nil {
			return err
		}
		ftc := TypeConfig(o.flags.KubeFedNamespace, target, o.FederatedGroup, o.FederatedVersion)
		if o.statusCollectionSet {
			mode := corev1beta1.StatusCollectionDisabled
			if o.StatusCollection {
				mode = corev1beta1.StatusCollectionEnabled
			}
			ftc.Spec.StatusCollection = &mode
		}
		if o.DependencyPropagation != "" {
			if dependencies.PodSpecPath(target.Group, target.Kind) == nil {
				return fmt.Errorf("--dependency-propagation applies to types with a pod template (deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs, pods); %s has none, so it has no dependencies to follow: leave the flag out for it", name)
			}
			mode := corev1beta1.DependencyPropagationMode(o.DependencyPropagation)
			ftc.Spec.DependencyPropagation = &mode
		}
		objs = append(objs, ftc, typesv1beta1.FederatedCRD(target, o.FederatedGroup, o.FederatedVersion))
	}
	if o.Output != "" {
		return cli.PrintObjects(o.streams.Out, o.Output, objs...)
	}
	if !o.dryRun.Enabled() {
		var enabling []corev1beta1.APIResource
		for i := 0; i < len(objs); i += 2 {
			enabling = append(enabling, objs[i].(*corev1beta1.FederatedTypeConfig).Spec.TargetType)
		}
		if err := grant.Sync(ctx, o.flags, host, enabling, o.streams.Out, o.streams.ErrOut); err != nil {
			return err
		}
	}
	for i := 0; i < len(objs); i += 2 {
		ftc := objs[i].(*corev1beta1.FederatedTypeConfig)
		crd := objs[i+1].(*apiextensionsv1.CustomResourceDefinition)
		if o.dryRun.Client() {
			cli.Done(o.streams.Out, o.dryRun, "customresourcedefinition.apiextensions.k8s.io/%s created", crd.Name)
			cli.Done(o.streams.Out, o.dryRun, "federatedtypeconfig.core.kubefed.io/%s created in namespace %s", ftc.Name, ftc.Namespace)
			continue
		}
		if err := Apply(ctx, host.ForDryRun(o.dryRun), ftc, crd, o.dryRun.SuffixWriter(o.streams.Out)); err != nil {
			return err
		}
	}
	if !o.Wait.Enabled {
		return nil
	}
	for i := 0; i < len(objs); i += 2 {
		ftc := objs[i].(*corev1beta1.FederatedTypeConfig)
		if err := o.waitRunning(ctx, host, ftc); err != nil {
			return err
		}
		fmt.Fprintf(o.streams.Out, "Propagation controller for FederatedTypeConfig \"%s/%s\" is running\n", ftc.Namespace, ftc.Name)
	}
	return nil
}

// waitRunning waits until the syncer reports the propagation controller of
// ftc Running at its current generation.
func (o *Options) waitRunning(ctx context.Context, host *cli.Cluster, ftc *corev1beta1.FederatedTypeConfig) error {
	hint := fmt.Sprintf("the type is enabled; check that the syncer runs (kubectl -n %s get pods) and its log, and kubectl fed doctor", ftc.Namespace)
	what := fmt.Sprintf("the propagation controller of federatedtypeconfig %s/%s to run", ftc.Namespace, ftc.Name)
	return o.Wait.Until(ctx, o.streams.ErrOut, what, hint, func(ctx context.Context) (bool, string, error) {
		got := &corev1beta1.FederatedTypeConfig{}
		if err := host.Client.Get(ctx, client.ObjectKeyFromObject(ftc), got); err != nil {
			return false, "", fmt.Errorf("reading FederatedTypeConfig %s/%s: %w", ftc.Namespace, ftc.Name, err)
		}
		progress := fmt.Sprintf("propagationController %q, observedGeneration %d of generation %d",
			got.Status.PropagationController, got.Status.ObservedGeneration, got.Generation)
		return Running(got), progress, nil
	})
}

// Running reports whether the control plane has seen the
// FederatedTypeConfig's current generation and reports its propagation
// controller Running.
func Running(ftc *corev1beta1.FederatedTypeConfig) bool {
	return ftc.Status.ObservedGeneration >= ftc.Generation &&
		ftc.Status.PropagationController == corev1beta1.ControllerStatusRunning
}

// ResolveTarget finds the type TYPE names in the host cluster and tells
// whether it is scalable: for a CRD, whether its schema has an integer
// spec.replicas; for a built-in type, whether it has a scale subresource.
func ResolveTarget(ctx context.Context, host *cli.Cluster, name, version string) (typesv1beta1.TargetType, error) {
	resources, err := apiresource.Discover(host.Discovery, version)
	if err != nil {
		return typesv1beta1.TargetType{}, err
	}
	r, err := apiresource.Resolve(resources, name)
	if err != nil {
		if apiresource.IsNotFound(err) {
			return typesv1beta1.TargetType{}, fmt.Errorf("%w List the types the host cluster (context %q) serves with: kubectl api-resources", err, host.Name)
		}
		return typesv1beta1.TargetType{}, err
	}
	target := r.TargetType()
	if r.Group != "" {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		err := host.Client.Get(ctx, client.ObjectKey{Name: r.QualifiedName()}, crd)
		switch {
		case err == nil:
			target.Scalable = CRDScalable(crd, r.Version)
			return target, nil
		case !apierrors.IsNotFound(err):
			return target, fmt.Errorf("reading the CustomResourceDefinition %s: %w", r.QualifiedName(), err)
		}
	}
	// A built-in type is scalable when it has a scale subresource.
	target.Scalable, err = apiresource.HasScale(host.Discovery, r)
	return target, err
}

// Apply creates or updates the federated type's CRD, waits until it is
// served, then creates or updates the FederatedTypeConfig, printing one
// line per object to out.
func Apply(ctx context.Context, host *cli.Cluster, ftc *corev1beta1.FederatedTypeConfig, crd *apiextensionsv1.CustomResourceDefinition, out io.Writer) error {
	ns := ftc.Namespace
	if err := host.Client.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("namespace %s not found in the host cluster (context %q): %s", ns, host.Name, kubeFedNamespaceHint(ns))
		}
		return fmt.Errorf("reading namespace %s in the host cluster: %w", ns, err)
	}
	existing := &corev1beta1.FederatedTypeConfig{}
	err := host.Client.Get(ctx, client.ObjectKeyFromObject(ftc), existing)
	switch {
	case apierrors.IsNotFound(err):
		existing = nil
	case err != nil:
		return fmt.Errorf("reading FederatedTypeConfig %s/%s: %w", ns, ftc.Name, err)
	case existing.Spec.FederatedType.QualifiedName() != ftc.Spec.FederatedType.QualifiedName():
		return fmt.Errorf("Federation is already enabled for %q with federated type %q. Changing the federated type to %q is not supported.",
			ftc.Name, existing.Spec.FederatedType.QualifiedName(), ftc.Spec.FederatedType.QualifiedName())
	}

	if err := applyCRD(ctx, host, ftc, crd, out); err != nil {
		return err
	}

	if existing == nil {
		cli.LogAction(ctx, "Creating object", host, ftc)
		if err := host.Client.Create(ctx, ftc); err != nil {
			return fmt.Errorf("creating FederatedTypeConfig %s/%s: %w", ns, ftc.Name, err)
		}
		fmt.Fprintf(out, "federatedtypeconfig.core.kubefed.io/%s created in namespace %s\n", ftc.Name, ns)
		return nil
	}
	patch := client.MergeFrom(existing.DeepCopy())
	collection, following := existing.Spec.StatusCollection, existing.Spec.DependencyPropagation
	existing.Spec = ftc.Spec
	if existing.Spec.StatusCollection == nil {
		// Enabling again keeps a statusCollection set by hand.
		existing.Spec.StatusCollection = collection
	}
	if existing.Spec.DependencyPropagation == nil {
		// ... and the dependencyPropagation set before.
		existing.Spec.DependencyPropagation = following
	}
	before := existing.ResourceVersion
	cli.LogAction(ctx, "Updating object", host, existing)
	if err := host.Client.Patch(ctx, existing, patch); err != nil {
		return fmt.Errorf("updating FederatedTypeConfig %s/%s: %w", ns, ftc.Name, err)
	}
	fmt.Fprintf(out, "federatedtypeconfig.core.kubefed.io/%s %s in namespace %s\n", ftc.Name, cli.UpdatedOrUnchanged(before, existing), ns)
	return nil
}

// AddedFields lists the fields the desired CRD's schema declares and the
// existing one's lacks (a CRD created by KubeFed lacks some the syncer
// writes, e.g. status.clusters[].message), comparing storage versions.
func AddedFields(existing, desired *apiextensionsv1.CustomResourceDefinition) []string {
	schema := func(crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.JSONSchemaProps {
		for _, v := range crd.Spec.Versions {
			if v.Storage && v.Schema != nil {
				return v.Schema.OpenAPIV3Schema
			}
		}
		return nil
	}
	have, want := schema(existing), schema(desired)
	if have == nil || want == nil {
		return nil
	}
	return typesv1beta1.MissingFields(have, want, "")
}

// applyCRD creates the federated CRD or, after checking that no other
// FederatedTypeConfig uses it, updates it; then waits until it is served.
func applyCRD(ctx context.Context, host *cli.Cluster, ftc *corev1beta1.FederatedTypeConfig, crd *apiextensionsv1.CustomResourceDefinition, out io.Writer) error {
	cli.LogAction(ctx, "Creating object", host, crd)
	err := host.Client.Create(ctx, crd.DeepCopy())
	switch {
	case err == nil:
		fmt.Fprintf(out, "customresourcedefinition.apiextensions.k8s.io/%s created\n", crd.Name)
	case !apierrors.IsAlreadyExists(err):
		return fmt.Errorf("creating CustomResourceDefinition %s: %w", crd.Name, err)
	default:
		ftcs := &corev1beta1.FederatedTypeConfigList{}
		if err := host.Client.List(ctx, ftcs); err != nil {
			return fmt.Errorf("listing FederatedTypeConfigs: %w", err)
		}
		for _, other := range ftcs.Items {
			if Equivalent(other.Spec.TargetType, ftc.Spec.TargetType) {
				return fmt.Errorf("Failed to enable %q. Federation of this type is already enabled for equivalent type %q by FederatedTypeConfig %q",
					ftc.Name, other.Spec.TargetType.QualifiedName(), other.Namespace+"/"+other.Name)
			}
			if other.Name != ftc.Name && other.Spec.FederatedType.QualifiedName() == crd.Name {
				return fmt.Errorf("Failed to enable %q. The federated type %q is already used by FederatedTypeConfig %q: pass a non-default --federated-group to create a federated type of its own",
					ftc.Name, crd.Name, other.Namespace+"/"+other.Name)
			}
		}
		existing := &apiextensionsv1.CustomResourceDefinition{}
		if err := host.Client.Get(ctx, client.ObjectKeyFromObject(crd), existing); err != nil {
			return fmt.Errorf("reading CustomResourceDefinition %s: %w", crd.Name, err)
		}
		before := existing.ResourceVersion
		added := AddedFields(existing, crd)
		existing.Spec = crd.Spec
		cli.LogAction(ctx, "Updating object", host, existing)
		if err := host.Client.Update(ctx, existing); err != nil {
			return fmt.Errorf("updating CustomResourceDefinition %s: %w", crd.Name, err)
		}
		fmt.Fprintf(out, "customresourcedefinition.apiextensions.k8s.io/%s %s\n", crd.Name, cli.UpdatedOrUnchanged(before, existing))
		if len(added) > 0 {
			fmt.Fprintf(out, "customresourcedefinition.apiextensions.k8s.io/%s upgraded: its schema now declares %s\n", crd.Name, strings.Join(added, ", "))
		}
	}
	if host.ServerDryRun {
		// Nothing was created that could become established.
		return nil
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, establishTimeout, true, func(ctx context.Context) (bool, error) {
		got := &apiextensionsv1.CustomResourceDefinition{}
		if err := host.Client.Get(ctx, client.ObjectKeyFromObject(crd), got); err != nil {
			return false, nil
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("the host cluster did not serve CustomResourceDefinition %s within %s: check its status with kubectl get crd %s -o yaml", crd.Name, establishTimeout, crd.Name)
	}
	return nil
}
