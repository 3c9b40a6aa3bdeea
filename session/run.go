package session

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/columnar"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/pgcatalog"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/txn"
)

// Session is one client connection's state.
type Session struct {
	mgr       *Manager
	id        uint32
	secret    uint32
	user      string
	database  string
	closeOnce sync.Once
	cancelMu  sync.Mutex
	cancel    context.CancelFunc

	vars map[string]string

	// Transaction block state (owned by the connection goroutine).
	tx       *txn.Txn
	explicit bool
	failed   bool
	fields   []exec.ObservedFields // observed schemaless fields to publish at commit

	// Implicit transaction (statements of one simple-query string, or the
	// extended-protocol messages up to Sync): one transaction, committed by
	// EndImplicit, rolled back on the first error.
	implicit       bool
	implicitFailed bool

	// held are the collection locks (shared) this session's open
	// transaction holds because it wrote those collections.
	held map[uint32]*sync.RWMutex

	fn   *funcs.Context // reused by every statement (see funcContext)
	fnTx *txn.Txn

	listener      *event.Listener      // LISTEN mailbox
	pendingNotify []event.Notification // NOTIFYs of the open transaction block
	pendingListen []listenOp           // LISTENs and UNLISTENs of the open transaction block
	block         blockNotify          // the open or last explicit block, for BlockNotifications
	stmtCtx       context.Context      // the running statement's context (advisory lock waits)
	xactAdvisory  bool                 // a transaction-level advisory lock was taken since the last release
	seqVals       map[uint32]int64     // currval: the last value this session took from each sequence
	lastSeq       int64                // lastval (hasLastSeq: taken)
	hasLastSeq    bool
	channels      map[string]uint64 // the channels a committed LISTEN joined, by when
	listenSeq     uint64            // the last channels value

	live liveState // LIVE SELECT subscriptions

	syncOwn bool           // see SyncOwnNotifications
	own     []Notification // notifications to itself, for TakeOwnNotifications

	trigDepth int            // >0: this session runs a SYNC trigger body at that depth
	deferred  []deferredFire // DEFERRED triggers of the open transaction
	// sqlStmts are the statements SQL PREPARE named; proto reaches the
	// protocol's (prepare.go).
	sqlStmts map[string]*Prepared
	proto    ProtocolStatements
	// fkDeferred holds the open block's deferred foreign-key checks (nil
	// outside a block: a statement's run when it ends).
	fkDeferred *exec.DeferredFK
	marks      []mark // SAVEPOINTs of the open transaction block

	// delivered is what this session's stream reads returned; its COMMIT
	// OFFSETS commits exactly that (so group members never commit each
	// other's reads).
	delivered event.Delivered

	cursors map[string]*cursor // DECLAREd cursors (cursor.go)

	// temp is the session's temporary namespace and its tables' ON
	// COMMIT actions (nil until it makes a temporary table); scope is
	// how it names collections (temp.go).
	temp  *tempState
	scope *catalog.Scope
}

// lockForWrite takes the shared write lock of a collection for the rest of
// the transaction.
func (s *Session) lockForWrite(id uint32) {
	if _, ok := s.held[id]; ok {
		return
	}
	l := s.mgr.db.cat.CollectionLock(id)
	l.RLock()
	if s.held == nil {
		s.held = make(map[uint32]*sync.RWMutex)
	}
	s.held[id] = l
}

// releaseLocks drops every collection lock at the end of a transaction.
func (s *Session) releaseLocks() {
	for id, l := range s.held {
		l.RUnlock()
		delete(s.held, id)
	}
}

// writeTargets lists the collections a planned statement writes: its
// target, those of its data-modifying WITH queries, and the tables
// foreign-key actions may write (those referencing them, and those
// referencing those).
func writeTargets(cat *catalog.Catalog, n plan.Node) []*catalog.Collection {
	out := plan.WriteTargets(n)
	seen := map[uint32]bool{}
	for _, c := range out {
		seen[c.ID] = true
	}
	for i := 0; i < len(out); i++ {
		for _, ref := range cat.ReferencedBy(out[i].ID) {
			if !seen[ref.Child.ID] {
				seen[ref.Child.ID] = true
				out = append(out, ref.Child)
			}
		}
	}
	return out
}

// prepared is the planned form of a statement.
type prepared struct {
	ast        ast.Statement
	node       plan.Node // nil for statements without a plan
	catVersion uint64
	// colGen: the column cache's generation when planned (0: planned
	// without it); a plan is made again when it moves, since its costs
	// assumed which collections have a column copy.
	colGen     uint64
	planned    bool
	usesSystem bool // reads pg_catalog / information_schema
	instead    bool // a write on a view with INSTEAD OF triggers for it
}

func newSession(m *Manager, id uint32, user, database string) *Session {
	var b [4]byte
	_, _ = randRead(b[:])
	secret := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	return &Session{mgr: m, id: id, secret: secret, user: user, database: database, vars: defaultVars(),
		listener: event.NewListener(id, mailboxSize), channels: map[string]uint64{}}
}

func defaultVars() map[string]string {
	return map[string]string{
		"server_version":                "15.0 (NodeDB-Go)",
		"server_version_num":            "150000",
		"server_encoding":               "UTF8",
		"client_encoding":               "UTF8",
		"datestyle":                     "ISO, MDY",
		"timezone":                      "UTC",
		"intervalstyle":                 "postgres",
		"integer_datetimes":             "on",
		"standard_conforming_strings":   "on",
		"application_name":              "",
		"search_path":                   `"$user", public`,
		"transaction_isolation":         "snapshot",
		"default_transaction_isolation": "snapshot",
		"extra_float_digits":            "1",
		"statement_timeout":             "0",
		// Workers besides the leader for a parallel aggregate (exec.Env.Workers).
		"max_parallel_workers_per_gather": "2",
		"max_identifier_length":           "63",
		// Whether full scans may read column copies (exec.Env.Columns).
		"enable_column_cache": "on",
	}
}

// reported are the variables pg reports in ParameterStatus.
var reported = map[string]string{
	"server_version": "server_version", "server_encoding": "server_encoding", "client_encoding": "client_encoding",
	"datestyle": "DateStyle", "timezone": "TimeZone", "intervalstyle": "IntervalStyle",
	"integer_datetimes": "integer_datetimes", "standard_conforming_strings": "standard_conforming_strings",
	"application_name": "application_name",
}

// ParamStatus returns the server parameters reported at startup and after SET.
func (s *Session) ParamStatus() map[string]string {
	out := make(map[string]string, len(reported))
	for k, name := range reported {
		out[name] = s.vars[k]
	}
	return out
}

// TxStatus reports the transaction state for ReadyForQuery.
func (s *Session) TxStatus() TxStatus {
	switch {
	case s.failed:
		return TxFailed
	case s.explicit:
		return TxActive
	}
	return TxIdle
}

