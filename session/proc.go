package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/types"
)

// The procedural interpreter runs an ast.Block inside the transaction of
// sess. Expressions and statements are source text: variables are
// substituted as literals and the result runs through the normal SQL
// path. Variables shadow columns of the same name. A fuel budget bounds
// loop iterations and run time.

// Default fuel of a body (variables so tests can lower them).
var (
	defaultMaxIterations = 100_000
	defaultBodyTimeout   = 5 * time.Second
)

type procCtl int

const (
	ctlNext procCtl = iota
	ctlExit
	ctlContinue
	ctlReturn
)

// procEnv is one run of a body.
type procEnv struct {
	ctx     context.Context
	sess    *Session
	scopes  []map[string]*procVar
	recs    map[string]map[string]any // record variables: NEW, OLD, FOR rows
	fuel    int
	maxFuel int
	until   time.Time
	timeout time.Duration
	notices []Notice
	ret     any
	// returnedNull: RETURN NULL ran (a BEFORE trigger skips its row).
	returnedNull bool
	ran          bool    // a trigger's body ran (its WHEN held)
	caught       []error // errors the enclosing exception handlers caught
}

type procVar struct {
	typ string // declared SQL type, or "" (untyped)
	val any
}

func newProcEnv(ctx context.Context, sess *Session) *procEnv {
	return &procEnv{ctx: ctx, sess: sess, recs: map[string]map[string]any{}, fuel: defaultMaxIterations,
		maxFuel: defaultMaxIterations, timeout: defaultBodyTimeout, until: time.Now().Add(defaultBodyTimeout),
		scopes: []map[string]*procVar{{}}}
}

// triggerVars declares PostgreSQL's trigger variables for a trigger body:
// TG_OP (INSERT, UPDATE or DELETE), TG_NAME, TG_TABLE_NAME, TG_WHEN
// (BEFORE, AFTER or INSTEAD OF) and TG_LEVEL (ROW or STATEMENT).
func (e *procEnv) triggerVars(t *catalog.Trigger, op string) {
	for name, v := range map[string]string{"tg_op": op, "tg_name": t.Name, "tg_table_name": t.Collection,
		"tg_when": t.Timing, "tg_level": t.ForEach} {
		e.scopes[0][name] = &procVar{typ: "text", val: v}
	}
}

func (e *procEnv) lookup(name string) *procVar {
	for i := len(e.scopes) - 1; i >= 0; i-- {
		if v, ok := e.scopes[i][name]; ok {
			return v
		}
	}
	return nil
}

// subst replaces variables and record fields in src with literals.
func (e *procEnv) subst(src string) (string, error) {
	return parser.SubstituteVars(src, func(name, field string, hasField bool) (string, bool) {
		if hasField {
			rec, ok := e.recs[name]
			if !ok {
				return "", false
			}
			return sqlLiteral(rec[field]), true
		}
		if v := e.lookup(name); v != nil {
			lit := sqlLiteral(v.val)
			if v.typ != "" && v.val != nil {
				lit = "CAST(" + lit + " AS " + v.typ + ")"
			}
			return lit, true
		}
		return "", false
	})
}

// query runs one statement (after substitution) and returns its result.
func (e *procEnv) query(sql string) (*Result, error) {
	q, err := e.subst(sql)
	if err != nil {
		return nil, err
	}
	ps, err := e.sess.PrepareMulti(q)
	if err != nil {
		return nil, err
	}
	var last *Result
	for _, p := range ps {
		// run, not execute: a failing statement does not mark the
		// transaction failed, so an exception handler can go on.
		if last, err = e.sess.run(e.ctx, p, nil); err != nil {
			return nil, err
		}
		e.notices = append(e.notices, last.Notices...)
		last.Notices = nil
	}
	return last, nil
}

// eval evaluates an expression, cast to typ when given.
func (e *procEnv) eval(expr, typ string) (any, error) {
	q := "SELECT (" + expr + ")"
	if typ != "" {
		q = "SELECT CAST((" + expr + ") AS " + typ + ")"
	}
	res, err := e.query(q)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		return nil, errs.Errorf(errs.CardinalityViolation, "expression %q returned %d rows", expr, len(res.Rows))
	}
	return res.Rows[0][0], nil
}

