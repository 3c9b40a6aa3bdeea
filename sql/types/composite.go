package types

import (
	"encoding/binary"
	"slices"
	"time"
)

// Composite is a row value, the runtime value of type Record: a whole-row
// reference (`SELECT row_to_json(t) FROM t`) or a ROW(...) constructor.
// Its fields keep their order, names and static types, so that JSON built
// from it lists the columns in order and renders dates as dates. Names may
// repeat (a subquery's two columns named a), as in PostgreSQL.
type Composite struct {
	Names []string
	Types []T
	Vals  []Value
}

// Map returns the composite as a document object, the form stored and
// used by jsonb: nested composites become objects, dates and timestamps
// JSON strings as to_json renders them. A repeated name keeps its last
// field.
func (c *Composite) Map() map[string]any {
	m := make(map[string]any, len(c.Names))
	for i, n := range c.Names {
		m[n] = c.jsonField(i)
	}
	return m
}

// jsonField is field i as a document value.
func (c *Composite) jsonField(i int) Value {
	switch x := c.Vals[i].(type) {
	case *Composite:
		return x.Map()
	case time.Time:
		return JSONTyped(x, c.Types[i])
	case map[string]any, []any, JSONText:
		return Plain(x)
	}
	return c.Vals[i]
}

// Plain returns v with every composite inside it (v itself, or nested in
// objects and arrays) replaced by its Map, for code that knows only
// documents: storage, jsonb, the JSON operators. Values without
// composites are returned as they are, not copied.
func Plain(v Value) Value {
	p, _ := plain(v)
	return p
}

// plain is Plain; changed reports whether it replaced anything.
func plain(v Value) (Value, bool) {
	switch x := v.(type) {
	case *Composite:
		return x.Map(), true
	case JSONText:
		return Plain(x.Doc()), true
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			p, changed := plain(e)
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			out[k] = p
		}
		if out != nil {
			return out, true
		}
	case []any:
		var out []any
		for i, e := range x {
			p, changed := plain(e)
			if !changed {
				continue
			}
			if out == nil {
				out = slices.Clone(x)
			}
			out[i] = p
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}

// AppendCompositeJSON appends c as PostgreSQL's row_to_json renders a
// row: fields in order, no spaces; pretty puts each field after the first
// on a line of its own, as row_to_json(r, true) does.
func AppendCompositeJSON(dst []byte, c *Composite, pretty bool) []byte {
	dst = append(dst, '{')
	for i, n := range c.Names {
		if i > 0 {
			dst = append(dst, ',')
			if pretty {
				dst = append(dst, "\n "...)
			}
		}
		dst = appendJSONString(dst, n)
		dst = append(dst, ':')
		dst = AppendJSONArg(dst, c.Vals[i], c.Types[i])
	}
	return append(dst, '}')
}

// AppendRecordText appends c in PostgreSQL's record text form,
// `(1,ann,,"a b")`: NULL fields empty; a field quoted when it is empty or
// holds a quote, backslash, parenthesis, comma or space, with quotes and
// backslashes inside doubled.
func AppendRecordText(dst []byte, c *Composite) []byte {
	dst = append(dst, '(')
	for i, v := range c.Vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v == nil {
			continue
		}
		text := EncodeText(v, c.Types[i])
		if !needsRecordQuote(text) {
			dst = append(dst, text...)
			continue
		}
		dst = append(dst, '"')
		for _, ch := range text {
			if ch == '"' || ch == '\\' {
				dst = append(dst, ch)
			}
			dst = append(dst, ch)
		}
		dst = append(dst, '"')
	}
	return append(dst, ')')
}

func needsRecordQuote(text []byte) bool {
	if len(text) == 0 {
		return true
	}
	for _, ch := range text {
		switch ch {
		case '"', '\\', '(', ')', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// appendRecordBinary appends c in PostgreSQL's binary record form: the
// field count, then for each field its type OID, its length (-1 for
// NULL) and its binary value.
func appendRecordBinary(dst []byte, c *Composite) ([]byte, error) {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Vals)))
	for i, v := range c.Vals {
		dst = binary.BigEndian.AppendUint32(dst, c.Types[i].OID())
		if v == nil {
			dst = binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
			continue
		}
		b, err := EncodeBinary(v, c.Types[i])
		if err != nil {
			return nil, err
		}
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
		dst = append(dst, b...)
	}
	return dst, nil
}

// compareComposite orders two row values field by field, as PostgreSQL's
// record comparison does: a NULL field sorts after any other value.
func compareComposite(a, b *Composite) int {
	for i := 0; i < len(a.Vals) && i < len(b.Vals); i++ {
		x, y := a.Vals[i], b.Vals[i]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		if c := Compare(x, y); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(a.Vals)), int64(len(b.Vals)))
}

// RecordAllNull and RecordNoneNull are IS NULL and IS NOT NULL of a row
// value: true when every field is NULL, and when none is.
func RecordAllNull(c *Composite) bool {
	return !slices.ContainsFunc(c.Vals, func(v Value) bool { return v != nil })
}

// RecordNoneNull: see RecordAllNull.
func RecordNoneNull(c *Composite) bool {
	return !slices.Contains(c.Vals, nil)
}

// recordText is FormatText of a composite.
func recordText(c *Composite) string { return string(AppendRecordText(nil, c)) }
