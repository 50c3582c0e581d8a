package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a process may take to exit after SIGTERM before its
// process group is killed.
const stopGrace = 5 * time.Second

// logTailLines is how many lines of a failed process's log an error quotes.
const logTailLines = 20

// Process is a program started for a test or a fleet. It runs in its own
// process group, so that stopping it also stops anything it started, and
// its output goes to a log file.
type Process struct {
	name    string
	logPath string
	cmd     *exec.Cmd

	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
	once    sync.Once
}

// StartProcess starts binary with args, writing its output to logPath. The
// kernel kills the process if the test (or fleet supervisor) dies, so that
// an interrupted test cannot leak it.
func StartProcess(name, binary string, args []string, logPath string) (*Process, error) {
	if err := checkExecutable(binary); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(binary, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &Process{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	// The kernel sends Pdeathsig when the *thread* that forked the child
	// exits, and Go may retire threads; so fork from a goroutine locked to
	// its thread, and keep it there until the child exits.
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("starting %s: %w", name, err)
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// Pid returns the process's ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// LogPath returns the file the process's output goes to.
func (p *Process) LogPath() string { return p.logPath }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// failure describes why the process ended early, quoting its log.
func (p *Process) failure() error {
	tail := logTail(p.logPath, logTailLines)
	if port := busyPort(tail); port != "" {
		return &portBusyError{process: p.name, port: port, log: tail}
	}
	return fmt.Errorf("%s exited unexpectedly (%v); last lines of %s:\n%s", p.name, p.waitErr, p.logPath, tail)
}

// Stop ends the process: SIGTERM to its group, then SIGKILL after
// stopGrace. It is safe to call more than once.
func (p *Process) Stop() {
	p.once.Do(func() {
		pgid := -p.Pid()
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			_ = syscall.Kill(pgid, syscall.SIGKILL)
			<-p.done
		}
		// Children that outlived the leader still belong to the group.
		_ = syscall.Kill(pgid, syscall.SIGKILL)
	})
}

// Kill ends the process and its group at once with SIGKILL, as a crash
// would, and waits until it has exited.
func (p *Process) Kill() {
	p.once.Do(func() {
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-p.done
	})
}

// residentBytes returns the process's resident memory, or 0 if unknown.
func (p *Process) residentBytes() int64 { return ResidentBytes(p.Pid()) }

// ResidentBytes returns the resident memory (VmRSS) of any process, or 0 if
// it cannot be read.
func ResidentBytes(pid int) int64 { return statusBytes(pid, "VmRSS:") }

// PeakResidentBytes returns the peak resident memory (VmHWM) of any
// process, or 0 if it cannot be read.
func PeakResidentBytes(pid int) int64 { return statusBytes(pid, "VmHWM:") }

// statusBytes reads a kB field of /proc/<pid>/status, in bytes.
func statusBytes(pid int, field string) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == field {
			kib, _ := strconv.ParseInt(fields[1], 10, 64)
			return kib * 1024
		}
	}
	return 0
}

// portBusyError reports that a process could not bind a port that was free
// when the fleet chose it; starting again with new ports usually succeeds.
type portBusyError struct {
	process, port, log string
}

func (e *portBusyError) Error() string {
	return fmt.Sprintf("%s could not listen on 127.0.0.1:%s: address already in use; last lines of its log:\n%s", e.process, e.port, e.log)
}

// busyPort finds "address already in use" in a log and returns the port it names.
func busyPort(log string) string {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "address already in use") {
			continue
		}
		i := strings.Index(line, "127.0.0.1:")
		if i < 0 {
			return "?"
		}
		digits := line[i+len("127.0.0.1:"):]
		end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(digits)
		}
		return digits[:end]
	}
	return ""
}

// logTail returns the last n lines of a file.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a moment ago.
func FreePorts(n int) ([]int, error) {
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// isPortBusy reports whether err (or an error it wraps) is a portBusyError.
func isPortBusy(err error) bool {
	var busy *portBusyError
	return errors.As(err, &busy)
}
