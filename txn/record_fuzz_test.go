package txn

import (
	"bytes"
	"testing"
)

// FuzzDecodeRecord: arbitrary change-log values never panic the decoder,
// and a record the decoder accepts re-encodes to one that decodes the same.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeChange(nil, &Change{CollName: "users", PK: []byte{0x10, 1}, RowID: "1", Op: OpInsert, New: []byte{0x90}}, 7, 1700000000000))
	f.Add(encodeChange(nil, &Change{CollName: "", PK: nil, Op: OpDelete, Old: []byte{}}, 0, -1))
	f.Add(encodeChange(nil, &Change{CollName: "x", Op: OpUpdate, Old: []byte("a"), New: []byte("b")}, 1<<63, 0))
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

func TestChangeRecordRoundTrip(t *testing.T) {
	for _, c := range []Change{
		{CollName: "users", PK: []byte{0x10, 1}, RowID: "1", Op: OpInsert, New: []byte{0x90}},
		{CollName: "users", PK: []byte{0}, RowID: "", Op: OpUpdate, Old: []byte{0xc0}, New: []byte{1, 2}},
		{CollName: "d", PK: []byte{0x20, 'k', 0, 1}, RowID: "k", Op: OpDelete, Old: []byte{0x80}, Depth: 3, StmtCont: true},
	} {
		r, err := DecodeRecord(5, 1023, encodeChange(nil, &c, 42, 1234))
		if err != nil {
			t.Fatal(err)
		}
		if r.Op != c.Op || r.CollName != c.CollName || !bytes.Equal(r.PK, c.PK) || r.RowID != c.RowID ||
			!bytes.Equal(r.Old, c.Old) || !bytes.Equal(r.New, c.New) || (r.Old == nil) != (c.Old == nil) ||
			(r.New == nil) != (c.New == nil) || r.LSN != 42 || r.TimeMs != 1234 || r.Collection != 5 || r.VShard != 1023 ||
			r.Depth != c.Depth || r.StmtCont != c.StmtCont {
			t.Fatalf("round trip: %+v -> %+v", c, r)
		}
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
