package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
)

const (
	// maxPollWait caps wait_ms on GET /v1/streams/{s}/poll.
	maxPollWait = 60 * time.Second
	// maxPollLimit is the largest batch a poll returns (plan.MaxStreamRead);
	// larger limits are capped to it.
	maxPollLimit = 10000
	// maxPartition is the highest partition id (storage.NumVShards - 1).
	maxPartition = 1023
	// defaultSSEHeartbeat is how long an event stream waits for an event
	// before it sends a keepalive comment.
	defaultSSEHeartbeat = 15 * time.Second
	// sseBatch is how many events an event stream reads per poll.
	sseBatch = 100
)

// sseHeartbeatInterval is the heartbeat of new servers (tests shorten it).
var sseHeartbeatInterval = defaultSSEHeartbeat

// streamParams are the query parameters the stream endpoints share.
type streamParams struct {
	stream    string
	group     string
	partition int    // -1: every partition
	consumer  string // a named member of the group, or ""
	limit     int
	wait      time.Duration
	afterLSN  uint64 // poll: skip events at or below it
}

func badParam(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, errs.InvalidParameterValue, fmt.Sprintf(format, args...))
}

// parseStreamParams reads stream, group, partition, consumer and, when
// poll is set, limit, wait_ms and after_lsn.
func parseStreamParams(r *http.Request, poll bool) (streamParams, *apiError) {
	q := r.URL.Query()
	p := streamParams{stream: r.PathValue("stream"), group: q.Get("group"), partition: -1}
	if p.stream == "" {
		return p, badParam("missing stream name in the path")
	}
	if p.group == "" {
		return p, badParam(`missing required query parameter "group" (the consumer group)`)
	}
	if s := q.Get("partition"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxPartition {
			return p, badParam(`query parameter "partition" must be an integer from 0 to %d, not %q`, maxPartition, s)
		}
		p.partition = n
	}
	if poll {
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return p, badParam(`query parameter "limit" must be a positive integer, not %q`, s)
			}
			p.limit = min(n, maxPollLimit)
		}
		if s := q.Get("wait_ms"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return p, badParam(`query parameter "wait_ms" must be a non-negative integer, not %q`, s)
			}
			p.wait = time.Duration(min(n, maxPollWait.Milliseconds())) * time.Millisecond
		}
		if s := q.Get("after_lsn"); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return p, badParam(`query parameter "after_lsn" must be a non-negative integer, not %q`, s)
			}
			p.afterLSN = n
		}
	}
	if q.Has("consumer") {
		if p.consumer = q.Get("consumer"); p.consumer == "" {
			return p, badParam(`query parameter "consumer" must name a group member, not be empty`)
		}
	}
	return p, nil
}

// stopContext returns a context that ends with ctx or when the server
// starts closing.
func (h *handler) stopContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-h.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (h *handler) stopping() bool {
	select {
	case <-h.stop:
		return true
	default:
		return false
	}
}

// streamRequest authenticates a /v1/streams request and parses its
// parameters (poll: the long-poll ones too).
func (h *handler) streamRequest(r *http.Request, poll bool) (streamParams, *apiError) {
	if _, ae := h.authenticate(r); ae != nil {
		return streamParams{}, ae
	}
	return parseStreamParams(r, poll)
}

func (h *handler) failStream(w http.ResponseWriter, r *http.Request, start time.Time, ae *apiError) {
	h.observe(start, true)
	h.logError(r, ae)
	writeError(w, ae)
}

// streamPoll is GET /v1/streams/{stream}/poll: a (long) poll for a group.
func (h *handler) streamPoll(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p, ae := h.streamRequest(r, true)
	if ae != nil {
		h.failStream(w, r, start, ae)
		return
	}
	opts := session.PollOptions{Partition: p.partition, Limit: p.limit, Wait: p.wait, Consumer: p.consumer, AfterLSN: p.afterLSN}
	ctx, cancel := h.stopContext(r.Context())
	res, err := h.backend.PollStream(ctx, p.stream, p.group, opts)
	cancel()
	if err != nil && errs.Is(err, errs.QueryCanceled) && h.stopping() && r.Context().Err() == nil {
		// The server is closing: end the long poll now with what there is.
		opts.Wait = 0
		res, err = h.backend.PollStream(r.Context(), p.stream, p.group, opts)
	}
	if err != nil {
		h.failStream(w, r, start, toAPIError(err))
		return
	}
	h.observe(start, false)
	writeJSON(w, http.StatusOK, res)
}

