// Package federate holds `kubectl fed federate`, which turns existing
// objects of the host cluster (or YAML files) into federated objects.
package federate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/apiresource"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/enable"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/status"
)

// createRetryTimeout bounds the retries of a create whose federated type
// was enabled a moment ago and is not served yet.
const createRetryTimeout = 10 * time.Second

var (
	federateLong = templates.LongDesc(`
		Federate an object of the host cluster.

		federate reads the object TYPE NAME from the host cluster and creates its
		federated object: a Federated<Kind> of the same name and namespace whose
		template is the object without its status and any metadata but its labels,
		and without what each cluster allocates for itself (a Service's cluster IP
		and node ports, a ServiceAccount's secrets, a Namespace's finalizers).

		The federated object is placed on every member cluster unless --clusters
		or --cluster-selector says otherwise. --override SELECTOR:PATH=VALUE sets
		a field (a JSON pointer) in the clusters whose labels match SELECTOR: an
		entry of spec.overrides with a clusterSelector. The type must be enabled for
		federation (kubectl fed enable), or --enable-type enables it first.

		federate applies, as kubectl apply does: run again, it updates the
		template of a federated object from the object (printing "configured"),
		or prints "unchanged" when nothing changed. The placement is replaced only
		when --clusters or --cluster-selector is given; overrides and the
		federated object's own labels and annotations are kept.

		With --contents, a namespace is federated with everything in it, except
		what the cluster makes itself: objects controlled by other objects, events,
		endpoints, the root CA ConfigMap, the default ServiceAccount and
		service-account tokens.

		User annotations are copied into the template; those kubectl and
		controllers own (kubectl.kubernetes.io/*, deployment.kubernetes.io/*) are
		left out silently, and those each cluster or the federation assigns
		(kubefed.io/*, pv.kubernetes.io/*, ...) with a warning. A Pod loses its
		node and injected token volume, a Job its generated selector and labels.
		The federation's own kinds (KubeFed and policy objects, federated objects,
		ReplicaSchedulingPreferences) are refused.

		With -f, the objects of a YAML file (several documents, or - for standard
		input) are converted offline and printed; nothing is read from or written
		to a cluster.`)

	federateExample = templates.Examples(`
		# Federate the ConfigMap web-config of namespace shop to every member cluster
		kubectl fed federate configmaps web-config -n shop

		# Federate a Deployment to two clusters, enabling Deployments if needed
		kubectl fed federate deployment web -n shop --clusters=member1,member2 --enable-type

		# Federate to the clusters labelled env=prod
		kubectl fed federate service web -n shop --cluster-selector=env=prod

		# Federate a Deployment everywhere, with 5 replicas in the clusters labelled region=eu
		kubectl fed federate deployment web -n shop --override region=eu:/spec/replicas=5

		# Federate a namespace and everything in it, except its pods
		kubectl fed federate namespace shop --contents --skip-api-resources=pods

		# Federate a namespace with its objects labelled app=web
		kubectl fed federate namespace shop --contents -l app=web

		# Federate a ConfigMap and wait until the syncer has propagated it
		kubectl fed federate configmap web-config -n shop --wait --timeout=1m

		# Print the federated objects of a file without creating them
		kubectl fed federate -f app.yaml -o yaml
		cat app.yaml | kubectl fed federate -f - > federated.yaml`)
)

// Options are the inputs of `kubectl fed federate`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// TypeName and Name name the object to federate.
	TypeName, Name string
	// Filename is a YAML file to convert, or "-" for standard input.
	Filename string
	// Output is -o.
	Output string
	// EnableType enables the type first when needed.
	EnableType bool
	// Contents federates a namespace's objects too.
	Contents bool
	// SkipAPIResources are types --contents leaves out.
	SkipAPIResources []string
	// Selector is -l: --contents federates only the objects with these labels.
	Selector string
	// Clusters and ClusterSelector set the placement.
	Clusters        []string
	ClusterSelector string
	// Overrides are --override values, SELECTOR:PATH=VALUE (see
	// SelectorOverrides).
	Overrides []string
	// DryRun is --dry-run.
	DryRun string
	// Wait is --wait and --timeout: until the federated objects are
	// propagated.
	Wait cli.Wait

	dryRun    cli.DryRun
	namespace string
	placement map[string]any
	overrides []any
	selector  labels.Selector
	cmd       *cobra.Command
}

