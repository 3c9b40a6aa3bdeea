package columnar

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// buildSegment builds a segment of [vlo, vhi) holding columns 2 (the
// row's vShard) and 0 (its text "v/j") of 3, with counts[v] rows of
// vShard v, and returns the vShard of each row.
func buildSegment(t *testing.T, vlo, vhi int, counts map[int]int) (*Segment, []int) {
	t.Helper()
	rows := 0
	for _, n := range counts {
		rows += n
	}
	b := NewSegmentBuilder(vlo, vhi, 3, []int{2, 0}, rows/2) // a hint short of the rows
	var vshards []int
	for v := vlo; v < vhi; v++ {
		for j := range counts[v] {
			b.Add(v, []any{int64(v), fmt.Sprintf("%d/%d", v, j)})
			vshards = append(vshards, v)
		}
	}
	return b.Finish(), vshards
}

// TestSegmentRange: Range(vlo, vhi) is exactly the rows of the vShards
// [vlo, vhi), whichever vShards hold no rows; ranges that do not overlap
// the segment are empty.
func TestSegmentRange(t *testing.T) {
	cases := []struct {
		name     string
		vlo, vhi int
		counts   map[int]int
	}{
		{"first and last vShards", 0, 8, map[int]int{0: 2, 3: 1, 7: 3}},
		{"leading and trailing empty vShards", 10, 20, map[int]int{12: 3, 15: 2}},
		{"no rows", 5, 9, nil},
		{"one vShard", 4, 5, map[int]int{4: 5}},
		{"one empty vShard", 4, 5, nil},
		{"every vShard", 0, 4, map[int]int{0: 1, 1: 1, 2: 1, 3: 1}},
		{"only the last vShard", 100, 110, map[int]int{109: 4}},
		{"only the first vShard", 100, 110, map[int]int{100: 4}},
		{"whole table", 0, NumVShards, map[int]int{0: 1, 17: 2, NumVShards / 2: 3, NumVShards - 1: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, vshards := buildSegment(t, tc.vlo, tc.vhi, tc.counts)
			if s.VLo != tc.vlo || s.VHi != tc.vhi || s.Rows != len(vshards) {
				t.Fatalf("segment [%d,%d) of %d rows, want [%d,%d) of %d", s.VLo, s.VHi, s.Rows, tc.vlo, tc.vhi, len(vshards))
			}
			if s.Cols[1] != nil || len(s.Cols) != 3 {
				t.Fatalf("Cols: %d columns, column 1 held %v; want 3, not held", len(s.Cols), s.Cols[1] != nil)
			}
			for r, v := range vshards {
				if got := s.Cols[2].Get(r); got != int64(v) {
					t.Fatalf("row %d: column 2 = %v, want %d", r, got, v)
				}
			}
			if s.Cols[0].Len() != s.Rows || s.Cols[2].Len() != s.Rows {
				t.Fatalf("column lengths %d, %d, want %d", s.Cols[0].Len(), s.Cols[2].Len(), s.Rows)
			}
			step := 1
			if tc.vhi-tc.vlo > 64 {
				step = 7
			}
			lows := []int{tc.vlo - 3, tc.vlo - 1, tc.vhi, tc.vhi + 2}
			for a := tc.vlo; a < tc.vhi; a += step {
				lows = append(lows, a)
			}
			highs := append(slices.Clone(lows), tc.vhi, tc.vhi-1, tc.vlo, tc.vlo+1, 0, -5, NumVShards+1)
			for _, a := range lows {
				for _, b := range highs {
					lo, hi := s.Range(a, b)
					var want []int
					for r, v := range vshards {
						if v >= a && v < b {
							want = append(want, r)
						}
					}
					if max(a, tc.vlo) >= min(b, tc.vhi) {
						if lo != 0 || hi != 0 {
							t.Errorf("Range(%d, %d) outside the segment = [%d,%d), want [0,0)", a, b, lo, hi)
						}
						continue
					}
					if lo < 0 || hi < lo || hi > s.Rows {
						t.Errorf("Range(%d, %d) = [%d,%d): not rows of a segment of %d", a, b, lo, hi, s.Rows)
						continue
					}
					var got []int
					for r := lo; r < hi; r++ {
						got = append(got, r)
					}
					if !slices.Equal(got, want) {
						t.Errorf("Range(%d, %d) = [%d,%d), want the rows %v", a, b, lo, hi, want)
					}
				}
			}
		})
	}
}

