package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// wsRequest is one JSON-RPC style request on /ws.
type wsRequest struct {
	ID     any             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// wsMaxMessage bounds one incoming WebSocket message.
const wsMaxMessage = 16 << 20

// websocket is GET /ws: JSON-RPC over a WebSocket. Methods: ping,
// query {sql, params}, live {sql, since_lsn, params} (replays the
// committed matching changes after since_lsn, then continues live), cancel
// {subscription_id}. Live changes are pushed as {"method": "live",
// "params": {...}}; none is dropped for a client that reads slowly (its
// subscriptions catch up from the change log), but one that reads nothing
// for Config.WSWriteTimeout (10 s) while a message waits is disconnected. A subscription that ends
// on an error (it fell behind the log's retention) is pushed as {"method":
// "error", "params": {"subscription_id", "error": {"code", "message"},
// "last_lsn"}}; dropped LISTEN notifications as {"method": "error",
// "params": {"message", "dropped"}}.
//
// The socket has one session, like a pgwire connection: queries share
// its state (LISTEN, SET, BEGIN ... COMMIT across messages). While it is
// in a transaction block, LISTEN notifications wait for its end and then
// go out on the channels it listens to, as on pgwire; live changes never
// wait.
func (h *handler) websocket(w http.ResponseWriter, r *http.Request) {
	user, ae := h.authenticate(r)
	if ae != nil {
		writeError(w, ae)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered the client
	}
	c.SetReadLimit(wsMaxMessage)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-h.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	sess := h.backend.NewSession(user)
	defer sess.Close()

	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		timeout := h.cfg.WSWriteTimeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		wctx, wcancel := context.WithTimeout(ctx, timeout)
		defer wcancel()
		return c.Write(wctx, websocket.MessageText, b)
	}
	notes := &wsNotes{send: send, sess: sess}
	// Pusher: live notifications go out as they arrive.
	pushDone := make(chan struct{})
	go func() {
		defer close(pushDone)
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-sess.Notifications():
				if notes.push(n) != nil {
					cancel()
					return
				}
			}
		}
	}()
	defer func() {
		cancel()
		<-pushDone
		c.Close(websocket.StatusNormalClosure, "")
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if send(h.wsAnswer(ctx, sess, typ, data)) != nil {
			return
		}
		if notes.answered() != nil {
			return
		}
	}
}

// wsNotes sends one socket's notifications: at once, or, for LISTEN
// notifications while its session is in a transaction block, when the
// block ends (see session.NotificationHold). mu serializes the sends so
// that a drop report comes before anything after the drop, and held
// notifications before later ones.
type wsNotes struct {
	send func(any) error
	sess Session // TxStatus and BlockNotifications: only from the reading goroutine

	mu   sync.Mutex
	hold session.NotificationHold
}

// push sends n, or holds it while the session is in a transaction block
// (the pusher calls it).
func (w *wsNotes) push(n session.Notification) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hold.Hold(n) {
		return nil
	}
	return w.sendLocked(n)
}

// answered is called after each reply: once the session is out of a
// transaction block, the notifications held during it go out.
func (w *wsNotes) answered() error {
	inTx := w.sess.TxStatus() != session.TxIdle
	w.mu.Lock()
	defer w.mu.Unlock()
	release, ended := w.hold.SetTx(inTx, w.sess.BlockNotifications)
	if !ended {
		return nil
	}
	if err := w.reportDropsLocked(); err != nil {
		return err
	}
	for _, n := range release {
		if err := w.sendLocked(n); err != nil {
			return err
		}
	}
	return nil
}

// reportDropsLocked tells the client how many LISTEN notifications it
// lost (LIVE SELECT changes are never dropped) before anything after them.
func (w *wsNotes) reportDropsLocked() error {
	d := w.hold.NewDrops(w.sess.DroppedNotifications())
	if d == 0 {
		return nil
	}
	return w.send(map[string]any{"method": "error", "params": map[string]any{
		"message": fmt.Sprintf("subscriber fell behind; %d notifications were dropped", d),
		"dropped": d}})
}

func (w *wsNotes) sendLocked(n session.Notification) error {
	if err := w.reportDropsLocked(); err != nil {
		return err
	}
	var msg map[string]any
	switch {
	case n.Err != nil:
		// A live subscription ended: {"subscription_id", "error":
		// {"code", "message"}, "last_lsn"}.
		msg = map[string]any{"method": "error", "params": json.RawMessage(n.Payload)}
	case n.Sub != "":
		// The payload is the server's own JSON object.
		msg = map[string]any{"method": "live", "params": json.RawMessage(n.Payload)}
	default:
		msg = map[string]any{"method": "notification", "params": map[string]any{"channel": n.Channel, "payload": n.Payload}}
	}
	return w.send(msg)
}

