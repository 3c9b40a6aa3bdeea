//go:build unix

package crash

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// How long the harness waits for things that should happen promptly. These
// are liveness bounds (a hung server fails the test instead of hanging it),
// not performance assertions.
const (
	startTimeout = 60 * time.Second
	exitTimeout  = 60 * time.Second
)

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// nodedbBinary builds ./cmd/nodedb once per test process (CGO_ENABLED=0)
// and returns the binary's path.
func nodedbBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "nodedb-crash-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		bin := filepath.Join(dir, "nodedb")
		cmd := exec.Command(goTool(), "build", "-o", bin, "./cmd/nodedb")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/nodedb: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// moduleRoot finds the directory holding go.mod: from this source file if
// the path is available, else from `go env GOMOD` in the test's directory.
func moduleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
			if parent := filepath.Dir(dir); parent == dir {
				break
			}
		}
	}
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("cannot find the module root (go env GOMOD is empty)")
	}
	return filepath.Dir(gomod), nil
}

// envInt reads a positive integer from the environment, or returns def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// testSeed returns CRASH_SEED if set, else a fresh seed, and logs it.
func testSeed(t *testing.T) int64 {
	t.Helper()
	seed := time.Now().UnixNano()
	if v := os.Getenv("CRASH_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("CRASH_SEED=%q: %v", v, err)
		}
		seed = s
	}
	t.Logf("seed %d (rerun with CRASH_SEED=%d)", seed, seed)
	return seed
}

// server is one nodedb subprocess incarnation after another on one data
// directory. All methods run on the test goroutine.
type server struct {
	t       *testing.T
	bin     string
	dataDir string
	logPath string

	starts  int
	logOff  int64 // where the current incarnation's log starts
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	addr    string // pgwire host:port of the current incarnation
	// extraArgs are appended to every launch's command line.
	extraArgs []string
}

func newServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{
		t:       t,
		bin:     nodedbBinary(t),
		dataDir: filepath.Join(dir, "data"),
		logPath: filepath.Join(dir, "server.log"),
	}
	t.Cleanup(func() {
		if s.running() {
			s.signal(syscall.SIGKILL)
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log (%s), last lines:\n%s", s.logPath, tailFile(s.logPath, 80))
		}
	})
	return s
}

func (s *server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

var startedRE = regexp.MustCompile(`msg="nodedb started".* pgwire=(\S+)`)

// start launches a new incarnation with OS-chosen ports and waits until it
// accepts pgwire connections. The listeners bind port 0 and the test reads
// the bound address from the "nodedb started" log line, so there is no
// window in which another process can take a pre-picked port.
func (s *server) start() {
	t := s.t
	t.Helper()
	s.launch("")
	s.waitReady()
}

// launch starts the process without waiting for it to be ready.
func (s *server) launch(note string) {
	t := s.t
	t.Helper()
	if s.running() {
		t.Fatal("start: server already running")
	}
	s.starts++
	f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "=== crash test: start #%d%s\n", s.starts, note)
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	s.logOff = st.Size()

	cmd := exec.Command(s.bin,
		"--data-dir", s.dataDir,
		"--host", "127.0.0.1",
		"--pgwire-port", "0",
		"--http-port", "0",
		"--durability", "sync",
		"--log-level", "info",
		"--log-format", "text",
	)
	cmd.Args = append(cmd.Args, s.extraArgs...)
	cmd.Env = childEnv()
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start nodedb: %v", err)
	}
	f.Close() // the child holds its own descriptor
	s.cmd = cmd
	s.exited = make(chan struct{})
	s.waitErr = nil
	s.addr = ""
	go func(exited chan struct{}) {
		s.waitErr = cmd.Wait()
		close(exited)
	}(s.exited)
}

// waitReady waits until the launched process logs its pgwire address and
// answers a query.
func (s *server) waitReady() {
	t := s.t
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for s.addr == "" {
		if m := startedRE.FindSubmatch(s.currentLog()); m != nil {
			s.addr = string(m[1])
			break
		}
		select {
		case <-s.exited:
			t.Fatalf("nodedb (start #%d) exited before it started listening: %v\n%s",
				s.starts, s.waitErr, s.currentLog())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodedb (start #%d) did not start listening within %v\n%s",
				s.starts, startTimeout, s.currentLog())
		}
	}
	// The log line is written after the listeners are bound; check that a
	// client can really connect and run a statement.
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := connect(ctx, s.addr)
		if err == nil {
			_, err = conn.Exec(ctx, "SELECT 1")
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || !s.running() {
			t.Fatalf("nodedb (start #%d) at %s does not accept pgwire connections: %v", s.starts, s.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// childEnv is the test's environment without NODEDB_* settings, so that a
// developer's configuration cannot change what the server does.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NODEDB_") {
			env = append(env, kv)
		}
	}
	return env
}

// signal sends sig to the server's whole process group.
func (s *server) signal(sig syscall.Signal) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		s.t.Errorf("kill -%d %d: %v", sig, s.cmd.Process.Pid, err)
	}
}

