package event

import (
	"testing"

	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// TestLoadOffsetsOf: point reads of some partitions agree with the full
// load, including the floor and the transaction's own writes.
func TestLoadOffsetsOf(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := txn.NewManager(st, txn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tx := m.Begin()
	for p := uint16(0); p < 40; p += 3 {
		if err := CommitOffset(tx, 7, p, uint64(100+p)); err != nil {
			t.Fatal(err)
		}
	}
	SetFloor(tx, 7, 50)
	SetOffset(tx, 8, 1, 999) // another group
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx = m.Begin()
	defer tx.Rollback()
	if err := CommitOffset(tx, 7, 4, 500); err != nil { // own, uncommitted write
		t.Fatal(err)
	}
	all, err := LoadOffsets(tx, 7)
	if err != nil {
		t.Fatal(err)
	}
	some, err := LoadOffsetsOf(tx, 7, PartitionRange(1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if some.Floor != 50 || all.Floor != 50 {
		t.Fatalf("floor: %d %d", some.Floor, all.Floor)
	}
	want := map[uint16]uint64{}
	for p, lsn := range all.Part {
		if p >= 1 && p < 10 {
			want[p] = lsn
		}
	}
	if len(want) != len(some.Part) || want[4] != 500 || want[3] != 103 || want[9] != 109 {
		t.Fatalf("got %v, want %v", some.Part, want)
	}
	for p, lsn := range want {
		if some.Part[p] != lsn {
			t.Fatalf("partition %d: got %d, want %d", p, some.Part[p], lsn)
		}
	}
}