// NewCmdFederate returns `kubectl fed federate`.
func NewCmdFederate(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams}
	cmd := &cobra.Command{
		Use:     "federate (TYPE NAME | -f FILENAME)",
		Short:   "Create the federated object of an object or a file",
		Long:    federateLong,
		Example: federateExample,
		Args:    cobra.MaximumNArgs(2),

		ValidArgsFunction: flags.CompleteTypesThenObjects,
		RunE:              cli.RunE(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Filename, "filename", "f", "", "YAML or JSON file of objects to convert, or - for standard input; prints the federated objects")
	f.BoolVarP(&o.EnableType, "enable-type", "t", false, "Enable the type for federation first if it is not enabled")
	f.BoolVarP(&o.Contents, "contents", "c", false, "Also federate every object in the namespace (type namespaces only)")
	f.StringSliceVarP(&o.SkipAPIResources, "skip-api-resources", "s", nil, "Types (name, kind, short name, plural.group or whole group) that --contents leaves out")
	cli.AddSelectorFlag(cmd, &o.Selector, "With --contents, federate only the namespace's objects with these labels")
	f.StringSliceVar(&o.Clusters, "clusters", nil, "Place the federated objects on these member clusters only")
	f.StringVar(&o.ClusterSelector, "cluster-selector", "", "Place the federated objects on the member clusters whose KubeFedCluster labels match this selector (e.g. env=prod)")
	f.StringArrayVar(&o.Overrides, "override", nil, "Override a field in the member clusters whose KubeFedCluster labels match a selector, as SELECTOR:PATH=VALUE "+
		"(e.g. region=eu:/spec/replicas=5; VALUE is JSON or a string); repeat it for more fields or selectors")
	cli.AddOutputFlag(cmd, &o.Output, "Print the federated objects in this format instead of creating them")
	cli.AddDryRunFlag(cmd, &o.DryRun)
	cli.AddWaitFlags(cmd, &o.Wait, "the syncer has propagated every federated object to its clusters (kubectl fed status shows Propagated)", cli.DefaultWaitTimeout)
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
	return cmd
}

// federatedObject converts a target object with the placement and the
// overrides of the flags.
func (o *Options) federatedObject(target *unstructured.Unstructured, gvk schema.GroupVersionKind) (*unstructured.Unstructured, []string, error) {
	fed, warnings, err := FederatedObject(target, gvk, o.placement)
	if err != nil {
		return nil, nil, err
	}
	if len(o.overrides) > 0 {
		fed.Object["spec"].(map[string]any)["overrides"] = runtime.DeepCopyJSONValue(o.overrides)
	}
	return fed, warnings, nil
}

// Complete reads the arguments and builds the placement.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	o.cmd = cmd
	var err error
	if o.dryRun, err = cli.ParseDryRun(o.DryRun); err != nil {
		return err
	}
	if o.placement, err = Placement(o.Clusters, o.ClusterSelector); err != nil {
		return err
	}
	if o.overrides, err = SelectorOverrides(o.Overrides); err != nil {
		return err
	}
	if o.selector, err = cli.ParseSelector(o.Selector); err != nil {
		return err
	}
	if o.Filename != "" {
		if len(args) > 0 {
			return cli.UsageErrorf(cmd, "TYPE and NAME cannot be given with --filename")
		}
		if o.Output == "" {
			o.Output = "yaml"
		}
		return nil
	}
	switch len(args) {
	case 0:
		return cli.UsageErrorf(cmd, "TYPE-NAME is required")
	case 1:
		return cli.UsageErrorf(cmd, "RESOURCE-NAME is required")
	}
	o.TypeName, o.Name = args[0], args[1]
	o.namespace, err = o.flags.Namespace()
	return err
}

