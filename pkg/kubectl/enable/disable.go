package enable

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
)

// DefaultStopTimeout bounds the wait for the propagation controller to
// stop.
const DefaultStopTimeout = 10 * time.Second

var (
	disableLong = templates.LongDesc(`
		Disable the federation of a type.

		disable sets the type's FederatedTypeConfig to propagation Disabled, waits
		until the control plane reports its propagation controller NotRunning, and
		deletes the FederatedTypeConfig. Objects already propagated to member
		clusters stay there. With --delete-crd it also deletes the
		CustomResourceDefinition of the federated type, which is refused while
		federated objects of the type exist.

		TYPE without a dot is looked up among the resources the host cluster
		serves; TYPE with a dot (e.g. deployments.apps) is the FederatedTypeConfig's
		name.`)

	disableExample = templates.Examples(`
		# Stop federating Deployments, keeping the FederatedDeployment CRD
		kubectl fed disable deployments.apps

		# Stop federating ConfigMaps and delete the FederatedConfigMap CRD
		kubectl fed disable configmaps --delete-crd`)
)

// DisableOptions are the inputs of `kubectl fed disable`.
type DisableOptions struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// TypeName names the target type.
	TypeName string
	// DeleteCRD also deletes the federated type's CRD.
	DeleteCRD bool
	// FederatedGroup and TargetVersion name the CRD when there is no
	// FederatedTypeConfig to read it from.
	FederatedGroup, TargetVersion string
	// Timeout bounds the wait for the propagation controller to stop.
	Timeout time.Duration
	// DryRun is --dry-run.
	DryRun string

	dryRun                        cli.DryRun
	versionSet, federatedGroupSet bool
}

// NewCmdDisable returns `kubectl fed disable`.
func NewCmdDisable(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DisableOptions{flags: flags, streams: streams, FederatedGroup: typesv1beta1.DefaultFederatedGroup, Timeout: DefaultStopTimeout}
	cmd := &cobra.Command{
		Use:     "disable TYPE",
		Short:   "Disable the federation of a type",
		Long:    disableLong,
		Example: disableExample,
		Args:    cobra.MaximumNArgs(1),

		ValidArgsFunction: flags.CompleteTypeConfigs,
		RunE:              cli.RunE(o),
	}
	f := cmd.Flags()
	f.BoolVar(&o.DeleteCRD, "delete-crd", false, "Also delete the CustomResourceDefinition of the federated type")
	f.StringVar(&o.FederatedGroup, "federated-group", o.FederatedGroup, "API group of the federated type, to find its CRD when no FederatedTypeConfig exists (only with --delete-crd)")
	f.StringVar(&o.TargetVersion, "version", "", "Version of the target type (only with --delete-crd)")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long to wait for the control plane to stop the type's propagation controller")
	cli.AddDryRunFlag(cmd, &o.DryRun)
	return cmd
}

// Complete reads the arguments and which flags were given.
func (o *DisableOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cli.UsageErrorf(cmd, "TYPE is required")
	}
	o.TypeName = args[0]
	o.versionSet = cmd.Flags().Changed("version")
	o.federatedGroupSet = cmd.Flags().Changed("federated-group")
	var err error
	o.dryRun, err = cli.ParseDryRun(o.DryRun)
	return err
}

// Validate checks flag combinations.
func (o *DisableOptions) Validate() error {
	if !o.DeleteCRD {
		if o.versionSet {
			return fmt.Errorf("--version flag valid only with --delete-crd")
		}
		if o.federatedGroupSet {
			return fmt.Errorf("--federated-group flag valid only with --delete-crd")
		}
	}
	return nil
}

// Run disables the type. Its result lines are printed once it is done, so
// that a failure leaves nothing on standard output.
func (o *DisableOptions) Run(ctx context.Context) (err error) {
	ns := o.flags.KubeFedNamespace
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	name, err := o.typeConfigName(ctx, host)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	defer func() {
		if err == nil {
			_, err = o.streams.Out.Write(out.Bytes())
		}
	}()

	ftc := &corev1beta1.FederatedTypeConfig{}
	err = host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, ftc)
	switch {
	case apierrors.IsNotFound(err):
		ftc = nil
		fmt.Fprintf(&out, "FederatedTypeConfig %q does not exist\n", ns+"/"+name)
	case err != nil:
		return fmt.Errorf("reading FederatedTypeConfig %s/%s: %w", ns, name, err)
	}
	crdName := o.defaultCRDName(name)
	if ftc != nil {
		crdName = ftc.Spec.FederatedType.QualifiedName()
	}
	if o.dryRun.Client() {
		if ftc != nil {
			cli.Done(&out, o.dryRun, "Disabled propagation for FederatedTypeConfig %q", ns+"/"+name)
		}
		if o.DeleteCRD {
			cli.Done(&out, o.dryRun, "customresourcedefinition %q deleted", crdName)
		}
		if ftc != nil {
			cli.Done(&out, o.dryRun, "federatedtypeconfig %q deleted", ns+"/"+name)
		}
		return nil
	}
	// A server-side dry run sends the same writes as dry runs.
	host = host.ForDryRun(o.dryRun)
	w := o.dryRun.SuffixWriter(&out)
	if ftc != nil {
		if err := o.stopPropagation(ctx, host, ftc, w); err != nil {
			return err
		}
	}
	if o.DeleteCRD {
		crd := &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: crdName}}
		cli.LogAction(ctx, "Deleting object", host, crd)
		switch err := host.Client.Delete(ctx, crd); {
		case apierrors.IsNotFound(err):
			fmt.Fprintf(w, "customresourcedefinition %q does not exist\n", crdName)
		case err != nil:
			return fmt.Errorf("deleting CustomResourceDefinition %s: %w", crdName, err)
		default:
			fmt.Fprintf(w, "customresourcedefinition %q deleted\n", crdName)
		}
	}
	if ftc != nil {
		cli.LogAction(ctx, "Deleting object", host, ftc)
		if err := host.Client.Delete(ctx, ftc); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting FederatedTypeConfig %s/%s: %w", ns, name, err)
		}
		fmt.Fprintf(w, "federatedtypeconfig %q deleted\n", ns+"/"+name)
	}
	if host.ServerDryRun {
		// The members' grants follow the enabled types once the type is gone.
		return nil
	}
	return grant.Sync(ctx, o.flags, host, nil, w, o.streams.ErrOut)
}

