// Package doctor holds `kubectl fed doctor`, which checks the federation's
// control plane and members and prints, for each failure, the fix: the
// KubeFed CRDs, the webhook configurations and whether the webhook
// answers, the syncer's leader Lease, every enabled type's controller and
// federated CRD, every cluster's readiness, credentials and RBAC, and the
// versions of the plugin and the control plane.
package doctor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/spf13/cobra"

	"github.com/kubectl-fed/kubectl-fed/pkg/apis/core"
	corev1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/core/v1beta1"
	policyv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/policy/v1alpha1"
	schedulingv1alpha1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/scheduling/v1alpha1"
	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
	"github.com/kubectl-fed/kubectl-fed/pkg/clusterclient"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/enable"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/members"
	cmdversion "github.com/kubectl-fed/kubectl-fed/pkg/kubectl/version"
	buildinfo "github.com/kubectl-fed/kubectl-fed/pkg/version"
)

var (
	doctorLong = templates.LongDesc(`
		Check the federation and print each check's result with, for a failure, the
		fix:

		  crds       the KubeFed CRDs are served by the host
		  webhook    the webhook configurations exist and the webhook answers (a
		             server-side dry run; a dead webhook with failurePolicy Fail
		             blocks every write of the kinds it guards)
		  syncer     the syncer's leader Lease is held and renewed recently
		  types      every FederatedTypeConfig's controller is Running, its target
		             type served and its federated CRD served, with the schema
		             kubectl fed enable writes (an older one, e.g. KubeFed's, is a
		             warning: the API server drops the fields it lacks)
		  clusters   every member cluster, joined or of the cluster inventory, is
		             Ready, its credentials are accepted and its RBAC allows the
		             syncer's verbs on every enabled type (one
		             SelfSubjectAccessReview per verb); a grant without the read of
		             StorageClasses is a warning. The clusters of the inventory are
		             reached with --clusterprofile-provider-file (the syncer's);
		             without it, only their published readiness is checked
		  versions   the plugin's and the control plane's versions

		The exit code is 1 when any check fails; warnings do not fail. -o json
		prints the checks as data.`)

	doctorExample = templates.Examples(`
		# Check the federation of the current context
		kubectl fed doctor

		# As JSON, for a monitoring script
		kubectl fed doctor -o json

		# Check the clusters of the cluster inventory too, with the syncer's
		# access provider file
		kubectl fed doctor --clusterprofile-provider-file providers.json`)
)

// Results of a check.
const (
	OK   = "ok"
	Warn = "warning"
	Fail = "failed"
)