func (e *procEnv) cond(expr string) (bool, error) {
	v, err := e.eval(expr, "")
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if v != nil && !ok {
		return false, errs.Errorf(errs.DatatypeMismatch, "condition %q is not boolean", expr)
	}
	return b, nil
}

// burn spends one unit of fuel (a loop iteration) and checks the clock.
func (e *procEnv) burn() error {
	if e.fuel--; e.fuel < 0 {
		return errs.Errorf(errs.ProgramLimitExceeded, "the body exceeded its budget of %d loop iterations", e.maxFuel).
			WithHint("Raise MAX_ITERATIONS, or check the loop's exit condition.")
	}
	return e.tick()
}

func (e *procEnv) tick() error {
	if time.Now().After(e.until) {
		return errs.Errorf(errs.QueryCanceled, "the body exceeded its time budget of %v", e.timeout)
	}
	if e.ctx.Err() != nil {
		return errs.New(errs.QueryCanceled, "canceling statement due to user request")
	}
	return nil
}

// run executes a block in a new scope. A block with EXCEPTION handlers
// runs under a savepoint: when its statements fail with an error a
// handler catches, what they changed is rolled back and the handler runs
// (with SQLSTATE and SQLERRM set). Running out of fuel or time is never
// caught.
func (e *procEnv) run(b *ast.Block) (procCtl, error) {
	e.scopes = append(e.scopes, map[string]*procVar{})
	defer func() { e.scopes = e.scopes[:len(e.scopes)-1] }()
	if len(b.Handlers) == 0 {
		if err := e.declareAll(b.Decls); err != nil {
			return ctlNext, err
		}
		return e.stmts(b.Body)
	}
	s := e.sess
	if s.tx == nil {
		if !s.implicit && !s.explicit {
			return ctlNext, errs.New(errs.InternalError, "an EXCEPTION block needs a transaction")
		}
		s.tx = s.mgr.db.txm.Begin()
	}
	m := s.setMark("")
	ctl, err := ctlNext, e.declareAll(b.Decls)
	if err == nil {
		ctl, err = e.stmts(b.Body)
	}
	if err == nil || e.exhausted() {
		s.releaseMark(m)
		return ctl, err
	}
	code := errCode(err)
	for i := range b.Handlers {
		h := &b.Handlers[i]
		if !handles(h, code) {
			continue
		}
		s.rollbackToMark(m)
		s.releaseMark(m)
		msg := err.Error()
		var pe *errs.Error
		if errors.As(err, &pe) {
			msg = pe.Message
		}
		e.scopes = append(e.scopes, map[string]*procVar{
			"sqlstate": {typ: "text", val: code}, "sqlerrm": {typ: "text", val: msg}})
		e.caught = append(e.caught, err)
		defer func() {
			e.scopes = e.scopes[:len(e.scopes)-1]
			e.caught = e.caught[:len(e.caught)-1]
		}()
		return e.stmts(h.Body)
	}
	s.releaseMark(m)
	return ctl, err
}

func (e *procEnv) declareAll(ds []ast.ProcDecl) error {
	for _, d := range ds {
		if err := e.declare(d); err != nil {
			return err
		}
	}
	return nil
}

// exhausted reports whether the body ran out of fuel or time (or was
// cancelled): errors no handler may catch.
func (e *procEnv) exhausted() bool {
	return e.fuel < 0 || time.Now().After(e.until) || e.ctx.Err() != nil
}

func (e *procEnv) declare(d ast.ProcDecl) error {
	v := &procVar{typ: d.Type}
	if d.Default != "" {
		val, err := e.eval(d.Default, d.Type)
		if err != nil {
			return fmt.Errorf("DECLARE %s: %w", d.Name, err)
		}
		v.val = val
	} else if _, err := e.eval("NULL", d.Type); err != nil {
		return fmt.Errorf("DECLARE %s: %w", d.Name, err) // an unknown type
	}
	e.scopes[len(e.scopes)-1][d.Name] = v
	return nil
}

func (e *procEnv) assign(name string, val any) error {
	v := e.lookup(name)
	if v == nil {
		return errs.Errorf(errs.UndefinedObject, "variable %q is not declared", name).
			WithHint("Declare it first: DECLARE " + name + " TYPE;")
	}
	if v.typ != "" && val != nil {
		cast, err := e.eval(sqlLiteral(val), v.typ)
		if err != nil {
			return err
		}
		val = cast
	}
	v.val = val
	return nil
}

