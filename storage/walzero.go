package storage

import (
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Write-ahead log files are zero-filled ahead of the writer, as
// PostgreSQL zero-fills its WAL segments. A sync that also has to make a
// larger file size durable costs a journal commit on top of the data: on
// the development machine a 200-byte append plus fdatasync took 217 µs at
// the median, an overwrite of already written blocks 125 µs, and a
// single-row sync commit through Pebble 200 µs on a new log against 115 µs
// on a recycled one (BenchmarkSyncCommitWAL). Pebble recycles old logs,
// but only after two memtable flushes; every new log, and so every server
// start, paid the slower sync until then.
//
// A background goroutine per log file keeps walZeroAhead bytes beyond the
// writer written with zeros and synced. Pebble's log reader treats a
// zeroed tail as the end of the log, exactly as with its own recycled and
// preallocated files, so recovery is unchanged.
const (
	walZeroAhead = 8 << 20
	walZeroPiece = 64 << 10 // zeros written per lock hold: the writer waits at most this long
)

var walZeros = make([]byte, walZeroPiece) // never written to

// walFS wraps the filesystem Pebble uses, zero-filling its log files.
type walFS struct{ vfs.FS }

func isWAL(name string) bool { return strings.HasSuffix(name, ".log") }

func (fs walFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil || !isWAL(name) {
		return f, err
	}
	return &walFile{File: f}, nil
}

func (fs walFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil || !isWAL(newname) {
		return f, err
	}
	// A recycled log is already written up to its old size.
	w := &walFile{File: f}
	if fi, err := f.Stat(); err == nil {
		w.zeroed = fi.Size()
	}
	return w, nil
}

func (fs walFS) Unwrap() vfs.FS { return fs.FS }

// walFile is one log file with its zero-filler. The writer's writes and
// the filler's pieces are serialized by mu, and the filler only writes at
// or beyond the writer's offset, so zeros never overwrite log data.
type walFile struct {
	vfs.File

	mu      sync.Mutex
	off     int64 // end of what the writer wrote
	zeroed  int64 // end of the written region (log data or zeros)
	running bool  // a filler goroutine is running; done closes when it exits
	done    chan struct{}
	closed  bool
	failed  bool  // a zero write failed: stop filling (the log itself is unaffected)
	syncErr error // the filler's sync failed: every later sync of the log fails too
}

func (f *walFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	n, err := f.File.Write(p)
	f.wroteLocked(f.off + int64(n))
	f.mu.Unlock()
	return n, err
}

func (f *walFile) WriteAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	n, err := f.File.WriteAt(p, off)
	if end := off + int64(n); end > f.off {
		f.wroteLocked(end)
	}
	f.mu.Unlock()
	return n, err
}

// wroteLocked moves the writer's offset and starts the filler when the
// zeroed region ahead has shrunk to half its size.
func (f *walFile) wroteLocked(end int64) {
	f.off = end
	f.zeroed = max(f.zeroed, end)
	if f.running || f.closed || f.failed || f.zeroed-f.off >= walZeroAhead/2 {
		return
	}
	f.running = true
	f.done = make(chan struct{})
	go f.fill(f.done)
}

// fill writes zeros up to walZeroAhead beyond the writer, piece by piece,
// then syncs them (size included) so the writer's own syncs in that region
// are overwrites.
func (f *walFile) fill(done chan struct{}) {
	defer close(done)
	for {
		f.mu.Lock()
		target := f.off + walZeroAhead
		if f.closed || f.failed || f.zeroed >= target {
			f.mu.Unlock()
			break
		}
		at := f.zeroed
		n := min(int64(walZeroPiece), target-at)
		if _, err := f.File.WriteAt(walZeros[:n], at); err != nil {
			f.failed = true
			f.mu.Unlock()
			break
		}
		f.zeroed = at + n
		f.mu.Unlock()
	}
	f.mu.Lock()
	stop := f.closed
	f.mu.Unlock()
	var err error
	if !stop { // a closing log is synced by its writer; Close need not wait for this one
		err = f.File.SyncData()
	}
	f.mu.Lock()
	if err != nil {
		// The failed sync may have covered the writer's unsynced log data,
		// and the kernel reports such an error once: the log's own next
		// sync must not succeed in its place.
		f.failed = true
		f.syncErr = err
	}
	f.running = false
	f.mu.Unlock()
}

func (f *walFile) stickyErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.syncErr
}

func (f *walFile) Sync() error { return f.syncChecked(f.File.Sync) }

func (f *walFile) SyncData() error { return f.syncChecked(f.File.SyncData) }

// syncChecked runs sync unless the filler's sync already failed, and
// reports a filler failure that happened meanwhile.
func (f *walFile) syncChecked(sync func() error) error {
	if err := f.stickyErr(); err != nil {
		return err
	}
	if err := sync(); err != nil {
		return err
	}
	return f.stickyErr()
}

func (f *walFile) SyncTo(length int64) (bool, error) {
	if err := f.stickyErr(); err != nil {
		return false, err
	}
	full, err := f.File.SyncTo(length)
	if err != nil {
		return full, err
	}
	return full, f.stickyErr()
}

// Close stops the filler and closes the file.
func (f *walFile) Close() error {
	f.mu.Lock()
	f.closed = true
	done := f.done
	running := f.running
	f.mu.Unlock()
	if running {
		<-done
	}
	return f.File.Close()
}
