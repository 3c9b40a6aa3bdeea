package pgwire

// COPY FROM STDIN. The client streams CopyData messages whose boundaries
// mean nothing: a row may be split across messages and one message may hold
// many rows. copyDecoder buffers the bytes and emits each complete row.
//
// Text format: rows end with \n (a trailing \r is dropped); fields are
// separated by Delim (default tab); a field equal to Null (default \N) is
// NULL; backslash escapes \b \f \n \r \t \v \ooo \xhh and \<c> = c. A line
// that is exactly \. ends the data (psql's \copy sends it).
//
// CSV format: fields separated by Delim (default ','), quoted with '"', a
// doubled quote inside quotes is a quote, quoted fields may hold newlines;
// an unquoted field equal to Null (default empty) is NULL; Header skips the
// first line; a line that is exactly \. ends the data.
//
// Binary format: the 11-byte signature "PGCOPY\n\377\r\n\0", int32 flags,
// int32 header-extension length and the extension; then per tuple an int16
// field count (-1 is the trailer), and per field an int32 length (-1 NULL)
// and that many bytes in the type's binary form.

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

const codeBadCopyFormat = "22P04"

var copySignature = []byte("PGCOPY\n\377\r\n\x00")

// copyIn runs the COPY FROM STDIN sub-protocol for ci and sends
// CommandComplete on success. On error the sink is aborted and the error
// returned for the caller to report.
func (c *conn) copyIn(ci *session.CopyIn) error {
	sink := c.sess.CopySink(ci)
	dec := newCopyDecoder(ci)
	format := int16(0)
	if dec.format == "binary" {
		format = 1
	}
	colFormats := make([]uint16, len(ci.Columns))
	for i := range colFormats {
		colFormats[i] = uint16(format)
	}
	c.send(&pgproto3.CopyInResponse{OverallFormat: byte(format), ColumnFormatCodes: colFormats}, 16)
	c.flush()
	if c.dead != nil {
		sink.Abort()
		return connBroken{c.dead}
	}
	for {
		msg, err := c.be.Receive()
		if err != nil {
			sink.Abort()
			c.readFailed(err)
			c.dead = err
			return connBroken{err}
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if err := dec.feed(m.Data, sink.Append); err != nil {
				sink.Abort()
				return err
			}
		case *pgproto3.CopyDone:
			if err := dec.finish(sink.Append); err != nil {
				sink.Abort()
				return err
			}
			res, err := c.finishCopy(sink)
			if err != nil {
				return err
			}
			tag := fmt.Sprintf("COPY %d", dec.rows)
			if res != nil {
				c.sendNotices(res.Notices)
				if res.Tag != "" {
					tag = res.Tag
				}
			}
			c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)}, 32)
			return nil
		case *pgproto3.CopyFail:
			sink.Abort()
			return errs.Errorf(errs.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
			// Ignored during COPY, as PostgreSQL does.
		default:
			sink.Abort()
			return errs.Errorf(errs.ProtocolViolation, "unexpected message type %T during COPY from stdin", msg)
		}
	}
}

type copyDecoder struct {
	format string
	cols   []session.Column
	delim  byte
	null   string
	header bool // csv: a header line is still to be skipped

	buf     []byte
	scan    int  // text/csv: bytes of buf already searched for a row end
	inQuote bool // csv: quote state at scan
	line    int  // rows seen, for error context
	ended   bool // \. or the binary trailer was seen; the rest is ignored
	sawSig  bool // binary: the header was read
	rows    int64
	fields  [][]byte
	isNull  []bool
}

func newCopyDecoder(ci *session.CopyIn) *copyDecoder {
	d := &copyDecoder{format: ci.Format, cols: ci.Columns, delim: ci.Delim, null: ci.Null, header: ci.Header}
	switch d.format {
	case "csv":
		if d.delim == 0 {
			d.delim = ','
		}
	case "binary":
	default:
		d.format = "text"
		if d.delim == 0 {
			d.delim = '\t'
		}
		if d.null == "" {
			d.null = `\N`
		}
	}
	return d
}

// feed adds bytes and emits the rows they complete.
func (d *copyDecoder) feed(data []byte, emit func(types.Row) error) error {
	if d.ended {
		return nil
	}
	d.buf = append(d.buf, data...)
	return d.process(false, emit)
}

// finish emits what remains at CopyDone.
func (d *copyDecoder) finish(emit func(types.Row) error) error {
	if d.ended {
		return nil
	}
	return d.process(true, emit)
}

