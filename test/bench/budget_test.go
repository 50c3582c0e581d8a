package bench

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pprofprofile "github.com/google/pprof/profile"

	"github.com/kubectl-fed/kubectl-fed/test/fleet"
	"github.com/kubectl-fed/kubectl-fed/test/testkit"
)

// Where the CPU of a phase went, by process group; groupRest is what the
// machine spent outside the fleet, the control plane and the benchmark
// (other programs on a shared machine), groupIdle what it left unused.
const (
	groupHost    = "host kube-apiserver"
	groupMembers = "member kube-apiservers"
	groupHostEtc = "host etcd and controllers"
	groupEtcd    = "member etcds and controllers"
	groupWebhook = "webhook"
	groupSyncer  = "syncer"
	groupClient  = "benchmark client (creates, watches)"
	groupRest    = "rest of the machine"
	groupIdle    = "idle"
)

// budgetGroups is the order the budget is printed in.
var budgetGroups = []string{groupHost, groupHostEtc, groupWebhook, groupMembers, groupEtcd, groupSyncer, groupClient, groupRest, groupIdle}

// Budget is where a phase's CPU went: the machine's cores x wall time,
// split by process group, and a timeline of how busy the machine was.
type Budget struct {
	WallSeconds float64 `json:"wallSeconds"`
	Cores       int     `json:"cores"`
	// BusyCoreSeconds is what the whole machine spent (/proc/stat).
	BusyCoreSeconds float64 `json:"busyCoreSeconds"`
	// CoreSeconds splits cores x wall by process group (budgetGroups).
	CoreSeconds map[string]float64 `json:"coreSeconds"`
	// Timeline samples the machine's busy fraction (and, while
	// propagating, the progress counts) every sampleEvery.
	Timeline []Sample `json:"timeline,omitempty"`
}

// Sample is one point of a budget's timeline.
type Sample struct {
	Seconds float64 `json:"seconds"`
	// Busy is the fraction of all cores busy since the sample before.
	Busy float64 `json:"busy"`
	// Progress is, while propagating: federated objects created, each
	// member's count of propagated objects, and federated objects whose
	// status says Propagation=True.
	Progress []int64 `json:"progress,omitempty"`
}

// sampleEvery is the period of a budget's timeline.
const sampleEvery = 250 * time.Millisecond

// budgetMeter measures one phase's Budget.
type budgetMeter struct {
	t        testing.TB
	groupOf  map[int]string
	cpu0     map[int]float64
	busy0    float64
	started  time.Time
	progress func() []int64

	stopOnce sync.Once
	done     chan struct{}
	mu       sync.Mutex
	timeline []Sample
}

// meterBudget starts measuring where the CPU goes, for the processes of
// the fleet, the control plane and this benchmark; progress (may be nil)
// is sampled into the timeline. stop returns the Budget.
func meterBudget(t testing.TB, f *fleet.Fleet, cp *testkit.LocalControlPlane, progress func() []int64) *budgetMeter {
	groupOf := map[int]string{}
	for _, pid := range f.PIDs() {
		groupOf[pid] = groupEtcd
		// A fleet process names its cluster's directory in its arguments
		// (--data-dir, --kubeconfig, --cert-dir).
		if args, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.Contains(string(args), "/"+fleet.HostName+"/") {
			groupOf[pid] = groupHostEtc
		}
	}
	for _, m := range f.Members() {
		groupOf[m.APIServerPid()] = groupMembers
	}
	groupOf[f.Host().APIServerPid()] = groupHost
	groupOf[cp.Webhook.Process.Pid()] = groupWebhook
	groupOf[cp.Syncer.Pid()] = groupSyncer
	groupOf[os.Getpid()] = groupClient
	m := &budgetMeter{t: t, groupOf: groupOf, cpu0: map[int]float64{}, progress: progress, done: make(chan struct{})}
	for pid := range groupOf {
		m.cpu0[pid] = cpuSeconds(t, pid)
	}
	m.busy0, m.started = machineBusySeconds(t), time.Now()
	go m.sample()
	return m
}

