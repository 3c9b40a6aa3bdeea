package session

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

func TestSortedIndexBasics(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()

	d.q(s, `CREATE COLLECTION scores TYPE KEY_VALUE (player_id TEXT PRIMARY KEY, score INT, updated_at INT)`)
	// Rows written before the index are backfilled.
	d.q(s, `INSERT INTO scores (player_id, score, updated_at) VALUES ('a', 10, 5), ('b', 30, 1), ('c', 10, 2), ('d', NULL, 1)`)
	d.q(s, `CREATE SORTED INDEX lb ON scores (score DESC, updated_at ASC) KEY player_id`)
	require.Equal(t, "1|b|30|1\n2|c|10|2\n3|a|10|5", d.q(s, `SELECT * FROM TOPK(lb, 10)`))
	require.Equal(t, "1|b|30|1\n2|c|10|2", d.q(s, `SELECT * FROM TOPK(lb, 2)`))
	require.Equal(t, "", d.q(s, `SELECT * FROM TOPK(lb, 0)`))
	require.Equal(t, "3", d.q(s, `SELECT SORTED_COUNT(lb)`))
	require.Equal(t, "1|2|3|NULL|NULL", d.q(s, `SELECT RANK(lb, 'b'), RANK(lb, 'c'), RANK(lb, 'a'), RANK(lb, 'd'), RANK(lb, 'zz')`))

	// Ties in every sort column order by the key.
	d.q(s, `INSERT INTO scores (player_id, score, updated_at) VALUES ('e', 10, 2)`)
	require.Equal(t, "c|e|a", d.q(s, `SELECT string_agg(key, '|') FROM RANGE(lb, 10, 10)`))
	require.Equal(t, "2|c|10|2\n3|e|10|2\n4|a|10|5", d.q(s, `SELECT * FROM RANGE(lb, 5, 20)`))
	require.Equal(t, "1|b|30|1", d.q(s, `SELECT * FROM RANGE(lb, 11, NULL)`))

	// Updates move entries; deletes remove them; upserts and KV_INCR too.
	d.q(s, `UPDATE scores SET score = 40 WHERE player_id = 'a'`)
	require.Equal(t, "1|a|40|5\n2|b|30|1", d.q(s, `SELECT * FROM TOPK(lb, 2)`))
	d.q(s, `DELETE FROM scores WHERE player_id = 'b'`)
	require.Equal(t, "NULL|3", d.q(s, `SELECT RANK(lb, 'b'), SORTED_COUNT(lb)`))
	d.q(s, `UPSERT INTO scores (player_id, score, updated_at) VALUES ('d', 50, 9)`)
	require.Equal(t, "1|d", d.q(s, `SELECT rank, key FROM TOPK(lb, 1)`))
	d.q(s, `UPDATE scores SET score = NULL WHERE player_id = 'd'`)
	require.Equal(t, "NULL|3", d.q(s, `SELECT RANK(lb, 'd'), SORTED_COUNT(lb)`))

	// Typed columns come back typed; SHOW INDEXES lists the index.
	require.Equal(t, "a|40|5", d.q(s, `SELECT key, score + 0, updated_at FROM TOPK(lb, 1) WHERE rank = 1`))
	require.Contains(t, d.q(s, `SHOW INDEXES ON scores`), "scores|lb|score DESC, updated_at ASC KEY player_id|f")

	// Errors.
	d.fail(s, errs.UndefinedObject, `SELECT * FROM TOPK(nope, 3)`)
	d.fail(s, errs.UndefinedObject, `SELECT RANK(nope, 'a')`)
	d.fail(s, errs.UndefinedObject, `SELECT SORTED_COUNT('nope')`)
	d.fail(s, errs.InvalidParameterValue, `SELECT * FROM TOPK(lb, -1)`)
	d.fail(s, errs.InvalidTextRep, `SELECT * FROM TOPK(lb, 'x')`)
	d.fail(s, errs.InvalidParameterValue, `SELECT * FROM TOPK(lb, true)`)
	d.fail(s, errs.UndefinedFunction, `SELECT * FROM TOPK(lb)`)
	d.fail(s, errs.InvalidParameterValue, `SELECT * FROM TOPK(1 + 1, 3)`)
	d.fail(s, errs.DuplicateTable, `CREATE SORTED INDEX lb ON scores (score) KEY player_id`)
	d.q(s, `CREATE SORTED INDEX IF NOT EXISTS lb ON scores (score) KEY player_id`)
	d.fail(s, errs.UndefinedColumn, `CREATE SORTED INDEX lb2 ON scores (nope) KEY player_id`)
	d.fail(s, errs.UndefinedTable, `CREATE SORTED INDEX lb2 ON nope (score) KEY player_id`)
	d.fail(s, errs.SyntaxError, `CREATE SORTED INDEX lb2 ON scores (score)`)
	d.q(s, `CREATE INDEX plain ON scores (score)`)
	d.fail(s, errs.WrongObjectType, `SELECT * FROM TOPK(plain, 1)`)
	d.fail(s, errs.WrongObjectType, `DROP SORTED INDEX plain`)

	// DROP SORTED INDEX, with and without IF EXISTS.
	d.q(s, `DROP SORTED INDEX lb`)
	d.fail(s, errs.UndefinedObject, `SELECT * FROM TOPK(lb, 1)`)
	d.fail(s, errs.UndefinedObject, `DROP SORTED INDEX lb`)
	d.q(s, `DROP SORTED INDEX IF EXISTS lb`)
	require.NotContains(t, d.q(s, `SHOW INDEXES ON scores`), "|lb|")
}