// Check is the result of one check.
type Check struct {
	Check  string `json:"check"`
	Name   string `json:"name"`
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// leaseStale is how long after its last renewal a syncer Lease counts as
// abandoned.
const leaseStale = 60 * time.Second

// Options are the inputs of `kubectl fed doctor`.
type Options struct {
	flags   *cli.Flags
	streams genericiooptions.IOStreams

	// Output is -o: "" or json.
	Output string
	// Members are --cluster-timeout (how long each member's checks may
	// take) and --clusterprofile-provider-file (how to reach the clusters
	// of the inventory).
	Members members.Flags
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// NewCmdDoctor returns `kubectl fed doctor`.
func NewCmdDoctor(flags *cli.Flags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{flags: flags, streams: streams, Members: members.NewFlags(), Now: time.Now}
	cmd := &cobra.Command{
		Use:     "doctor [-o json]",
		Short:   "Check the control plane and the member clusters, with the fix for each failure",
		Long:    doctorLong,
		Example: doctorExample,
		Args:    cobra.NoArgs,
		RunE:    cli.RunE(o),
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format. One of: json")
	o.Members.AddTo(cmd.Flags())
	return cmd
}

// Complete has nothing to fill.
func (o *Options) Complete(*cobra.Command, []string) error { return nil }

// Validate checks -o and the members' flags.
func (o *Options) Validate() error {
	if o.Output != "" && o.Output != "json" {
		return fmt.Errorf("invalid --output %q: must be json", o.Output)
	}
	return o.Members.Validate()
}

// Run runs the checks and prints them; any failure exits 1.
func (o *Options) Run(ctx context.Context) error {
	host, err := o.flags.Host()
	if err != nil {
		return err
	}
	ns := o.flags.KubeFedNamespace
	var checks []Check
	checks = append(checks, crds(ctx, host)...)
	checks = append(checks, webhook(ctx, host, ns)...)
	checks = append(checks, syncerLease(ctx, host, ns, o.Now()))
	ftcs := &corev1beta1.FederatedTypeConfigList{}
	if err := host.Client.List(ctx, ftcs, client.InNamespace(ns)); err == nil {
		checks = append(checks, types(ctx, host, ftcs.Items)...)
	}
	scope := ""
	cfg := &corev1beta1.KubeFedConfig{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.KubeFedConfigName}, cfg); err == nil && cfg.Spec.Scope == corev1beta1.NamespaceScoped {
		scope = ns // the members grant the syncer a Role in this namespace only
	}
	checks = append(checks, clusters(ctx, host, ns, scope, ftcs.Items, o.Members)...)
	checks = append(checks, Check{Check: "versions", Name: "plugin", Result: OK, Detail: cmdversion.Line(buildinfo.Get())})
	if line := cmdversion.ControlPlane(ctx, host, ns); line != "" {
		checks = append(checks, Check{Check: "versions", Name: "control plane", Result: OK, Detail: strings.TrimPrefix(line, "Control plane: ")})
	}
	if o.Output == "json" {
		if err := cli.PrintData(o.streams.Out, "json", checks); err != nil {
			return err
		}
	} else if err := Render(o.streams.Out, checks); err != nil {
		return err
	}
	failed := 0
	for _, c := range checks {
		if c.Result == Fail {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	return nil
}

// Render prints the checks as a table, then the fix of each check that
// is not ok.
func Render(w io.Writer, checks []Check) error {
	tw := printers.GetNewTabWriter(w)
	fmt.Fprintln(tw, "CHECK\tNAME\tRESULT\tDETAIL")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Check, c.Name, c.Result, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range checks {
		if c.Fix != "" && c.Result != OK {
			if _, err := fmt.Fprintf(w, "\n%s %s: %s\n  fix: %s\n", c.Check, c.Name, c.Result, c.Fix); err != nil {
				return err
			}
		}
	}
	return nil
}

// crds checks that the host serves each KubeFed kind.
func crds(ctx context.Context, host *cli.Cluster) []Check {
	var out []Check
	for _, list := range []client.ObjectList{&corev1beta1.KubeFedClusterList{}, &corev1beta1.KubeFedConfigList{}, &corev1beta1.FederatedTypeConfigList{},
		&schedulingv1alpha1.ReplicaSchedulingPreferenceList{}, &policyv1alpha1.FederationPolicyList{}, &policyv1alpha1.ClusterFederationPolicyList{}} {
		gvk, err := apiutil.GVKForObject(list, cli.Scheme)
		if err != nil {
			continue
		}
		name := strings.TrimSuffix(gvk.Kind, "List") + " (" + gvk.GroupVersion().String() + ")"
		c := Check{Check: "crds", Name: name, Result: OK, Detail: "served"}
		if err := host.Client.List(ctx, list, client.Limit(1)); err != nil {
			c.Result, c.Detail = Fail, err.Error()
			if meta.IsNoMatchError(err) {
				c.Detail = "not served: its CustomResourceDefinition is missing or at another version"
			}
			c.Fix = "install the CRDs of this plugin's version: kubectl apply -k manifests/crds (or the release's manifests)"
		}
		out = append(out, c)
	}
	return out
}

// webhook checks the webhook configurations and that the webhook answers:
// a server-side dry run of a FederationPolicy goes through it.
func webhook(ctx context.Context, host *cli.Cluster, ns string) []Check {
	var out []Check
	var failClosed bool
	for _, cfg := range []struct {
		kind string
		obj  client.Object
		name string
	}{
		{"ValidatingWebhookConfiguration", &admissionregistrationv1.ValidatingWebhookConfiguration{}, core.ValidatingWebhookConfigurationName},
		{"MutatingWebhookConfiguration", &admissionregistrationv1.MutatingWebhookConfiguration{}, core.MutatingWebhookConfigurationName},
	} {
		c := Check{Check: "webhook", Name: cfg.kind, Result: OK}
		found := ""
		for _, name := range []string{cfg.name, cfg.name + "-" + ns} {
			if err := host.Client.Get(ctx, client.ObjectKey{Name: name}, cfg.obj); err == nil {
				found = name
				break
			}
		}
		if found == "" {
			c.Result, c.Detail = Warn, fmt.Sprintf("neither %s nor %s-%s exists: objects are not validated at admission", cfg.name, cfg.name, ns)
			c.Fix = "deploy the webhook (manifests/webhook) to have objects and policies checked at kubectl apply"
		} else {
			c.Detail = found
			if v, ok := cfg.obj.(*admissionregistrationv1.ValidatingWebhookConfiguration); ok {
				for _, wh := range v.Webhooks {
					failClosed = failClosed || wh.FailurePolicy == nil || *wh.FailurePolicy == admissionregistrationv1.Fail
				}
			}
		}
		out = append(out, c)
	}
	probe := &policyv1alpha1.FederationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "doctor-probe-"},
		Spec: policyv1alpha1.FederationPolicySpec{Enforcement: policyv1alpha1.EnforcementAudit}}
	c := Check{Check: "webhook", Name: "answering", Result: OK, Detail: "a dry-run write went through admission"}
	if err := host.Client.Create(ctx, probe, client.DryRunAll); err != nil && !apierrors.IsInvalid(err) && !apierrors.IsForbidden(err) {
		c.Result, c.Detail = Fail, err.Error()
		if strings.Contains(err.Error(), "failed calling webhook") {
			c.Detail = "the webhook does not answer: " + err.Error()
			if failClosed {
				c.Detail += " (failurePolicy Fail: every write it guards is refused)"
			}
		}
		c.Fix = fmt.Sprintf("check the webhook's pods and Service: kubectl -n %s get pods,svc; kubectl -n %s logs deploy/kubefed-webhook", ns, ns)
	}
	return append(out, c)
}

// syncerLease checks that a syncer holds its Lease and renews it.
func syncerLease(ctx context.Context, host *cli.Cluster, ns string, now time.Time) Check {
	c := Check{Check: "syncer", Name: "Lease " + ns + "/" + core.SyncerLeaseName, Result: OK}
	fix := fmt.Sprintf("check the syncer: kubectl -n %s get deploy,pods; kubectl -n %s logs deploy/%s", ns, ns, cmdversion.SyncerDeployment)
	lease := &coordinationv1.Lease{}
	if err := host.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: core.SyncerLeaseName}, lease); err != nil {
		c.Result, c.Detail, c.Fix = Fail, "no syncer has run: "+err.Error(), fix
		return c
	}
	holder := ""
	if lease.Spec.HolderIdentity != nil {
		holder = *lease.Spec.HolderIdentity
	}
	switch {
	case holder == "":
		c.Result, c.Detail, c.Fix = Fail, "no syncer holds the Lease", fix
	case lease.Spec.RenewTime == nil || now.Sub(lease.Spec.RenewTime.Time) > leaseStale:
		c.Result, c.Detail, c.Fix = Fail, fmt.Sprintf("held by %s but not renewed for over %s", holder, leaseStale), fix
	default:
		c.Detail = fmt.Sprintf("held by %s, renewed %s ago", holder, now.Sub(lease.Spec.RenewTime.Time).Round(time.Second))
	}
	return c
}