// Validate checks flag combinations.
func (o *Options) Validate() error {
	if err := cli.ValidateOutput(o.Output); err != nil {
		return err
	}
	if o.EnableType && o.Output != "" {
		return fmt.Errorf("Flag '--enable-type' cannot be used with '--output [%s]'", o.Output)
	}
	if o.Selector != "" && !o.Contents {
		return cli.UsageErrorf(o.cmd, "--selector chooses the objects --contents federates with a namespace; it needs --contents")
	}
	if o.Filename != "" && (o.EnableType || o.Contents) {
		return cli.UsageErrorf(o.cmd, "--enable-type and --contents cannot be used with --filename")
	}
	if err := o.Wait.Validate(); err != nil {
		return err
	}
	if o.Wait.Enabled && (o.dryRun.Enabled() || o.Output != "") {
		return fmt.Errorf("--wait cannot be used with --dry-run, --output or --filename: nothing is federated to wait for")
	}
	return nil
}

// Run federates.
func (o *Options) Run(ctx context.Context) error {
	if o.Filename != "" {
		return o.runFile()
	}
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	resources, err := apiresource.Discover(host.Discovery, "")
	if err != nil {
		return err
	}
	r, err := apiresource.Resolve(resources, o.TypeName)
	if err != nil {
		if apiresource.IsNotFound(err) {
			return fmt.Errorf("%w List the types the host cluster (context %q) serves with: kubectl api-resources", err, host.Name)
		}
		return err
	}
	if reason := Refused(r.GroupVersionKind()); reason != "" {
		return fmt.Errorf("%s cannot be federated: %s", r.QualifiedName(), reason)
	}
	if o.Contents && r.QualifiedName() != "namespaces" {
		return errors.New("Flag '--contents' can only be used with type 'namespaces'.")
	}
	targets := []typedObject{}
	obj, err := o.get(ctx, host, r, o.Name)
	if err != nil {
		return err
	}
	targets = append(targets, typedObject{r, obj})
	if o.Contents {
		contents, err := o.namespaceContents(ctx, host, resources, o.Name)
		if err != nil {
			return err
		}
		targets = append(targets, contents...)
	}
	return o.federate(ctx, host, targets)
}

// typedObject is an object with the resource it belongs to.
type typedObject struct {
	resource apiresource.Resource
	obj      *unstructured.Unstructured
}

// get reads one object of the host cluster.
func (o *Options) get(ctx context.Context, host *cli.Cluster, r apiresource.Resource, name string) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(r.GroupVersionKind())
	key := client.ObjectKey{Name: name}
	if r.Namespaced {
		key.Namespace = o.namespace
	}
	if err := host.Client.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) && r.Namespaced {
			return nil, fmt.Errorf("%w in namespace %q of the host cluster (context %q)", err, o.namespace, host.Name)
		}
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w in the host cluster (context %q)", err, host.Name)
		}
		return nil, fmt.Errorf("reading %s %q: %w", r.QualifiedName(), name, err)
	}
	return obj, nil
}

// namespaceContents lists the objects --contents federates with a
// namespace.
func (o *Options) namespaceContents(ctx context.Context, host *cli.Cluster, resources []apiresource.Resource, ns string) ([]typedObject, error) {
	var out []typedObject
	for _, r := range resources {
		if SkipContentType(r, typesv1beta1.DefaultFederatedGroup, o.SkipAPIResources) {
			continue
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(r.GroupVersionKind().GroupVersion().WithKind(r.Kind + "List"))
		if err := host.Client.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: o.selector}); err != nil {
			if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err) {
				fmt.Fprintf(o.streams.ErrOut, "Warning: skipping %s: %v\n", r.QualifiedName(), err)
				continue
			}
			return nil, fmt.Errorf("listing %s in namespace %s: %w", r.QualifiedName(), ns, err)
		}
		for i := range list.Items {
			obj := &list.Items[i]
			if reason := SkipContentObject(obj); reason != "" {
				continue
			}
			out = append(out, typedObject{r, obj})
		}
	}
	return out, nil
}

