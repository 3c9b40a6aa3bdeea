package event

import (
	"context"
	"sync"
)

// Workers runs one goroutine per wanted item (a trigger, a view, ...),
// keyed by id: Reconcile starts new ones, restarts one whose item changed
// (items are descriptor pointers: a changed descriptor is a new pointer)
// and stops those no longer wanted; Close stops them all and waits.
type Workers[T comparable] struct {
	run func(ctx context.Context, item T)

	mu     sync.Mutex
	runs   map[uint32]*worker[T]
	closed bool
}

type worker[T comparable] struct {
	item   T
	cancel context.CancelFunc
	done   chan struct{}
}

func (w *worker[T]) stop() {
	w.cancel()
	<-w.done
}

// NewWorkers returns Workers whose goroutines run run(ctx, item) until ctx
// ends.
func NewWorkers[T comparable](run func(ctx context.Context, item T)) *Workers[T] {
	return &Workers[T]{run: run, runs: map[uint32]*worker[T]{}}
}

// Reconcile makes the running workers match want.
func (ws *Workers[T]) Reconcile(want map[uint32]T) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return
	}
	for id, w := range ws.runs {
		if item, ok := want[id]; !ok || item != w.item {
			w.stop()
			delete(ws.runs, id)
		}
	}
	for id, item := range want {
		if _, ok := ws.runs[id]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		w := &worker[T]{item: item, cancel: cancel, done: make(chan struct{})}
		ws.runs[id] = w
		go func() {
			defer close(w.done)
			ws.run(ctx, item)
		}()
	}
}

// Stop stops one worker until the next Reconcile.
func (ws *Workers[T]) Stop(id uint32) {
	ws.mu.Lock()
	w := ws.runs[id]
	delete(ws.runs, id)
	ws.mu.Unlock()
	if w != nil {
		w.stop()
	}
}

// Close stops every worker and refuses to start more.
func (ws *Workers[T]) Close() {
	ws.mu.Lock()
	ws.closed = true
	runs := ws.runs
	ws.runs = map[uint32]*worker[T]{}
	ws.mu.Unlock()
	for _, w := range runs {
		w.stop()
	}
}
