package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ndbconfig "github.com/nodedb-go/nodedb/config"
	"github.com/nodedb-go/nodedb/server"
)

// TestQueriesMatchReference loads a tiny scale into an in-process nodedb
// and checks the seven queries against straightforward Go implementations
// over the generated rows, so the benchmark's queries keep working without
// PostgreSQL.
func TestQueriesMatchReference(t *testing.T) {
	const sf = 0.002
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cfg := ndbconfig.Default()
	cfg.DataDir = t.TempDir()
	cfg.Host = "127.0.0.1"
	cfg.PgwirePort, cfg.HTTPPort = 0, 0
	cfg.Durability = ndbconfig.DurabilityRelaxed
	srv, err := server.New(cfg, server.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("server.Close: %v", err)
		}
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	port := srv.PgwireAddr().(*net.TCPAddr).Port
	dsn := "postgres://admin@127.0.0.1:" + strconv.Itoa(port) + "/nodedb?sslmode=disable"

	g := &Gen{SF: sf, Seed: 7}
	d := loadData(g)
	want := map[string][][]string{
		"Q1": d.q1(), "Q3": d.q3(), "Q5": d.q5(), "Q6": d.q6(),
		"Q10": d.q10(), "Q12": d.q12(), "Q14": d.q14(),
	}
	// Both column types the benchmark offers (setup drops and recreates
	// the tables; a new connection, as pgx caches COPY's column types).
	for _, decType := range []string{"DECIMAL(15,2)", "DOUBLE PRECISION"} {
		t.Run(decType, func(t *testing.T) {
			s := &system{name: "nodedb", dsn: dsn}
			if err := s.connect(ctx); err != nil {
				t.Fatal(err)
			}
			defer s.conn.Close(context.Background())
			if err := s.setup(ctx, g, &config{decType: decType, batch: 5000}); err != nil {
				t.Fatal(err)
			}
			if s.analyze != "ok" {
				t.Logf("ANALYZE: %s", s.analyze)
			}
			for _, q := range Queries {
				t.Run(q.Name, func(t *testing.T) {
					exp := want[q.Name]
					if len(exp) == 0 {
						t.Fatalf("the reference answer is empty at SF %g: the check would be vacuous", sf)
					}
					got, err := s.query(ctx, q.SQL, time.Minute)
					if err != nil {
						t.Fatalf("nodedb: %v", err)
					}
					if ok, diff := compareResults(got, exp, 1e-6); !ok {
						t.Errorf("nodedb differs from the reference: %s\ngot  %v\nwant %v", diff, got, exp)
					}
				})
			}
		})
	}
}

// TestGenDeterministic checks that a seed gives the same rows, and the
// spec's row counts.
func TestGenDeterministic(t *testing.T) {
	g := &Gen{SF: 0.001, Seed: 3}
	count := func(table string) (int, string) {
		n := 0
		var last []any
		for r := range g.Rows(table) {
			n++
			last = r
		}
		return n, fmt.Sprint(last)
	}
	for table, want := range map[string]int{"region": 5, "nation": 25, "part": 200, "supplier": 10,
		"partsupp": 800, "customer": 150, "orders": 1500} {
		n, last := count(table)
		if n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
		if _, again := count(table); again != last {
			t.Errorf("%s: not deterministic", table)
		}
	}
	if n, _ := count("lineitem"); n < 1500 || n > 1500*7 {
		t.Errorf("lineitem: %d rows for 1500 orders", n)
	}
}

// The reference implementation: the generated rows as Go structs and each
// query written out by hand.

type lineRow struct {
	orderkey, partkey, suppkey   int
	qty, ext, disc, tax          dec
	rflag, lstatus, mode         string
	ship, commitDate, receiptDay int
}

type orderRow struct {
	key, cust, date, shipprio int
	prio                      string
}

type custRow struct {
	key, nation                int
	name, addr, phone, comment string
	seg                        string
	acctbal                    dec
}

type data struct {
	lines   []lineRow
	orders  map[int]orderRow
	custs   map[int]custRow
	suppNat map[int]int
	nations map[int]struct {
		name   string
		region int
	}
	regions  map[int]string
	partType map[int]string
}

