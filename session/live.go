package session

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// liveSub is one LIVE SELECT: a goroutine owned by the session that reads
// the durable change log after the subscription's start, keeps the changes
// whose old or new row matches the predicate, and pushes the projection to
// the session's mailbox as notifications on the subscription's channel.
type liveSub struct {
	id      string
	channel string
	coll    *catalog.Collection
	pred    plan.Expr // over the collection's scan row; nil matches all
	proj    []plan.Expr
	cols    []plan.Column
	cancel  context.CancelFunc
	done    chan struct{}
}

type liveState struct {
	mu   sync.Mutex
	subs map[string]*liveSub
	next int
}

func (s *Session) liveSelect(ctx context.Context, st *ast.LiveSelect) (*Result, error) {
	return s.liveSelectFrom(st, s.mgr.db.txm.LastLSN())
}

// LiveFrom starts a LIVE SELECT (sql is the SELECT) that first replays the
// committed matching changes after since, then continues live, with no gap
// and no duplicate (both come from the same ordered change log). It
// returns the subscription id; notifications arrive on Notifications().
func (s *Session) LiveFrom(sql string, since uint64) (string, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return "", err
	}
	q, ok := stmts[0].AST.(*ast.Select)
	if len(stmts) != 1 || !ok {
		return "", errs.New(errs.SyntaxError, "live needs exactly one SELECT")
	}
	res, err := s.liveSelectFrom(&ast.LiveSelect{Query: q}, since)
	if err != nil {
		return "", err
	}
	return res.Rows[0][0].(string), nil
}

func (s *Session) liveSelectFrom(st *ast.LiveSelect, start uint64) (*Result, error) {
	db := s.mgr.db
	b := &plan.Builder{Cat: db.cat}
	node, err := b.BuildSelect(st.Query)
	if err != nil {
		return nil, err
	}
	if len(b.Params) > 0 {
		return nil, errs.New(errs.FeatureNotSupported, "LIVE SELECT cannot take parameters")
	}
	proj, ok := node.(*plan.Project)
	var scan *plan.Scan
	if ok {
		scan, ok = proj.Input.(*plan.Scan)
	}
	if !ok {
		return nil, errs.New(errs.FeatureNotSupported,
			"LIVE SELECT supports a projection of one collection with an optional WHERE (no joins, grouping, ordering or limits)")
	}
	if plan.HasSubquery(node) {
		return nil, errs.New(errs.FeatureNotSupported, "LIVE SELECT does not support subqueries yet")
	}
	s.live.mu.Lock()
	if s.live.subs == nil {
		s.live.subs = map[string]*liveSub{}
	}
	s.live.next++
	id := fmt.Sprintf("live_%d_%d", s.id, s.live.next)
	s.live.mu.Unlock()
	subCtx, cancel := context.WithCancel(context.Background())
	sub := &liveSub{id: id, channel: id, coll: scan.Coll, pred: scan.Filter, proj: proj.Exprs, cols: proj.Cols,
		cancel: cancel, done: make(chan struct{})}
	s.live.mu.Lock()
	s.live.subs[id] = sub
	s.live.mu.Unlock()
	go s.runLive(subCtx, sub, start)
	col := func(n string) Column { return Column{Name: n, Type: types.Text, TypeMod: -1} }
	return &Result{
		Columns: []Column{col("subscription_id"), col("channel"), col("collection"), col("status")},
		Rows:    []types.Row{{id, id, scan.Coll.Name, "active"}},
		Tag:     "SELECT 1",
	}, nil
}

func (s *Session) cancelLive(st *ast.CancelLive) (*Result, error) {
	s.live.mu.Lock()
	sub, ok := s.live.subs[st.ID]
	delete(s.live.subs, st.ID)
	s.live.mu.Unlock()
	if !ok {
		return nil, errs.Errorf(errs.UndefinedObject, "live subscription %q does not exist in this session", st.ID)
	}
	sub.cancel()
	<-sub.done
	return &Result{Tag: "CANCEL LIVE SELECT"}, nil
}