func (s *Session) abortTxn() {
	if s.tx != nil {
		s.tx.Rollback()
	}
	s.tx, s.explicit, s.failed, s.fields = nil, false, false, nil
	s.pendingNotify = nil
	s.endTxnSession(false)
	s.deferred = nil
	s.marks = nil
	s.releaseLocks()
}

// BeginImplicit starts an implicit transaction block: until EndImplicit,
// statements outside an explicit block share one transaction, as
// PostgreSQL does for a multi-statement query string and for the extended
// protocol's messages up to Sync.
func (s *Session) BeginImplicit() {
	s.implicit = true
	s.implicitFailed = false
}

// EndImplicit ends the implicit block: it commits the implicit
// transaction unless a statement failed (then it was already rolled back).
func (s *Session) EndImplicit() error {
	if !s.implicit {
		return nil
	}
	s.implicit = false
	s.implicitFailed = false
	if s.explicit {
		return nil
	}
	return s.commitImplicitPart(context.Background())
}

// noTransaction is PostgreSQL's warning for COMMIT or ROLLBACK without
// BEGIN.
var noTransaction = Notice{Severity: "WARNING", Code: errs.NoActiveSQLTransaction, Message: "there is no transaction in progress"}

// commitImplicitPart commits what an implicit block's statements did so
// far, their NOTIFYs and LISTENs included: at the block's end, and at a
// COMMIT or DDL after writes in it (as PostgreSQL's COMMIT in a
// multi-statement string does; later statements start a new transaction
// in the block).
func (s *Session) commitImplicitPart(ctx context.Context) error {
	if s.tx == nil {
		s.endTxnSession(true)
		s.deliverNotifications()
		return nil
	}
	if err := s.runDeferred(ctx); err != nil {
		s.abortTxn()
		return err
	}
	if err := s.runDeferredFK(ctx, true); err != nil {
		s.abortTxn()
		return err
	}
	if err := s.tempPreCommit(s.tx); err != nil {
		s.abortTxn()
		return err
	}
	tx, fields := s.tx, s.fields
	s.tx, s.fields = nil, nil
	defer s.releaseLocks()
	if _, err := tx.Commit(); err != nil {
		s.pendingNotify = nil
		s.endTxnSession(false)
		return err
	}
	publish(fields)
	s.endTxnSession(true)
	s.deliverNotifications()
	return nil
}

