// Package nodesim simulates the kubelets of a test cluster without running
// containers: it registers nodes with a given capacity, keeps them Ready
// (node Leases and Ready heartbeats, so that kube-controller-manager's node
// lifecycle controller neither taints nor evicts them), reports the pods
// kube-scheduler binds to them as Running and Ready, and finishes the
// deletion of those pods as a kubelet would. It binds nothing itself: with
// kube-scheduler running, a Deployment reaches readyReplicas and pods that
// do not fit stay Pending with PodScheduled=False, reason Unschedulable.
//
// Containers never exit, so Jobs do not complete, and probes are not run:
// every container is ready at once.
package nodesim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// DefaultHeartbeat is how often node Leases and Ready conditions are
// renewed: well within kube-controller-manager's node monitor grace period.
const DefaultHeartbeat = 10 * time.Second

// workers is how many pods are handled at once.
const workers = 2

// Config describes the simulated nodes of one cluster.
type Config struct {
	// Nodes is how many nodes to register, named NodeName(NamePrefix, i)
	// for i from 1. It must be at least 1.
	Nodes int
	// NamePrefix prefixes the nodes' names. Empty means "node".
	NamePrefix string
	// Capacity is each node's capacity; zero fields take DefaultCapacity's.
	Capacity Capacity
	// Heartbeat is how often Leases and Ready conditions are renewed. Zero
	// means DefaultHeartbeat.
	Heartbeat time.Duration
	// Log receives a line per lifecycle step and per failed request. Nil
	// discards them.
	Log *log.Logger
}

// Simulator runs the simulated nodes of one cluster until Stop or until
// the context given to Start ends.
type Simulator struct {
	cfg    Config
	client kubernetes.Interface
	nodes  map[string]string // name -> InternalIP
	known  map[string]bool   // the nodes' names, for Decide
	names  []string
	since  time.Time
	podIPs atomic.Uint32

	pods   listersv1.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start registers the nodes and their Leases, waits until its pod cache has
// synced, and simulates the nodes in the background. Nodes that already
// exist (from an earlier simulator) are taken over.
func Start(ctx context.Context, restConfig *rest.Config, cfg Config) (*Simulator, error) {
	if cfg.Nodes < 1 {
		return nil, fmt.Errorf("nodesim: Config.Nodes is %d; want at least 1 node", cfg.Nodes)
	}
	if cfg.NamePrefix == "" {
		cfg.NamePrefix = "node"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	cfg.Capacity = cfg.Capacity.WithDefaults()
	restConfig = rest.CopyConfig(restConfig)
	restConfig.UserAgent = "nodesim"
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, fmt.Errorf("nodesim: %w", err)
	}
	s := &Simulator{cfg: cfg, client: client, nodes: map[string]string{}, known: map[string]bool{}, since: time.Now()}
	for i := 1; i <= cfg.Nodes; i++ {
		name := NodeName(cfg.NamePrefix, i)
		s.nodes[name] = NodeIP(i)
		s.known[name] = true
		s.names = append(s.names, name)
	}
	if err := s.register(ctx); err != nil {
		return nil, err
	}

	ctx, s.cancel = context.WithCancel(ctx)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermNotEqualSelector("spec.nodeName", "").String()
	}))
	podInformer := factory.Core().V1().Pods()
	s.pods = podInformer.Lister()
	s.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "nodesim"})
	enqueue := func(obj any) {
		if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
			s.queue.Add(key)
		}
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		s.cancel()
		return nil, fmt.Errorf("nodesim: %w", err)
	}
	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			s.cancel()
			s.queue.ShutDown()
			factory.Shutdown()
			return nil, fmt.Errorf("nodesim: the %v cache did not sync before the context ended", typ)
		}
	}
	s.wg.Go(func() {
		<-ctx.Done()
		s.queue.ShutDown()
		factory.Shutdown()
	})
	s.wg.Go(func() { s.heartbeats(ctx) })
	for range workers {
		s.wg.Go(func() {
			for s.next(ctx) {
			}
		})
	}
	cfg.Log.Printf("simulating %d node(s) %v with %s each", cfg.Nodes, s.names, cfg.Capacity)
	return s, nil
}

// NodeNames returns the simulated nodes' names.
func (s *Simulator) NodeNames() []string { return append([]string(nil), s.names...) }

// Stop stops the simulation and waits for its goroutines to end. The nodes
// stay registered; without heartbeats they turn NotReady after the node
// monitor grace period. It is safe to call more than once.
func (s *Simulator) Stop() {
	s.cancel()
	s.wg.Wait()
}

// register creates the nodes (or takes over existing ones) and their Leases.
func (s *Simulator) register(ctx context.Context) error {
	now := time.Now()
	for _, name := range s.names {
		_, err := s.client.CoreV1().Nodes().Create(ctx, NewNode(name, s.nodes[name], s.cfg.Capacity, s.since, now), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("nodesim: registering node %s: %w", name, err)
		}
		if err := s.heartbeat(ctx, name, now); err != nil {
			return err
		}
	}
	return nil
}

// heartbeats renews every node's Lease and status each Heartbeat until ctx ends.
func (s *Simulator) heartbeats(ctx context.Context) {
	ticker := time.NewTicker(s.cfg.Heartbeat)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			for _, name := range s.names {
				if err := s.heartbeat(ctx, name, now); err != nil && ctx.Err() == nil {
					s.cfg.Log.Print(err)
				}
			}
		}
	}
}

// heartbeat writes the node's status (capacity, Ready, heartbeat time) and
// renews its Lease, creating the Lease if it is missing.
func (s *Simulator) heartbeat(ctx context.Context, name string, now time.Time) error {
	status, err := json.Marshal(map[string]any{"status": NodeStatus(name, s.nodes[name], s.cfg.Capacity, s.since, now)})
	if err != nil {
		return err
	}
	if _, err := s.client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, status, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("nodesim: updating the status of node %s: %w", name, err)
	}
	lease := NewLease(name, now)
	spec, err := json.Marshal(map[string]any{"spec": lease.Spec})
	if err != nil {
		return err
	}
	leases := s.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	_, err = leases.Patch(ctx, name, types.MergePatchType, spec, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	}
	if err != nil {
		return fmt.Errorf("nodesim: renewing the lease of node %s: %w", name, err)
	}
	return nil
}

// next handles one queued pod; it returns false once the queue is shut down.
func (s *Simulator) next(ctx context.Context) bool {
	key, shutdown := s.queue.Get()
	if shutdown {
		return false
	}
	defer s.queue.Done(key)
	if err := s.handle(ctx, key); err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Print(err)
		}
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}

// handle brings one pod to the state a kubelet would give it.
func (s *Simulator) handle(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key we made; nothing to retry
	}
	pod, err := s.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	switch Decide(pod, s.known) {
	case Finalize:
		err := s.client.CoreV1().Pods(namespace).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: new(int64),
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("nodesim: deleting pod %s on node %s: %w", key, pod.Spec.NodeName, err)
		}
	case MarkRunning:
		updated := pod.DeepCopy()
		updated.Status = RunningStatus(pod, s.nodes[pod.Spec.NodeName], PodIP(s.podIPs.Add(1)-1), time.Now())
		_, err := s.client.CoreV1().Pods(namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			if apierrors.IsConflict(err) {
				return errors.New("nodesim: pod " + key + " changed meanwhile; retrying")
			}
			return fmt.Errorf("nodesim: marking pod %s running on node %s: %w", key, pod.Spec.NodeName, err)
		}
	case Ignore:
	}
	return nil
}
