package fleet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-fed/kubectl-fed/test/nodesim"
)

// pollInterval is how often start-up conditions are checked.
const pollInterval = 250 * time.Millisecond

// portAttempts is how many times a cluster is started with fresh ports when
// one it chose was taken by someone else in the meantime.
const portAttempts = 3

// Cluster is one Kubernetes control plane of a fleet: an etcd, a
// kube-apiserver and a kube-controller-manager process, with their own CA;
// with simulated nodes also a kube-scheduler process and a node simulator.
type Cluster struct {
	// Name is the cluster's name, which is also its kubeconfig context.
	Name string
	// Server is the API server's URL, https://127.0.0.1:<port>.
	Server string

	dir     string
	logDir  string
	pki     *pki
	bin     Binaries
	pool    NodePool
	apiPort int // kept across StopAPIServer / StartAPIServer
	etcdURL string
	shared  bool // etcdURL is the members' shared etcd: this cluster keeps its keys under its own prefix
	light   bool // see Options.LightMembers
	audited bool // see Options.AuditPolicy: the API server writes an audit log
	// nodeMonitorGrace is kube-controller-manager's
	// --node-monitor-grace-period; zero keeps its default.
	nodeMonitorGrace time.Duration
	// heartbeat is the simulated nodes' (nodesim.Config.Heartbeat); zero
	// keeps nodesim's default.
	heartbeat time.Duration

	mu        sync.Mutex // guards processes, apiServer, sim and stopped
	stopped   bool       // set by stop: StartAPIServer must not start anything after it
	processes []*Process
	apiServer *Process
	sim       *nodesim.Simulator
	simLog    *os.File
}

// RESTConfig returns an administrator's client configuration for the cluster.
func (c *Cluster) RESTConfig() *rest.Config {
	return &rest.Config{
		Host: c.Server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   c.pki.caCert,
			CertData: c.pki.adminCert,
			KeyData:  c.pki.adminKey,
		},
		QPS:   100,
		Burst: 200,
	}
}

// CAData returns the PEM certificate of the CA that signed the API server's
// serving certificate.
func (c *Cluster) CAData() []byte { return c.pki.caCert }

// LogDir returns the directory holding the cluster's process logs.
func (c *Cluster) LogDir() string { return c.logDir }

// AuditLogPath returns the file the cluster's API server writes its audit
// log to (JSON lines, one event per request), or "" when the fleet was
// started without Options.AuditPolicy. It keeps growing across
// StopAPIServer and StartAPIServer.
func (c *Cluster) AuditLogPath() string {
	if !c.audited {
		return ""
	}
	return filepath.Join(c.logDir, "kube-apiserver-audit.log")
}

// auditPolicyPath is where the cluster keeps Options.AuditPolicy.
func (c *Cluster) auditPolicyPath() string { return filepath.Join(c.dir, "audit-policy.yaml") }

// ResidentBytes returns the resident memory of all the cluster's processes.
func (c *Cluster) ResidentBytes() int64 {
	var total int64
	for _, p := range c.snapshot() {
		total += p.residentBytes()
	}
	return total
}

// snapshot returns the cluster's current processes, in start order.
func (c *Cluster) snapshot() []*Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Process(nil), c.processes...)
}

// NodeNames returns the names of the cluster's simulated nodes, if any.
func (c *Cluster) NodeNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sim == nil {
		return nil
	}
	return c.sim.NodeNames()
}

// stop stops the node simulator, then the cluster's processes, newest first.
func (c *Cluster) stop() {
	c.mu.Lock()
	sim, simLog := c.sim, c.simLog
	c.sim, c.simLog, c.stopped = nil, nil, true
	c.mu.Unlock()
	if sim != nil {
		sim.Stop()
	}
	if simLog != nil {
		_ = simLog.Close()
	}
	processes := c.snapshot()
	for i := len(processes) - 1; i >= 0; i-- {
		processes[i].Stop()
	}
}

// StopAPIServer kills the cluster's kube-apiserver (SIGKILL, as a crash
// would; a graceful stop would take seconds) and returns once it has
// exited; requests to Server then fail with "connection refused". etcd,
// the controller manager, kube-scheduler and the node simulator keep
// running; StartAPIServer restarts the first two, and the simulator
// reconnects. Calling it on a stopped API server does nothing.
func (c *Cluster) StopAPIServer() {
	c.mu.Lock()
	p := c.apiServer
	c.mu.Unlock()
	if p != nil {
		p.Kill()
	}
}