// types checks every FederatedTypeConfig: its controller runs, its target
// type is served and its federated CRD is served.
func types(ctx context.Context, host *cli.Cluster, ftcs []corev1beta1.FederatedTypeConfig) []Check {
	out := make([]Check, 0, len(ftcs))
	for _, ftc := range ftcs {
		c := Check{Check: "types", Name: ftc.Name, Result: OK, Detail: "controller Running"}
		fed := ftc.Spec.FederatedType
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion(fed.Group + "/" + fed.Version)
		list.SetKind(fed.Kind + "List")
		served := meta.FindStatusCondition(ftc.Status.Conditions, corev1beta1.TargetTypeServed)
		switch err := host.Client.List(ctx, list, client.Limit(1)); {
		case err != nil:
			c.Result, c.Detail = Fail, fmt.Sprintf("the federated type %s is not served: %v", fed.QualifiedName(), err)
			c.Fix = "enable the type again to restore its CRD: kubectl fed enable " + ftc.Spec.TargetType.QualifiedName()
		case ftc.Status.PropagationController != corev1beta1.ControllerStatusRunning:
			c.Result, c.Detail = Fail, fmt.Sprintf("propagation controller %q", ftc.Status.PropagationController)
			c.Fix = "check that spec.propagation is Enabled and that the syncer runs (see the syncer check)"
		case served != nil && served.Status == "False":
			c.Result, c.Detail = Warn, served.Message
			c.Fix = "install the target type's CRD where it is missing, or leave those clusters out of the placements"
		}
		if c.Result != Fail {
			switch missing, err := olderSchema(ctx, host, ftc); {
			case err != nil:
				c = warn(c, "the federated CRD's schema could not be compared with what kubectl fed enable writes: "+err.Error(), "")
			case len(missing) > 0:
				c = warn(c, fmt.Sprintf("the CustomResourceDefinition %s is older than kubectl fed enable writes: its schema lacks %s, which the API server drops",
					fed.QualifiedName(), strings.Join(missing, ", ")), "upgrade it: kubectl fed enable "+ftc.Spec.TargetType.QualifiedName())
			}
		}
		out = append(out, c)
	}
	return out
}

