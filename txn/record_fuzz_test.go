package txn

import (
	"bytes"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

// encodeChangeV2 writes a record as format 2 did (a MessagePack map):
// data directories written then still hold such records.
func encodeChangeV2(b []byte, c *Change, lsn uint64, timeMs int64) []byte {
	n := uint32(8)
	if c.Depth > 0 {
		n++
	}
	if c.StmtCont {
		n++
	}
	opt := func(b, v []byte) []byte {
		if v == nil {
			return msgp.AppendNil(b)
		}
		return msgp.AppendBytes(b, v)
	}
	b = msgp.AppendMapHeader(b, n)
	b = msgp.AppendString(b, "op")
	b = msgp.AppendByte(b, byte(c.Op))
	b = msgp.AppendString(b, "coll")
	b = msgp.AppendString(b, c.CollName)
	b = msgp.AppendString(b, "pk")
	b = msgp.AppendBytes(b, c.PK)
	b = msgp.AppendString(b, "id")
	b = msgp.AppendString(b, c.RowID)
	b = msgp.AppendString(b, "old")
	b = opt(b, c.Old)
	b = msgp.AppendString(b, "new")
	b = opt(b, c.New)
	b = msgp.AppendString(b, "t")
	b = msgp.AppendInt64(b, timeMs)
	b = msgp.AppendString(b, "lsn")
	b = msgp.AppendUint64(b, lsn)
	if c.Depth > 0 {
		b = msgp.AppendString(b, "d")
		b = msgp.AppendUint8(b, c.Depth)
	}
	if c.StmtCont {
		b = msgp.AppendString(b, "sc")
		b = msgp.AppendBool(b, true)
	}
	return b
}

// FuzzDecodeRecord: arbitrary change-log values never panic the decoder,
// and a record the decoder accepts re-encodes to one that decodes the same.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeChange(nil, &Change{CollName: "users", PK: []byte{0x10, 1}, RowID: "1", Op: OpInsert, New: []byte{0x90}}, 7, 1700000000000))
	f.Add(encodeChange(nil, &Change{CollName: "", PK: nil, Op: OpDelete, Old: []byte{}}, 0, -1))
	f.Add(encodeChange(nil, &Change{CollName: "x", Op: OpUpdate, Old: []byte("a"), New: []byte("b")}, 1<<63, 0))
	f.Add(encodeChangeV2(nil, &Change{CollName: "users", PK: []byte{0x10, 1}, RowID: "1", Op: OpInsert, New: []byte{0x90}}, 7, 1700000000000))
	f.Add(encodeChangeV2(nil, &Change{CollName: "d", Op: OpDelete, Old: []byte{0x80}, Depth: 2, StmtCont: true}, 9, 5))
	f.Add([]byte{recordCompact, 'I', 0xff})
	f.Add([]byte{0x81, 0xa3, 'x', 'y', 'z', 0xc0}) // unknown field, skipped
	f.Add([]byte{0x8f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRecord(3, 9, b)
		if r.Collection != 3 || r.VShard != 9 {
			t.Fatalf("key fields not kept: %+v", r)
		}
		// The view decoder agrees with the copying one on every input.
		v, verr := DecodeRecordView(3, 9, b)
		if (verr == nil) != (err == nil) {
			t.Fatalf("view decode error %v, copying decode error %v", verr, err)
		}
		if err != nil {
			return
		}
		if v.Op != r.Op || string(v.CollNameView) != r.CollName || v.CollName != "" || !bytes.Equal(v.PK, r.PK) ||
			v.RowID != r.RowID || !bytes.Equal(v.Old, r.Old) || !bytes.Equal(v.New, r.New) ||
			(v.Old == nil) != (r.Old == nil) || (v.New == nil) != (r.New == nil) || v.LSN != r.LSN ||
			v.TimeMs != r.TimeMs || v.Depth != r.Depth || v.StmtCont != r.StmtCont {
			t.Fatalf("view decode differs:\n%+v\n%+v", v, r)
		}
		enc := encodeChange(nil, &r.Change, r.LSN, r.TimeMs)
		r2, err := DecodeRecord(3, 9, enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if r2.Op != r.Op || r2.CollName != r.CollName || !bytes.Equal(r2.PK, r.PK) || r2.RowID != r.RowID ||
			!bytes.Equal(r2.Old, r.Old) || !bytes.Equal(r2.New, r.New) || (r2.Old == nil) != (r.Old == nil) ||
			(r2.New == nil) != (r.New == nil) || r2.LSN != r.LSN || r2.TimeMs != r.TimeMs ||
			r2.Depth != r.Depth || r2.StmtCont != r.StmtCont {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", r, r2)
		}
	})
}

// TestChangeRecordRoundTrip: records decode to what was encoded, in the
// compact format and in format 2's map (still read), copying or not.
func TestChangeRecordRoundTrip(t *testing.T) {
	for _, c := range []Change{
		{CollName: "users", PK: []byte{0x10, 1}, RowID: "1", Op: OpInsert, New: []byte{0x90}},
		{CollName: "users", PK: []byte{0}, RowID: "", Op: OpUpdate, Old: []byte{0xc0}, New: []byte{1, 2}},
		{CollName: "d", PK: []byte{0x20, 'k', 0, 1}, RowID: "k", Op: OpDelete, Old: []byte{0x80}, Depth: 3, StmtCont: true},
	} {
		for _, enc := range [][]byte{encodeChange(nil, &c, 42, 1234), encodeChangeV2(nil, &c, 42, 1234)} {
			r, err := DecodeRecord(5, 1023, enc)
			if err != nil {
				t.Fatal(err)
			}
			checkRecord(t, c, r)
			v, err := DecodeRecordView(5, 1023, enc)
			if err != nil {
				t.Fatal(err)
			}
			v.CollName, v.CollNameView = string(v.CollNameView), nil
			checkRecord(t, c, v)
		}
	}
	// The compact record is smaller: the map repeated its field names.
	c := Change{CollName: "default", PK: []byte{0x20, 'k', 'e', 'y'}, RowID: "key", Op: OpUpdate, Old: make([]byte, 30), New: make([]byte, 30)}
	if a, b := len(encodeChange(nil, &c, 1e6, 1.7e12)), len(encodeChangeV2(nil, &c, 1e6, 1.7e12)); a >= b-30 {
		t.Fatalf("compact record %d bytes, map %d", a, b)
	}
}

func checkRecord(t *testing.T, c Change, r Record) {
	t.Helper()
	if r.Op != c.Op || r.CollName != c.CollName || !bytes.Equal(r.PK, c.PK) || r.RowID != c.RowID ||
		!bytes.Equal(r.Old, c.Old) || !bytes.Equal(r.New, c.New) || (r.Old == nil) != (c.Old == nil) ||
		(r.New == nil) != (c.New == nil) || r.LSN != 42 || r.TimeMs != 1234 || r.Collection != 5 || r.VShard != 1023 ||
		r.Depth != c.Depth || r.StmtCont != c.StmtCont {
		t.Fatalf("round trip: %+v -> %+v", c, r)
	}
}

func TestMarkStatements(t *testing.T) {
	cs := []Change{
		{Collection: 1, Stmt: 1, Op: OpInsert},
		{Collection: 1, Stmt: 1, Op: OpInsert},
		{Collection: 1, Stmt: 1, Op: OpUpdate},
		{Collection: 2, Stmt: 2, Op: OpInsert},
		{Collection: 1, Stmt: 1, Op: OpUpdate},
		{Collection: 1, Stmt: 3, Op: OpInsert},
		{Collection: 1, Op: OpInsert},
		{Collection: 1, Op: OpInsert},
	}
	markStatements(cs)
	want := []bool{false, true, false, false, true, false, false, false}
	for i, c := range cs {
		if c.StmtCont != want[i] {
			t.Errorf("change %d: StmtCont = %v, want %v", i, c.StmtCont, want[i])
		}
	}
}