// wsAnswer runs one incoming message and returns the reply: {"id",
// "result"} or {"id", "error": {"code", "message"}} (id null when the
// message was not a JSON request).
func (h *handler) wsAnswer(ctx context.Context, sess Session, typ websocket.MessageType, data []byte) map[string]any {
	fail := func(id any, code, msg string) map[string]any {
		return map[string]any{"id": id, "error": map[string]any{"code": code, "message": msg}}
	}
	if typ != websocket.MessageText {
		return fail(nil, errs.ProtocolViolation, "expected a text message")
	}
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return fail(nil, errs.InvalidTextRep, "invalid JSON: "+err.Error())
	}
	result, err := h.wsCall(ctx, sess, req)
	if err != nil {
		e := toAPIError(err)
		return fail(req.ID, e.err.Code, e.err.Message)
	}
	return map[string]any{"id": req.ID, "result": result}
}

func (h *handler) wsCall(ctx context.Context, sess Session, req wsRequest) (any, error) {
	switch req.Method {
	case "ping":
		return "pong", nil
	case "query":
		var p struct {
			SQL    string `json:"sql"`
			Params []any  `json:"params"`
		}
		if err := json.Unmarshal(req.Params, &p); err != nil || p.SQL == "" {
			return nil, errs.New(errs.InvalidParameterValue, "query needs params {sql, params?}")
		}
		var params []types.Value
		for _, v := range p.Params {
			params = append(params, types.FromJSON(v))
		}
		res, err := h.runOn(ctx, sess, queryRequest{SQL: p.SQL, Params: params})
		if err != nil {
			return nil, err
		}
		rows := make([][]any, len(res.Rows))
		for i, row := range res.Rows {
			rows[i] = rowJSON(row, res.Columns)
		}
		out := map[string]any{"columns": columnNames(res.Columns), "rows": rows, "rows_affected": res.RowsAffected, "tag": res.Tag}
		if len(res.Notices) > 0 {
			out["notices"] = noticesJSON(res.Notices)
		}
		return out, nil
	case "live":
		var p struct {
			SQL      string  `json:"sql"`
			SinceLSN *uint64 `json:"since_lsn"`
			Params   []any   `json:"params"`
		}
		if err := json.Unmarshal(req.Params, &p); err != nil || p.SQL == "" {
			return nil, errs.New(errs.InvalidParameterValue, "live needs params {sql, since_lsn?, params?}")
		}
		sql := strings.TrimSpace(p.SQL)
		if len(sql) > 5 && strings.EqualFold(sql[:5], "live ") {
			sql = sql[5:]
		}
		since := uint64(0)
		if p.SinceLSN != nil {
			since = *p.SinceLSN
		} else {
			since = h.backend.Stats().LastLSN
		}
		var params []types.Value
		if len(p.Params) > 0 {
			// Typed as the query's parameters, as for query.
			prep, err := sess.Prepare(sql, nil)
			if err != nil {
				return nil, err
			}
			for _, v := range p.Params {
				params = append(params, types.FromJSON(v))
			}
			if params, err = bindParams(prep.ParamTypes, params); err != nil {
				return nil, err
			}
		}
		id, err := sess.LiveFrom(sql, since, params)
		if err != nil {
			return nil, err
		}
		return map[string]any{"subscription_id": id}, nil
	case "cancel":
		var p struct {
			ID string `json:"subscription_id"`
		}
		if err := json.Unmarshal(req.Params, &p); err != nil || p.ID == "" {
			return nil, errs.New(errs.InvalidParameterValue, "cancel needs params {subscription_id}")
		}
		ps, err := sess.PrepareMulti("CANCEL LIVE SELECT '" + strings.ReplaceAll(p.ID, "'", "''") + "'")
		if err != nil {
			return nil, err
		}
		for _, pr := range ps {
			if _, err := sess.Execute(ctx, pr, nil); err != nil {
				return nil, err
			}
		}
		return map[string]any{"cancelled": p.ID}, nil
	}
	return nil, errs.Errorf(errs.UndefinedFunction, "unknown method %q (ping, query, live, cancel)", req.Method)
}