func sortedSeed(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NODEDB_TEST_SEED"); s != "" {
		_, err := fmt.Sscan(s, &seed)
		require.NoError(t, err)
	}
	t.Logf("seed %d (replay with NODEDB_TEST_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// sortedModel is the brute-force recomputation of a leaderboard
// (score DESC, at ASC, key ASC) the randomized test compares against.
type sortedModel map[string][2]*int64

func (m sortedModel) order() []string {
	var keys []string
	for k, v := range m {
		if v[0] != nil && v[1] != nil {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := m[keys[i]], m[keys[j]]
		if *a[0] != *b[0] {
			return *a[0] > *b[0]
		}
		if *a[1] != *b[1] {
			return *a[1] < *b[1]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func (m sortedModel) rows(keys []string, ranks []int) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d|%s|%d|%d", ranks[i], k, *m[k][0], *m[k][1])
	}
	return b.String()
}

func TestSortedIndexRandomized(t *testing.T) {
	for _, kind := range []string{"kv", "document"} {
		t.Run(kind, func(t *testing.T) {
			r := sortedSeed(t)
			d := openT(t, t.TempDir())
			defer d.close()
			s := d.m.NewSession("u", "db")
			defer s.Close()
			key := "k"
			if kind == "kv" {
				d.q(s, `CREATE COLLECTION r TYPE KEY_VALUE (k TEXT PRIMARY KEY, score BIGINT, at BIGINT)`)
			} else {
				// KEY is a field other than the primary key here.
				d.q(s, `CREATE COLLECTION r`)
				key = "player"
			}
			m := sortedModel{}
			num := func(p *int64) string {
				if p == nil {
					return "NULL"
				}
				return strconv.FormatInt(*p, 10)
			}
			write := func(k string, score, at *int64) {
				if kind == "kv" {
					d.q(s, fmt.Sprintf(`UPSERT INTO r (k, score, at) VALUES ('%s', %s, %s)`, k, num(score), num(at)))
				} else {
					d.q(s, fmt.Sprintf(`UPSERT INTO r { id: '%s', player: '%s', score: %s, at: %s }`, k, k, num(score), num(at)))
				}
				m[k] = [2]*int64{score, at}
			}
			indexed := false
			for round := 0; round < 25; round++ {
				if round == 3 {
					d.q(s, fmt.Sprintf(`CREATE SORTED INDEX lb ON r (score DESC, at ASC) KEY %s`, key))
					indexed = true
				}
				for i := 0; i < 12; i++ {
					k := fmt.Sprintf("p%02d", r.IntN(30))
					switch op := r.IntN(10); {
					case op < 6:
						var score *int64
						if r.IntN(10) > 0 {
							v := int64(r.IntN(8) - 2)
							score = &v
						}
						at := int64(r.IntN(4))
						write(k, score, &at)
					case op < 8:
						if _, ok := m[k]; ok {
							v := int64(r.IntN(8))
							d.q(s, fmt.Sprintf(`UPDATE r SET score = %d WHERE %s = '%s'`, v, map[bool]string{true: "k", false: "id"}[kind == "kv"], k))
							m[k] = [2]*int64{&v, m[k][1]}
						}
					default:
						d.q(s, fmt.Sprintf(`DELETE FROM r WHERE %s = '%s'`, map[bool]string{true: "k", false: "id"}[kind == "kv"], k))
						delete(m, k)
					}
				}
				if !indexed {
					continue
				}
				order := m.order()
				ranks := make([]int, len(order))
				rankOf := map[string]int{}
				for i, k := range order {
					ranks[i] = i + 1
					rankOf[k] = i + 1
				}
				require.Equal(t, m.rows(order, ranks), d.q(s, `SELECT * FROM TOPK(lb, 1000)`), "round %d", round)
				top := min(5, len(order))
				require.Equal(t, m.rows(order[:top], ranks[:top]), d.q(s, `SELECT * FROM TOPK(lb, 5)`))
				require.Equal(t, strconv.Itoa(len(order)), d.q(s, `SELECT SORTED_COUNT(lb)`))
				for i := 0; i < 30; i++ {
					k := fmt.Sprintf("p%02d", i)
					want := "NULL"
					if n, ok := rankOf[k]; ok {
						want = strconv.Itoa(n)
					}
					require.Equal(t, want, d.q(s, fmt.Sprintf(`SELECT RANK(lb, '%s')`, k)), "rank of %s", k)
				}
				lo, hi := int64(r.IntN(10)-3), int64(r.IntN(10)-3)
				var rk []string
				var rr []int
				for i, k := range order {
					if v := *m[k][0]; v >= lo && v <= hi {
						rk = append(rk, k)
						rr = append(rr, ranks[i])
					}
				}
				require.Equal(t, m.rows(rk, rr), d.q(s, fmt.Sprintf(`SELECT * FROM RANGE(lb, %d, %d)`, lo, hi)), "range %d..%d", lo, hi)
			}
		})
	}
}

func TestSortedIndexTransactionsAndRestart(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("u", "db")
	s2 := d.m.NewSession("u", "db")
	d.q(s, `CREATE COLLECTION scores TYPE KEY_VALUE (key TEXT PRIMARY KEY, value INT)`)
	d.q(s, `SELECT KV_INCR('scores', 'a', 5), KV_INCR('scores', 'b', 7)`)

	// A transaction whose snapshot predates the index reads it from its rows.
	d.q(s2, `BEGIN`)
	d.q(s2, `SELECT count(*) FROM scores`)
	d.q(s, `CREATE SORTED INDEX lb ON scores (value DESC) KEY key`)
	d.q(s, `SELECT KV_INCR('scores', 'a', 10)`)
	require.Equal(t, "1|b|7\n2|a|5", d.q(s2, `SELECT * FROM TOPK(lb, 5)`))
	require.Equal(t, "2|2", d.q(s2, `SELECT RANK(lb, 'a'), SORTED_COUNT(lb)`))
	d.q(s2, `COMMIT`)
	require.Equal(t, "1|a|15\n2|b|7", d.q(s2, `SELECT * FROM TOPK(lb, 5)`))

	// A transaction sees its own writes (KV_INCR included); others do not
	// until it commits.
	d.q(s, `BEGIN`)
	d.q(s, `SELECT KV_INCR('scores', 'c', 100)`)
	d.q(s, `DELETE FROM scores WHERE key = 'a'`)
	require.Equal(t, "1|c|100\n2|b|7", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	require.Equal(t, "1|NULL", d.q(s, `SELECT RANK(lb, 'c'), RANK(lb, 'a')`))
	require.Equal(t, "1|a|15\n2|b|7", d.q(s2, `SELECT * FROM TOPK(lb, 5)`))
	d.q(s, `ROLLBACK`)
	require.Equal(t, "1|a|15\n2|b|7", d.q(s, `SELECT * FROM TOPK(lb, 5)`))

	// Entries expire with their keys.
	d.q(s, `INSERT INTO scores (key, value, ttl) VALUES ('gone', 99, 1)`)
	require.Equal(t, "1", d.q(s, `SELECT RANK(lb, 'gone')`))
	time.Sleep(1100 * time.Millisecond)
	require.Equal(t, "NULL|2", d.q(s, `SELECT RANK(lb, 'gone'), SORTED_COUNT(lb)`))
	require.Equal(t, "1|a|15\n2|b|7", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	_, err := d.db.ReclaimExpired(t.Context())
	require.NoError(t, err)
	require.Equal(t, "2", d.q(s, `SELECT SORTED_COUNT(lb)`))
	s.Close()
	s2.Close()
	d.close()

	// The index, its entries and its maintenance survive a restart.
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("u", "db")
	defer s.Close()
	require.Equal(t, "1|a|15\n2|b|7", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	d.q(s, `SELECT KV_INCR('scores', 'b', 10)`)
	require.Equal(t, "1|b|17\n2|a|15", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	require.Equal(t, "1|b|17", d.q(s, `SELECT * FROM RANGE(lb, 16, 100)`))

	// DROP COLLECTION takes its sorted indexes along.
	d.q(s, `DROP COLLECTION scores PURGE`)
	d.fail(s, errs.UndefinedObject, `SELECT * FROM TOPK(lb, 5)`)
	d.q(s, `CREATE COLLECTION scores TYPE KEY_VALUE (key TEXT PRIMARY KEY, value INT)`)
	d.q(s, `CREATE SORTED INDEX lb ON scores (value) KEY key`)
	require.Equal(t, "0", d.q(s, `SELECT SORTED_COUNT(lb)`))
}

func TestSortedIndexOnDocumentsAndCatalog(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION games`)
	d.q(s, `INSERT INTO games [ { player: 'ann', stats: { level: 3 }, score: 7.5 }, { player: 'bob', stats: { level: 9 }, score: 2 }, { player: 'cy', score: 1 } ]`)
	d.q(s, `CREATE SORTED INDEX by_level ON games (stats.level DESC) KEY player`)
	require.Equal(t, "1|bob|9\n2|ann|3", d.q(s, `SELECT * FROM TOPK(by_level, 10)`))
	d.q(s, `CREATE SORTED INDEX by_score ON games (score) KEY player`)
	require.Equal(t, "1|cy|1\n2|bob|2\n3|ann|7.5", d.q(s, `SELECT * FROM TOPK(by_score, 10)`))
	require.Equal(t, "2|bob|2", d.q(s, `SELECT * FROM RANGE('by_score', 1.5, 7)`))
	require.Equal(t, "3", d.q(s, `SELECT RANK('by_score', 'ann')`))
	require.Contains(t, d.q(s, `EXPLAIN SELECT * FROM TOPK(by_score, 3)`), "Sorted Index Scan (topk) on by_score")
	require.Contains(t, d.q(s, `SELECT indexdef FROM pg_indexes WHERE indexname = 'by_level'`), `CREATE SORTED INDEX by_level ON games (stats.level DESC) KEY player`)
	// RANK with OVER is still the window function.
	require.Equal(t, "1\n2\n3", d.q(s, `SELECT rank() OVER (ORDER BY player) FROM games ORDER BY 1`))
	// A collection's sorted indexes go with it; UNDROP brings them back.
	d.q(s, `DROP COLLECTION games`)
	d.fail(s, errs.UndefinedObject, `SELECT SORTED_COUNT(by_score)`)
	d.q(s, `UNDROP COLLECTION games`)
	require.Equal(t, "3", d.q(s, `SELECT SORTED_COUNT(by_score)`))
}

func TestSortedIndexSavepoint(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION scores TYPE KEY_VALUE (key TEXT PRIMARY KEY, value INT)`)
	d.q(s, `CREATE SORTED INDEX lb ON scores (value DESC) KEY key`)
	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO scores (key, value) VALUES ('a', 1), ('b', 2)`)
	d.q(s, `SAVEPOINT sp`)
	d.q(s, `UPDATE scores SET value = 10 WHERE key = 'a'`)
	d.q(s, `DELETE FROM scores WHERE key = 'b'`)
	require.Equal(t, "1|a|10", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	d.q(s, `ROLLBACK TO SAVEPOINT sp`)
	require.Equal(t, "1|b|2\n2|a|1", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	d.q(s, `COMMIT`)
	require.Equal(t, "1|b|2\n2|a|1", d.q(s, `SELECT * FROM TOPK(lb, 5)`))
	require.Equal(t, "2|2", d.q(s, `SELECT RANK(lb, 'a'), SORTED_COUNT(lb)`))
}