func (e *procEnv) stmts(list []ast.ProcStmt) (procCtl, error) {
	for _, st := range list {
		if err := e.tick(); err != nil {
			return ctlNext, err
		}
		ctl, err := e.stmt(st)
		if err != nil || ctl != ctlNext {
			return ctl, err
		}
	}
	return ctlNext, nil
}

func (e *procEnv) stmt(st ast.ProcStmt) (procCtl, error) {
	switch s := st.(type) {
	case *ast.ProcSQL:
		res, err := e.query(s.SQL)
		if err != nil {
			return ctlNext, err
		}
		if len(s.Into) > 0 {
			var row types.Row
			if len(res.Rows) > 0 {
				row = res.Rows[0]
			}
			for i, name := range s.Into {
				var val any
				if i < len(row) {
					val = row[i]
				}
				if err := e.assign(name, val); err != nil {
					return ctlNext, err
				}
			}
		}
	case *ast.ProcAssign:
		if s.Field != "" {
			rec, ok := e.recs[s.Name]
			if !ok {
				return ctlNext, errs.Errorf(errs.UndefinedObject, "record %q is not available here", s.Name)
			}
			val, err := e.eval(s.Expr, "")
			if err != nil {
				return ctlNext, err
			}
			rec[s.Field] = val
			return ctlNext, nil
		}
		v := e.lookup(s.Name)
		if v == nil {
			return ctlNext, errs.Errorf(errs.UndefinedObject, "variable %q is not declared", s.Name)
		}
		val, err := e.eval(s.Expr, v.typ)
		if err != nil {
			return ctlNext, err
		}
		v.val = val
	case *ast.ProcBlock:
		return e.run(s.Block)
	case *ast.ProcDeclare:
		for _, d := range s.Decls {
			if err := e.declare(d); err != nil {
				return ctlNext, err
			}
		}
	case *ast.ProcIf:
		for i, c := range s.Conds {
			ok, err := e.cond(c)
			if err != nil {
				return ctlNext, err
			}
			if ok {
				return e.stmts(s.Then[i])
			}
		}
		return e.stmts(s.Else)
	case *ast.ProcLoop:
		for {
			if err := e.burn(); err != nil {
				return ctlNext, err
			}
			if s.Cond != "" {
				ok, err := e.cond(s.Cond)
				if err != nil {
					return ctlNext, err
				}
				if !ok {
					return ctlNext, nil
				}
			}
			ctl, err := e.stmts(s.Body)
			if err != nil || ctl == ctlReturn {
				return ctl, err
			}
			if ctl == ctlExit {
				return ctlNext, nil
			}
		}
	case *ast.ProcForRange:
		lo, err := e.eval(s.Lo, "bigint")
		if err != nil {
			return ctlNext, err
		}
		hi, err := e.eval(s.Hi, "bigint")
		if err != nil {
			return ctlNext, err
		}
		a, _ := lo.(int64)
		b, _ := hi.(int64)
		step := int64(1)
		if s.Reverse {
			step = -1
		}
		e.scopes = append(e.scopes, map[string]*procVar{})
		defer func() { e.scopes = e.scopes[:len(e.scopes)-1] }()
		for i := a; (step > 0 && i <= b) || (step < 0 && i >= b); i += step {
			if err := e.burn(); err != nil {
				return ctlNext, err
			}
			e.scopes[len(e.scopes)-1][s.Var] = &procVar{typ: "bigint", val: i}
			ctl, err := e.stmts(s.Body)
			if err != nil || ctl == ctlReturn {
				return ctl, err
			}
			if ctl == ctlExit {
				return ctlNext, nil
			}
		}
	case *ast.ProcForQuery:
		res, err := e.query(s.Query)
		if err != nil {
			return ctlNext, err
		}
		saved, had := e.recs[s.Var]
		defer func() {
			if had {
				e.recs[s.Var] = saved
			} else {
				delete(e.recs, s.Var)
			}
		}()
		for _, row := range res.Rows {
			if err := e.burn(); err != nil {
				return ctlNext, err
			}
			rec := make(map[string]any, len(row))
			for i, c := range res.Columns {
				rec[c.Name] = row[i]
			}
			e.recs[s.Var] = rec
			ctl, err := e.stmts(s.Body)
			if err != nil || ctl == ctlReturn {
				return ctl, err
			}
			if ctl == ctlExit {
				return ctlNext, nil
			}
		}
	case *ast.ProcExit:
		if s.When != "" {
			ok, err := e.cond(s.When)
			if err != nil || !ok {
				return ctlNext, err
			}
		}
		if s.Continue {
			return ctlContinue, nil
		}
		return ctlExit, nil
	case *ast.ProcRaise:
		if s.Reraise {
			if len(e.caught) == 0 {
				return ctlNext, errs.New("0Z002", "RAISE without parameters cannot be used outside an exception handler")
			}
			return ctlNext, e.caught[len(e.caught)-1]
		}
		msg, err := e.format(s.Format, s.Args)
		if err != nil {
			return ctlNext, err
		}
		if s.Level == "EXCEPTION" {
			code := s.Code
			if code == "" {
				code = "P0001"
			}
			return ctlNext, &errs.Error{Code: code, Message: msg}
		}
		e.notices = append(e.notices, Notice{Severity: s.Level, Code: "00000", Message: msg})
	case *ast.ProcReturn:
		if s.Expr != "" {
			v, err := e.eval(s.Expr, "")
			if err != nil {
				return ctlNext, err
			}
			e.ret = v
			e.returnedNull = v == nil
		}
		return ctlReturn, nil
	}
	return ctlNext, nil
}

