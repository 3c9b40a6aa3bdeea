package http

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/internal/metrics"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// superuser is the only user the HTTP API authenticates in password mode.
const superuser = "admin"

// streamFlushRows is how many NDJSON rows are written between flushes.
const streamFlushRows = 256

type handler struct {
	backend Backend
	cfg     Config
	log     *slog.Logger
	ready   func() bool
	// stop is closed when the server starts closing.
	stop <-chan struct{}
	// sseHeartbeat is how long an event stream waits for an event before
	// it sends a keepalive comment.
	sseHeartbeat time.Duration
}

func newMux(h *handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /query", h.query)
	mux.HandleFunc("POST /query/stream", h.queryStream)
	mux.HandleFunc("GET /health", h.health)
	mux.HandleFunc("GET /health/ready", h.health)
	mux.HandleFunc("GET /health/live", h.live)
	mux.Handle("GET /metrics", h.cfg.Metrics.Handler())
	mux.HandleFunc("GET /v1/streams/{stream}/poll", h.streamPoll)
	mux.HandleFunc("POST /v1/streams/{stream}/offsets", h.streamOffsets)
	mux.HandleFunc("GET /v1/streams/{stream}/events", h.streamEvents)
	// Topics are consumed with the same endpoints (a topic is read through
	// its change stream), and published to with POST .../publish.
	mux.HandleFunc("GET /v1/topics/{stream}/poll", h.streamPoll)
	mux.HandleFunc("POST /v1/topics/{stream}/offsets", h.streamOffsets)
	mux.HandleFunc("GET /v1/topics/{stream}/events", h.streamEvents)
	mux.HandleFunc("POST /v1/topics/{stream}/publish", h.topicPublish)
	mux.HandleFunc("GET /ws", h.websocket)
	return mux
}

// okResponse is the /query answer.
type okResponse struct {
	Status       string       `json:"status"`
	Columns      []string     `json:"columns"`
	Rows         [][]any      `json:"rows"`
	RowsAffected int64        `json:"rows_affected"`
	Tag          string       `json:"tag,omitempty"`
	Notices      []noticeJSON `json:"notices,omitempty"`
}

// noticeJSON is a notice or warning a statement raised (what psql prints
// as NOTICE: or WARNING:), e.g. that SHOW CHANGES returned fewer changes
// than the LIMIT asked for.
type noticeJSON struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func noticesJSON(ns []session.Notice) []noticeJSON {
	var out []noticeJSON
	for _, n := range ns {
		out = append(out, noticeJSON{Severity: n.Severity, Code: n.Code, Message: n.Message})
	}
	return out
}

// errorResponse is every error answer, and the error line of a stream.
type errorResponse struct {
	Error    string `json:"error"`
	Code     string `json:"code"`
	Position int    `json:"position,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Hint     string `json:"hint,omitempty"`
}

func errorBody(e *errs.Error) errorResponse {
	return errorResponse{Error: e.Message, Code: e.Code, Position: e.Position, Detail: e.Detail, Hint: e.Hint}
}

// bodyPool holds the buffers rendered answers are appended to: a poll of
// 1,000 events is a quarter of a megabyte, which a fresh buffer would grow
// to by copying, and clear, on every poll.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBody bounds the buffers kept for reuse.
const maxPooledBody = 4 << 20

// jsonAppender is a response that renders its own JSON (hot paths such as
// stream polls), skipping encoding/json.
type jsonAppender interface{ AppendJSON([]byte) []byte }

func writeJSON(w http.ResponseWriter, status int, v any) {
	if a, ok := v.(jsonAppender); ok {
		bp := bodyPool.Get().(*[]byte)
		b := append(a.AppendJSON((*bp)[:0]), '\n')
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
		if cap(b) <= maxPooledBody {
			*bp = b
			bodyPool.Put(bp)
		}
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorResponse{Error: "encode response: " + err.Error(), Code: errs.InternalError})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, ae *apiError) {
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="nodedb"`)
	}
	writeJSON(w, ae.status, errorBody(ae.err))
}

// authenticate returns the session user, or an error in password mode when
// the request does not carry the superuser's credentials.
func (h *handler) authenticate(r *http.Request) (string, *apiError) {
	user, pass, ok := r.BasicAuth()
	if h.cfg.Password == "" {
		if ok && user != "" {
			return user, nil
		}
		return superuser, nil
	}
	if !ok {
		return "", newAPIError(http.StatusUnauthorized, errs.InvalidAuthorization,
			"authentication required: use HTTP Basic authentication as admin")
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(superuser)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(h.cfg.Password)) == 1
	if !userOK || !passOK {
		return "", newAPIError(http.StatusUnauthorized, errs.InvalidPassword,
			"password authentication failed for user \""+user+"\"")
	}
	return user, nil
}

// prepareAndRun authenticates, decodes the request and runs it to the last
// statement's result.
func (h *handler) prepareAndRun(w http.ResponseWriter, r *http.Request) (*session.Result, *apiError) {
	user, ae := h.authenticate(r)
	if ae != nil {
		return nil, ae
	}
	req, ae := decodeQueryRequest(readLimited(w, r, h.cfg.MaxBodyBytes))
	if ae != nil {
		return nil, ae
	}
	res, err := h.run(r.Context(), user, req)
	if err != nil {
		return nil, toAPIError(err)
	}
	return res, nil
}