// offsetsRequest is the POST /v1/streams/{stream}/offsets body.
type offsetsRequest struct {
	PartitionOffsets map[string]uint64 `json:"partition_offsets"`
}

func decodeOffsetsRequest(body io.Reader) (map[int]uint64, *apiError) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, decodeError(err)
	}
	if out, ok := parseOffsetsFast(b); ok {
		return out, nil
	}
	return decodeOffsetsJSON(b)
}

// decodeOffsetsJSON decodes a commit body with encoding/json, wording
// what is wrong with it.
func decodeOffsetsJSON(b []byte) (map[int]uint64, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var req offsetsRequest
	shape := `request body must be a JSON object {"partition_offsets": {"<partition>": <lsn>, ...}}`
	if err := dec.Decode(&req); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, newAPIError(http.StatusBadRequest, errs.ProtocolViolation,
				shape+" with non-negative integer offsets")
		}
		ae := decodeError(err)
		if ae.err.Code == errs.ProtocolViolation {
			ae = newAPIError(http.StatusBadRequest, errs.ProtocolViolation, shape+": "+err.Error())
		}
		return nil, ae
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, newAPIError(http.StatusBadRequest, errs.InvalidTextRep,
			"invalid JSON in request body: trailing data after the request object")
	}
	if req.PartitionOffsets == nil {
		return nil, newAPIError(http.StatusBadRequest, errs.ProtocolViolation, shape)
	}
	out := make(map[int]uint64, len(req.PartitionOffsets))
	for k, lsn := range req.PartitionOffsets {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 || n > maxPartition || strconv.Itoa(n) != k {
			return nil, badParam("partition %q must be an integer from 0 to %d", k, maxPartition)
		}
		out[n] = lsn
	}
	return out, nil
}

// streamOffsets is POST /v1/streams/{stream}/offsets: commit a group's
// per-partition positions (forward only).
func (h *handler) streamOffsets(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p, ae := h.streamRequest(r, false)
	if ae != nil {
		h.failStream(w, r, start, ae)
		return
	}
	offsets, ae := decodeOffsetsRequest(readLimited(w, r, h.cfg.MaxBodyBytes))
	if ae != nil {
		h.failStream(w, r, start, ae)
		return
	}
	if err := h.backend.CommitStreamOffsets(p.stream, p.group, offsets); err != nil {
		h.failStream(w, r, start, toAPIError(err))
		return
	}
	h.observe(start, false)
	writeJSON(w, http.StatusOK, offsetsAck(offsets))
}

// offsetsAck is the answer to an offset commit, {"status": "ok",
// "partition_offsets": {...}} in partition order, rendered without
// reflection (a consumer commits up to 1,024 of them after every poll).
type offsetsAck map[int]uint64

func (a offsetsAck) AppendJSON(b []byte) []byte {
	b = append(b, `{"status":"ok","partition_offsets":`...)
	return append(session.AppendPartitionOffsets(b, a), '}')
}