// TestSegmentColumns: each held column gets the values of its position in
// the rows added, and Bytes grows with the rows.
func TestSegmentColumns(t *testing.T) {
	empty, _ := buildSegment(t, 0, 4, nil)
	s, vshards := buildSegment(t, 0, 4, map[int]int{1: 300, 3: 200})
	for r, v := range vshards {
		j := r
		if v == 3 {
			j -= 300
		}
		if got, want := s.Cols[0].Get(r), fmt.Sprintf("%d/%d", v, j); got != want {
			t.Fatalf("row %d: column 0 = %v, want %q", r, got, want)
		}
	}
	if s.Bytes() <= empty.Bytes() {
		t.Errorf("Bytes(): %d for 500 rows, %d for none", s.Bytes(), empty.Bytes())
	}
	if empty.Bytes() <= 0 {
		t.Errorf("Bytes() of an empty segment = %d, want > 0", empty.Bytes())
	}
}

// TestNewTable: a table's Rows and Bytes are its segments' sums, and Holds
// reports whether every wanted column is held.
func TestNewTable(t *testing.T) {
	half := NumVShards / 2
	s1, _ := buildSegment(t, 0, half, map[int]int{0: 3, half - 1: 2})
	s2, _ := buildSegment(t, half, NumVShards, map[int]int{half: 1, NumVShards - 1: 4})
	held := []bool{true, false, true}
	tb := NewTable(9, "shape", 42, held, []*Segment{s1, s2})
	if tb.Coll != 9 || tb.Shape != "shape" || tb.Tag != 42 || len(tb.Segs) != 2 {
		t.Errorf("table %d %q %d with %d segments, want 9 \"shape\" 42 with 2", tb.Coll, tb.Shape, tb.Tag, len(tb.Segs))
	}
	if tb.Rows != 10 {
		t.Errorf("Rows = %d, want 10", tb.Rows)
	}
	if want := s1.Bytes() + s2.Bytes(); tb.Bytes() != want {
		t.Errorf("Bytes() = %d, want %d", tb.Bytes(), want)
	}
	holds := []struct {
		cols []bool
		want bool
	}{
		{nil, true},
		{[]bool{}, true},
		{[]bool{true}, true},
		{[]bool{true, false, true}, true},
		{[]bool{false, false, true, false, false}, true},
		{[]bool{false, true}, false},
		{[]bool{true, true, true}, false},
		{[]bool{false, false, false, true}, false},
	}
	for _, h := range holds {
		if got := tb.Holds(h.cols); got != h.want {
			t.Errorf("Holds(%v) with held %v = %v, want %v", h.cols, held, got, h.want)
		}
	}
	if tb := NewTable(1, "", 0, nil, nil); tb.Rows != 0 || tb.Bytes() != 0 {
		t.Errorf("a table without segments: Rows %d Bytes %d, want 0, 0", tb.Rows, tb.Bytes())
	}
}

// mkTable is a table of coll with rows rows (tables of as many rows have
// the same size).
func mkTable(coll uint32, rows int) *Table {
	b := NewSegmentBuilder(0, NumVShards, 1, []int{0}, rows)
	for i := range rows {
		b.Add(i%NumVShards, []any{int64(i)})
	}
	return NewTable(coll, "s", 1, []bool{true}, []*Segment{b.Finish()})
}

// addTable builds t into c as a scan would: StartBuild then EndBuild.
func addTable(t *testing.T, c *Cache, tb *Table) bool {
	t.Helper()
	if !c.StartBuild(tb.Coll) {
		t.Fatalf("StartBuild(%d) = false with no build in progress", tb.Coll)
	}
	return c.EndBuild(tb.Coll, tb)
}