// federate converts the objects with their types' FederatedTypeConfigs
// (enabling missing types with --enable-type) and prints or creates them.
func (o *Options) federate(ctx context.Context, host *cli.Cluster, targets []typedObject) error {
	ns := o.flags.KubeFedNamespace
	ftcs := map[string]*corev1beta1.FederatedTypeConfig{}
	var missing []string
	for _, t := range targets {
		name := t.resource.QualifiedName()
		if _, seen := ftcs[name]; seen {
			continue
		}
		ftc := &corev1beta1.FederatedTypeConfig{}
		err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, ftc)
		switch {
		case err == nil:
			ftcs[name] = ftc
		case !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err):
			return fmt.Errorf("reading FederatedTypeConfig %s/%s: %w", ns, name, err)
		case o.Output != "" || (o.dryRun.Client() && o.EnableType):
			// -o converts offline; a dry run with --enable-type would enable
			// it. A plain dry run fails below as the real run would.
			ftcs[name] = enable.TypeConfig(ns, t.resource.TargetType(), "", "")
		case o.dryRun.Server() && o.EnableType:
			return fmt.Errorf("type %s is not enabled for federation, and a server-side dry run cannot send federated objects of a type the host does not serve yet: enable it first (kubectl fed enable %s --dry-run=server shows that step), or use --dry-run=client", name, name)
		case o.EnableType:
			if ftcs[name], err = o.enable(ctx, host, t.resource); err != nil {
				return err
			}
		default:
			missing = append(missing, name)
			ftcs[name] = nil
			if len(targets) == 1 {
				return fmt.Errorf("%w. Consider using '--enable-type' to optionally enable type while federating the resource", err)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("these types are not enabled for federation: %s. Enable them with kubectl fed enable, pass --enable-type, or leave them out with --skip-api-resources", strings.Join(missing, ", "))
	}
	var objs []runtime.Object
	for _, t := range targets {
		fed, warnings, err := o.federatedObject(t.obj, FederatedGVK(ftcs[t.resource.QualifiedName()]))
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(o.streams.ErrOut, "Warning:", w)
		}
		objs = append(objs, fed)
	}
	if o.Output != "" {
		return cli.PrintObjects(o.streams.Out, o.Output, objs...)
	}
	if err := o.warnNowhere(ctx, host, targets, ftcs); err != nil {
		return err
	}
	// Fields an apply replaces in an existing federated object besides
	// its template: those the flags set.
	var fields []string
	if len(o.Clusters) > 0 || o.ClusterSelector != "" {
		fields = append(fields, "placement")
	}
	if len(o.overrides) > 0 {
		fields = append(fields, "overrides")
	}
	for _, obj := range objs {
		fed := obj.(*unstructured.Unstructured)
		verb, err := apply(ctx, host, fed, fields, o.dryRun)
		if err != nil {
			return err
		}
		cli.Done(o.streams.Out, o.dryRun, "%s %s", cli.Ref(fed.GroupVersionKind(), fed.GetName()), verb)
	}
	if !o.Wait.Enabled {
		return nil
	}
	for _, obj := range objs {
		if err := o.waitPropagated(ctx, host, obj.(*unstructured.Unstructured)); err != nil {
			return err
		}
	}
	return nil
}