func (d *copyDecoder) process(final bool, emit func(types.Row) error) error {
	var err error
	if d.format == "binary" {
		err = d.processBinary(final, emit)
	} else {
		err = d.processText(final, emit)
	}
	return err
}

func (d *copyDecoder) badFormat(format string, args ...any) error {
	return withWhere(errs.Errorf(codeBadCopyFormat, format, args...), fmt.Sprintf("COPY, line %d", d.line))
}

// processText splits complete rows off the buffer.
func (d *copyDecoder) processText(final bool, emit func(types.Row) error) error {
	start := 0
	defer func() {
		// Keep only the unconsumed tail.
		n := copy(d.buf, d.buf[start:])
		d.buf = d.buf[:n]
		d.scan -= start
	}()
	for !d.ended {
		end := -1
		if d.format == "csv" {
			for i := d.scan; i < len(d.buf); i++ {
				switch d.buf[i] {
				case '"':
					d.inQuote = !d.inQuote
				case '\n':
					if !d.inQuote {
						end = i
					}
				}
				if end >= 0 {
					break
				}
			}
		} else if i := bytes.IndexByte(d.buf[d.scan:], '\n'); i >= 0 {
			end = d.scan + i
		}
		var rec []byte
		if end < 0 {
			if !final || start == len(d.buf) {
				d.scan = len(d.buf)
				return nil
			}
			if d.format == "csv" && d.inQuote {
				d.line++
				return d.badFormat("unterminated CSV quoted field")
			}
			rec = d.buf[start:]
			start = len(d.buf)
		} else {
			rec = d.buf[start:end]
			start = end + 1
		}
		d.scan = start
		d.inQuote = false
		if n := len(rec); n > 0 && rec[n-1] == '\r' {
			rec = rec[:n-1]
		}
		d.line++
		if string(rec) == `\.` {
			d.ended = true
			return nil
		}
		if d.header {
			d.header = false
			continue
		}
		var err error
		if d.format == "csv" {
			err = d.splitCSV(rec)
		} else {
			err = d.splitText(rec)
		}
		if err != nil {
			return err
		}
		if err := d.emitRow(emit, types.DecodeText); err != nil {
			return err
		}
	}
	return nil
}

// splitText splits a text-format line into unescaped fields.
func (d *copyDecoder) splitText(rec []byte) error {
	d.fields, d.isNull = d.fields[:0], d.isNull[:0]
	fieldStart := 0
	for i := 0; i <= len(rec); i++ {
		if i < len(rec) && rec[i] == '\\' {
			i++ // the escaped byte is never a delimiter
			continue
		}
		if i < len(rec) && rec[i] != d.delim {
			continue
		}
		raw := rec[fieldStart:min(i, len(rec))]
		fieldStart = i + 1
		if string(raw) == d.null {
			d.fields, d.isNull = append(d.fields, nil), append(d.isNull, true)
			continue
		}
		d.fields, d.isNull = append(d.fields, unescapeText(raw)), append(d.isNull, false)
	}
	return nil
}

func unescapeText(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		if ch != '\\' || i+1 == len(raw) {
			out = append(out, ch)
			continue
		}
		i++
		ch = raw[i]
		switch ch {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := ch - '0'
			for k := 0; k < 2 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; k++ {
				i++
				v = v<<3 | (raw[i] - '0')
			}
			out = append(out, v)
		case 'x':
			if i+1 < len(raw) && isHex(raw[i+1]) {
				i++
				v := unhex(raw[i])
				if i+1 < len(raw) && isHex(raw[i+1]) {
					i++
					v = v<<4 | unhex(raw[i])
				}
				out = append(out, v)
			} else {
				out = append(out, 'x')
			}
		default:
			out = append(out, ch)
		}
	}
	return out
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// splitCSV splits one CSV record (which may contain quoted newlines).
func (d *copyDecoder) splitCSV(rec []byte) error {
	d.fields, d.isNull = d.fields[:0], d.isNull[:0]
	var field []byte
	quoted, inQuote := false, false
	for i := 0; i < len(rec); i++ {
		ch := rec[i]
		switch {
		case inQuote && ch == '"':
			if i+1 < len(rec) && rec[i+1] == '"' {
				field = append(field, '"')
				i++
			} else {
				inQuote = false
			}
		case inQuote:
			field = append(field, ch)
		case ch == '"':
			inQuote, quoted = true, true
		case ch == d.delim:
			d.appendCSVField(field, quoted)
			field, quoted = nil, false
		default:
			field = append(field, ch)
		}
	}
	if inQuote {
		return d.badFormat("unterminated CSV quoted field")
	}
	d.appendCSVField(field, quoted)
	return nil
}

