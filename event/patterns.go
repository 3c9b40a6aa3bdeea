package event

import "github.com/nodedb-go/nodedb/engine/kv"

// Pattern subscriptions (RESP PSUBSCRIBE): a listener subscribed to a glob
// pattern (kv.Match: *, ?, [...], \) gets every notification whose channel
// matches, with Notification.Pattern set to the pattern.

// ListenPattern subscribes l to every channel matching pattern.
func (h *Hub) ListenPattern(pattern string, l *Listener) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.patterns == nil {
		h.patterns = map[string]map[*Listener]bool{}
	}
	m := h.patterns[pattern]
	if m == nil {
		m = map[*Listener]bool{}
		h.patterns[pattern] = m
	}
	m[l] = true
}

// UnlistenPattern removes l from a pattern, or from every pattern for
// all = true.
func (h *Hub) UnlistenPattern(pattern string, l *Listener, all bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p, m := range h.patterns {
		if all || p == pattern {
			delete(m, l)
			if len(m) == 0 {
				delete(h.patterns, p)
			}
		}
	}
}

// patternTargetsLocked lists the pattern listeners of a channel, each
// with its matching pattern. h.mu must be held (read).
func (h *Hub) patternTargetsLocked(channel string) []patternTarget {
	var out []patternTarget
	for p, m := range h.patterns {
		if !kv.Match([]byte(p), []byte(channel)) {
			continue
		}
		for l := range m {
			out = append(out, patternTarget{l: l, pattern: p})
		}
	}
	return out
}

type patternTarget struct {
	l       *Listener
	pattern string
}

// Count returns how many subscriptions a notification on channel reaches
// now: channel listeners plus matching pattern subscriptions (PUBLISH over
// RESP answers it).
func (h *Hub) Count(channel string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.listeners[channel]) + len(h.patternTargetsLocked(channel))
}