func (s *Session) prepare(sql string, paramTypes []types.T, multi bool) ([]*Prepared, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	out := make([]*Prepared, 0, len(stmts))
	for _, st := range stmts {
		p := &Prepared{SQL: st.SQL, prep: &prepared{ast: st.AST}}
		if !multi {
			p.ParamTypes = append([]types.T(nil), paramTypes...)
			if err := s.plan(p); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	if !multi && len(stmts) == 0 {
		out = append(out, &Prepared{SQL: "", prep: &prepared{ast: &ast.Empty{}}})
	}
	return out, nil
}

// plan binds the statement and fixes its parameter and result types.
func (s *Session) plan(p *Prepared) error {
	pr := p.prep
	cat := s.mgr.db.cat
	pr.catVersion = cat.Version()
	pr.planned = true
	pr.instead = false
	b := &plan.Builder{Cat: s.planCatalog(), Sys: s.mgr.db.sys}
	if cc := s.columnCache(); cc != nil {
		b.Columns = columnCopies{cache: cc, txm: s.mgr.db.txm}
		pr.colGen = cc.Generation()
	} else {
		pr.colGen = 0
	}
	for i, t := range p.ParamTypes {
		if t != types.Unknown {
			for len(b.Params) <= i {
				b.Params = append(b.Params, types.Unknown)
			}
			b.Params[i] = t
		}
	}
	var err error
	switch st := pr.ast.(type) {
	case *ast.Select:
		b.AllowWritesIn(st.With)
		pr.node, err = b.BuildSelect(st)
	case *ast.LiveSelect:
		// Planned again when it runs; here for its parameters' types.
		_, err = b.BuildSelect(st.Query)
	case *ast.Publish:
		if st.Param > 0 {
			for len(b.Params) < st.Param {
				b.Params = append(b.Params, types.Unknown)
			}
			if b.Params[st.Param-1] == types.Unknown {
				b.Params[st.Param-1] = types.Text
			}
		}
	case *ast.Insert, *ast.Update, *ast.Delete:
		if _, _, ok := insteadTarget(s.mgr.db, st); ok {
			// The triggers take the rows a query yields: plan it for the
			// parameters' types.
			pr.instead, pr.node = true, nil
			var q *ast.Select
			if q, err = insteadQuery(st); err == nil {
				if ins, ok := st.(*ast.Insert); ok && ins.Select == nil {
					err = insteadParamTypes(b, ins)
				}
			}
			if err == nil {
				_, err = b.BuildSelect(q)
			}
			break
		}
		b.AllowWritesIn(ast.WithOf(st))
		switch st := st.(type) {
		case *ast.Insert:
			pr.node, err = b.BuildInsert(st)
		case *ast.Update:
			pr.node, err = b.BuildUpdate(st)
		case *ast.Delete:
			pr.node, err = b.BuildDelete(st)
		}
	case *ast.Explain:
		var inner *Prepared
		inner = &Prepared{prep: &prepared{ast: st.Stmt}}
		if err = s.plan(inner); err == nil {
			pr.node = inner.prep.node
			p.Columns = []Column{{Name: "QUERY PLAN", Type: types.Text, TypeMod: -1}}
		}
		b.Params = inner.ParamTypes
	}
	if err != nil {
		return err
	}
	pr.usesSystem = pr.node != nil && plan.UsesSystem(pr.node)
	if pr.node != nil {
		if _, isExplain := pr.ast.(*ast.Explain); !isExplain {
			p.Columns = toColumns(pr.node.Columns())
		}
	} else if p.Columns == nil {
		p.Columns = staticColumns(pr.ast)
	}
	for len(p.ParamTypes) < len(b.Params) {
		p.ParamTypes = append(p.ParamTypes, types.Unknown)
	}
	for i, t := range b.Params {
		if p.ParamTypes[i] == types.Unknown {
			p.ParamTypes[i] = t
		}
	}
	for i, t := range p.ParamTypes {
		if t == types.Unknown || t == types.Doc {
			p.ParamTypes[i] = types.Text
		}
	}
	return nil
}

func toColumns(cols []plan.Column) []Column {
	if cols == nil {
		return nil
	}
	out := make([]Column, len(cols))
	for i, c := range cols {
		t := c.T
		if t == types.Unknown {
			t = types.Text
		}
		out[i] = Column{Name: c.Name, Type: t, TypeMod: c.TypeMod, TableOID: c.TableOID, AttrNum: c.AttrNum}
		switch {
		case out[i].TypeMod <= 0:
			out[i].TypeMod = -1
		case t == types.Varchar || t == types.Bpchar:
			out[i].TypeMod += 4 // pg's atttypmod counts the varlena header
		}
	}
	return out
}

func textCols(names ...string) []Column {
	out := make([]Column, len(names))
	for i, n := range names {
		out[i] = Column{Name: n, Type: types.Text, TypeMod: -1}
	}
	return out
}

// staticColumns are the result columns of utility statements.
func staticColumns(st ast.Statement) []Column {
	switch x := st.(type) {
	case *ast.Show:
		switch x.What {
		case "collections", "tables":
			return []Column{{Name: "name", Type: types.Text, TypeMod: -1}, {Name: "type", Type: types.Text, TypeMod: -1},
				{Name: "created_at", Type: types.Timestamptz, TypeMod: -1}}
		case "indexes":
			return []Column{{Name: "collection", Type: types.Text, TypeMod: -1}, {Name: "index_name", Type: types.Text, TypeMod: -1},
				{Name: "fields", Type: types.Text, TypeMod: -1}, {Name: "unique", Type: types.Bool, TypeMod: -1}}
		case "all":
			return textCols("name", "setting")
		case "topics":
			return []Column{{Name: "name", Type: types.Text, TypeMod: -1}, {Name: "retention", Type: types.Text, TypeMod: -1},
				{Name: "buffered_events", Type: types.Int8, TypeMod: -1}, {Name: "owner", Type: types.Text, TypeMod: -1}}
		}
		return textCols(x.What)
	case *ast.ShowStreamInfo:
		return streamInfoColumns(x)
	case *ast.DeadLetters:
		if x.Action == "show" {
			return deadLetterColumns()
		}
	case *ast.ShowTriggers:
		return triggerColumns()
	case *ast.ShowSchedules:
		return scheduleColumns(x)
	case *ast.TriggerDeadLetters:
		if x.Action == "show" {
			return triggerDeadLetterColumns()
		}
	case *ast.LiveSelect:
		return textCols("subscription_id", "channel", "collection", "status")
	case *ast.ShowChanges:
		return []Column{{Name: "collection", Type: types.Text, TypeMod: -1}, {Name: "operation", Type: types.Text, TypeMod: -1},
			{Name: "document_id", Type: types.Text, TypeMod: -1}, {Name: "timestamp_ms", Type: types.Int8, TypeMod: -1},
			{Name: "lsn", Type: types.Int8, TypeMod: -1}}
	case *ast.Describe:
		return []Column{{Name: "column_name", Type: types.Text, TypeMod: -1}, {Name: "data_type", Type: types.Text, TypeMod: -1},
			{Name: "is_nullable", Type: types.Bool, TypeMod: -1}, {Name: "default", Type: types.Text, TypeMod: -1},
			{Name: "primary_key", Type: types.Bool, TypeMod: -1}}
	}
	return nil
}

func (s *Session) execute(ctx context.Context, p *Prepared, params []types.Value) (*Result, error) {
	pr := p.prep
	switch pr.ast.(type) {
	case *ast.Commit, *ast.Rollback, *ast.RollbackTo:
	default:
		if s.failed {
			return nil, errs.New(errs.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
		}
	}
	if s.implicit && s.implicitFailed {
		return nil, errs.New(errs.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	res, err := s.run(ctx, p, params)
	if err != nil {
		switch {
		case s.explicit:
			s.failed = true
		case s.implicit:
			s.implicitFailed = true
			s.abortTxn()
		}
	}
	if !s.explicit && !s.implicit {
		// Out of any transaction: pg_advisory_xact_lock's locks go.
		s.releaseXactAdvisory()
	}
	return res, err
}

func (s *Session) run(ctx context.Context, p *Prepared, params []types.Value) (*Result, error) {
	pr := p.prep
	db := s.mgr.db
	switch st := pr.ast.(type) {
	case *ast.Empty:
		return &Result{Tag: ""}, nil
	case *ast.Begin:
		if s.explicit {
			return &Result{Tag: "BEGIN", Notices: []Notice{{Severity: "WARNING", Code: errs.ActiveSQLTransaction, Message: "there is already a transaction in progress"}}}, nil
		}
		if s.tx == nil {
			s.tx = db.txm.Begin()
		}
		// Statements that ran earlier in an implicit block join it.
		s.explicit = true
		s.beginBlock()
		return &Result{Tag: "BEGIN"}, nil
	case *ast.Commit:
		if !s.explicit && s.implicit {
			// COMMIT inside an implicit block commits what ran so far,
			// with PostgreSQL's warning (there was no BEGIN).
			if err := s.commitImplicitPart(ctx); err != nil {
				return nil, err
			}
			return &Result{Tag: "COMMIT", Notices: []Notice{noTransaction}}, nil
		}
		if !s.explicit {
			return &Result{Tag: "COMMIT", Notices: []Notice{noTransaction}}, nil
		}
		if s.failed {
			s.abortTxn()
			return &Result{Tag: "ROLLBACK"}, nil
		}
		if err := s.runDeferred(ctx); err != nil {
			s.abortTxn()
			return nil, err
		}
		if err := s.runDeferredFK(ctx, true); err != nil {
			s.abortTxn()
			return nil, err
		}
		if err := s.tempPreCommit(s.tx); err != nil {
			s.abortTxn()
			return nil, err
		}
		tx, fields := s.tx, s.fields
		s.tx, s.explicit, s.failed, s.fields, s.marks = nil, false, false, nil, nil
		defer s.releaseLocks()
		if _, err := tx.Commit(); err != nil {
			s.pendingNotify = nil
			s.endTxnSession(false)
			return nil, err
		}
		publish(fields)
		s.endTxnSession(true)
		s.deliverNotifications()
		return &Result{Tag: "COMMIT"}, nil
	case *ast.Rollback:
		if !s.explicit && s.implicit {
			// ROLLBACK inside an implicit block undoes what ran so far.
			s.abortTxn()
			return &Result{Tag: "ROLLBACK", Notices: []Notice{noTransaction}}, nil
		}
		if !s.explicit {
			return &Result{Tag: "ROLLBACK", Notices: []Notice{noTransaction}}, nil
		}
		s.abortTxn()
		return &Result{Tag: "ROLLBACK"}, nil
	case *ast.Savepoint, *ast.ReleaseSavepoint, *ast.RollbackTo:
		return s.savepointStmt(st)
	case *ast.Set:
		return s.set(st)
	case *ast.Show:
		return s.show(st)
	case *ast.Discard:
		if strings.EqualFold(st.What, "all") {
			_, _ = s.deallocate(&ast.Deallocate{}) // DISCARD ALL includes DEALLOCATE ALL
		}
		return &Result{Tag: "DISCARD " + strings.ToUpper(st.What)}, nil
	case *ast.Checkpoint:
		if err := s.mgr.db.txm.Store().Flush(); err != nil {
			return nil, err
		}
		return &Result{Tag: "CHECKPOINT"}, nil
	case *ast.Describe:
		return s.describe(st)
	case *ast.Vacuum:
		return s.vacuum(ctx, st)
	case *ast.CreateCollection, *ast.DropCollection, *ast.UndropCollection, *ast.AlterAddColumn, *ast.CreateIndex, *ast.DropIndex,
		*ast.CreateSortedIndex, *ast.Analyze, *ast.CreateSequence, *ast.AlterSequence, *ast.DropSequence,
		*ast.AlterColumn, *ast.RenameColumn, *ast.AddCheck, *ast.AddForeignKey, *ast.AddKey, *ast.DropConstraint, *ast.DropColumn, *ast.RenameTable,
		*ast.Comment, *ast.CreateEnum, *ast.DropType, *ast.AlterEnum, *ast.ValidateConstraint,
		*ast.CreateExtension, *ast.DropExtension, *ast.RenameIndex, *ast.RenameConstraint:
		return s.ddl(ctx, st)
	case *ast.AlterOwner:
		return s.alterOwner(st)
	case *ast.LockTable:
		return s.lockTable(st)
	case *ast.DeclareCursor:
		return s.declareCursor(ctx, st, params)
	case *ast.Fetch:
		return s.fetch(st)
	case *ast.CloseCursor:
		return s.closeCursor(st)
	case *ast.CopyFrom:
		return s.copyFrom(st)
	case *ast.CopyTo:
		return s.copyTo(ctx, st, params)
	case *ast.SetConstraints:
		return s.setConstraints(ctx, st)
	case *ast.CreateSchema:
		// One schema, public (pg_catalog and information_schema are the
		// system's): tools that make sure it is there get PostgreSQL's
		// answer; another schema is not supported yet.
		switch st.Name {
		case "public", "pg_catalog", "information_schema":
			if st.IfNotExists {
				return &Result{Tag: "CREATE SCHEMA", Notices: appendNotices(nil, fmt.Sprintf("schema %q already exists, skipping", st.Name))}, nil
			}
			return nil, errs.Errorf(errs.DuplicateSchema, "schema %q already exists", st.Name)
		}
		return nil, errs.Errorf(errs.FeatureNotSupported, "schemas other than public are not supported yet").
			WithHint("Create the tables in public, or prefix their names.")
	case *ast.PrepareStmt:
		return s.sqlPrepare(st)
	case *ast.ExecuteStmt:
		return s.sqlExecute(ctx, st, params)
	case *ast.Deallocate:
		return s.deallocate(st)
	case *ast.CreateTableAs:
		return s.createTableAs(ctx, st, params)
	case *ast.AlterIfExists:
		if _, ok := s.names().Get(st.Table); !ok {
			return &Result{Tag: "ALTER TABLE", Notices: []Notice{{Severity: "NOTICE", Code: "00000",
				Message: fmt.Sprintf("relation %q does not exist, skipping", st.Table)}}}, nil
		}
		return s.run(ctx, &Prepared{prep: &prepared{ast: st.Stmt}}, params)
	case *ast.CreateChangeStream:
		return s.createStream(st)
	case *ast.DropChangeStream:
		return s.dropStream(st)
	case *ast.CreateConsumerGroup:
		return s.createGroup(st)
	case *ast.DropConsumerGroup:
		return s.dropGroup(st)
	case *ast.CommitOffset:
		return s.commitOffset(st)
	case *ast.AlterConsumerGroup:
		return s.alterGroup(st)
	case *ast.ShowStreamInfo:
		return s.showStreams(st)
	case *ast.AlterChangeStream:
		return s.alterStream(st)
	case *ast.CreateMaterializedView:
		return s.createMView(ctx, st)
	case *ast.DropMaterializedView:
		return s.dropMView(ctx, st)
	case *ast.RefreshMaterializedView:
		return s.refreshMViewStmt(ctx, st)
	case *ast.CreateFunction:
		return s.createFunction(st)
	case *ast.DropFunction:
		return s.dropFunction(st)
	case *ast.CreateProcedure:
		return s.createProcedure(st)
	case *ast.DropProcedure:
		return s.dropProcedure(st)
	case *ast.Call:
		return s.call(ctx, st)
	case *ast.Do:
		if err := checkBlock(st.Block, "DO"); err != nil {
			return nil, err
		}
		return s.runDo(ctx, st)
	case *ast.CreateSchedule:
		return s.createSchedule(st)
	case *ast.AlterSchedule:
		return s.alterSchedule(st)
	case *ast.DropSchedule:
		return s.dropSchedule(st)
	case *ast.ShowSchedules:
		return s.showSchedules(st)
	case *ast.CreateTrigger:
		return s.createTrigger(st)
	case *ast.DropTrigger:
		return s.dropTrigger(st)
	case *ast.AlterTrigger:
		return s.alterTrigger(st)
	case *ast.ShowTriggers:
		return s.showTriggers(st)
	case *ast.TriggerDeadLetters:
		return s.triggerDeadLetters(ctx, st)
	case *ast.DeadLetters:
		return s.deadLetters(ctx, st)
	case *ast.ShowChanges:
		return s.showChanges(st)
	case *ast.CreateTopic:
		return s.createTopic(st)
	case *ast.DropTopic:
		return s.dropTopic(st)
	case *ast.Publish:
		return s.publish(ctx, st, params)
	case *ast.LiveSelect:
		return s.liveSelect(ctx, st, params)
	case *ast.CancelLive:
		return s.cancelLive(st)
	case *ast.Listen:
		return s.listen(st)
	case *ast.Unlisten:
		return s.unlisten(st)
	case *ast.Notify:
		return s.notify(st)
	case *ast.CreateView:
		return s.createView(st)
	case *ast.DropView:
		return s.dropView(st)
	}

	// Planned statements: SELECT, DML, TRUNCATE, EXPLAIN.
	if !pr.planned || pr.catVersion != db.cat.Version() || pr.colGen != s.columnGeneration() {
		old := p.Columns
		if err := s.plan(p); err != nil {
			return nil, err
		}
		if old != nil && !sameColumns(old, p.Columns) && len(p.ParamTypes) > 0 {
			return nil, errs.New(errs.FeatureNotSupported, "cached plan must not change result type")
		}
	}
	if pr.instead {
		return s.runInsteadOf(ctx, p, params)
	}
	// Writers hold their collections' locks (shared) until the
	// transaction ends, so DDL that backfills waits for them. Taking a
	// lock may wait for DDL, after which the plan may be stale.
	for _, coll := range writeTargets(db.cat, pr.node) {
		s.lockForWrite(coll.ID)
	}
	if pr.catVersion != db.cat.Version() {
		if err := s.plan(p); err != nil {
			return nil, err
		}
		for _, coll := range writeTargets(db.cat, pr.node) {
			s.lockForWrite(coll.ID)
		}
	}
	if _, isTrunc := pr.ast.(*ast.Truncate); isTrunc {
		for _, name := range pr.ast.(*ast.Truncate).Tables {
			if coll, ok := s.names().Get(name); ok {
				s.lockForWrite(coll.ID)
			}
		}
	}
	if s.tx == nil && s.implicit {
		s.tx = db.txm.Begin()
	}
	tx := s.tx
	auto := tx == nil
	if auto {
		tx = db.txm.Begin()
		defer tx.Rollback()
		defer s.releaseLocks()
	}
	if pr.usesSystem {
		ctx = s.sysContext(ctx)
	}
	s.stmtCtx = ctx // an advisory lock's wait ends with the statement
	if !auto && s.fkDeferred == nil {
		s.fkDeferred = &exec.DeferredFK{}
	}
	var fkDeferred *exec.DeferredFK
	if !auto {
		fkDeferred = s.fkDeferred
	}
	env := &exec.Env{Ctx: ctx, Txn: tx, Params: params, IDs: db.ids, Fn: s.funcContext(tx), Refs: db.cat, Deferred: fkDeferred,
		Streams: &exec.Streams{Cat: db.cat, Log: db.events, Delivered: &s.delivered, Members: db.members},
		Workers: s.parallelWorkers(), Columns: s.columnCache()}
	if db.cat.HasSyncTriggers() {
		env.Triggers = &syncTriggers{s: s, depth: s.trigDepth}
	}
	prevStmt := tx.BeginStatement()
	res, err := s.runPlanned(env, p)
	tx.EndStatement(prevStmt)
	// What the statement read may include commits still being synced:
	// release nothing (rows or an error) before they are durable.
	if werr := tx.WaitVisibleDurable(ctx); werr != nil && err == nil {
		err = errs.New(errs.QueryCanceled, "canceling statement due to user request")
	}
	if err != nil {
		return nil, err
	}
	if auto {
		if len(s.deferred) > 0 {
			s.tx = tx // the deferred bodies join the statement's transaction
			err := s.runDeferred(ctx)
			s.tx, s.deferred = nil, nil
			if err != nil {
				return nil, err
			}
		}
		trigFields := s.fields // observed by trigger bodies in this statement
		s.fields = nil
		if tx.HasWrites() {
			if err := s.tempPreCommit(tx); err != nil {
				return nil, err
			}
			if _, err := tx.Commit(); err != nil {
				return nil, err
			}
		}
		publish(env.Fields)
		publish(trigFields)
	} else {
		s.fields = append(s.fields, env.Fields...)
	}
	return res, nil
}

func publish(fields []exec.ObservedFields) {
	for _, f := range fields {
		catalog.ApplyFields(f.Coll, f.Fields)
	}
}

func sameColumns(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

func (s *Session) runPlanned(env *exec.Env, p *Prepared) (*Result, error) {
	pr := p.prep
	switch st := pr.ast.(type) {
	case *ast.Select:
		rows, err := env.Query(pr.node)
		if err != nil {
			return nil, err
		}
		return &Result{Columns: p.Columns, Rows: rows, Tag: "SELECT " + strconv.Itoa(len(rows)), RowsAffected: int64(len(rows))}, nil
	case *ast.Insert:
		wr, err := env.Insert(pr.node.(*plan.Insert))
		if err != nil {
			return nil, err
		}
		return &Result{Columns: p.Columns, Rows: wr.Rows, Tag: fmt.Sprintf("INSERT 0 %d", wr.N), RowsAffected: wr.N}, nil
	case *ast.Update:
		wr, err := env.Update(pr.node.(*plan.Update))
		if err != nil {
			return nil, err
		}
		return &Result{Columns: p.Columns, Rows: wr.Rows, Tag: fmt.Sprintf("UPDATE %d", wr.N), RowsAffected: wr.N}, nil
	case *ast.Delete:
		wr, err := env.Delete(pr.node.(*plan.Delete))
		if err != nil {
			return nil, err
		}
		return &Result{Columns: p.Columns, Rows: wr.Rows, Tag: fmt.Sprintf("DELETE %d", wr.N), RowsAffected: wr.N}, nil
	case *ast.Truncate:
		var total int64
		var colls []*catalog.Collection
		for _, name := range st.Tables {
			coll, err := s.names().MustGet(name)
			if err != nil {
				return nil, err
			}
			colls = append(colls, coll)
		}
		named := len(colls)
		colls, err := exec.TruncateSet(s.mgr.db.cat, colls, st.Cascade)
		if err != nil {
			return nil, err
		}
		var notices []Notice
		for _, c := range colls[named:] {
			notices = appendNotices(notices, fmt.Sprintf("truncate cascades to table %q", c.Name))
		}
		for _, coll := range colls {
			s.lockForWrite(coll.ID)
		}
		for _, coll := range colls {
			n, err := env.Truncate(coll)
			if err != nil {
				return nil, err
			}
			total += n
			if st.RestartIdentity {
				// Not undone by a rollback (PostgreSQL's is).
				for _, sq := range s.mgr.db.cat.SequencesOwnedBy(coll.ID) {
					if err := s.mgr.db.seqs.set(s.mgr.db, sq, sq.Start, false); err != nil {
						return nil, err
					}
				}
			}
		}
		return &Result{Tag: "TRUNCATE TABLE", RowsAffected: total, Notices: notices}, nil
	case *ast.Explain:
		if st.Analyze {
			return s.explainAnalyze(env, p)
		}
		lines := plan.Explain(pr.node)
		rows := make([]types.Row, len(lines))
		for i, l := range lines {
			rows[i] = types.Row{l}
		}
		return &Result{Columns: p.Columns, Rows: rows, Tag: "EXPLAIN"}, nil
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "statement %T is not supported yet", pr.ast)
}

// parallelWorkers is how many goroutines a statement's operators may use:
// max_parallel_workers_per_gather workers and the leader.
func (s *Session) parallelWorkers() int {
	n, err := strconv.Atoi(s.vars["max_parallel_workers_per_gather"])
	if err != nil || n < 0 {
		return 1
	}
	return n + 1
}

// columnCache is the column cache this session's scans may read: the
// database's, unless enable_column_cache is off.
func (s *Session) columnCache() *columnar.Cache {
	if s.vars["enable_column_cache"] != "on" {
		return nil
	}
	return s.mgr.db.columns
}

// columnGeneration is the generation of the column cache this session's
// plans assume (0: none).
func (s *Session) columnGeneration() uint64 {
	if cc := s.columnCache(); cc != nil {
		return cc.Generation()
	}
	return 0
}

// columnCopies tells the planner which collections have a column copy.
type columnCopies struct {
	cache *columnar.Cache
	txm   *txn.Manager
}

func (c columnCopies) Cached(coll *catalog.Collection) bool {
	return exec.HasColumnCopy(c.cache, c.txm, coll)
}

func (s *Session) set(st *ast.Set) (*Result, error) {
	name := strings.ToLower(st.Name)
	if name == "all" && st.Reset {
		s.vars = defaultVars()
		return &Result{Tag: "RESET"}, nil
	}
	if st.Reset {
		if v, ok := defaultVars()[name]; ok {
			s.vars[name] = v
		} else {
			delete(s.vars, name)
		}
		return &Result{Tag: "RESET"}, nil
	}
	val := strings.Join(st.Values, ", ")
	switch name {
	case "transaction_isolation", "default_transaction_isolation", "transaction isolation level":
		// Every isolation level runs as snapshot isolation.
		return &Result{Tag: "SET"}, nil
	case "timezone", "time zone":
		name = "timezone"
		if u := strings.ToUpper(strings.Trim(val, "'")); u != "UTC" && u != "GMT" && u != "Z" && u != "ETC/UTC" && u != "0" {
			return &Result{Tag: "SET", Notices: []Notice{{Severity: "WARNING", Code: "01000", Message: "only UTC is supported; TimeZone stays UTC"}}}, nil
		}
		val = "UTC"
	case "max_parallel_workers_per_gather":
		n, err := strconv.Atoi(strings.Trim(val, "'"))
		if err != nil || n < 0 || n > 1024 {
			return nil, errs.Errorf(errs.InvalidParameterValue, "invalid value for parameter \"max_parallel_workers_per_gather\": \"%s\"", val)
		}
		val = strconv.Itoa(n)
	case "enable_column_cache":
		b, ok := parseBoolOption(strings.Trim(val, "'"))
		if !ok {
			return nil, errs.Errorf(errs.InvalidParameterValue, "parameter \"enable_column_cache\" requires a Boolean value")
		}
		val = "off"
		if b {
			val = "on"
		}
	case "client_encoding", "names":
		name = "client_encoding"
		if u := strings.ToUpper(strings.ReplaceAll(strings.Trim(val, "'"), "-", "")); u != "UTF8" && u != "UNICODE" {
			return nil, errs.Errorf(errs.FeatureNotSupported, "encoding %q is not supported; use UTF8", val)
		}
		val = "UTF8"
	}
	s.vars[name] = val
	return &Result{Tag: "SET"}, nil
}

func (s *Session) show(st *ast.Show) (*Result, error) {
	cols := staticColumns(st)
	switch st.What {
	case "collections", "tables":
		res := &Result{Columns: cols}
		for _, c := range s.mgr.db.cat.List() {
			res.Rows = append(res.Rows, types.Row{c.Name, string(c.Kind), c.Created})
		}
		res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
		return res, nil
	case "indexes":
		res := &Result{Columns: cols}
		for _, c := range s.mgr.db.cat.List() {
			if st.Table != "" && c.Name != st.Table {
				continue
			}
			for _, ix := range c.Indexes {
				res.Rows = append(res.Rows, types.Row{c.Name, ix.Name, indexColumns(ix), ix.Unique})
			}
		}
		res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
		return res, nil
	case "topics":
		return s.showTopics()
	case "all":
		keys := make([]string, 0, len(s.vars))
		for k := range s.vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		res := &Result{Columns: cols}
		for _, k := range keys {
			res.Rows = append(res.Rows, types.Row{k, s.vars[k]})
		}
		res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
		return res, nil
	}
	v, ok := s.vars[st.What]
	if !ok {
		return nil, errs.Errorf(errs.UndefinedObject, "unrecognized configuration parameter %q", st.What)
	}
	return &Result{Columns: cols, Rows: []types.Row{{v}}, Tag: "SHOW"}, nil
}

func (s *Session) describe(st *ast.Describe) (*Result, error) {
	coll, err := s.names().MustGet(st.Name)
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: staticColumns(st)}
	isPK := func(n string) bool {
		for _, p := range coll.PK {
			if p == n {
				return true
			}
		}
		return false
	}
	if coll.Tuple() {
		for _, c := range coll.Columns {
			if c.Hidden {
				continue
			}
			var def types.Value
			if c.Default != "" {
				def = c.Default
			}
			res.Rows = append(res.Rows, types.Row{c.Name, typeName(c), !c.NotNull, def, isPK(c.Name)})
		}
	} else {
		res.Rows = append(res.Rows, types.Row{"id", "text", false, nil, true})
		for _, f := range coll.Fields.List() {
			if f.Name == "id" {
				continue
			}
			res.Rows = append(res.Rows, types.Row{f.Name, f.Type.String(), true, nil, false})
		}
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	return res, nil
}

func typeName(c catalog.Column) string {
	if c.TypeMod > 0 && (c.Type == types.Varchar || c.Type == types.Bpchar) {
		return fmt.Sprintf("%s(%d)", c.Type, c.TypeMod)
	}
	if p, s, ok := types.NumericPrecScale(c.TypeMod); ok && c.Type == types.Numeric {
		return fmt.Sprintf("%s(%d,%d)", c.Type, p, s)
	}
	return c.Type.String()
}

// alterOwner runs ALTER TABLE|VIEW|SEQUENCE ... OWNER TO role. Every
// relation belongs to the one user there is: giving it to that user
// changes nothing, any other role does not exist (42704).
func (s *Session) alterOwner(st *ast.AlterOwner) (*Result, error) {
	cat := s.mgr.db.cat
	var ok bool
	switch st.Kind {
	case "VIEW":
		_, ok = cat.View(st.Name)
	case "SEQUENCE":
		_, ok = cat.Sequence(st.Name)
	case "TYPE":
		if _, ok = cat.Enum(st.Name); !ok {
			return nil, errs.Errorf(errs.UndefinedObject, "type %q does not exist", st.Name)
		}
	case "SCHEMA":
		switch st.Name {
		case "public", "pg_catalog", "information_schema":
			ok = true
		default:
			return nil, errs.Errorf(errs.InvalidSchemaName, "schema %q does not exist", st.Name)
		}
	default:
		_, isView := cat.View(st.Name)
		_, isSeq := cat.Sequence(st.Name)
		_, ok = cat.Get(st.Name)
		ok = ok || isView || isSeq
	}
	if !ok {
		return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", st.Name)
	}
	switch st.Role {
	case "CURRENT_USER", "SESSION_USER", "CURRENT_ROLE", s.user:
	default:
		return nil, errs.Errorf(errs.UndefinedObject, "role %q does not exist", st.Role)
	}
	return &Result{Tag: "ALTER " + st.Kind}, nil
}

// waitsForOwnWrites reports whether DDL would wait for the writers of a
// collection this session's open transaction wrote: DROP, ALTER TABLE and
// the index statements lock the collection they change (CREATE
// COLLECTION, UNDROP and ANALYZE lock none).
func (s *Session) waitsForOwnWrites(st ast.Statement) bool {
	if len(s.held) == 0 {
		return false
	}
	var names []string
	switch x := st.(type) {
	case *ast.DropCollection:
		names = x.Names
	case *ast.AlterAddColumn:
		names = []string{x.Table}
	case *ast.AlterColumn:
		names = []string{x.Table}
	case *ast.RenameColumn:
		names = []string{x.Table}
	case *ast.AddCheck:
		names = []string{x.Table}
	case *ast.AddForeignKey:
		names = []string{x.Table, x.FK.RefTable}
	case *ast.AddKey:
		names = []string{x.Table}
	case *ast.DropColumn:
		names = []string{x.Table}
	case *ast.RenameTable:
		names = []string{x.Table}
	case *ast.Comment:
		names = []string{x.Name}
	case *ast.DropConstraint:
		names = []string{x.Table}
	case *ast.CreateIndex:
		names = []string{x.Table}
	case *ast.CreateSortedIndex:
		names = []string{x.Table}
	case *ast.DropIndex:
		if x.Table == "" {
			return true // its collection is found later: assume it is one
		}
		names = []string{x.Table}
	case *ast.RenameConstraint:
		names = []string{x.Table}
	case *ast.ValidateConstraint:
		names = []string{x.Table}
		if c, ok := s.names().Get(x.Table); ok {
			for _, fk := range c.FKs {
				if ref, ok := s.mgr.db.cat.ByID(fk.RefID); ok {
					names = append(names, ref.Name) // a foreign key's check locks its parent
				}
			}
		}
	case *ast.RenameIndex:
		if c, _, ok := s.names().FindIndex(x.Name); ok {
			names = []string{c.Name}
		}
	case *ast.AlterEnum:
		return x.Action == "RENAME VALUE" // rewrites the rows of every table with a column of the type
	default:
		return false
	}
	for _, n := range names {
		if c, ok := s.names().Get(n); ok {
			if _, held := s.held[c.ID]; held {
				return true
			}
		}
	}
	return false
}

func (s *Session) ddl(ctx context.Context, st ast.Statement) (*Result, error) {
	db := s.mgr.db
	if s.explicit {
		switch x := st.(type) {
		case *ast.CreateIndex:
			if x.Concurrently {
				return nil, errs.New(errs.ActiveSQLTransaction, "CREATE INDEX CONCURRENTLY cannot run inside a transaction block")
			}
		case *ast.DropIndex:
			if x.Concurrently {
				return nil, errs.New(errs.ActiveSQLTransaction, "DROP INDEX CONCURRENTLY cannot run inside a transaction block")
			}
		}
	}
	if s.waitsForOwnWrites(st) {
		// DDL runs in a transaction of its own and waits for the writers
		// of the collection it changes, so not for this session's own: in
		// an implicit block (a multi-statement string) it commits what ran
		// before it, as MySQL's DDL does; an explicit block asked for one
		// transaction and gets an error.
		if s.explicit || !s.implicit || s.tx == nil {
			return nil, errs.New(errs.ObjectInUse, "cannot run DDL while this transaction block has written to collections").
				WithHint("COMMIT or ROLLBACK first: DDL runs in its own transaction.")
		}
		if err := s.commitImplicitPart(ctx); err != nil {
			return nil, err
		}
	}
	if cc, ok := st.(*ast.CreateCollection); ok && cc.Temp {
		s.tempNamespace()
	}
	d := &exec.DDL{Cat: s.names(), Env: func(tx *txn.Txn) *exec.Env {
		return &exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids, Fn: s.funcContext(tx), Refs: db.cat}
	}}
	var notices []Notice
	var tag string
	var err error
	switch x := st.(type) {
	case *ast.CreateCollection:
		var created bool
		created, err = d.CreateCollection(x)
		tag = "CREATE COLLECTION"
		if x.Kind == ast.KindStrict {
			tag = "CREATE TABLE"
		}
		if err == nil && !created {
			notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateTable, Message: fmt.Sprintf("relation %q already exists, skipping", x.Name)})
		}
		if x.Global {
			notices = append(notices, Notice{Severity: "WARNING", Code: "01000", Message: "GLOBAL is deprecated in temporary table creation"})
		}
		if err == nil && created && x.Temp {
			err = s.createdTemp(x.Name, x.OnCommit)
		}
	case *ast.DropCollection:
		var ids []uint32
		var temps []*catalog.Collection
		for _, name := range x.Names {
			if c, ok := s.names().Get(name); ok {
				ids = append(ids, c.ID)
				if c.Temp() {
					temps = append(temps, c)
				}
			} else if x.IfExists {
				notices = appendNotices(notices, fmt.Sprintf("table %q does not exist, skipping", name))
			}
		}
		var cascaded []string
		cascaded, err = d.DropCollection(x)
		tag = "DROP COLLECTION"
		if x.Table {
			tag = "DROP TABLE"
		}
		notices = append(notices, cascadeNotices(cascaded)...)
		if err == nil {
			for _, c := range temps {
				s.forgetTemp(c.ID, c.Name)
			}
			for _, id := range ids {
				if db.columns != nil {
					db.columns.Forget(id) // its copy would only wait for eviction
				}
				db.tail.dropped(id) // its LIVE SELECTs end, their subscribers told
			}
		}
	case *ast.UndropCollection:
		var keys []string
		keys, err = d.Undrop(x)
		tag = "UNDROP COLLECTION"
		for _, k := range keys {
			notices = appendNotices(notices,
				fmt.Sprintf("constraint %q of relation %q was dropped: its referenced table is gone or a row no longer satisfies it", k, x.Name))
		}
	case *ast.AlterAddColumn:
		err = d.AddColumn(x)
		tag = "ALTER TABLE"
	case *ast.AlterColumn:
		err = d.AlterColumn(x)
		tag = "ALTER TABLE"
	case *ast.RenameColumn:
		err = d.RenameColumn(x)
		tag = "ALTER TABLE"
	case *ast.AddCheck:
		err = d.AddCheck(x)
		tag = "ALTER TABLE"
	case *ast.AddForeignKey:
		err = d.AddForeignKey(x)
		tag = "ALTER TABLE"
	case *ast.AddKey:
		err = d.AddKey(x)
		tag = "ALTER TABLE"
	case *ast.RenameTable:
		err = d.RenameTable(x)
		tag = "ALTER TABLE"
	case *ast.Comment:
		err = d.Comment(x)
		tag = "COMMENT"
	case *ast.DropColumn:
		var dropped bool
		dropped, err = d.DropColumn(x)
		tag = "ALTER TABLE"
		if err == nil && !dropped {
			notices = appendNotices(notices, fmt.Sprintf("column %q of relation %q does not exist, skipping", x.Column, x.Table))
		}
	case *ast.DropConstraint:
		var dropped bool
		dropped, err = d.DropConstraint(x)
		tag = "ALTER TABLE"
		if err == nil && !dropped {
			notices = appendNotices(notices, fmt.Sprintf("constraint %q of relation %q does not exist, skipping", x.Name, x.Table))
		}
	case *ast.Analyze:
		err = d.Analyze(x)
		tag = "ANALYZE"
	case *ast.CreateIndex:
		var created bool
		created, err = d.CreateIndex(x)
		tag = "CREATE INDEX"
		if err == nil && !created {
			name := x.Name
			if name == "" {
				name = exec.IndexName(x)
			}
			notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateTable, Message: fmt.Sprintf("relation %q already exists, skipping", name)})
		}
	case *ast.CreateSortedIndex:
		var created bool
		created, err = d.CreateSortedIndex(x)
		tag = "CREATE SORTED INDEX"
		if err == nil && !created {
			notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateTable, Message: fmt.Sprintf("relation %q already exists, skipping", x.Name)})
		}
	case *ast.DropIndex:
		err = d.DropIndex(x)
		tag = "DROP INDEX"
		if x.Sorted {
			tag = "DROP SORTED INDEX"
		}
	case *ast.CreateSequence:
		var created bool
		created, err = d.CreateSequence(x)
		tag = "CREATE SEQUENCE"
		if err == nil && !created {
			notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateTable, Message: fmt.Sprintf("relation %q already exists, skipping", x.Name)})
		}
	case *ast.AlterSequence:
		var sq *catalog.Sequence
		var restart *int64
		sq, restart, err = d.AlterSequence(x)
		tag = "ALTER SEQUENCE"
		switch {
		case err == nil && sq == nil:
			notices = appendNotices(notices, fmt.Sprintf("relation %q does not exist, skipping", x.Name))
		case err == nil && restart != nil:
			err = db.seqs.set(db, sq, *restart, false)
		case err == nil:
			err = db.seqs.altered(db, sq)
		}
	case *ast.ValidateConstraint:
		err = d.ValidateConstraint(x)
		tag = "ALTER TABLE"
	case *ast.RenameConstraint:
		err = d.RenameConstraint(x)
		tag = "ALTER TABLE"
	case *ast.RenameIndex:
		var found bool
		found, err = d.RenameIndex(x)
		tag = "ALTER INDEX"
		if err == nil && !found {
			notices = appendNotices(notices, fmt.Sprintf("relation %q does not exist, skipping", x.Name))
		}
	case *ast.CreateExtension, *ast.DropExtension:
		var ms []string
		if ce, ok := x.(*ast.CreateExtension); ok {
			ms, err = d.CreateExtension(ce)
			tag = "CREATE EXTENSION"
		} else {
			ms, err = d.DropExtension(x.(*ast.DropExtension))
			tag = "DROP EXTENSION"
		}
		notices = appendNotices(notices, ms...)
	case *ast.CreateEnum:
		err = d.CreateEnum(x)
		tag = "CREATE TYPE"
	case *ast.DropType:
		var skipped []string
		skipped, err = d.DropTypes(x)
		tag = "DROP TYPE"
		notices = appendNotices(notices, skipped...)
	case *ast.AlterEnum:
		var m string
		m, err = d.AlterEnum(x)
		tag = "ALTER TYPE"
		if m != "" {
			notices = appendNotices(notices, m)
		}
	case *ast.DropSequence:
		var dropped []*catalog.Sequence
		dropped, err = d.DropSequences(x)
		tag = "DROP SEQUENCE"
		for _, sq := range dropped {
			db.seqs.forget(sq.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	if cc, ok := st.(*ast.CreateCollection); ok && cc.Temp {
		// A ROLLBACK does undo it (tempBlockEnd).
	} else if s.explicit {
		// Say so where PostgreSQL would let a ROLLBACK undo it.
		notices = append(notices, Notice{Severity: "WARNING", Code: "01000",
			Message: tag + " was committed now: DDL runs in a transaction of its own, and a ROLLBACK of this transaction block will not undo it"})
	}
	return &Result{Tag: tag, Notices: notices}, nil
}

// indexColumns renders an index's columns for SHOW INDEXES; a sorted
// index shows its directions and key: "score DESC, at ASC KEY player".
func indexColumns(ix catalog.Index) string {
	if !ix.Sorted {
		cols := slices.Clone(ix.Columns)
		for i, e := range ix.Exprs {
			if e != "" {
				cols[i] = e
			}
		}
		s := strings.Join(cols, ", ")
		if ix.Where != "" {
			s += " WHERE " + ix.Where
		}
		return s
	}
	parts := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		parts[i] = c + " ASC"
		if ix.Desc[i] {
			parts[i] = c + " DESC"
		}
	}
	return strings.Join(parts, ", ") + " KEY " + ix.Key
}