// format fills RAISE's % placeholders (%% is a percent sign).
func (e *procEnv) format(f string, args []string) (string, error) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if n >= len(args) {
			return "", errs.New(errs.SyntaxError, "too few parameters specified for RAISE")
		}
		v, err := e.eval(args[n], "")
		if err != nil {
			return "", err
		}
		n++
		if v == nil {
			b.WriteString("<NULL>")
		} else {
			b.WriteString(types.FormatText(v))
		}
	}
	if n < len(args) {
		return "", errs.New(errs.SyntaxError, "too many parameters specified for RAISE")
	}
	return b.String(), nil
}

// checkBlock accepts the SQL statements a body may hold: DML, SELECT,
// NOTIFY, PUBLISH.
func checkBlock(b *ast.Block, what string) error {
	var walk func([]ast.ProcStmt) error
	var walkBlock func(*ast.Block) error
	walk = func(list []ast.ProcStmt) error {
		for _, st := range list {
			switch s := st.(type) {
			case *ast.ProcSQL:
				stmts, err := parser.Parse(s.SQL)
				if err != nil {
					return err
				}
				if err := checkBody([]ast.Statement{stmts[0].AST}, what); err != nil {
					return err
				}
			case *ast.ProcBlock:
				if err := walkBlock(s.Block); err != nil {
					return err
				}
			case *ast.ProcIf:
				for _, t := range s.Then {
					if err := walk(t); err != nil {
						return err
					}
				}
				if err := walk(s.Else); err != nil {
					return err
				}
			case *ast.ProcLoop:
				if err := walk(s.Body); err != nil {
					return err
				}
			case *ast.ProcForRange:
				if err := walk(s.Body); err != nil {
					return err
				}
			case *ast.ProcForQuery:
				if err := walk(s.Body); err != nil {
					return err
				}
			}
		}
		return nil
	}
	walkBlock = func(b *ast.Block) error {
		if err := checkConditions(b); err != nil {
			return err
		}
		if err := walk(b.Body); err != nil {
			return err
		}
		for _, h := range b.Handlers {
			if err := walk(h.Body); err != nil {
				return err
			}
		}
		return nil
	}
	return walkBlock(b)
}

// atomically runs fn inside the session's transaction block when there
// is one, else in an implicit transaction of its own that commits when fn
// succeeds and rolls back (changing nothing) when it fails.
func (s *Session) atomically(fn func() error) error {
	outer := s.implicit || s.explicit
	if !outer {
		s.BeginImplicit()
	}
	err := fn()
	if outer {
		return err
	}
	if err != nil {
		s.abortTxn()
		s.implicit, s.implicitFailed = false, false
		return err
	}
	return s.EndImplicit()
}

// runDo runs a DO block: inside the session's transaction when there is
// one, else in a transaction of its own.
func (s *Session) runDo(ctx context.Context, st *ast.Do) (*Result, error) {
	env := newProcEnv(ctx, s)
	if err := s.atomically(func() error { _, err := env.run(st.Block); return err }); err != nil {
		return nil, err
	}
	return &Result{Tag: "DO", Notices: env.notices}, nil
}

