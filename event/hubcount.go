package event

// Count returns how many listeners a channel has now (PUBLISH over RESP
// answers it).
func (h *Hub) Count(channel string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.listeners[channel])
}