// funcContext is what SQL functions see of this session and statement.
// It is built once per session; each statement refreshes the clock and
// the transaction.
func (s *Session) funcContext(tx *txn.Txn) *funcs.Context {
	s.fnTx = tx
	if s.fn == nil {
		s.fn = &funcs.Context{
			User: s.user, Database: s.database,
			Catalog: s.mgr.db.sys,
			Setting: func(name string) (string, bool) {
				v, ok := s.vars[name]
				return v, ok
			},
			SetSetting: func(name, value string, _ bool) error {
				s.vars[name] = value
				return nil
			},
			Notify:           s.queueNotify,
			Channels:         s.listeningChannels,
			NotifyQueueUsage: s.mgr.db.hub.QueueUsage,
			KV:               sessionKV{s},
			Sorted:           sessionSorted{s},
			Advisory:         sessionAdvisory{s},
			Sequences:        sessionSequences{s},
			TxnID: func() int64 {
				if s.fnTx == nil {
					return 0
				}
				return int64(s.fnTx.SnapshotLSN())
			},
		}
	}
	s.fn.Now = time.Now().UTC()
	s.fn.User = s.user // a SECURITY DEFINER body runs as its owner
	s.fn.Catalog = s.catalogInfo()
	return s.fn
}

// sysContext carries the session into system-table computations.
func (s *Session) sysContext(ctx context.Context) context.Context {
	return pgcatalog.WithSession(ctx, pgcatalog.Session{User: s.user, Database: s.database, Settings: s.vars})
}