// APIServerPid returns the process id of the cluster's kube-apiserver
// (the last one started), e.g. for a test to pause it with SIGSTOP: a
// member that stops answering while its connections stay open.
func (c *Cluster) APIServerPid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.apiServer == nil {
		return 0
	}
	return c.apiServer.Pid()
}

// StartAPIServer starts the cluster's kube-apiserver again after
// StopAPIServer and waits until it answers /readyz. Guarantees: the same
// URL (Server, hence the same port), the same certificates and
// service-account keys (existing kubeconfigs and tokens keep working), and
// the same etcd, so every object written before the stop is still there
// with its UID and resourceVersion. It fails if the API server is running,
// or if another program took the port in the meantime. Once the API server
// is ready it restarts the controller manager and kube-scheduler: theirs
// would see it again only after client-go's retry backoff, which grows
// with each failed attempt during the outage (up to 30 s, reset after 2
// minutes without failures), and the cluster's Deployments would report
// their pods that late.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	if err := c.restartAPIServer(); err != nil {
		return fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	if err := c.waitReady(ctx); err != nil {
		return fmt.Errorf("cluster %s: restarting the API server: %w", c.Name, err)
	}
	if err := c.restartControllers(); err != nil {
		return fmt.Errorf("cluster %s: restarting the controllers after the API server: %w", c.Name, err)
	}
	return nil
}

// restartControllers replaces the controller manager and kube-scheduler
// with new processes of the same programs, flags and logs.
func (c *Cluster) restartControllers() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("the cluster has been stopped")
	}
	for i, p := range c.processes {
		if p.name != "kube-controller-manager" && p.name != "kube-scheduler" {
			continue
		}
		p.Kill()
		q, err := StartProcess(p.name, p.cmd.Path, p.cmd.Args[1:], p.logPath)
		if err != nil {
			return err
		}
		c.processes[i] = q
	}
	return nil
}

// restartAPIServer starts a new kube-apiserver process in place of the
// stopped one, unless the cluster itself is being stopped.
func (c *Cluster) restartAPIServer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.apiServer
	switch {
	case c.stopped:
		return errors.New("the cluster has been stopped")
	case old == nil || !old.Exited():
		return errors.New("the API server is running; call StopAPIServer first")
	}
	p, err := StartProcess("kube-apiserver", c.bin.KubeAPIServer, c.apiServerArgs(), old.logPath)
	if err != nil {
		return err
	}
	for i, q := range c.processes {
		if q == old {
			c.processes[i] = p
		}
	}
	c.apiServer = p
	return nil
}

// waitReady waits until the API server answers /readyz.
func (c *Cluster) waitReady(ctx context.Context) error {
	client, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		return err
	}
	return c.waitFor(ctx, "the API server to report ready", func(ctx context.Context) error {
		return client.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
	})
}

// clusterSpec is what startCluster starts.
type clusterSpec struct {
	name, dir, logDir string // state goes to dir, process logs to logDir
	bin               Binaries
	pool              NodePool
	etcdURL           string        // a shared etcd to use instead of the cluster's own; empty: its own
	light             bool          // see Options.LightMembers
	auditPolicy       string        // see Options.AuditPolicy
	nodeMonitorGrace  time.Duration // see Options.NodeMonitorGracePeriod
	heartbeat         time.Duration // see Options.NodeHeartbeat
}

// startCluster starts a cluster and waits until it is ready: the API
// server answers /readyz, the controller manager has created the default
// service account and the pool's simulated nodes, if any, are Ready. It
// retries with fresh ports when a port was taken.
func startCluster(ctx context.Context, spec clusterSpec) (*Cluster, error) {
	p, err := newPKI(filepath.Join(spec.dir, "pki"))
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", spec.name, err)
	}
	for attempt := 1; ; attempt++ {
		c := &Cluster{Name: spec.name, dir: spec.dir, logDir: spec.logDir, pki: p, bin: spec.bin, pool: spec.pool, nodeMonitorGrace: spec.nodeMonitorGrace, heartbeat: spec.heartbeat,
			etcdURL: spec.etcdURL, shared: spec.etcdURL != "", light: spec.light, audited: spec.auditPolicy != ""}
		if c.audited {
			if err := os.WriteFile(c.auditPolicyPath(), []byte(spec.auditPolicy), 0o600); err != nil {
				return nil, fmt.Errorf("cluster %s: writing the audit policy: %w", spec.name, err)
			}
		}
		err := c.start(ctx, spec.bin)
		if err == nil {
			return c, nil
		}
		c.stop()
		if !isPortBusy(err) || attempt == portAttempts {
			return nil, fmt.Errorf("cluster %s: %w", spec.name, err)
		}
	}
}