// waitPropagated waits until the syncer reports fed propagated at its
// current generation (status.State), showing its state meanwhile.
func (o *Options) waitPropagated(ctx context.Context, host *cli.Cluster, fed *unstructured.Unstructured) error {
	ref := cli.Ref(fed.GroupVersionKind(), fed.GetName())
	where := ""
	if fed.GetNamespace() != "" {
		where = " -n " + fed.GetNamespace()
	}
	hint := fmt.Sprintf("the object is federated; kubectl fed status %s %s%s and kubectl fed explain show what each cluster waits for", strings.ToLower(fed.GetKind()), fed.GetName(), where)
	err := o.Wait.Until(ctx, o.streams.ErrOut, ref+" to be propagated", hint, func(ctx context.Context) (bool, string, error) {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(fed.GroupVersionKind())
		if err := host.Client.Get(ctx, client.ObjectKeyFromObject(fed), got); err != nil {
			return false, "", fmt.Errorf("reading %s%s: %w", ref, where, err)
		}
		state, reason := status.ObjectFrom(got).State()
		progress := string(state)
		if reason != "" {
			progress += " (" + reason + ")"
		}
		return state == status.Propagated, progress, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.streams.Out, "%s propagated\n", ref)
	return nil
}

// warnNowhere warns, without failing (clusters may join later), when the
// placement names clusters that are not joined or when a namespaced object
// lands in a namespace that is not federated, so the object would go to no
// cluster.
func (o *Options) warnNowhere(ctx context.Context, host *cli.Cluster, targets []typedObject, ftcs map[string]*corev1beta1.FederatedTypeConfig) error {
	ns := o.flags.KubeFedNamespace
	clusters := &corev1beta1.KubeFedClusterList{}
	if err := host.Client.List(ctx, clusters, client.InNamespace(ns)); err != nil && !meta.IsNoMatchError(err) {
		return fmt.Errorf("listing the joined clusters (KubeFedClusters in namespace %s of context %q): %w", ns, host.Name, err)
	}
	joined := make([]string, 0, len(clusters.Items))
	for _, c := range clusters.Items {
		joined = append(joined, c.Name)
	}
	for _, w := range UnjoinedWarnings(o.Clusters, joined) {
		fmt.Fprintln(o.streams.ErrOut, "Warning:", w)
	}

	config := &corev1beta1.KubeFedConfig{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.KubeFedConfigName}, config); err != nil || config.Spec.Scope != apiextensionsv1.ClusterScoped {
		// A namespace-scoped control plane needs no FederatedNamespace.
		return nil
	}
	federating := map[string]bool{}
	for _, t := range targets {
		if IsNamespace(t.obj) {
			federating[t.obj.GetName()] = true
		}
	}
	checked := map[string]bool{}
	for _, t := range targets {
		namespace := t.obj.GetNamespace()
		if !t.resource.Namespaced || namespace == "" || federating[namespace] || checked[namespace] {
			continue
		}
		checked[namespace] = true
		federated, err := namespaceFederated(ctx, host, ns, namespace)
		if err != nil {
			return err
		}
		if !federated {
			fmt.Fprintf(o.streams.ErrOut, "Warning: namespace %s is not federated, so its federated objects go to no cluster: federate it with kubectl fed federate namespace %s\n", namespace, namespace)
		}
	}
	return nil
}

// namespaceFederated reports whether the FederatedNamespace of namespace
// exists (false when the namespaces type is not enabled).
func namespaceFederated(ctx context.Context, host *cli.Cluster, kubefedNS, namespace string) (bool, error) {
	ftc := &corev1beta1.FederatedTypeConfig{}
	err := host.Client.Get(ctx, client.ObjectKey{Namespace: kubefedNS, Name: "namespaces"}, ftc)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading FederatedTypeConfig %s/namespaces: %w", kubefedNS, err)
	}
	fns := &unstructured.Unstructured{}
	fns.SetGroupVersionKind(FederatedGVK(ftc))
	err = host.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: namespace}, fns)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		return false, nil
	}
	return false, fmt.Errorf("reading the %s %s/%s: %w", ftc.Spec.FederatedType.Kind, namespace, namespace, err)
}