// warn makes c a warning with detail and fix, after the warning it is
// already, if any.
func warn(c Check, detail, fix string) Check {
	if c.Result != Warn {
		c.Result, c.Detail, c.Fix = Warn, detail, fix
		return c
	}
	c.Detail += "; " + detail
	if fix != "" {
		c.Fix = strings.TrimPrefix(c.Fix+"; "+fix, "; ")
	}
	return c
}

// olderSchema returns the fields that kubectl fed enable's federated CRD
// of ftc declares and the installed one's schema lacks (enable.AddedFields).
func olderSchema(ctx context.Context, host *cli.Cluster, ftc corev1beta1.FederatedTypeConfig) ([]string, error) {
	target, err := enable.ResolveTarget(ctx, host, ftc.Spec.TargetType.QualifiedName(), ftc.Spec.TargetType.Version)
	if err != nil {
		return nil, err
	}
	desired := typesv1beta1.FederatedCRD(target, ftc.Spec.FederatedType.Group, ftc.Spec.FederatedType.Version)
	existing := &apiextensionsv1.CustomResourceDefinition{}
	if err := host.Client.Get(ctx, client.ObjectKey{Name: desired.Name}, existing); err != nil {
		return nil, fmt.Errorf("reading CustomResourceDefinition %s: %w", desired.Name, err)
	}
	return enable.AddedFields(existing, desired), nil
}

// clusters checks every member cluster, joined or of the inventory
// (members.ReadFleet): Ready, credentials accepted and the syncer's verbs
// allowed on every enabled target type.
func clusters(ctx context.Context, host *cli.Cluster, ns, scope string, ftcs []corev1beta1.FederatedTypeConfig, flags members.Flags) []Check {
	list, err := flags.List(ctx, host, ns, nil)
	if err != nil {
		return []Check{{Check: "clusters", Name: "list", Result: Fail, Detail: err.Error()}}
	}
	out := make([]Check, len(list))
	errs := members.Each(ctx, list, flags.Timeout, func(ctx context.Context, m members.Member) error {
		out[indexOf(list, m.Name())] = judge(m, review(ctx, m, scope, ftcs), len(ftcs))
		return nil
	})
	for i, m := range list {
		if errs[i] != nil {
			out[i] = notConnected(m, errs[i], flags.ProviderFile != "")
		}
	}
	return out
}

// access is what the SelfSubjectAccessReviews of one member found.
type access struct {
	// refused is set when the member refuses the credentials, unreachable
	// when it does not answer: the error, nil otherwise.
	refused, unreachable error
	// denied are the verbs on enabled types its RBAC does not allow, as
	// "VERB TYPE".
	denied []string
	// noStorageClasses is set when its RBAC does not allow the syncer to
	// list StorageClasses.
	noStorageClasses bool
}

// review asks one member, as the syncer's identity, whether the syncer's
// verbs on every enabled type are allowed (one SelfSubjectAccessReview per
// verb), then the list of StorageClasses; scope is the namespace the
// syncer's grant is limited to, "" for all.
func review(ctx context.Context, m members.Member, scope string, ftcs []corev1beta1.FederatedTypeConfig) access {
	kube, err := kubernetes.NewForConfig(m.Config)
	if err != nil {
		return access{unreachable: err}
	}
	allowed := func(attributes authorizationv1.ResourceAttributes) (bool, error) {
		got, err := kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attributes}}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return got.Status.Allowed, nil
	}
	var a access
	for _, ftc := range ftcs {
		target := ftc.Spec.TargetType
		for _, verb := range grant.TypeVerbs {
			ok, err := allowed(authorizationv1.ResourceAttributes{Verb: verb, Group: target.Group, Resource: target.PluralName, Namespace: scope})
			switch {
			case apierrors.IsUnauthorized(err):
				return access{refused: err}
			case err != nil:
				return access{unreachable: err}
			case !ok:
				a.denied = append(a.denied, verb+" "+target.QualifiedName())
			}
		}
	}
	if ok, err := allowed(authorizationv1.ResourceAttributes{Verb: "list", Group: "storage.k8s.io", Resource: "storageclasses"}); err == nil && !ok {
		a.noStorageClasses = true
	}
	return a
}