// kill9 SIGKILLs the server and waits for it to be gone.
func (s *server) kill9() {
	s.t.Helper()
	s.signal(syscall.SIGKILL)
	s.waitExit()
}

// stop sends SIGTERM and returns the process's exit code.
func (s *server) stop() int {
	s.t.Helper()
	s.signal(syscall.SIGTERM)
	s.waitExit()
	if s.waitErr == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(s.waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

func (s *server) waitExit() {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(exitTimeout):
		s.signal(syscall.SIGKILL)
		<-s.exited
		s.t.Fatalf("nodedb did not exit within %v of the signal; killed it", exitTimeout)
	}
}

// currentLog returns the current incarnation's output so far.
func (s *server) currentLog() []byte {
	b, err := os.ReadFile(s.logPath)
	if err != nil || int64(len(b)) < s.logOff {
		return nil
	}
	return b[s.logOff:]
}

// checkLog fails the test if the current incarnation's output shows a
// panic, a Go runtime fatal error or a race report, and logs (without
// failing) how many error-level lines it has.
func (s *server) checkLog(what string) {
	s.t.Helper()
	out := s.currentLog()
	for _, bad := range []string{"panic:", "fatal error:", "WARNING: DATA RACE"} {
		if i := bytes.Index(out, []byte(bad)); i >= 0 {
			end := min(len(out), i+4000)
			s.t.Errorf("%s: server output of start #%d contains %q:\n%s", what, s.starts, bad, out[i:end])
			return
		}
	}
	if n := bytes.Count(out, []byte("level=ERROR")); n > 0 {
		s.t.Logf("%s: server start #%d logged %d error-level lines (see the log tail on failure)", what, s.starts, n)
	}
}

func tailFile(path string, lines int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	defer f.Close()
	var ring []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		ring = append(ring, sc.Text())
		if len(ring) > lines {
			ring = ring[1:]
		}
	}
	return strings.Join(ring, "\n")
}

func connect(ctx context.Context, addr string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig("postgres://admin@" + addr + "/nodedb?sslmode=disable&connect_timeout=10")
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// mustConnect connects on the test goroutine, failing the test on error.
func mustConnect(t *testing.T, addr string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := connect(ctx, addr)
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	t.Cleanup(func() { closeConn(conn) })
	return conn
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// workload is what the kill loop drives: a schema, concurrent clients that
// record what they attempted and what was acknowledged, and a check run
// after every restart.
type workload interface {
	// setup creates the schema on the first incarnation.
	setup(t *testing.T, conn *pgx.Conn)
	// clients is how many load goroutines to run.
	clients() int
	// run is one client's load against one incarnation. It returns when
	// an operation fails (the error) or, between operations, when stop
	// reports true. Operations run under ctx, which is cancelled only if
	// the clients do not stop by themselves. It must record an operation
	// as attempted before sending it and as acknowledged only after the
	// server reported success.
	run(ctx context.Context, conn *pgx.Conn, client int, stop func() bool) error
	// verify checks the recovered state after a restart (cycle is 1-based,
	// what names the restart) and then resolves every operation whose
	// outcome was unknown to what the recovered state shows.
	verify(t *testing.T, conn *pgx.Conn, what string)
	// summary describes the totals for the log.
	summary() string
}

// load runs w's clients against addr until stopped.
type load struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopping atomic.Bool // set before the server is signalled or the load is stopped

	mu         sync.Mutex
	unexpected []string
}

func startLoad(w workload, addr string) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	for c := 0; c < w.clients(); c++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			conn, err := connect(ctx, addr)
			if err != nil {
				l.note(c, "connect", err)
				return
			}
			defer closeConn(conn)
			if err := w.run(ctx, conn, c, l.stopping.Load); err != nil {
				l.note(c, "load", err)
			}
		}()
	}
	return l
}

// note records a client failure; failures before the server was signalled
// are unexpected and fail the test in finish.
func (l *load) note(client int, what string, err error) {
	if l.stopping.Load() {
		return
	}
	l.mu.Lock()
	l.unexpected = append(l.unexpected, fmt.Sprintf("client %d: %s: %v", client, what, err))
	l.mu.Unlock()
}