func (s *Session) createProcedure(st *ast.CreateProcedure) (*Result, error) {
	db := s.mgr.db
	if err := checkBlock(st.Block, "procedure"); err != nil {
		return nil, err
	}
	pr := &catalog.Procedure{Name: st.Name, Body: st.Body, Definer: st.Definer, Owner: s.user, Created: time.Now().UTC()}
	seen := map[string]bool{}
	for _, prm := range st.Params {
		if seen[prm.Name] {
			return nil, errs.Errorf(errs.DuplicateObject, "parameter name %q used more than once", prm.Name)
		}
		seen[prm.Name] = true
		pr.Params = append(pr.Params, catalog.ProcParam{Name: prm.Name, Type: prm.Type})
	}
	for _, o := range st.With {
		v, err := optionText(o)
		if err != nil {
			return nil, err
		}
		switch o.Key {
		case "timeout":
			d, err := parseDuration(v)
			if err != nil || d <= 0 {
				return nil, errs.Errorf(errs.InvalidParameterValue, "TIMEOUT must be a duration such as '5s', not %q", v)
			}
			pr.TimeoutMs = d.Milliseconds()
		case "max_iterations":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n <= 0 {
				return nil, errs.Errorf(errs.InvalidParameterValue, "MAX_ITERATIONS must be a positive integer, not %q", v)
			}
			pr.MaxIterations = n
		default:
			return nil, errs.Errorf(errs.SyntaxError, "unknown procedure option %q", o.Key).WithPosition(o.Pos).
				WithHint("Supported options: TIMEOUT, MAX_ITERATIONS.")
		}
	}
	// The parameter types must be types: try each.
	env := newProcEnv(context.Background(), s)
	for _, prm := range pr.Params {
		if _, err := env.eval("NULL", prm.Type); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", prm.Name, err)
		}
	}
	err := db.cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, exists := db.cat.Procedure(st.Name)
		if exists && !st.OrReplace {
			return errs.Errorf(errs.DuplicateFunction, "procedure %s already exists", st.Name)
		}
		pr.ID = tx.NewID()
		if exists {
			pr.ID, pr.Created = cur.ID, cur.Created
		}
		return tx.PutProcedure(pr)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE PROCEDURE"}, nil
}

func (s *Session) dropProcedure(st *ast.DropProcedure) (*Result, error) {
	db := s.mgr.db
	var notices []Notice
	err := db.cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, ok := db.cat.Procedure(st.Name)
		if !ok {
			if st.IfExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.UndefinedFunction,
					Message: fmt.Sprintf("procedure %s does not exist, skipping", st.Name)})
				return nil
			}
			return errs.Errorf(errs.UndefinedFunction, "procedure %s does not exist", st.Name)
		}
		tx.RemoveProcedure(cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP PROCEDURE", Notices: notices}, nil
}

