package fleet

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// lockFile serialises the fleets of concurrently running test packages:
// `go test ./...` runs packages in parallel, and two cores carry one fleet
// well but not several.
var lockFile = filepath.Join(os.TempDir(), "kubectl-fed-test-fleet.lock")

// Run waits for any other test package's fleet to stop, starts a fleet,
// calls run with it, stops the fleet and returns run's exit code (1 if the
// fleet did not start). An interrupt stops the fleet before the process
// exits. It is the heart of test/testkit.Main, which every suite's TestMain
// calls.
func Run(opts Options, run func(f *Fleet) int) int {
	unlock, err := LockForTests()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		return 1
	}
	defer unlock()

	started := time.Now()
	f, err := Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Stop()
	fmt.Fprintf(os.Stderr, "fleet: %d clusters started in %.1fs\n", len(f.Clusters), time.Since(started).Seconds())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		if _, ok := <-signals; ok {
			f.Stop()
			os.Exit(130)
		}
	}()
	return run(f)
}

// LockForTests waits until no other test package runs a fleet and returns
// the function that lets the next one go. It prints how long it waited,
// and the returned function how long the lock was held, to standard error
// (shown by go test -v or -json): each suite's share of `make test`. Run takes it; a test that
// starts fleets some other way (e.g. through `fleet up`) takes it itself.
func LockForTests() (unlock func(), err error) {
	path := lockFile
	file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	asked := time.Now()
	if err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX); err != nil {
		file.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	locked := time.Now()
	fmt.Fprintf(os.Stderr, "fleet: waited %.1fs for the fleet lock\n", locked.Sub(asked).Seconds())
	return func() {
		file.Close()
		fmt.Fprintf(os.Stderr, "fleet: held the fleet lock for %.1fs\n", time.Since(locked).Seconds())
	}, nil
}

// ForTest starts a fleet for one test and stops it when the test ends.
func ForTest(t testing.TB, opts Options) *Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	return f
}
