package exec

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// StatsSampleRows is how many rows ANALYZE keeps for its per-column
// figures (PostgreSQL's default sample is 30,000 rows too). The row
// count is always exact: every row is read.
const StatsSampleRows = 30000

// maxMCV bounds the most-common-value list of a column.
const maxMCV = 10

// CollectStats reads every row of a collection in env's transaction and
// computes its statistics: the exact row count and, from a uniform sample
// of at most StatsSampleRows rows (reservoir sampling with a fixed seed,
// so the figures are reproducible), each column's null fraction, distinct
// count estimate, average width and smallest and largest value. For a
// schemaless collection the columns are its observed top-level fields.
func (env *Env) CollectStats(coll *catalog.Collection) (*catalog.TableStats, error) {
	scan := &plan.Scan{Coll: coll, Access: plan.AccessFull, Cols: plan.ScanColumns(coll)}
	it, err := env.open(scan)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	rng := rand.New(rand.NewPCG(uint64(coll.ID), 0x9e3779b97f4a7c15))
	var sample []types.Row
	var n int64
	for {
		r, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if n%4096 == 0 {
			if err := checkCtx(env.Ctx); err != nil {
				return nil, err
			}
		}
		n++
		if len(sample) < StatsSampleRows {
			sample = append(sample, r)
		} else if j := rng.Int64N(n); j < StatsSampleRows {
			sample[j] = r
		}
	}
	st := &catalog.TableStats{CollectionID: coll.ID, Rows: n, Sampled: int64(len(sample)), Analyzed: time.Now().UTC()}
	var get []func(types.Row) types.Value
	var names []string
	if coll.Tuple() {
		for i, c := range coll.Columns {
			if c.Hidden {
				continue
			}
			i := i
			names = append(names, c.Name)
			get = append(get, func(r types.Row) types.Value { return r[i] })
		}
	} else {
		names = append(names, "id")
		for _, f := range coll.Fields.List() {
			if f.Name != "id" {
				names = append(names, f.Name)
			}
		}
		for _, name := range names {
			path := []string{name}
			get = append(get, func(r types.Row) types.Value { return fieldOf(r[0], path) })
		}
	}
	for i, name := range names {
		st.Columns = append(st.Columns, columnStats(name, sample, n, get[i]))
	}
	return st, nil
}

// columnStats computes one column's figures from a sample of a table of
// total rows.
func columnStats(name string, sample []types.Row, total int64, get func(types.Row) types.Value) catalog.ColumnStats {
	cs := catalog.ColumnStats{Name: name}
	if len(sample) == 0 {
		return cs
	}
	counts := map[string]int{}
	texts := map[string]types.Value{}
	var nulls, width int
	var lo, hi types.Value
	ordered := true
	for _, r := range sample {
		v := get(r)
		if v == nil {
			nulls++
			continue
		}
		k := string(appendGroupKey(nil, v))
		counts[k]++
		if counts[k] == 2 {
			texts[k] = v
		}
		width += len(k)
		switch v.(type) {
		case map[string]any, []any:
			ordered = false
		}
		if lo == nil || types.Compare(v, lo) < 0 {
			lo = v
		}
		if hi == nil || types.Compare(v, hi) > 0 {
			hi = v
		}
	}
	s := float64(len(sample))
	cs.NullFrac = float64(nulls) / s
	nonNull := len(sample) - nulls
	if nonNull == 0 {
		return cs
	}
	cs.AvgWidth = width / nonNull
	d := float64(len(counts))
	if int64(len(sample)) < total {
		// The Haas-Stokes estimator PostgreSQL uses: d is scaled up by how
		// many values were seen only once (values seen once are likely to
		// have unseen siblings; values seen often are not).
		f1 := 0
		for _, c := range counts {
			if c == 1 {
				f1++
			}
		}
		nn, N := float64(nonNull), float64(total)*float64(nonNull)/s
		if denom := nn - float64(f1) + float64(f1)*nn/N; denom > 0 {
			d = nn * d / denom
		}
		if d > N {
			d = N
		}
	}
	cs.Distinct = d
	// Most common values: every value when there are few and each was
	// seen at least twice (as PostgreSQL does), else those seen at least
	// twice and a quarter more often than the average value; at most
	// maxMCV of them.
	avg := float64(nonNull) / float64(len(counts))
	if len(texts) == len(counts) && len(counts) <= maxMCV {
		avg = 0
	}
	for k, v := range texts {
		if c := float64(counts[k]); c >= 2 && c > 1.25*avg {
			cs.MCV = append(cs.MCV, catalog.ValueFreq{Value: types.FormatText(v), Freq: c / s})
		}
	}
	sort.Slice(cs.MCV, func(i, j int) bool {
		if cs.MCV[i].Freq != cs.MCV[j].Freq {
			return cs.MCV[i].Freq > cs.MCV[j].Freq
		}
		return cs.MCV[i].Value < cs.MCV[j].Value
	})
	if len(cs.MCV) > maxMCV {
		cs.MCV = cs.MCV[:maxMCV]
	}
	if ordered {
		l, h := types.FormatText(lo), types.FormatText(hi)
		cs.Min, cs.Max = &l, &h
	}
	return cs
}

// NamedCollections resolves the table list of ANALYZE or VACUUM: the
// named collections (a "public." schema allowed), or every one when none
// is named.
func NamedCollections(cat interface {
	List() []*catalog.Collection
	MustGet(name string) (*catalog.Collection, error)
}, names []string) ([]*catalog.Collection, error) {
	if len(names) == 0 {
		return cat.List(), nil
	}
	colls := make([]*catalog.Collection, 0, len(names))
	for _, name := range names {
		coll, err := cat.MustGet(strings.TrimPrefix(name, "public."))
		if err != nil {
			return nil, err
		}
		colls = append(colls, coll)
	}
	return colls, nil
}

// Analyze executes ANALYZE: it collects the statistics of the named
// collections (every collection when none is named) and stores them in
// the catalog, one collection per DDL transaction so a large database
// does not hold the DDL lock for one long scan.
func (d *DDL) Analyze(st *ast.Analyze) error {
	colls, err := NamedCollections(d.Cat, st.Tables)
	if err != nil {
		return err
	}
	for _, coll := range colls {
		err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
			cur, ok := d.Cat.ByID(coll.ID)
			if !ok || cur.Dropped {
				return nil // dropped meanwhile
			}
			stats, err := d.Env(tx.Txn).CollectStats(cur)
			if err != nil {
				return fmt.Errorf("analyze %s: %w", cur.Name, err)
			}
			return tx.PutStats(stats)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