// enable enables a type the way `kubectl fed enable` does (members' grants
// first), with the default federated group and version.
func (o *Options) enable(ctx context.Context, host *cli.Cluster, r apiresource.Resource) (*corev1beta1.FederatedTypeConfig, error) {
	target, err := enable.ResolveTarget(ctx, host, r.QualifiedName(), r.Version)
	if err != nil {
		return nil, err
	}
	ftc := enable.TypeConfig(o.flags.KubeFedNamespace, target, "", "")
	crd := typesv1beta1.FederatedCRD(target, "", "")
	if err := grant.Sync(ctx, o.flags, host, []corev1beta1.APIResource{ftc.Spec.TargetType}, o.streams.Out, o.streams.ErrOut); err != nil {
		return nil, err
	}
	if err := enable.Apply(ctx, host, ftc, crd, o.streams.Out); err != nil {
		return nil, fmt.Errorf("enabling %s: %w", r.QualifiedName(), err)
	}
	return ftc, nil
}

// apply creates the federated object, or updates an existing one with
// Applied (the template from the target, the placement and overrides only
// when the flags set them), and returns kubectl apply's verb: created, configured or
// unchanged. A client-side dry run only reads; a server-side one sends the
// writes as dry runs. A create whose type was enabled a moment ago is
// retried until the type is served.
func apply(ctx context.Context, host *cli.Cluster, fed *unstructured.Unstructured, fields []string, dryRun cli.DryRun) (string, error) {
	where := ""
	if ns := fed.GetNamespace(); ns != "" {
		where = " in namespace " + ns
	}
	ref := cli.Ref(fed.GroupVersionKind(), fed.GetName())
	writer := host.ForDryRun(dryRun)
	verb := ""
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, createRetryTimeout, true, func(ctx context.Context) (bool, error) {
		existing := &unstructured.Unstructured{}
		existing.SetGroupVersionKind(fed.GroupVersionKind())
		lastErr = host.Client.Get(ctx, client.ObjectKeyFromObject(fed), existing)
		switch {
		case (apierrors.IsNotFound(lastErr) || meta.IsNoMatchError(lastErr)) && dryRun.Client():
			// A client-side dry run of --enable-type: the type is not served.
			verb = "created"
			return true, nil
		case meta.IsNoMatchError(lastErr):
			// The type is not served yet: enabled a moment ago.
			return false, nil
		case apierrors.IsNotFound(lastErr):
			cli.LogAction(ctx, "Creating object", host, fed)
			lastErr = writer.Client.Create(ctx, fed.DeepCopy())
			if apierrors.IsAlreadyExists(lastErr) || apierrors.IsNotFound(lastErr) {
				// Created meanwhile, or the type is not served yet.
				return false, nil
			}
			verb = "created"
			return lastErr == nil, lastErr
		case lastErr != nil:
			return false, lastErr
		}
		updated, changed := Applied(existing, fed, fields...)
		if !changed {
			verb = "unchanged"
			return true, nil
		}
		verb = "configured"
		if dryRun.Client() {
			return true, nil
		}
		cli.LogAction(ctx, "Updating object", host, updated)
		lastErr = writer.Client.Update(ctx, updated)
		if apierrors.IsConflict(lastErr) {
			return false, nil
		}
		return lastErr == nil, lastErr
	})
	if err != nil {
		if lastErr == nil {
			lastErr = err
		}
		return "", fmt.Errorf("applying %s%s: %w", ref, where, lastErr)
	}
	return verb, nil
}

// runFile converts the objects of a file offline, with the default
// federated types; an object counts as namespaced when it has a namespace.
func (o *Options) runFile() error {
	var in io.Reader = o.streams.In
	if o.Filename != "-" {
		f, err := os.Open(o.Filename)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	targets, err := ReadObjects(in)
	if err != nil {
		return fmt.Errorf("reading %s: %w", o.Filename, err)
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s holds no objects", o.Filename)
	}
	objs := make([]runtime.Object, 0, len(targets))
	for _, t := range targets {
		fed, warnings, err := o.federatedObject(t, DefaultFederatedGVK(t.GetKind()))
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(o.streams.ErrOut, "Warning:", w)
		}
		objs = append(objs, fed)
	}
	return cli.PrintObjects(o.streams.Out, o.Output, objs...)
}
