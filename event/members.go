package event

import (
	"sort"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/storage"
)

// DefaultSessionTimeout is how long a named member stays in its group
// without reading.
const DefaultSessionTimeout = 30 * time.Second

// Members tracks the named consumers of each group. Active members split
// the partitions into contiguous ranges (in name order); a member that has
// not read within the session timeout leaves, and the ranges rebalance.
// Membership is memory only: after a restart members rejoin on their next
// read.
type Members struct {
	Timeout time.Duration
	Now     func() time.Time

	mu     sync.Mutex
	groups map[uint32]map[string]time.Time
}

// Range is a member's half-open partition range [Lo, Hi).
type Range struct{ Lo, Hi int }

// Touch registers or refreshes a member and returns its partitions.
func (m *Members) Touch(group uint32, member string) Range {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.groups == nil {
		m.groups = map[uint32]map[string]time.Time{}
	}
	g := m.groups[group]
	if g == nil {
		g = map[string]time.Time{}
		m.groups[group] = g
	}
	g[member] = now
	names := m.activeLocked(group, now)
	i := sort.SearchStrings(names, member)
	n := len(names)
	return Range{Lo: i * storage.NumVShards / n, Hi: (i + 1) * storage.NumVShards / n}
}

// List returns a group's active members in name order.
func (m *Members) List(group uint32) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.activeLocked(group, m.now())
}

// Forget drops a group's members.
func (m *Members) Forget(group uint32) {
	m.mu.Lock()
	delete(m.groups, group)
	m.mu.Unlock()
}

func (m *Members) activeLocked(group uint32, now time.Time) []string {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultSessionTimeout
	}
	g := m.groups[group]
	names := make([]string, 0, len(g))
	for name, seen := range g {
		if now.Sub(seen) > timeout {
			delete(g, name)
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (m *Members) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