// stopLive ends every subscription of the session (at Close).
func (s *Session) stopLive() {
	s.live.mu.Lock()
	subs := s.live.subs
	s.live.subs = nil
	s.live.mu.Unlock()
	for _, sub := range subs {
		sub.cancel()
		<-sub.done
	}
}

// livePayload is the JSON a LIVE SELECT subscriber receives.
type livePayload struct {
	SubscriptionID string         `json:"subscription_id"`
	Op             string         `json:"op"`
	Transition     string         `json:"transition,omitempty"` // UPDATE: entered, changed or left
	RowID          string         `json:"row_id"`
	LSN            uint64         `json:"lsn"`
	Row            map[string]any `json:"row"`
}

func (s *Session) runLive(ctx context.Context, sub *liveSub, from uint64) {
	defer close(sub.done)
	db := s.mgr.db
	defer func() {
		// A subscription must never take the server down.
		if r := recover(); r != nil {
			db.log.Error("live select failed; subscription stopped", "subscription", sub.id, "panic", r)
		}
	}()
	view := &catalog.Stream{Name: sub.id, CollectionID: sub.coll.ID, Include: []string{"INSERT", "UPDATE", "DELETE"}}
	env := &exec.Env{Ctx: ctx, IDs: db.ids, Fn: &funcs.Context{User: s.user, Database: s.database}}
	for {
		if !db.notify.Wait(ctx, from) {
			return
		}
		view.StartLSN = from
		tx := db.txm.Begin()
		evs, err := event.Read(tx, db.cat, nil, view, event.Offsets{}, event.ReadOptions{Partition: -1, Limit: 1000})
		head := tx.SnapshotLSN()
		if werr := tx.WaitVisibleDurable(ctx); werr != nil {
			tx.Rollback()
			return
		}
		tx.Rollback()
		if err != nil {
			db.log.Warn("live select stopped", "subscription", sub.id, "err", err)
			return
		}
		env.Fn.Now = time.Now().UTC()
		for _, e := range evs {
			if p, ok := s.liveMatch(env, sub, e); ok {
				buf, err := json.Marshal(p)
				if err == nil {
					db.hub.Deliver(s.listener, event.Notification{Channel: sub.channel, Payload: string(buf), PID: s.id})
				}
			}
			from = e.LSN
		}
		if len(evs) == 0 {
			from = max(from, head)
		}
	}
}

// liveMatch decides whether an event concerns the subscription and builds
// its payload.
func (s *Session) liveMatch(env *exec.Env, sub *liveSub, e event.Event) (livePayload, bool) {
	row := func(m map[string]any) types.Row {
		if m == nil {
			return nil
		}
		if sub.coll.Kind != catalog.Strict {
			return types.Row{m}
		}
		r := make(types.Row, len(sub.coll.Columns))
		for i, c := range sub.coll.Columns {
			r[i] = m[c.Name]
		}
		return r
	}
	matches := func(r types.Row) bool {
		if r == nil {
			return false
		}
		ok, err := env.Truthy(sub.pred, r)
		return err == nil && ok
	}
	oldRow, newRow := row(e.Old), row(e.New)
	oldIn, newIn := matches(oldRow), matches(newRow)
	p := livePayload{SubscriptionID: sub.id, Op: e.Op, RowID: e.RowID, LSN: e.LSN}
	var out types.Row
	switch {
	case e.Op == "INSERT" && newIn:
		out = newRow
	case e.Op == "DELETE" && oldIn:
		out = oldRow
	case e.Op == "UPDATE" && newIn && oldIn:
		p.Transition, out = "changed", newRow
	case e.Op == "UPDATE" && newIn:
		p.Transition, out = "entered", newRow
	case e.Op == "UPDATE" && oldIn:
		p.Transition, out = "left", oldRow
	default:
		return p, false
	}
	p.Row = make(map[string]any, len(sub.proj))
	for i, x := range sub.proj {
		v, err := env.Eval(x, out)
		if err != nil {
			v = nil
		}
		p.Row[sub.cols[i].Name] = types.ToJSON(v)
	}
	return p, true
}