// checkCache checks that c holds exactly the tables want (by collection)
// and that Bytes is their sum.
func checkCache(t *testing.T, c *Cache, colls []uint32, want ...*Table) {
	t.Helper()
	var sum int64
	held := map[uint32]*Table{}
	for _, tb := range want {
		held[tb.Coll] = tb
		sum += tb.Bytes()
	}
	for _, coll := range colls {
		// Get updates recency: read the tables in the order given.
		if got := c.Get(coll); got != held[coll] {
			t.Errorf("Get(%d) = %p, want %p", coll, got, held[coll])
		}
	}
	if got := c.Bytes(); got != sum {
		t.Errorf("Bytes() = %d, want %d (the held tables' sum)", got, sum)
	}
	if got := c.Bytes(); got > c.Budget() {
		t.Errorf("Bytes() = %d over the budget %d", got, c.Budget())
	}
}

// TestCacheAddWithinBudget: EndBuild adds a table that fits and Get
// returns it; other collections have none.
func TestCacheAddWithinBudget(t *testing.T) {
	c := NewCache(1 << 30)
	if c.Budget() != 1<<30 {
		t.Errorf("Budget() = %d, want %d", c.Budget(), 1<<30)
	}
	checkCache(t, c, []uint32{1})
	a := mkTable(1, 100)
	if !addTable(t, c, a) {
		t.Fatal("EndBuild of a table within the budget = false")
	}
	checkCache(t, c, []uint32{1, 2}, a)
	if c.Get(1).Rows != 100 {
		t.Errorf("Get(1).Rows = %d, want 100", c.Get(1).Rows)
	}
}

// TestCacheOverBudget: a table larger than the budget is not added, and
// takes nothing out; one exactly the budget's size is.
func TestCacheOverBudget(t *testing.T) {
	small, big := mkTable(1, 10), mkTable(2, 5000)
	c := NewCache(big.Bytes() - 1)
	addTable(t, c, small)
	if addTable(t, c, big) {
		t.Error("EndBuild of a table over the budget = true")
	}
	checkCache(t, c, []uint32{1, 2}, small)
	if _, builds := c.Stats(); builds != 1 {
		t.Errorf("Stats() builds = %d, want 1", builds)
	}

	c = NewCache(big.Bytes())
	if !addTable(t, c, big) {
		t.Error("EndBuild of a table the budget's size = false")
	}
	checkCache(t, c, []uint32{2}, big)

	c = NewCache(0)
	if addTable(t, c, small) {
		t.Error("EndBuild into a cache of budget 0 = true")
	}
	checkCache(t, c, []uint32{1})
}

// TestCacheEvictsLeastRecentlyUsed: a table that does not fit evicts the
// least recently added or read (Get) tables, as many as it takes.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	size := mkTable(0, 100).Bytes()
	room2 := size*2 + size/2 // two tables fit, three do not

	t.Run("oldest added", func(t *testing.T) {
		c := NewCache(room2)
		a, b, d := mkTable(1, 100), mkTable(2, 100), mkTable(3, 100)
		addTable(t, c, a)
		addTable(t, c, b)
		if !addTable(t, c, d) {
			t.Fatal("EndBuild = false")
		}
		checkCache(t, c, []uint32{1, 2, 3}, b, d)
	})
	t.Run("Get refreshes", func(t *testing.T) {
		c := NewCache(room2)
		a, b, d := mkTable(1, 100), mkTable(2, 100), mkTable(3, 100)
		addTable(t, c, a)
		addTable(t, c, b)
		c.Get(1)
		addTable(t, c, d)
		checkCache(t, c, []uint32{1, 2, 3}, a, d)
	})
	t.Run("many gets", func(t *testing.T) {
		c := NewCache(size * 3)
		tbs := []*Table{mkTable(1, 100), mkTable(2, 100), mkTable(3, 100)}
		for _, tb := range tbs {
			addTable(t, c, tb)
		}
		for _, coll := range []uint32{3, 1, 2, 3, 1, 1} { // 2 is now the least recent
			c.Get(coll)
		}
		addTable(t, c, mkTable(4, 100))
		if c.Get(2) != nil {
			t.Error("the least recently read table was kept")
		}
		for _, coll := range []uint32{1, 3, 4} {
			if c.Get(coll) == nil {
				t.Errorf("table %d was evicted", coll)
			}
		}
	})
	t.Run("several evicted", func(t *testing.T) {
		big := mkTable(9, 3000)
		if big.Bytes() < 2*size {
			t.Fatalf("the big table (%d bytes) is not twice a small one (%d)", big.Bytes(), size)
		}
		c := NewCache(big.Bytes() + size) // the big one and one small one
		a, b, d := mkTable(1, 100), mkTable(2, 100), mkTable(3, 100)
		addTable(t, c, a)
		addTable(t, c, b)
		addTable(t, c, d)
		c.Get(1) // now 2 then 3 are the least recent
		if !addTable(t, c, big) {
			t.Fatal("EndBuild = false")
		}
		checkCache(t, c, []uint32{1, 2, 3, 9}, a, big)
	})
}