// run executes req in a fresh session.
func (h *handler) run(ctx context.Context, user string, req queryRequest) (*session.Result, error) {
	sess := h.backend.NewSession(user)
	defer sess.Close()
	return h.runOn(ctx, sess, req)
}

// runOn runs a request's statements on sess and returns the last result,
// with the notices of all of them.
func (h *handler) runOn(ctx context.Context, sess Session, req queryRequest) (*session.Result, error) {
	if req.Params == nil {
		ps, err := sess.PrepareMulti(req.SQL)
		if err != nil {
			return nil, err
		}
		if len(ps) > 1 {
			// Several statements run as one implicit transaction, as in a
			// pgwire query string.
			sess.BeginImplicit()
		}
		res := &session.Result{}
		var notices []session.Notice
		for _, p := range ps {
			if res, err = h.exec(ctx, sess, p, nil); err != nil {
				_ = sess.EndImplicit() // rolled back already
				return nil, err
			}
			notices = append(notices, res.Notices...)
		}
		if err := sess.EndImplicit(); err != nil {
			return nil, err
		}
		res.Notices = notices
		return res, nil
	}
	p, err := sess.Prepare(req.SQL, nil)
	if err != nil {
		return nil, err
	}
	params, err := bindParams(p.ParamTypes, req.Params)
	if err != nil {
		return nil, err
	}
	return h.exec(ctx, sess, p, params)
}

func (h *handler) exec(ctx context.Context, sess Session, p *session.Prepared, params []types.Value) (*session.Result, error) {
	res, err := sess.Execute(ctx, p, params)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return &session.Result{}, nil
	}
	if res.Copy != nil {
		res.Copy.Abort()
		return nil, errs.New(errs.FeatureNotSupported, "COPY FROM STDIN is not supported over HTTP; use INSERT or pgwire")
	}
	return res, nil
}

func columnNames(cols []session.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

func rowJSON(row types.Row, cols []session.Column) []any {
	out := make([]any, len(row))
	for i, v := range row {
		t := types.Unknown
		if i < len(cols) {
			t = cols[i].Type
		}
		out[i] = types.JSONTyped(v, t)
	}
	return out
}

func (h *handler) observe(start time.Time, failed bool) {
	var err error
	if failed {
		err = errQueryFailed
	}
	h.cfg.Metrics.ObserveQuery(metrics.ProtocolHTTP, time.Since(start), err)
}

var errQueryFailed = errs.New(errs.InternalError, "query failed")

func (h *handler) logError(r *http.Request, ae *apiError) {
	level := slog.LevelDebug
	if ae.status >= 500 {
		level = slog.LevelWarn
	}
	h.log.Log(r.Context(), level, "http query failed", "path", r.URL.Path,
		"status", ae.status, "code", ae.err.Code, "error", ae.err.Message)
}

func (h *handler) query(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res, ae := h.prepareAndRun(w, r)
	if ae != nil {
		h.observe(start, true)
		h.logError(r, ae)
		writeError(w, ae)
		return
	}
	out := okResponse{
		Status:       "ok",
		Columns:      columnNames(res.Columns),
		Rows:         make([][]any, len(res.Rows)),
		RowsAffected: res.RowsAffected,
		Tag:          res.Tag,
		Notices:      noticesJSON(res.Notices),
	}
	for i, row := range res.Rows {
		out.Rows[i] = rowJSON(row, res.Columns)
	}
	h.observe(start, false)
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) queryStream(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res, ae := h.prepareAndRun(w, r)
	if ae != nil {
		h.observe(start, true)
		h.logError(r, ae)
		w.Header().Set("Content-Type", "application/x-ndjson")
		if ae.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="nodedb"`)
		}
		w.WriteHeader(ae.status)
		b, _ := json.Marshal(errorBody(ae.err))
		_, _ = w.Write(append(b, '\n'))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	failed, gone := false, false
	emit := func(v any) bool {
		mark := buf.Len()
		if err := enc.Encode(v); err != nil {
			buf.Truncate(mark)
			_ = enc.Encode(errorResponse{Error: "encode row: " + err.Error(), Code: errs.InternalError})
			failed = true
			return false
		}
		return true
	}
	flush := func() bool {
		if _, err := w.Write(buf.Bytes()); err != nil {
			failed, gone = true, true // the client went away
			return false
		}
		buf.Reset()
		_ = rc.Flush()
		return true
	}
	ok := emit(struct {
		Columns []string `json:"columns"`
	}{columnNames(res.Columns)})
	for i := 0; ok && i < len(res.Rows); i++ {
		ok = emit(rowJSON(res.Rows[i], res.Columns))
		if ok && (i+1)%streamFlushRows == 0 {
			ok = flush()
		}
	}
	if ok {
		emit(struct {
			Status       string       `json:"status"`
			RowsAffected int64        `json:"rows_affected"`
			Tag          string       `json:"tag,omitempty"`
			Notices      []noticeJSON `json:"notices,omitempty"`
		}{"ok", res.RowsAffected, res.Tag, noticesJSON(res.Notices)})
	}
	if !gone {
		flush()
	}
	h.observe(start, failed)
}

type healthResponse struct {
	Status  string `json:"status"`
	LastLSN uint64 `json:"last_lsn"`
}

func (h *handler) health(w http.ResponseWriter, r *http.Request) {
	if !h.ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, healthResponse{Status: "ok", LastLSN: h.backend.Stats().LastLSN})
}

func (h *handler) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