// startEtcd starts an etcd named name with its data in dir and its log
// in logDir, and returns it with its client URL.
func startEtcd(name, dir, logDir string, bin Binaries) (*Process, string, error) {
	ports, err := FreePorts(2)
	if err != nil {
		return nil, "", err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	p, err := StartProcess("etcd", bin.Etcd, etcdArgs(name, filepath.Join(dir, "etcd"), ports[0], ports[1]), filepath.Join(logDir, "etcd.log"))
	return p, url, err
}

func (c *Cluster) start(ctx context.Context, bin Binaries) error {
	ports, err := FreePorts(3)
	if err != nil {
		return err
	}
	c.apiPort = ports[2]
	c.Server = "https://127.0.0.1:" + strconv.Itoa(c.apiPort)
	if !c.shared {
		etcdClient, etcdPeer := ports[0], ports[1]
		c.etcdURL = "http://127.0.0.1:" + strconv.Itoa(etcdClient)
		if _, err := c.run("etcd", bin.Etcd, etcdArgs(c.Name, filepath.Join(c.dir, "etcd"), etcdClient, etcdPeer)); err != nil {
			return err
		}
	}
	apiServer, err := c.run("kube-apiserver", bin.KubeAPIServer, c.apiServerArgs())
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.apiServer = apiServer
	c.mu.Unlock()
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(c.dir, "admin.kubeconfig")
	if err := clientcmd.WriteToFile(*singleClusterKubeconfig(c), kubeconfig); err != nil {
		return err
	}
	if _, err := c.run("kube-controller-manager", bin.KubeControllerManager, c.controllerManagerArgs(kubeconfig)); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "the controller manager to create the default service account", func(ctx context.Context) error {
		_, err := client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err
	}); err != nil {
		return err
	}
	if c.pool.Count == 0 {
		return nil
	}
	if _, err := c.run("kube-scheduler", bin.KubeScheduler, schedulerArgs(kubeconfig)); err != nil {
		return err
	}
	return c.startNodes(ctx, client)
}

// startNodes starts the node simulator and waits until its nodes are
// Ready and untainted. The simulator outlives ctx: it runs until stop.
func (c *Cluster) startNodes(ctx context.Context, client kubernetes.Interface) error {
	logPath := filepath.Join(c.logDir, "nodesim.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	simCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopOnTimeout := context.AfterFunc(ctx, cancel) // until Start returns, ctx bounds registration
	sim, err := nodesim.Start(simCtx, c.RESTConfig(), nodesim.Config{
		Nodes:      c.pool.Count,
		NamePrefix: c.Name + "-node",
		Capacity:   c.pool.Capacity,
		Heartbeat:  c.heartbeat,
		Log:        log.New(logFile, "", log.LstdFlags),
	})
	stopOnTimeout()
	if err != nil {
		cancel()
		_ = logFile.Close()
		return err
	}
	c.mu.Lock()
	c.sim, c.simLog = sim, logFile
	c.mu.Unlock()
	return c.waitFor(ctx, "the simulated nodes to be Ready", func(ctx context.Context) error {
		for _, name := range sim.NodeNames() {
			node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !nodeReady(node) || len(node.Spec.Taints) > 0 {
				return fmt.Errorf("node %s is not Ready or has taints %v", name, node.Spec.Taints)
			}
		}
		return nil
	})
}

// nodeReady reports whether the node's Ready condition is True.
func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// run starts one of the cluster's processes.
func (c *Cluster) run(name, binary string, args []string) (*Process, error) {
	p, err := StartProcess(name, binary, args, filepath.Join(c.LogDir(), name+".log"))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.processes = append(c.processes, p)
	c.mu.Unlock()
	return p, nil
}

// waitFor polls check until it succeeds, a process of the cluster exits,
// or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	var last error
	for {
		processes := c.snapshot()
		for _, p := range processes {
			if p.Exited() {
				return fmt.Errorf("while waiting for %s: %w", what, p.failure())
			}
		}
		attemptCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		last = check(attemptCtx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			newest := processes[len(processes)-1]
			return fmt.Errorf("timed out waiting for %s (last error: %v); last lines of %s:\n%s",
				what, last, newest.logPath, logTail(newest.logPath, logTailLines))
		case <-time.After(pollInterval):
		}
	}
}