// TestCacheReplaceSameCollection: a new table of a collection replaces
// its old one, which it does not count twice nor evict others for.
func TestCacheReplaceSameCollection(t *testing.T) {
	a, old, repl := mkTable(1, 100), mkTable(2, 100), mkTable(2, 100)
	c := NewCache(a.Bytes() + old.Bytes())
	addTable(t, c, a)
	addTable(t, c, old)
	if !addTable(t, c, repl) {
		t.Fatal("EndBuild of the replacement = false")
	}
	checkCache(t, c, []uint32{1, 2}, a, repl)
	if c.Get(2) != repl {
		t.Error("Get returns the old table")
	}
}

// TestCacheDrop: Drop removes a collection's table only when given that
// very table.
func TestCacheDrop(t *testing.T) {
	c := NewCache(1 << 30)
	a, b := mkTable(1, 100), mkTable(2, 200)
	addTable(t, c, a)
	addTable(t, c, b)

	c.Drop(mkTable(1, 100)) // another table of the collection
	checkCache(t, c, []uint32{1, 2}, a, b)
	c.Drop(mkTable(3, 100)) // a collection without one
	checkCache(t, c, []uint32{1, 2, 3}, a, b)

	c.Drop(a)
	checkCache(t, c, []uint32{1, 2}, b)
	c.Drop(a) // again
	checkCache(t, c, []uint32{1, 2}, b)

	// A table replaced by a newer one: dropping the old keeps the new.
	b2 := mkTable(2, 50)
	addTable(t, c, b2)
	c.Drop(b)
	checkCache(t, c, []uint32{1, 2}, b2)
	c.Drop(b2)
	checkCache(t, c, []uint32{1, 2})
}

// TestCacheSeen: Seen reports whether the previous scan of the same
// collection saw the same epoch.
func TestCacheSeen(t *testing.T) {
	c := NewCache(1 << 20)
	steps := []struct {
		coll  uint32
		epoch uint64
		want  bool
	}{
		{1, 5, false}, // first time
		{1, 5, true},  // same epoch twice in a row
		{1, 5, true},
		{2, 5, false}, // another collection
		{1, 6, false}, // a different epoch
		{1, 5, false}, // back to the old one
		{1, 5, true},
		{2, 5, true},
		{3, 0, false}, // epoch 0 the first time
		{3, 0, true},
	}
	for i, s := range steps {
		if got := c.Seen(s.coll, s.epoch); got != s.want {
			t.Errorf("step %d: Seen(%d, %d) = %v, want %v", i, s.coll, s.epoch, got, s.want)
		}
	}
}