func dayOf(v any) int { return int(v.(time.Time).Unix() / 86400) }

func loadData(g *Gen) *data {
	d := &data{orders: map[int]orderRow{}, custs: map[int]custRow{}, suppNat: map[int]int{},
		nations: map[int]struct {
			name   string
			region int
		}{}, regions: map[int]string{}, partType: map[int]string{}}
	i := func(v any) int { return int(v.(int32)) }
	for r := range g.Rows("region") {
		d.regions[i(r[0])] = r[1].(string)
	}
	for r := range g.Rows("nation") {
		d.nations[i(r[0])] = struct {
			name   string
			region int
		}{r[1].(string), i(r[2])}
	}
	for r := range g.Rows("part") {
		d.partType[i(r[0])] = r[4].(string)
	}
	for r := range g.Rows("supplier") {
		d.suppNat[i(r[0])] = i(r[3])
	}
	for r := range g.Rows("customer") {
		d.custs[i(r[0])] = custRow{key: i(r[0]), name: r[1].(string), addr: r[2].(string), nation: i(r[3]),
			phone: r[4].(string), acctbal: r[5].(dec), seg: r[6].(string), comment: r[7].(string)}
	}
	for r := range g.Rows("orders") {
		d.orders[i(r[0])] = orderRow{key: i(r[0]), cust: i(r[1]), date: dayOf(r[4]), prio: r[5].(string), shipprio: i(r[7])}
	}
	for r := range g.Rows("lineitem") {
		d.lines = append(d.lines, lineRow{orderkey: i(r[0]), partkey: i(r[1]), suppkey: i(r[2]),
			qty: r[4].(dec), ext: r[5].(dec), disc: r[6].(dec), tax: r[7].(dec),
			rflag: r[8].(string), lstatus: r[9].(string), ship: dayOf(r[10]), commitDate: dayOf(r[11]),
			receiptDay: dayOf(r[12]), mode: r[14].(string)})
	}
	return d
}

func f(x float64) string       { return strconv.FormatFloat(x, 'f', -1, 64) }
func day(n int) string         { return dateOf(n).Format("2006-01-02") }
func (l lineRow) rev() float64 { return l.ext.float() * (1 - l.disc.float()) }