// parseOffsetsFast reads the common well-formed commit body,
// {"partition_offsets": {"<partition>": <lsn>, ...}} with partitions in
// range and written without leading zeros, without reflection. Anything
// else (ok false) goes to the full decoder, which also words the errors.
func parseOffsetsFast(b []byte) (map[int]uint64, bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	lit := func(s string) bool {
		ws()
		if !bytes.HasPrefix(b[i:], []byte(s)) {
			return false
		}
		i += len(s)
		return true
	}
	digits := func() (uint64, bool) {
		start := i
		var n uint64
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			d := uint64(b[i] - '0')
			if n > (math.MaxUint64-d)/10 {
				return 0, false
			}
			n = n*10 + d
			i++
		}
		if i == start || (b[start] == '0' && i-start > 1) {
			return 0, false
		}
		return n, true
	}
	if !lit("{") || !lit(`"partition_offsets"`) || !lit(":") || !lit("{") {
		return nil, false
	}
	out := make(map[int]uint64, bytes.Count(b, []byte{':'})) // one per entry, plus one
	if !lit("}") {
		for {
			if !lit(`"`) {
				return nil, false
			}
			p, ok := digits()
			if !ok || p > maxPartition || i >= len(b) || b[i] != '"' {
				return nil, false
			}
			i++
			if !lit(":") {
				return nil, false
			}
			ws()
			lsn, ok := digits()
			if !ok {
				return nil, false
			}
			out[int(p)] = lsn
			if lit("}") {
				break
			}
			if !lit(",") {
				return nil, false
			}
		}
	}
	if !lit("}") {
		return nil, false
	}
	ws()
	return out, i == len(b)
}

// parseLastEventID reads an SSE id "<partition>:<lsn>" and returns the lsn.
func parseLastEventID(s string) (uint64, *apiError) {
	part, lsn, ok := strings.Cut(strings.TrimSpace(s), ":")
	if ok {
		if n, err := strconv.Atoi(part); err == nil && n >= 0 && n <= maxPartition {
			if l, err := strconv.ParseUint(lsn, 10, 64); err == nil {
				return l, nil
			}
		}
	}
	return 0, badParam(`Last-Event-ID must be "<partition>:<lsn>" as sent in an event id, not %q`, s)
}

// streamEvents is GET /v1/streams/{stream}/events: the group's events as
// Server-Sent Events, from a per-connection cursor. It never commits.
func (h *handler) streamEvents(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p, ae := h.streamRequest(r, false)
	if ae != nil {
		h.failStream(w, r, start, ae)
		return
	}
	var cursor uint64 // the last LSN sent on this connection
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		if cursor, ae = parseLastEventID(id); ae != nil {
			h.failStream(w, r, start, ae)
			return
		}
	}
	ctx, cancel := h.stopContext(r.Context())
	defer cancel()
	opts := session.PollOptions{Partition: p.partition, Limit: sseBatch, AfterLSN: cursor, Consumer: p.consumer}
	// The first read has no wait, so an unknown stream or group is still a
	// plain JSON error.
	res, err := h.backend.PollStream(ctx, p.stream, p.group, opts)
	if err != nil {
		h.failStream(w, r, start, toAPIError(err))
		return
	}
	h.observe(start, false)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var buf bytes.Buffer
	send := func() bool {
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false // the client went away
		}
		buf.Reset()
		return rc.Flush() == nil
	}
	if !send() { // the headers, so the client sees the stream open
		return
	}
	opts.Wait = h.sseHeartbeat
	for first := true; ; first = false {
		if len(res.Events) == 0 && !first {
			buf.WriteString(": keepalive\n\n")
		}
		for _, ev := range res.Events {
			data, err := json.Marshal(ev)
			if err != nil {
				writeSSEError(&buf, errs.New(errs.InternalError, "encode event: "+err.Error()))
				send()
				return
			}
			fmt.Fprintf(&buf, "event: change\nid: %d:%d\ndata: %s\n\n", ev.Partition, ev.LSN, data)
			opts.AfterLSN = max(opts.AfterLSN, ev.LSN)
		}
		if !send() {
			return
		}
		res, err = h.backend.PollStream(ctx, p.stream, p.group, opts)
		if err != nil {
			if ctx.Err() == nil {
				// The stream or group was dropped, or the read failed.
				e, ok := errs.As(err)
				if !ok {
					e = errs.New(errs.InternalError, err.Error())
				}
				writeSSEError(&buf, e)
				send()
			}
			return // the client went away or the server is closing
		}
	}
}

// writeSSEError appends an "event: error" with the usual error object.
func writeSSEError(buf *bytes.Buffer, e *errs.Error) {
	data, _ := json.Marshal(errorBody(e))
	fmt.Fprintf(buf, "event: error\ndata: %s\n\n", data)
}
