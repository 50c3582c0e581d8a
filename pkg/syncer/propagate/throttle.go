package propagate

import (
	"sync"
	"time"
)

// statusInterval is the least time between two status writes of one
// federated object: a burst of member changes costs at most one host write
// per object per interval.
const statusInterval = time.Second

// writeClock remembers when each object's status was last written.
type writeClock struct {
	mu   sync.Mutex
	last map[Key]time.Time
	// sweepAt is the map size at which old entries are swept next.
	sweepAt int
}

// minSweep is the smallest map size at which old entries are swept.
const minSweep = 1024

func newWriteClock() *writeClock {
	return &writeClock{last: map[Key]time.Time{}, sweepAt: minSweep}
}

// wait returns how long a write of key must wait at now (0: write now).
func (c *writeClock) wait(key Key, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	last, ok := c.last[key]
	if !ok {
		return 0
	}
	return max(last.Add(statusInterval).Sub(now), 0)
}

// wrote records a write of key at now. Entries older than the interval
// no longer matter; they are swept when the map has doubled since the last
// sweep, so its size stays proportional to recent writes.
func (c *writeClock) wrote(key Key, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[key] = now
	if len(c.last) < c.sweepAt {
		return
	}
	for k, t := range c.last {
		if now.Sub(t) >= statusInterval {
			delete(c.last, k)
		}
	}
	c.sweepAt = max(minSweep, 2*len(c.last))
}

// forget drops key, e.g. when its object is gone.
func (c *writeClock) forget(key Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.last, key)
}
