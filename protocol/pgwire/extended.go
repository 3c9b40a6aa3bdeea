package pgwire

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// SQLSTATEs used here that errs does not name.
const (
	codeDuplicateCursor = "42P03"
)

// stmt is a prepared statement of the extended protocol.
type stmt struct {
	name      string
	prep      *session.Prepared // nil for an empty query
	paramOIDs []uint32          // as declared in Parse (0: unspecified)
}

// paramType is the type $i+1 is decoded as: the session's inferred type,
// else the type the client declared.
func (s *stmt) paramType(i int) types.T {
	if s.prep != nil && i < len(s.prep.ParamTypes) && s.prep.ParamTypes[i] != types.Unknown {
		return s.prep.ParamTypes[i]
	}
	if i < len(s.paramOIDs) {
		return types.FromOID(s.paramOIDs[i])
	}
	return types.Unknown
}

func (s *stmt) numParams() int {
	n := len(s.paramOIDs)
	if s.prep != nil {
		n = max(n, len(s.prep.ParamTypes))
	}
	return n
}

func (s *stmt) columns() []session.Column {
	if s.prep == nil {
		return nil
	}
	return s.prep.Columns
}

// portal is a bound statement; its Result is kept so that Execute with a
// row limit can resume it.
type portal struct {
	stmt     *stmt
	params   []types.Value
	formats  []int16 // result format codes as bound
	res      *session.Result
	executed bool
	pos      int  // rows already sent
	resumed  bool // an Execute stopped at the row limit before
}

func stmtName(name string) string {
	if name == "" {
		return "unnamed prepared statement"
	}
	return fmt.Sprintf("prepared statement %q", name)
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		_, ok := c.stmts[m.Name]
		if sq, isSQL := c.sess.(interface{ SQLPrepared(string) bool }); !ok && isSQL {
			ok = sq.SQLPrepared(m.Name) // SQL PREPARE's share the namespace
		}
		if ok {
			return errs.Errorf(errs.DuplicatePreparedStmt, "prepared statement %q already exists", m.Name)
		}
	}
	st := &stmt{name: m.Name, paramOIDs: append([]uint32(nil), m.ParameterOIDs...)}
	if !isEmptyQuery(m.Query) {
		ptypes := make([]types.T, len(m.ParameterOIDs))
		for i, oid := range m.ParameterOIDs {
			ptypes[i] = types.FromOID(oid)
		}
		p, err := c.sess.Prepare(m.Query, ptypes)
		if err != nil {
			return err
		}
		st.prep = p
	}
	c.stmts[m.Name] = st
	c.send(&pgproto3.ParseComplete{}, 5)
	return nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	st, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return errs.Errorf(errs.InvalidPreparedStmt, "%s does not exist", stmtName(m.PreparedStatement))
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return errs.Errorf(codeDuplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	}
	if want := st.numParams(); len(m.Parameters) != want {
		return errs.Errorf(errs.ProtocolViolation, "bind message supplies %d parameters, but %s requires %d",
			len(m.Parameters), stmtName(m.PreparedStatement), want)
	}
	pf := m.ParameterFormatCodes
	if len(pf) > 1 && len(pf) != len(m.Parameters) {
		return errs.Errorf(errs.ProtocolViolation, "bind message has %d parameter formats but %d parameters",
			len(pf), len(m.Parameters))
	}
	params := make([]types.Value, len(m.Parameters))
	for i, raw := range m.Parameters {
		if raw == nil {
			continue
		}
		t := st.paramType(i)
		var v types.Value
		var err error
		switch formatAt(pf, i) {
		case 0:
			v, err = types.DecodeText(raw, t)
		case 1:
			v, err = types.DecodeBinary(raw, t)
		default:
			return errs.Errorf(errs.ProtocolViolation, "unsupported format code: %d", formatAt(pf, i))
		}
		if err != nil {
			return withWhere(err, fmt.Sprintf("portal %q parameter $%d", m.DestinationPortal, i+1))
		}
		params[i] = v
	}
	rf := m.ResultFormatCodes
	if cols := st.columns(); len(rf) > 1 && len(rf) != len(cols) {
		return errs.Errorf(errs.ProtocolViolation, "bind message has %d result formats but query has %d columns",
			len(rf), len(cols))
	}
	for _, f := range rf {
		if f != 0 && f != 1 {
			return errs.Errorf(errs.ProtocolViolation, "unsupported format code: %d", f)
		}
	}
	c.portals[m.DestinationPortal] = &portal{stmt: st, params: params, formats: append([]int16(nil), rf...)}
	c.send(&pgproto3.BindComplete{}, 5)
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		st, ok := c.stmts[m.Name]
		if !ok {
			return errs.Errorf(errs.InvalidPreparedStmt, "%s does not exist", stmtName(m.Name))
		}
		oids := make([]uint32, st.numParams())
		for i := range oids {
			if t := st.paramType(i); t != types.Unknown {
				oids[i] = t.OID()
			} else {
				oids[i] = types.OIDText
			}
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: oids}, 7+4*len(oids))
		c.describeColumns(st.columns(), nil)
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return errs.Errorf(errs.InvalidCursorName, "portal %q does not exist", m.Name)
		}
		c.describeColumns(p.stmt.columns(), p.formats)
	default:
		return errs.Errorf(errs.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
	}
	return nil
}