// sample appends to the timeline every sampleEvery until stopped.
func (m *budgetMeter) sample() {
	ticker := time.NewTicker(sampleEvery)
	defer ticker.Stop()
	lastBusy, lastAt := m.busy0, m.started
	for {
		select {
		case <-m.done:
			return
		case now := <-ticker.C:
			busy, err := readMachineBusySeconds()
			if err != nil {
				continue
			}
			s := Sample{Seconds: now.Sub(m.started).Seconds(), Busy: (busy - lastBusy) / now.Sub(lastAt).Seconds() / float64(runtime.NumCPU())}
			if m.progress != nil {
				s.Progress = m.progress()
			}
			lastBusy, lastAt = busy, now
			m.mu.Lock()
			m.timeline = append(m.timeline, s)
			m.mu.Unlock()
		}
	}
}

// stop ends the measurement and returns the Budget.
func (m *budgetMeter) stop() Budget {
	m.stopOnce.Do(func() { close(m.done) })
	b := Budget{WallSeconds: time.Since(m.started).Seconds(), Cores: runtime.NumCPU(), CoreSeconds: map[string]float64{}}
	b.BusyCoreSeconds = machineBusySeconds(m.t) - m.busy0
	var ours float64
	for pid, group := range m.groupOf {
		spent := cpuSeconds(m.t, pid) - m.cpu0[pid]
		b.CoreSeconds[group] += spent
		ours += spent
	}
	b.CoreSeconds[groupRest] = max(0, b.BusyCoreSeconds-ours)
	b.CoreSeconds[groupIdle] = max(0, float64(b.Cores)*b.WallSeconds-b.BusyCoreSeconds)
	m.mu.Lock()
	b.Timeline = m.timeline
	m.mu.Unlock()
	return b
}

// machineBusySeconds is the CPU time all cores have spent busy (neither
// idle nor waiting for I/O) since boot.
func machineBusySeconds(t testing.TB) float64 {
	busy, err := readMachineBusySeconds()
	if err != nil {
		t.Fatal(err)
	}
	return busy
}

func readMachineBusySeconds() (float64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat starts with %q, not the cpu line", line)
	}
	var total, idle float64
	for i, f := range fields[1:] {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat cpu line %q: %w", line, err)
		}
		if i >= 8 { // guest and guest_nice are counted in user and nice already
			break
		}
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return (total - idle) / 100, nil // USER_HZ is 100 on Linux
}

// LowerBound is what the CPU a propagation spent allows on this machine:
// the phases compared by the core-seconds they spent (without the rest of
// the machine), as if each had run alone with every core busy.
type LowerBound struct {
	// FloorCoreSeconds is what the floor's members x N creates cost.
	FloorCoreSeconds float64 `json:"floorCoreSeconds"`
	// CoreSeconds is what the propagation cost; Ratio is it / the
	// floor's: the ratio on a quiet machine at these costs.
	CoreSeconds float64 `json:"coreSeconds"`
	Ratio       float64 `json:"ratio"`
	// HostRatio is the least ratio with a syncer and a measurement that
	// cost nothing: (the floor's core-seconds + what the host spent while
	// propagating: its API server, etcd and controllers, the webhook) /
	// the floor's.
	HostRatio float64 `json:"hostRatio"`
	// PerObjectMs splits the propagation's CPU per federated object by
	// group.
	PerObjectMs map[string]float64 `json:"perObjectMs"`
}

