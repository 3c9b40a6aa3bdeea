package event

import (
	"testing"

	"github.com/nodedb-go/nodedb/catalog"
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

// TestCheckLostCoversOnlyTheRead: a member's read is refused only for
// history lost in its own partitions; a partition the group never
// committed still counts as lost once the group committed elsewhere.
func TestCheckLostCoversOnlyTheRead(t *testing.T) {
	st := &catalog.Stream{Name: "s", CollectionID: 5}
	l := &Log{trimmed: map[uint32]map[uint16]uint64{5: {10: 100, 600: 100}}}
	committed := Offsets{Part: map[uint16]uint64{10: 150}, Any: true} // partition 10 only (as LoadOffsetsOf of 0..512)
	if err := l.CheckLost(st, committed, -1, &Range{Lo: 0, Hi: 512}); err != nil {
		t.Fatalf("member 0..512: %v", err)
	}
	other := Offsets{Part: map[uint16]uint64{}, Any: true} // partition 600 uncommitted, group committed elsewhere
	if err := l.CheckLost(st, other, -1, &Range{Lo: 512, Hi: 1024}); err == nil {
		t.Fatal("member 512..1024: trimmed events of an uncommitted partition not reported")
	}
	if err := l.CheckLost(st, Offsets{Part: map[uint16]uint64{}}, -1, nil); err != nil {
		t.Fatalf("a group that never committed loses nothing: %v", err)
	}
}
