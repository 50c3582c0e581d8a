package join

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/cli"
	"github.com/kubectl-fed/kubectl-fed/pkg/kubectl/grant"
)

// rollbackTimeout bounds the clean-up after a failed join.
const rollbackTimeout = 30 * time.Second

// journal records what a join did, to report it and to undo the objects it
// created when a later step fails.
type journal struct {
	lines   []string
	created []createdObject
}

type createdObject struct {
	cluster *cli.Cluster
	obj     client.Object
}

// describe names an object the way kubectl does: kind.group/name.
func describe(obj client.Object) string {
	gvk, err := apiutil.GVKForObject(obj, cli.Scheme)
	if err != nil {
		return obj.GetName()
	}
	return cli.Ref(gvk, obj.GetName())
}

// where names an object and the cluster it is in, for errors.
func where(obj client.Object, cluster *cli.Cluster) string {
	name := describe(obj)
	if ns := obj.GetNamespace(); ns != "" {
		name += " in namespace " + ns
	}
	return fmt.Sprintf("%s in cluster %q", name, cluster.Name)
}

// record notes a result line: "<kind>/<name> <verb> in cluster "<c>"".
func (j *journal) record(cluster *cli.Cluster, obj client.Object, verb string) {
	j.lines = append(j.lines, fmt.Sprintf("%s %s in cluster %q", describe(obj), verb, cluster.Name))
}

// unchanged reports whether the join changed nothing: it created nothing
// and every object it recorded is unchanged.
func (j *journal) unchanged() bool {
	if len(j.created) > 0 {
		return false
	}
	for _, line := range j.lines {
		if !strings.Contains(line, " unchanged ") {
			return false
		}
	}
	return true
}

// create creates obj and remembers it for a rollback.
func (j *journal) create(ctx context.Context, cluster *cli.Cluster, obj client.Object) error {
	cli.LogAction(ctx, "Creating object", cluster, obj)
	if err := cluster.Client.Create(ctx, obj); err != nil {
		return err
	}
	j.created = append(j.created, createdObject{cluster, obj})
	j.record(cluster, obj, "created")
	return nil
}

// rollback deletes what this join created, newest first, and returns the
// failures.
func (j *journal) rollback() error {
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	var errs []error
	for i := len(j.created) - 1; i >= 0; i-- {
		c := j.created[i]
		err := c.cluster.Client.Delete(ctx, c.obj)
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %s: %w", where(c.obj, c.cluster), err))
		}
	}
	return errors.Join(errs...)
}

// ensure creates obj in cluster or, when it exists, fails if
// errorOnExisting, else brings the existing object in line with obj:
// rules, subjects, annotations and the token-secret type are updated; a
// binding whose roleRef differs is deleted and re-created.
func (j *journal) ensure(ctx context.Context, cluster *cli.Cluster, obj client.Object, errorOnExisting bool) error {
	err := j.create(ctx, cluster, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	if errorOnExisting {
		return fmt.Errorf("%s already exists (pass --error-on-existing=false to update it)", where(obj, cluster))
	}
	existing := obj.DeepCopyObject().(client.Object)
	if err := cluster.Client.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
		return err
	}
	if roleRefDiffers(existing, obj) {
		cli.LogAction(ctx, "Replacing object", cluster, existing)
		if err := cluster.Client.Delete(ctx, existing); err != nil {
			return err
		}
		if err := cluster.Client.Create(ctx, obj); err != nil {
			return err
		}
		j.record(cluster, obj, "replaced")
		return nil
	}
	if !merge(existing, obj) {
		j.record(cluster, obj, "unchanged")
		return nil
	}
	cli.LogAction(ctx, "Updating object", cluster, existing)
	if err := cluster.Client.Update(ctx, existing); err != nil {
		return err
	}
	j.record(cluster, obj, "updated")
	return nil
}

// roleRefDiffers reports whether two bindings refer to different roles (a
// roleRef cannot be updated).
func roleRefDiffers(existing, desired client.Object) bool {
	switch e := existing.(type) {
	case *rbacv1.RoleBinding:
		return e.RoleRef != desired.(*rbacv1.RoleBinding).RoleRef
	case *rbacv1.ClusterRoleBinding:
		return e.RoleRef != desired.(*rbacv1.ClusterRoleBinding).RoleRef
	}
	return false
}

// merge copies the fields join manages from desired into existing and
// reports whether anything changed.
func merge(existing, desired client.Object) bool {
	before := existing.DeepCopyObject()
	annotations := existing.GetAnnotations()
	for k, v := range desired.GetAnnotations() {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[k] = v
	}
	existing.SetAnnotations(annotations)
	switch existing.(type) {
	case *rbacv1.Role, *rbacv1.ClusterRole:
		// The grant label says whether enable and disable may rewrite the rules.
		labels := existing.GetLabels()
		if v, ok := desired.GetLabels()[grant.Label]; ok {
			if labels == nil {
				labels = map[string]string{}
			}
			labels[grant.Label] = v
		} else {
			delete(labels, grant.Label)
		}
		existing.SetLabels(labels)
	}
	switch e := existing.(type) {
	case *corev1.ServiceAccount:
		e.AutomountServiceAccountToken = desired.(*corev1.ServiceAccount).AutomountServiceAccountToken
	case *rbacv1.Role:
		e.Rules = desired.(*rbacv1.Role).Rules
	case *rbacv1.ClusterRole:
		e.Rules = desired.(*rbacv1.ClusterRole).Rules
	case *rbacv1.RoleBinding:
		e.Subjects = desired.(*rbacv1.RoleBinding).Subjects
	case *rbacv1.ClusterRoleBinding:
		e.Subjects = desired.(*rbacv1.ClusterRoleBinding).Subjects
	}
	return !reflect.DeepEqual(before, existing)
}