// TestCacheRejected: Rejected reports a collection whose table did not
// fit until its epoch moves.
func TestCacheRejected(t *testing.T) {
	c := NewCache(1 << 20)
	steps := []struct {
		reject bool // Reject(coll, epoch) first
		coll   uint32
		epoch  uint64
		want   bool
	}{
		{false, 1, 5, false}, // never rejected
		{true, 1, 5, true},
		{false, 1, 5, true},  // still
		{false, 2, 5, false}, // another collection
		{false, 1, 6, false}, // the epoch moved
		{true, 1, 6, true},
		{false, 1, 5, false}, // the new epoch replaced the old
		{true, 3, 0, true},
	}
	for i, s := range steps {
		if s.reject {
			c.Reject(s.coll, s.epoch)
		}
		if got := c.Rejected(s.coll, s.epoch); got != s.want {
			t.Errorf("step %d: Rejected(%d, %d) = %v, want %v", i, s.coll, s.epoch, got, s.want)
		}
	}
}

// TestCacheStartBuild: a build of a collection is claimed once until its
// EndBuild, whether the table was added or not.
func TestCacheStartBuild(t *testing.T) {
	c := NewCache(mkTable(0, 100).Bytes())
	if !c.StartBuild(1) {
		t.Fatal("StartBuild(1) = false")
	}
	if c.StartBuild(1) {
		t.Error("StartBuild(1) during a build of 1 = true")
	}
	if !c.StartBuild(2) {
		t.Error("StartBuild(2) during a build of 1 = false")
	}
	if !c.EndBuild(1, mkTable(1, 100)) {
		t.Error("EndBuild(1) = false")
	}
	if !c.StartBuild(1) {
		t.Error("StartBuild(1) after EndBuild = false")
	}
	if c.EndBuild(1, nil) {
		t.Error("EndBuild(1, nil) = true")
	}
	if c.Get(1) == nil {
		t.Error("EndBuild(1, nil) dropped the cached table")
	}
	if !c.StartBuild(1) {
		t.Error("StartBuild(1) after EndBuild(1, nil) = false")
	}
	if c.EndBuild(1, mkTable(1, 5000)) {
		t.Error("EndBuild(1) of a table over the budget = true")
	}
	if !c.StartBuild(1) {
		t.Error("StartBuild(1) after an EndBuild over the budget = false")
	}
	if c.StartBuild(2) {
		t.Error("StartBuild(2) still being built = true")
	}
}