// finish stops the clients and reports errors that happened while the
// server was supposed to be up. The clients stop between operations, so
// when the server is still up nothing is in flight afterwards; operations
// still running after a grace period (a hung server) are cancelled.
func (l *load) finish(t *testing.T) {
	t.Helper()
	l.stopping.Store(true)
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(exitTimeout):
		l.cancel()
		<-done
		t.Errorf("load clients did not stop within %v; cancelled their operations", exitTimeout)
	}
	l.cancel()
	for i, u := range l.unexpected {
		if i == 10 {
			t.Errorf("... and %d more unexpected client errors", len(l.unexpected)-10)
			break
		}
		t.Errorf("unexpected client error while the server was up: %s", u)
	}
}

// runKillLoop is the crash test proper: kills SIGKILL cycles with load,
// each followed by a restart and a full check, then a SIGTERM under load
// and a final idle SIGTERM, each checked for exit status 0 and intact data.
func runKillLoop(t *testing.T, w workload, kills int, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	srv := newServer(t)
	srv.start()
	func() {
		conn := mustConnect(t, srv.addr)
		w.setup(t, conn)
		closeConn(conn)
	}()

	began := time.Now()
	for cycle := 1; cycle <= kills; cycle++ {
		delay := time.Duration(50+rng.Intn(351)) * time.Millisecond
		l := startLoad(w, srv.addr)
		time.Sleep(delay)
		l.stopping.Store(true)
		srv.kill9()
		l.finish(t)

		if rng.Intn(4) == 0 {
			// Also crash the recovery itself: SIGKILL the next
			// incarnation while it is opening the store.
			early := time.Duration(rng.Intn(60)) * time.Millisecond
			srv.launch(fmt.Sprintf(" (to be killed after %v, during startup)", early))
			time.Sleep(early)
			srv.kill9()
			srv.checkLog(fmt.Sprintf("startup killed after %v in cycle %d", early, cycle))
			stage := "before it opened the store"
			if out := srv.currentLog(); bytes.Contains(out, []byte("nodedb started")) {
				stage = "after it started"
			} else if bytes.Contains(out, []byte("database opened")) {
				stage = "after it opened the store"
			}
			t.Logf("kill %d/%d: also killed the next start after %v, %s", cycle, kills, early, stage)
		}
		srv.start()
		srv.checkLog(fmt.Sprintf("restart after kill %d", cycle))
		what := fmt.Sprintf("after kill %d/%d (load ran %v)", cycle, kills, delay)
		conn := mustConnect(t, srv.addr)
		w.verify(t, conn, what)
		closeConn(conn)
		t.Logf("kill %d/%d after %v: %s", cycle, kills, delay, w.summary())
		if t.Failed() {
			t.FailNow()
		}
	}
	if kills > 0 {
		t.Logf("%d kill/restart cycles took %v", kills, time.Since(began).Round(time.Millisecond))
	}

	// Clean shutdown while clients are writing: acknowledged writes must
	// survive it and the process must exit 0.
	l := startLoad(w, srv.addr)
	time.Sleep(time.Duration(50+rng.Intn(151)) * time.Millisecond)
	l.stopping.Store(true)
	termAt := time.Now()
	if code := srv.stop(); code != 0 {
		t.Errorf("SIGTERM under load: nodedb exited with status %d, want 0 (%v)", code, srv.waitErr)
	}
	t.Logf("SIGTERM under load: exited in %v", time.Since(termAt).Round(time.Millisecond))
	srv.checkLog("SIGTERM under load")
	l.finish(t)
	srv.start()
	srv.checkLog("restart after SIGTERM")
	conn := mustConnect(t, srv.addr)
	w.verify(t, conn, "after SIGTERM under load")
	closeConn(conn)
	t.Logf("after SIGTERM under load: %s", w.summary())

	// An idle clean shutdown and one more check.
	termAt = time.Now()
	if code := srv.stop(); code != 0 {
		t.Errorf("idle SIGTERM: nodedb exited with status %d, want 0 (%v)", code, srv.waitErr)
	}
	t.Logf("idle SIGTERM: exited in %v", time.Since(termAt).Round(time.Millisecond))
	srv.checkLog("idle SIGTERM")
	srv.start()
	conn = mustConnect(t, srv.addr)
	w.verify(t, conn, "after idle SIGTERM")
	closeConn(conn)
	if code := srv.stop(); code != 0 {
		t.Errorf("final SIGTERM: nodedb exited with status %d, want 0 (%v)", code, srv.waitErr)
	}
}

// errorList collects verification failures and reports the first few, so
// that one lost commit does not print a million lines.
type errorList struct {
	t     *testing.T
	what  string
	n     int
	limit int
}

func (e *errorList) add(format string, args ...any) {
	e.t.Helper()
	e.n++
	if e.n <= e.limit {
		e.t.Errorf("%s: "+format, append([]any{e.what}, args...)...)
	}
}

func (e *errorList) done() {
	e.t.Helper()
	if e.n > e.limit {
		e.t.Errorf("%s: ... %d problems in all", e.what, e.n)
	}
}
