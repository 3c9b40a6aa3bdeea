package pgwire

import (
	"bytes"
	"encoding/binary"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// COPY ... TO STDOUT: CopyOutResponse, one CopyData per row (and one for
// the header line), CopyDone, then the caller's CommandComplete. Values
// are written with the session's text output, escaped as PostgreSQL's
// text and CSV formats escape them.

// copyOut sends res's rows as COPY data.
func (c *conn) copyOut(res *session.Result) error {
	co := res.CopyOut
	formats := make([]uint16, len(res.Columns))
	if co.Format == "binary" {
		for i := range formats {
			formats[i] = 1
		}
		c.send(&pgproto3.CopyOutResponse{OverallFormat: 1, ColumnFormatCodes: formats}, 7+2*len(formats))
		return c.copyOutBinary(res)
	}
	c.send(&pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: formats}, 7+2*len(formats))
	var line []byte
	if co.Header {
		line = line[:0]
		for i, col := range res.Columns {
			if i > 0 {
				line = append(line, co.Delim)
			}
			line = appendCopyField(line, []byte(col.Name), co, len(res.Columns) == 1)
		}
		line = append(line, '\n')
		c.send(&pgproto3.CopyData{Data: line}, 5+len(line))
	}
	for _, row := range res.Rows {
		line = line[:0]
		for i, col := range res.Columns {
			if i > 0 {
				line = append(line, co.Delim)
			}
			var v types.Value
			if i < len(row) {
				v = row[i]
			}
			if v == nil {
				line = append(line, co.Null...)
				continue
			}
			line = appendCopyField(line, c.sess.EncodeText(v, col.Type), co, len(res.Columns) == 1)
		}
		line = append(line, '\n')
		// pgproto3 copies Data when it encodes the message.
		c.send(&pgproto3.CopyData{Data: line}, 5+len(line))
		if c.dead != nil {
			return connBroken{c.dead}
		}
	}
	c.send(&pgproto3.CopyDone{}, 5)
	return nil
}

// appendCopyField appends one non-NULL field in co's format (alone: the
// only field of its line).
func appendCopyField(dst, v []byte, co *session.CopyOut, alone bool) []byte {
	if co.Format == "csv" {
		if !csvNeedsQuotes(v, co, alone) {
			return append(dst, v...)
		}
		dst = append(dst, '"')
		for _, b := range v {
			if b == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, b)
		}
		return append(dst, '"')
	}
	for _, b := range v {
		switch b {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\v':
			dst = append(dst, '\\', 'v')
		default:
			if b == co.Delim {
				dst = append(dst, '\\')
			}
			dst = append(dst, b)
		}
	}
	return dst
}

// csvNeedsQuotes is PostgreSQL's rule: a field with the delimiter, a
// quote or a line break, one that reads as the NULL marker, and the
// end-of-data marker \. alone on its line are quoted.
func csvNeedsQuotes(v []byte, co *session.CopyOut, alone bool) bool {
	if string(v) == co.Null || (alone && string(v) == `\.`) {
		return true
	}
	return bytes.IndexByte(v, co.Delim) >= 0 || bytes.ContainsAny(v, "\"\r\n")
}

// binaryCopySignature starts PostgreSQL's binary COPY format, followed by
// 32-bit flags and header-extension length (both 0).
const binaryCopySignature = "PGCOPY\n\xff\r\n\x00"

// copyOutBinary sends the rows in the binary COPY format: the header, per
// row a 16-bit field count and each field as a 32-bit length (-1 for
// NULL) and its binary value, then the -1 trailer.
func (c *conn) copyOutBinary(res *session.Result) error {
	buf := append([]byte(binaryCopySignature), 0, 0, 0, 0, 0, 0, 0, 0)
	c.send(&pgproto3.CopyData{Data: buf}, 5+len(buf))
	for _, row := range res.Rows {
		buf = binary.BigEndian.AppendUint16(buf[:0], uint16(len(res.Columns)))
		for i, col := range res.Columns {
			var v types.Value
			if i < len(row) {
				v = row[i]
			}
			if v == nil {
				buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
				continue
			}
			b, err := types.EncodeBinary(v, col.Type)
			if err != nil {
				return err
			}
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
			buf = append(buf, b...)
		}
		c.send(&pgproto3.CopyData{Data: buf}, 5+len(buf))
		if c.dead != nil {
			return connBroken{c.dead}
		}
	}
	buf = binary.BigEndian.AppendUint16(buf[:0], 0xffff)
	c.send(&pgproto3.CopyData{Data: buf}, 5+len(buf))
	c.send(&pgproto3.CopyDone{}, 5)
	return nil
}