// call runs a procedure: its arguments are evaluated in the caller's
// session and bound to the parameters (cast to their types); the body
// runs like a DO block.
func (s *Session) call(ctx context.Context, st *ast.Call) (*Result, error) {
	pr, err := s.mgr.db.cat.MustProcedure(st.Name)
	if err != nil {
		return nil, err
	}
	if len(st.Args) != len(pr.Params) {
		return nil, errs.Errorf(errs.UndefinedFunction, "procedure %s takes %d arguments, not %d", pr.Name, len(pr.Params), len(st.Args)).
			WithHint("No procedure matches the given name and argument types.")
	}
	blk, err := parseBlock(pr.Body)
	if err != nil {
		return nil, err
	}
	env := newProcEnv(ctx, s)
	if pr.MaxIterations > 0 {
		env.fuel, env.maxFuel = pr.MaxIterations, pr.MaxIterations
	}
	if pr.TimeoutMs > 0 {
		env.timeout = time.Duration(pr.TimeoutMs) * time.Millisecond
		env.until = time.Now().Add(env.timeout)
	}
	err = s.atomically(func() error {
		for i, prm := range pr.Params {
			v, err := env.eval(st.Args[i], prm.Type)
			if err != nil {
				return fmt.Errorf("argument %s: %w", prm.Name, err)
			}
			env.scopes[0][prm.Name] = &procVar{typ: prm.Type, val: v}
		}
		if pr.Definer {
			// SECURITY DEFINER: the body runs as the procedure's owner.
			caller := s.user
			s.user = pr.Owner
			defer func() { s.user = caller }()
		}
		_, err := env.run(blk)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CALL", Notices: env.notices}, nil
}

// blocks caches parsed bodies by source (a parsed block is never
// changed, and a changed body is a different key).
var blocks sync.Map // string → *ast.Block

// parseBlock returns the parse of a body, from the cache when it can.
func parseBlock(src string) (*ast.Block, error) {
	if b, ok := blocks.Load(src); ok {
		return b.(*ast.Block), nil
	}
	b, err := parser.ParseBlock(src)
	if err != nil {
		return nil, err
	}
	blocks.Store(src, b)
	return b, nil
}

// functionExpr turns a function body into the expression queries inline:
// SELECT expr (or a scalar subquery when it has a FROM), RETURN expr, or
// BEGIN RETURN expr; END.
func functionExpr(body string) (string, error) {
	if stmts, err := parser.Parse(body); err == nil && len(stmts) == 1 {
		if sel, ok := stmts[0].AST.(*ast.Select); ok {
			if core, ok := sel.Body.(*ast.SelectCore); ok && len(core.From) == 0 && core.Where == nil &&
				len(core.Items) == 1 && !core.Items[0].Star && sel.With == nil && sel.Limit == nil {
				return ast.Format(core.Items[0].Expr), nil
			}
			return "(" + strings.TrimSuffix(strings.TrimSpace(stmts[0].SQL), ";") + ")", nil
		}
	}
	src := strings.TrimSpace(body)
	if len(src) > 6 && strings.EqualFold(src[:6], "return") {
		src = "BEGIN " + src + "; END"
	}
	b, err := parser.ParseBlock(src)
	if err != nil {
		return "", errs.Errorf(errs.InvalidFunctionDefinition, "function body: %v", err)
	}
	if len(b.Decls) == 0 && len(b.Body) == 1 {
		if r, ok := b.Body[0].(*ast.ProcReturn); ok && r.Expr != "" {
			return r.Expr, nil
		}
	}
	return "", errs.New(errs.FeatureNotSupported, "a function body is one expression: SELECT expr, or BEGIN RETURN expr; END").
		WithHint("For statements, loops and side effects, use a procedure (CREATE PROCEDURE ... CALL).")
}

func (s *Session) createFunction(st *ast.CreateFunction) (*Result, error) {
	db := s.mgr.db
	if _, builtin := funcs.Lookup(st.Name); builtin {
		return nil, errs.Errorf(errs.DuplicateFunction, "function %s already exists (a built-in function)", st.Name)
	}
	expr, err := functionExpr(st.Body)
	if err != nil {
		return nil, err
	}
	fn := &catalog.Function{Name: st.Name, Returns: st.Returns, Body: st.Body, Expr: expr, Owner: s.user, Created: time.Now().UTC()}
	env := newProcEnv(context.Background(), s)
	for _, prm := range st.Params {
		if _, err := env.eval("NULL", prm.Type); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", prm.Name, err)
		}
		fn.Params = append(fn.Params, catalog.ProcParam{Name: prm.Name, Type: prm.Type})
	}
	if _, err := env.eval("NULL", st.Returns); err != nil {
		return nil, fmt.Errorf("RETURNS: %w", err)
	}
	err = db.cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, exists := db.cat.Function(st.Name)
		if exists && !st.OrReplace {
			return errs.Errorf(errs.DuplicateFunction, "function %s already exists", st.Name)
		}
		fn.ID = tx.NewID()
		if exists {
			fn.ID, fn.Created = cur.ID, cur.Created
		}
		return tx.PutFunction(fn)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE FUNCTION"}, nil
}

func (s *Session) dropFunction(st *ast.DropFunction) (*Result, error) {
	db := s.mgr.db
	var notices []Notice
	err := db.cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, ok := db.cat.Function(st.Name)
		if !ok {
			if st.IfExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.UndefinedFunction,
					Message: fmt.Sprintf("function %s does not exist, skipping", st.Name)})
				return nil
			}
			return errs.Errorf(errs.UndefinedFunction, "function %s does not exist", st.Name)
		}
		tx.RemoveFunction(cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP FUNCTION", Notices: notices}, nil
}