// TestCacheStartBuildConcurrent: of scans racing to build a collection's
// table, exactly one claims it.
func TestCacheStartBuildConcurrent(t *testing.T) {
	c := NewCache(1 << 20)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 32 {
		wg.Go(func() {
			if c.StartBuild(7) {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d scans claimed the build, want 1", won)
	}
}

// TestCacheStats: Stats counts Hit calls and the tables added.
func TestCacheStats(t *testing.T) {
	c := NewCache(1 << 30)
	if h, b := c.Stats(); h != 0 || b != 0 {
		t.Fatalf("Stats() of a new cache = %d, %d", h, b)
	}
	addTable(t, c, mkTable(1, 10))
	addTable(t, c, mkTable(2, 10))
	addTable(t, c, mkTable(1, 10))
	c.StartBuild(3)
	c.EndBuild(3, nil)
	c.Get(1)
	c.Get(4)
	for range 5 {
		c.Hit()
	}
	if h, b := c.Stats(); h != 5 || b != 3 {
		t.Errorf("Stats() = %d hits, %d builds; want 5, 3", h, b)
	}
}

// TestCacheConcurrent: scans reading, building, dropping and counting at
// once keep the cache within its budget with Bytes the sum of its tables.
func TestCacheConcurrent(t *testing.T) {
	size := mkTable(0, 100).Bytes()
	c := NewCache(size * 4)
	const colls = 8
	tables := make([][]*Table, colls)
	for i := range tables {
		for range 3 {
			tables[i] = append(tables[i], mkTable(uint32(i), 100))
		}
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 400 {
				coll := uint32((w + i) % colls)
				switch i % 5 {
				case 0, 1:
					if tb := c.Get(coll); tb != nil {
						c.Hit()
						if tb.Coll != coll {
							t.Errorf("Get(%d) returned a table of %d", coll, tb.Coll)
						}
					}
				case 2:
					if c.StartBuild(coll) {
						c.EndBuild(coll, tables[coll][i%3])
					}
				case 3:
					if tb := c.Get(coll); tb != nil {
						c.Drop(tb)
					}
				case 4:
					c.Seen(coll, uint64(i%2))
					if b := c.Bytes(); b > c.Budget() {
						t.Errorf("Bytes() = %d over the budget %d", b, c.Budget())
					}
				}
			}
		})
	}
	wg.Wait()
	var sum int64
	for coll := range uint32(colls) {
		if tb := c.Get(coll); tb != nil {
			sum += tb.Bytes()
		}
	}
	if c.Bytes() != sum {
		t.Errorf("Bytes() = %d, the tables held sum to %d", c.Bytes(), sum)
	}
	if h, b := c.Stats(); h == 0 || b == 0 {
		t.Errorf("Stats() = %d hits, %d builds after concurrent scans", h, b)
	}
}

// TestTableWith: columns read later from the same rows join a table's
// segments (its own columns shared, not copied); segments of other rows
// are refused.
func TestTableWith(t *testing.T) {
	half := NumVShards / 2
	counts1, counts2 := map[int]int{0: 3, half - 1: 2}, map[int]int{half: 1, NumVShards - 1: 4}
	s1, _ := buildSegment(t, 0, half, counts1)
	s2, _ := buildSegment(t, half, NumVShards, counts2)
	tb := NewTable(9, "shape", 42, []bool{true, false, true}, []*Segment{s1, s2})
	extra := func(vlo, vhi int, counts map[int]int) *Segment {
		b := NewSegmentBuilder(vlo, vhi, 3, []int{1}, 4)
		for v := vlo; v < vhi; v++ {
			for j := range counts[v] {
				b.Add(v, []any{int64(100*v + j)})
			}
		}
		return b.Finish()
	}
	wide, err := tb.With([]*Segment{extra(0, half, counts1), extra(half, NumVShards, counts2)}, []int{1}, 40)
	if err != nil {
		t.Fatal(err)
	}
	if !wide.Holds([]bool{true, true, true}) || wide.Tag != 40 || wide.Rows != tb.Rows {
		t.Fatalf("held %v tag %d rows %d", wide.Held, wide.Tag, wide.Rows)
	}
	if wide.Segs[0].Cols[0] != s1.Cols[0] || wide.Segs[1].Cols[2] != s2.Cols[2] {
		t.Error("the table's own columns are copied, not shared")
	}
	if got := wide.Segs[1].Cols[1].Get(wide.Segs[1].Rows - 1); got != int64(100*(NumVShards-1)+3) {
		t.Errorf("last added value %v", got)
	}
	if tb.Holds([]bool{false, true}) || tb.Segs[0].Cols[1] != nil {
		t.Error("With changed the table it was called on")
	}
	if _, err := tb.With([]*Segment{extra(0, half, map[int]int{0: 3, half - 1: 1}), extra(half, NumVShards, counts2)}, []int{1}, 40); err == nil {
		t.Error("a segment of other rows was accepted")
	}
	if _, err := tb.With([]*Segment{extra(0, NumVShards, counts1)}, []int{1}, 40); err == nil {
		t.Error("segments of other ranges were accepted")
	}
}

// TestCacheForget: a forgotten collection's table, scan history and
// rejection go.
func TestCacheForget(t *testing.T) {
	c := NewCache(1 << 20)
	s, _ := buildSegment(t, 0, NumVShards, map[int]int{0: 2})
	tb := NewTable(5, "x", 1, []bool{true, false, true}, []*Segment{s})
	if !c.StartBuild(5) || !c.EndBuild(5, tb) {
		t.Fatal("table not added")
	}
	c.Seen(5, 7)
	c.Reject(5, 7)
	gen := c.Generation()
	c.Forget(5)
	if c.Peek(5) != nil || c.Bytes() != 0 || c.Rejected(5, 7) || c.Seen(5, 7) || c.Generation() == gen {
		t.Errorf("after Forget: table %v, bytes %d, rejected %v, generation %d (was %d)", c.Peek(5), c.Bytes(), c.Rejected(5, 7), c.Generation(), gen)
	}
}