func (c *conn) describeColumns(cols []session.Column, formats []int16) {
	if cols == nil {
		c.send(&pgproto3.NoData{}, 5)
		return
	}
	c.sendRowDescription(cols, formats)
}

func (c *conn) execute(m *pgproto3.Execute) error {
	if !c.implicit {
		// Everything executed up to Sync is one implicit transaction.
		c.implicit = true
		c.sess.BeginImplicit()
	}
	p, ok := c.portals[m.Portal]
	if !ok {
		return errs.Errorf(errs.InvalidCursorName, "portal %q does not exist", m.Portal)
	}
	if p.stmt.prep == nil {
		c.send(&pgproto3.EmptyQueryResponse{}, 5)
		return nil
	}
	if !p.executed {
		p.executed = true
		res, err := c.runStatement(p.stmt.prep, p.params)
		if err != nil {
			return err
		}
		p.res = res
		c.sendNotices(res.Notices)
		if res.Copy != nil {
			p.res = &session.Result{Tag: "COPY"}
			p.pos = 0
			return c.copyIn(res.Copy)
		}
		if res.CopyOut != nil {
			p.res = &session.Result{Tag: res.Tag}
			p.pos = 0
			if err := c.copyOut(res); err != nil {
				return err
			}
			c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)}, 32)
			return nil
		}
	}
	// Rows are encoded as the portal was described: the statement's
	// columns when it has them.
	cols := p.stmt.columns()
	if cols == nil {
		cols = p.res.Columns
	}
	rows := p.res.Rows[min(p.pos, len(p.res.Rows)):]
	if m.MaxRows > 0 && uint64(len(rows)) > uint64(m.MaxRows) {
		rows = rows[:m.MaxRows]
		if err := c.sendRows(rows, cols, p.formats); err != nil {
			return err
		}
		p.pos += len(rows)
		p.resumed = true
		c.send(&pgproto3.PortalSuspended{}, 5)
		return nil
	}
	if err := c.sendRows(rows, cols, p.formats); err != nil {
		return err
	}
	resumed := p.resumed || (p.pos > 0 && p.pos == len(p.res.Rows))
	p.pos += len(rows)
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tagOf(p.res, len(rows), resumed))}, 32)
	return nil
}

func (c *conn) closeMsg(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		if st, ok := c.stmts[m.Name]; ok {
			delete(c.stmts, m.Name)
			for name, p := range c.portals {
				if p.stmt == st {
					delete(c.portals, name)
				}
			}
		}
	case 'P':
		delete(c.portals, m.Name)
	default:
		return errs.Errorf(errs.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.send(&pgproto3.CloseComplete{}, 5)
	return nil
}