func (d *data) q1() [][]string {
	type acc struct {
		qty, base, disc, charge, discSum float64
		n                                int
	}
	groups := map[[2]string]*acc{}
	cut := days(1998, 12, 1) - 90
	for _, l := range d.lines {
		if l.ship > cut {
			continue
		}
		k := [2]string{l.rflag, l.lstatus}
		a := groups[k]
		if a == nil {
			a = &acc{}
			groups[k] = a
		}
		a.qty += l.qty.float()
		a.base += l.ext.float()
		a.disc += l.rev()
		a.charge += l.rev() * (1 + l.tax.float())
		a.discSum += l.disc.float()
		a.n++
	}
	var out [][]string
	for k, a := range groups {
		n := float64(a.n)
		out = append(out, []string{k[0], k[1], f(a.qty), f(a.base), f(a.disc), f(a.charge),
			f(a.qty / n), f(a.base / n), f(a.discSum / n), strconv.Itoa(a.n)})
	}
	slices.SortFunc(out, func(a, b []string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	return out
}

func (d *data) q3() [][]string {
	cut := days(1995, 3, 15)
	type key struct{ ok, date, prio int }
	rev := map[key]float64{}
	for _, l := range d.lines {
		o := d.orders[l.orderkey]
		if l.ship <= cut || o.date >= cut || d.custs[o.cust].seg != "BUILDING" {
			continue
		}
		rev[key{o.key, o.date, o.shipprio}] += l.rev()
	}
	type res struct {
		k key
		r float64
	}
	var rs []res
	for k, r := range rev {
		rs = append(rs, res{k, r})
	}
	slices.SortFunc(rs, func(a, b res) int { return cmp.Or(cmp.Compare(b.r, a.r), cmp.Compare(a.k.date, b.k.date)) })
	var out [][]string
	for i, r := range rs {
		if i == 10 {
			break
		}
		out = append(out, []string{strconv.Itoa(r.k.ok), f(r.r), day(r.k.date), strconv.Itoa(r.k.prio)})
	}
	return out
}

func (d *data) q5() [][]string {
	lo, hi := days(1994, 1, 1), days(1995, 1, 1)
	rev := map[string]float64{}
	for _, l := range d.lines {
		o := d.orders[l.orderkey]
		if o.date < lo || o.date >= hi {
			continue
		}
		c := d.custs[o.cust]
		sn, ok := d.suppNat[l.suppkey]
		if !ok || sn != c.nation {
			continue
		}
		n := d.nations[sn]
		if d.regions[n.region] != "ASIA" {
			continue
		}
		rev[n.name] += l.rev()
	}
	return sortedRevenue(rev)
}

func sortedRevenue(rev map[string]float64) [][]string {
	var out [][]string
	for k, r := range rev {
		out = append(out, []string{k, f(r)})
	}
	slices.SortFunc(out, func(a, b []string) int {
		x, _ := strconv.ParseFloat(a[1], 64)
		y, _ := strconv.ParseFloat(b[1], 64)
		return cmp.Compare(y, x)
	})
	return out
}

func (d *data) q6() [][]string {
	lo, hi := days(1994, 1, 1), days(1995, 1, 1)
	sum, n := 0.0, 0
	for _, l := range d.lines {
		if l.ship >= lo && l.ship < hi && l.disc >= 5 && l.disc <= 7 && l.qty < 2400 {
			sum += l.ext.float() * l.disc.float()
			n++
		}
	}
	if n == 0 {
		return [][]string{{"NULL"}}
	}
	return [][]string{{f(sum)}}
}

func (d *data) q10() [][]string {
	lo, hi := days(1993, 10, 1), days(1994, 1, 1)
	rev := map[int]float64{}
	for _, l := range d.lines {
		o := d.orders[l.orderkey]
		if o.date < lo || o.date >= hi || l.rflag != "R" {
			continue
		}
		rev[o.cust] += l.rev()
	}
	type res struct {
		c custRow
		r float64
	}
	var rs []res
	for k, r := range rev {
		rs = append(rs, res{d.custs[k], r})
	}
	slices.SortFunc(rs, func(a, b res) int { return cmp.Compare(b.r, a.r) })
	var out [][]string
	for i, r := range rs {
		if i == 20 {
			break
		}
		c := r.c
		out = append(out, []string{strconv.Itoa(c.key), c.name, f(r.r), c.acctbal.String(), d.nations[c.nation].name,
			c.addr, c.phone, c.comment})
	}
	return out
}

func (d *data) q12() [][]string {
	lo, hi := days(1994, 1, 1), days(1995, 1, 1)
	high, low := map[string]int{}, map[string]int{}
	for _, l := range d.lines {
		if (l.mode != "MAIL" && l.mode != "SHIP") || l.commitDate >= l.receiptDay || l.ship >= l.commitDate ||
			l.receiptDay < lo || l.receiptDay >= hi {
			continue
		}
		p := d.orders[l.orderkey].prio
		if p == "1-URGENT" || p == "2-HIGH" {
			high[l.mode]++
			low[l.mode] += 0
		} else {
			low[l.mode]++
			high[l.mode] += 0
		}
	}
	var out [][]string
	for m := range high {
		out = append(out, []string{m, strconv.Itoa(high[m]), strconv.Itoa(low[m])})
	}
	slices.SortFunc(out, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	return out
}

func (d *data) q14() [][]string {
	lo, hi := days(1995, 9, 1), days(1995, 10, 1)
	promo, all := 0.0, 0.0
	n := 0
	for _, l := range d.lines {
		if l.ship < lo || l.ship >= hi {
			continue
		}
		n++
		all += l.rev()
		if strings.HasPrefix(d.partType[l.partkey], "PROMO") {
			promo += l.rev()
		}
	}
	if n == 0 {
		return [][]string{{"NULL"}}
	}
	return [][]string{{f(100 * promo / all)}}
}