// etcdArgs are the flags of an etcd named name keeping its data in dataDir.
func etcdArgs(name, dataDir string, clientPort, peerPort int) []string {
	client := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peer := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	return []string{
		"--name=" + name,
		"--data-dir=" + dataDir,
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=" + name + "=" + peer,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	}
}

// lightRuntimeConfig turns off the API groups (beyond those off by
// default) that a light member does not need: the federated types the
// fleet's users and tests propagate are core, apps, batch, networking,
// rbac, policy and CRDs, and the API server itself needs the rest (e.g.
// its admission watches node.k8s.io's RuntimeClasses: without that group
// it never reports ready).
const lightRuntimeConfig = "autoscaling/v1=false,autoscaling/v2=false,certificates.k8s.io/v1=false"

// lightControllers are the controllers of a light member's
// kube-controller-manager: service accounts and their token secrets (which
// `kubectl fed join` waits for) and namespace deletion.
const lightControllers = "serviceaccount-token,serviceaccount,namespace"

func (c *Cluster) apiServerArgs() []string {
	args := c.baseAPIServerArgs()
	if c.shared {
		args = append(args, "--etcd-prefix=/clusters/"+c.Name)
	}
	if c.light {
		args = append(args, "--runtime-config="+lightRuntimeConfig)
	}
	if c.audited {
		args = append(args, "--audit-policy-file="+c.auditPolicyPath(), "--audit-log-path="+c.AuditLogPath(), "--audit-log-format=json", "--audit-log-mode=blocking")
	}
	return args
}

func (c *Cluster) baseAPIServerArgs() []string {
	return []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.apiPort),
		"--etcd-servers=" + c.etcdURL,
		"--cert-dir=" + c.pki.dir,
		"--tls-cert-file=" + c.pki.path(servingCertFile),
		"--tls-private-key-file=" + c.pki.path(servingKeyFile),
		"--client-ca-file=" + c.pki.path(caCertFile),
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + c.Server,
		"--service-account-key-file=" + c.pki.path(serviceKeyFile),
		"--service-account-signing-key-file=" + c.pki.path(serviceKeyFile),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--profiling=false",
	}
}

func (c *Cluster) controllerManagerArgs(kubeconfig string) []string {
	controllers := "*"
	if c.light && c.pool.Count == 0 {
		controllers = lightControllers
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--service-account-private-key-file=" + c.pki.path(serviceKeyFile),
		"--root-ca-file=" + c.pki.path(caCertFile),
		"--controllers=" + controllers,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--cluster-name=" + c.Name,
		"--profiling=false",
	}
	if c.nodeMonitorGrace > 0 {
		args = append(args, "--node-monitor-grace-period="+c.nodeMonitorGrace.String())
	}
	return args
}

func schedulerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0",
	}
}

// singleClusterKubeconfig is an administrator's kubeconfig for one cluster.
func singleClusterKubeconfig(c *Cluster) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	addToKubeconfig(cfg, c)
	cfg.CurrentContext = c.Name
	return cfg
}

// addToKubeconfig adds the cluster, an admin user and a context, all named
// after the cluster (the user gets an "-admin" suffix).
func addToKubeconfig(cfg *clientcmdapi.Config, c *Cluster) {
	user := c.Name + "-admin"
	cfg.Clusters[c.Name] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.pki.caCert}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: c.pki.adminCert, ClientKeyData: c.pki.adminKey}
	cfg.Contexts[c.Name] = &clientcmdapi.Context{Cluster: c.Name, AuthInfo: user}
}

// PauseAPIServer stops the cluster's kube-apiserver with SIGSTOP, as a
// hung or overloaded server would behave: connections stay open and
// requests hang rather than fail. ResumeAPIServer lets it go on.
func (c *Cluster) PauseAPIServer() error { return c.signalAPIServer(syscall.SIGSTOP) }

// ResumeAPIServer continues an API server stopped by PauseAPIServer.
func (c *Cluster) ResumeAPIServer() error { return c.signalAPIServer(syscall.SIGCONT) }

func (c *Cluster) signalAPIServer(sig syscall.Signal) error {
	c.mu.Lock()
	p := c.apiServer
	c.mu.Unlock()
	if p == nil || p.Exited() {
		return fmt.Errorf("cluster %s: the API server is not running", c.Name)
	}
	return syscall.Kill(p.Pid(), sig)
}