// lowerBound computes the LowerBound of a propagation of objects that
// spent budget, against the floor's.
func lowerBound(propagation, floor Budget, objects int) LowerBound {
	used := func(b Budget) float64 { return b.BusyCoreSeconds - b.CoreSeconds[groupRest] }
	lb := LowerBound{FloorCoreSeconds: used(floor), CoreSeconds: used(propagation), PerObjectMs: map[string]float64{}}
	lb.Ratio = lb.CoreSeconds / lb.FloorCoreSeconds
	host := propagation.CoreSeconds[groupHost] + propagation.CoreSeconds[groupHostEtc] + propagation.CoreSeconds[groupWebhook]
	lb.HostRatio = (lb.FloorCoreSeconds + host) / lb.FloorCoreSeconds
	for group, s := range propagation.CoreSeconds {
		if group != groupIdle && group != groupRest {
			lb.PerObjectMs[group] = s * 1000 / float64(objects)
		}
	}
	return lb
}

// printBudget prints a budget's split and, compressed to one row per
// second, its timeline.
func printBudget(what string, b Budget) {
	total := float64(b.Cores) * b.WallSeconds
	fmt.Printf("  CPU budget of %s: %d cores x %.2f s = %.2f core-s; busy %.2f core-s (%.0f %%)\n", what, b.Cores, b.WallSeconds, total, b.BusyCoreSeconds, 100*b.BusyCoreSeconds/total)
	for _, group := range budgetGroups {
		fmt.Printf("    %-40s %6.2f core-s %5.1f %%\n", group, b.CoreSeconds[group], 100*b.CoreSeconds[group]/total)
	}
	if len(b.Timeline) == 0 {
		return
	}
	fmt.Printf("    timeline (per second: machine busy %%; created, each member's objects, Propagation=True):\n")
	per := int(time.Second / sampleEvery)
	for i := 0; i < len(b.Timeline); i += per {
		window := b.Timeline[i:min(i+per, len(b.Timeline))]
		var busy float64
		for _, s := range window {
			busy += s.Busy
		}
		last := window[len(window)-1]
		fmt.Printf("      %5.1f s  busy %3.0f %%  %v\n", last.Seconds, 100*busy/float64(len(window)), last.Progress)
	}
}

// topFunctions reads a CPU profile and returns its n functions with the
// most samples of their own (flat) and the n of this project's functions
// with the most samples beneath them (cumulative), as "share function" lines, and the CPU
// seconds it sampled.
func topFunctions(path string, n int) (flat, cumulative []string, seconds float64, err error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer file.Close()
	p, err := pprofprofile.Parse(file)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("CPU profile %s: %w", path, err)
	}
	index := slices.IndexFunc(p.SampleType, func(st *pprofprofile.ValueType) bool { return st.Unit == "nanoseconds" })
	if index < 0 {
		return nil, nil, 0, fmt.Errorf("CPU profile %s has no nanoseconds samples", path)
	}
	flatBy, cumBy := map[string]int64{}, map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[index]
		total += v
		seen := map[string]bool{}
		for i, loc := range s.Location {
			for j, line := range loc.Line {
				name := line.Function.Name
				if i == 0 && j == 0 { // the leaf: the innermost inlined function of the first location
					flatBy[name] += v
				}
				if !seen[name] && strings.HasPrefix(name, modulePath) {
					seen[name] = true
					cumBy[name] += v
				}
			}
		}
	}
	top := func(by map[string]int64) []string {
		var names []string
		for name := range by {
			names = append(names, name)
		}
		slices.SortFunc(names, func(a, b string) int {
			if by[a] != by[b] {
				return int(by[b] - by[a])
			}
			return strings.Compare(a, b)
		})
		var lines []string
		for _, name := range names[:min(n, len(names))] {
			lines = append(lines, fmt.Sprintf("%5.1f %% %s", 100*float64(by[name])/float64(max(total, 1)), name))
		}
		return lines
	}
	return top(flatBy), top(cumBy), float64(total) / 1e9, nil
}

// modulePath prefixes this project's functions in a profile.
const modulePath = "github.com/kubectl-fed/kubectl-fed/"

// progressOf is the timeline's progress of a propagation.
func progressOf(created *atomic.Int64, members []*atomic.Int64, ready *atomic.Int64) func() []int64 {
	return func() []int64 {
		return append(append([]int64{created.Load()}, loads(members)...), ready.Load())
	}
}
