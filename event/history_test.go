package event

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestListenCutsTheSequence checks the promise Listen makes while others
// notify: the messages numbered after the sequence it returns reach the
// listener, and (with the history retained from before) those up to it
// are in the history instead, none in both and none lost.
func TestListenCutsTheSequence(t *testing.T) {
	var h Hub
	start := h.Retain()
	const notifiers, each = 4, 500
	var wg sync.WaitGroup
	for i := range notifiers {
		wg.Go(func() {
			for j := range each {
				h.Notify(Notification{Channel: "c", Payload: fmt.Sprint(i, j)})
			}
		})
	}
	l := NewListener(1, notifiers*each)
	joined, added := h.Listen("c", l)
	require.True(t, added)
	wg.Wait()
	got := map[uint64]bool{}
	for len(l.C) > 0 {
		n := <-l.C
		require.Greater(t, n.Seq, joined, "a message numbered before the join reached the mailbox")
		got[n.Seq] = true
	}
	before, complete := h.History("c", start, joined)
	require.True(t, complete)
	for _, n := range before {
		require.False(t, got[n.Seq])
		got[n.Seq] = true
	}
	require.Len(t, got, notifiers*each, "every message once, in the mailbox or the history")
	_, added = h.Listen("c", l)
	require.False(t, added)

	h.ReleaseHistory()
	ns, _ := h.History("c", 0, h.Seq())
	require.Empty(t, ns, "forgotten once no one retains it")
	h.Notify(Notification{Channel: "c"})
	ns, _ = h.History("c", 0, h.Seq())
	require.Empty(t, ns, "and not kept while no one does")
}

func TestHistoryIsBounded(t *testing.T) {
	var h Hub
	start := h.Retain()
	defer h.ReleaseHistory()
	for range maxHistory + 3 {
		h.Notify(Notification{Channel: "c"})
	}
	ns, complete := h.History("c", start, h.Seq())
	require.False(t, complete)
	require.Len(t, ns, maxHistory)
	require.Equal(t, start+4, ns[0].Seq, "the oldest go first")
	ns, complete = h.History("c", start+3, h.Seq())
	require.True(t, complete, "nothing after the evicted ones is missing")
	require.Len(t, ns, maxHistory)
}