// explainAnalyze runs a query and shows its plan with, per operator, the
// rows produced, how often it was opened and the time spent (inclusive).
func (s *Session) explainAnalyze(env *exec.Env, p *Prepared) (*Result, error) {
	inner := p.prep.ast.(*ast.Explain).Stmt
	if _, ok := inner.(*ast.Select); !ok {
		return nil, errs.New(errs.FeatureNotSupported, "EXPLAIN ANALYZE of statements other than SELECT is not supported yet")
	}
	env.Analyze()
	start := time.Now()
	if _, err := env.Query(p.prep.node); err != nil {
		return nil, err
	}
	total := time.Since(start)
	lines := plan.ExplainAnnotated(p.prep.node, func(n plan.Node) string {
		st := env.Stats(n)
		if st == nil {
			return " (never executed)"
		}
		return fmt.Sprintf(" (actual time=%.3f ms rows=%d loops=%d)", float64(st.Time.Microseconds())/1000, st.Rows, st.Loops)
	})
	lines = append(lines, fmt.Sprintf("Execution Time: %.3f ms", float64(total.Microseconds())/1000))
	rows := make([]types.Row, len(lines))
	for i, l := range lines {
		rows[i] = types.Row{l}
	}
	return &Result{Columns: p.Columns, Rows: rows, Tag: "EXPLAIN"}, nil
}

// appendNotices adds PostgreSQL NOTICEs (00000) with the given messages.
func appendNotices(ns []Notice, messages ...string) []Notice {
	for _, m := range messages {
		ns = append(ns, Notice{Severity: "NOTICE", Code: "00000", Message: m})
	}
	return ns
}