// judge turns what a member's reviews found into its check, with fixes
// for where the cluster comes from: a joined cluster is joined again, the
// access to a cluster of the inventory is the inventory's (its
// ClusterProfile's access providers); types is the number of enabled
// types.
func judge(m members.Member, a access, types int) Check {
	c := Check{Check: "clusters", Name: m.Name(), Result: OK}
	inventory := m.Source == clusterclient.SourceInventory
	profile := "ClusterProfile " + m.Cluster.Namespace + "/" + m.Name()
	renew := "join it again to renew its credentials and RBAC: kubectl fed join " + m.Name() + " --cluster-context CONTEXT"
	conditions := "see its KubeFedCluster's conditions"
	if inventory {
		renew = "the inventory gives the syncer its access: check the credentials the access providers of " + profile +
			" give (status.accessProviders, with the credential plugin of the --" + members.ProviderFileFlag + " file) and what the cluster's RBAC grants them"
		conditions = "see the conditions of its " + profile
	}
	switch {
	case a.refused != nil:
		c.Result, c.Detail, c.Fix = Fail, "its credentials are not accepted: "+a.refused.Error(), renew
	case a.unreachable != nil:
		c.Result, c.Detail, c.Fix = Fail, "unreachable: "+a.unreachable.Error(), "check the cluster's API endpoint and network; "+conditions
	case len(a.denied) > 0:
		c.Result, c.Detail = Fail, "RBAC does not allow: "+strings.Join(a.denied, ", ")
		c.Fix = "extend the grant to the enabled types: kubectl fed enable TYPE (or kubectl fed grant), or " + renew
		if inventory {
			c.Fix = "grant the syncer's identity in the cluster every verb on the enabled types (kubectl fed grant prints the rules); " + renew
		}
	case !m.Ready() && inventory:
		c.Result, c.Detail = Fail, "its "+profile+" does not say it is ready (condition KubeFedMemberReady) although the cluster answers"
		c.Fix = "check the syncer (health probes) and the conditions of its " + profile + ": kubectl fed status"
	case !m.Ready():
		c.Result, c.Detail = Fail, "its KubeFedCluster is not Ready although the cluster answers"
		c.Fix = "check the syncer (health probes) and the cluster's conditions: kubectl fed status"
	default:
		c.Detail = fmt.Sprintf("Ready; credentials and RBAC for %d types ok", types)
		if a.noStorageClasses {
			fix := "grant the read (kubectl fed join " + m.Name() + " --cluster-context CONTEXT --error-on-existing=false writes it)"
			if inventory {
				fix = "grant the syncer's identity in the cluster get, list and watch on storageclasses.storage.k8s.io"
			}
			c = warn(c, "RBAC does not allow list storageclasses.storage.k8s.io: a followed PersistentVolumeClaim whose StorageClass the cluster lacks is not reported", fix)
		}
	}
	return c
}

// notConnected is the check of a member this command could not connect
// to: a joined cluster's KubeFedCluster or Secret is broken (fail); an
// inventory cluster without --clusterprofile-provider-file is not checked
// beyond the readiness the syncer published (a warning), and one whose
// access could not be resolved fails.
func notConnected(m members.Member, err error, providerFile bool) Check {
	c := Check{Check: "clusters", Name: m.Name(), Result: Fail, Detail: err.Error()}
	switch {
	case m.Source != clusterclient.SourceInventory:
		c.Fix = "join the cluster again to rebuild its connection: kubectl fed join " + m.Name() + " --cluster-context CONTEXT"
	case !providerFile:
		profile := "ClusterProfile " + m.Cluster.Namespace + "/" + m.Name()
		c.Result, c.Detail = Warn, "of the inventory ("+profile+"); its credentials and RBAC are not checked without the access provider file"
		c.Fix = "pass the syncer's --" + members.ProviderFileFlag + " to check them"
		if !m.Ready() {
			c.Result, c.Detail = Fail, "of the inventory ("+profile+"), which does not say it is ready (condition KubeFedMemberReady)"
			c.Fix = "see the conditions of its " + profile + " and the syncer's log; pass the syncer's --" + members.ProviderFileFlag + " to check its credentials and RBAC"
		}
	default:
		c.Fix = "check the access providers of its ClusterProfile " + m.Cluster.Namespace + "/" + m.Name() + " (status.accessProviders) and the credential plugins of the --" + members.ProviderFileFlag + " file"
	}
	return c
}

func indexOf(list []members.Member, name string) int {
	for i, m := range list {
		if m.Name() == name {
			return i
		}
	}
	return -1
}