// typeConfigName resolves TYPE to the FederatedTypeConfig's name. A name
// with a dot is used as is; a name discovery does not know is used as is
// when a FederatedTypeConfig of that name exists (its type may be gone).
func (o *DisableOptions) typeConfigName(ctx context.Context, host *cli.Cluster) (string, error) {
	if strings.Contains(o.TypeName, ".") {
		return o.TypeName, nil
	}
	r, err := apiresource.Lookup(host.Discovery, o.TargetVersion, o.TypeName)
	if err == nil {
		return r.QualifiedName(), nil
	}
	if apiresource.IsNotFound(err) {
		key := client.ObjectKey{Namespace: o.flags.KubeFedNamespace, Name: o.TypeName}
		if getErr := host.Client.Get(ctx, key, &corev1beta1.FederatedTypeConfig{}); getErr == nil {
			return o.TypeName, nil
		}
		return "", fmt.Errorf("%w List the enabled types with: kubectl get federatedtypeconfigs -n %s", err, o.flags.KubeFedNamespace)
	}
	return "", err
}

// defaultCRDName is the name of the CRD `enable` would have created for
// the FederatedTypeConfig name.
func (o *DisableOptions) defaultCRDName(ftcName string) string {
	plural, _, _ := strings.Cut(ftcName, ".")
	return corev1beta1.GroupQualifiedName(typesv1beta1.FederatedPluralName(plural), o.FederatedGroup)
}

// stopPropagation refuses to go on if --delete-crd would delete federated
// objects, sets propagation Disabled and waits until the control plane has
// seen the change and stopped the type's propagation controller.
func (o *DisableOptions) stopPropagation(ctx context.Context, host *cli.Cluster, ftc *corev1beta1.FederatedTypeConfig, out io.Writer) error {
	key := ftc.Namespace + "/" + ftc.Name
	fed := ftc.Spec.FederatedType
	if o.DeleteCRD {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(fed.GroupVersionKind())
		err := host.Client.List(ctx, list, client.Limit(1))
		if err != nil && !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
			return fmt.Errorf("listing %s objects: %w", fed.QualifiedName(), err)
		}
		if err == nil && len(list.Items) > 0 {
			return fmt.Errorf("Cannot delete CRD %q while resource instances exist. Please try kubectl fed disable again after removing the resource instances (kubectl get %s -A) or without the '--delete-crd' option",
				fed.QualifiedName(), fed.QualifiedName())
		}
	}
	if ftc.Spec.Propagation == corev1beta1.PropagationDisabled {
		fmt.Fprintf(out, "Propagation already disabled for FederatedTypeConfig %q\n", key)
	} else {
		patch := client.MergeFrom(ftc.DeepCopy())
		ftc.Spec.Propagation = corev1beta1.PropagationDisabled
		cli.LogAction(ctx, "Updating object", host, ftc)
		if err := host.Client.Patch(ctx, ftc, patch); err != nil {
			return fmt.Errorf("disabling propagation for FederatedTypeConfig %q: %w", key, err)
		}
		fmt.Fprintf(out, "Disabled propagation for FederatedTypeConfig %q\n", key)
	}
	if host.ServerDryRun {
		// Propagation was not disabled, so the syncer will not stop it.
		return nil
	}
	fmt.Fprintln(o.streams.ErrOut, "Verifying propagation controller is stopped...")
	var last corev1beta1.FederatedTypeConfigStatus
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, o.Timeout, true, func(ctx context.Context) (bool, error) {
		got := &corev1beta1.FederatedTypeConfig{}
		if err := host.Client.Get(ctx, client.ObjectKeyFromObject(ftc), got); err != nil {
			return false, nil
		}
		last = got.Status
		return Stopped(got), nil
	})
	if err != nil {
		return fmt.Errorf("propagation is disabled in FederatedTypeConfig %q, but the control plane did not report its propagation controller stopped within %s (status: propagationController=%q, observedGeneration %d of generation %d): check that the syncer runs (kubectl -n %s get pods), then run disable again or raise --timeout",
			key, o.Timeout, last.PropagationController, last.ObservedGeneration, ftc.Generation, ftc.Namespace)
	}
	fmt.Fprintf(out, "Propagation controller for FederatedTypeConfig %q is stopped\n", key)
	return nil
}

// Stopped reports whether the control plane has seen the
// FederatedTypeConfig's current generation and reports its propagation
// controller NotRunning.
func Stopped(ftc *corev1beta1.FederatedTypeConfig) bool {
	return ftc.Status.ObservedGeneration >= ftc.Generation &&
		ftc.Status.PropagationController == corev1beta1.ControllerStatusNotRunning
}