func (d *copyDecoder) appendCSVField(field []byte, quoted bool) {
	if !quoted && string(field) == d.null {
		d.fields, d.isNull = append(d.fields, nil), append(d.isNull, true)
		return
	}
	if field == nil {
		field = []byte{}
	}
	d.fields, d.isNull = append(d.fields, field), append(d.isNull, false)
}

// emitRow decodes d.fields into a row of the columns' types.
func (d *copyDecoder) emitRow(emit func(types.Row) error, decode func([]byte, types.T) (types.Value, error)) error {
	if len(d.fields) > len(d.cols) {
		return d.badFormat("extra data after last expected column")
	}
	if len(d.fields) < len(d.cols) {
		return d.badFormat("missing data for column %q", d.cols[len(d.fields)].Name)
	}
	row := make(types.Row, len(d.cols))
	for i, col := range d.cols {
		if d.isNull[i] {
			continue
		}
		v, err := decode(d.fields[i], col.Type)
		if err != nil {
			return withWhere(err, fmt.Sprintf("COPY, line %d, column %s", d.line, col.Name))
		}
		row[i] = v
	}
	if err := emit(row); err != nil {
		return withWhere(err, fmt.Sprintf("COPY, line %d", d.line))
	}
	d.rows++
	return nil
}

// processBinary parses complete tuples off the buffer.
func (d *copyDecoder) processBinary(final bool, emit func(types.Row) error) error {
	start := 0
	defer func() {
		n := copy(d.buf, d.buf[start:])
		d.buf = d.buf[:n]
	}()
	if !d.sawSig {
		if len(d.buf) < len(copySignature)+8 {
			if final {
				return d.badFormat("COPY file signature not recognized")
			}
			return nil
		}
		if !bytes.Equal(d.buf[:len(copySignature)], copySignature) {
			return d.badFormat("COPY file signature not recognized")
		}
		flags := binary.BigEndian.Uint32(d.buf[len(copySignature):])
		if flags&(1<<16) != 0 {
			return d.badFormat("COPY with OIDs is not supported")
		}
		if flags&0xFFFF0000&^(1<<16) != 0 {
			return d.badFormat("unrecognized critical flags in COPY file header")
		}
		ext := int64(binary.BigEndian.Uint32(d.buf[len(copySignature)+4:]))
		hdr := int64(len(copySignature)) + 8 + ext
		if ext > 1<<30 {
			return d.badFormat("invalid COPY file header (wrong length)")
		}
		if int64(len(d.buf)) < hdr {
			if final {
				return d.badFormat("invalid COPY file header (wrong length)")
			}
			return nil
		}
		start = int(hdr)
		d.sawSig = true
	}
	for {
		rest := d.buf[start:]
		if len(rest) == 0 {
			return nil
		}
		if len(rest) < 2 {
			if final {
				return d.badFormat("unexpected EOF in COPY data")
			}
			return nil
		}
		n := int(int16(binary.BigEndian.Uint16(rest)))
		if n == -1 {
			d.ended = true
			start = len(d.buf)
			return nil
		}
		d.line++
		if n != len(d.cols) {
			return d.badFormat("row field count is %d, expected %d", n, len(d.cols))
		}
		pos := 2
		d.fields, d.isNull = d.fields[:0], d.isNull[:0]
		complete := true
		for i := 0; i < n; i++ {
			if len(rest)-pos < 4 {
				complete = false
				break
			}
			l := int(int32(binary.BigEndian.Uint32(rest[pos:])))
			pos += 4
			if l == -1 {
				d.fields, d.isNull = append(d.fields, nil), append(d.isNull, true)
				continue
			}
			if l < 0 {
				return d.badFormat("invalid field size")
			}
			if len(rest)-pos < l {
				complete = false
				break
			}
			d.fields, d.isNull = append(d.fields, rest[pos:pos+l]), append(d.isNull, false)
			pos += l
		}
		if !complete {
			d.line--
			if final {
				d.line++
				return d.badFormat("unexpected EOF in COPY data")
			}
			return nil
		}
		if err := d.emitRow(emit, types.DecodeBinary); err != nil {
			return err
		}
		start += pos
	}
}
