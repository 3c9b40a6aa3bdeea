package main

import (
	"fmt"
	"hash/fnv"
	"iter"
	"math/big"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The generator follows the TPC-H specification (section 4.2.3) for row
// counts per scale factor, keys and value distributions: sparse order keys,
// customers with key divisible by 3 never order, 1-7 lines per order, the
// partsupp/lineitem supplier formula, retail prices from the part key,
// order dates 1992-01-01 .. 1998-08-02, ship/commit/receipt dates relative
// to the order date, return flag and line status against 1995-06-17, order
// status and total price from the lines. Text fields that no benchmarked
// query reads (comments, addresses, part names) are simpler than dbgen's
// grammar. It is not dbgen: the same seed gives the same data here, not
// dbgen's data, so the answers differ from the spec's published ones.

// dec is a DECIMAL(15,2) value in hundredths. It encodes as numeric or as
// double precision, whichever the target column is.
type dec int64

// NumericValue implements pgtype.NumericValuer.
func (d dec) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: big.NewInt(int64(d)), Exp: -2, Valid: true}, nil
}

// Float64Value implements pgtype.Float64Valuer.
func (d dec) Float64Value() (pgtype.Float8, error) {
	return pgtype.Float8{Float64: d.float(), Valid: true}, nil
}

func (d dec) float() float64 { return float64(d) / 100 }

func (d dec) String() string {
	sign, v := "", int64(d)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

var (
	regions = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
	nations = []struct {
		name   string
		region int
	}{
		{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4},
		{"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2},
		{"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0},
		{"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
		{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
	}
	segments    = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities  = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructs   = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes   = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	typeS1      = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeS2      = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeS3      = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	containerS1 = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	containerS2 = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
	colors      = strings.Fields(`almond antique aquamarine azure beige bisque black blanched blue blush
		brown burlywood burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark
		deep dim dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew
		hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium metallic
		midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach peru pink plum
		powder puff purple red rose rosy royal saddle salmon sandy seashell sienna sky slate smoke snow
		spring steel tan thistle tomato turquoise violet wheat white yellow`)
	words = strings.Fields(`furiously quickly carefully blithely slyly fluffily regular express final
		ironic pending bold special even unusual silent idle ruthless dogged daring thin careful accounts
		deposits packages requests instructions theodolites pinto beans foxes ideas dependencies platelets
		asymptotes courts dolphins sheaves excuses somas warhorses frays sauternes sleep wake are haggle
		nag use boost affix detect integrate cajole among across after along above against`)
	alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,"
)

// Dates of the specification, as days since 1970-01-01.
var (
	startDate   = days(1992, 1, 1)
	endDate     = days(1998, 12, 31)
	currentDate = days(1995, 6, 17)
)

func days(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dateOf(day int) time.Time { return time.Unix(int64(day)*86400, 0).UTC() }

// Gen generates the eight tables for one scale factor and seed.
type Gen struct {
	SF   float64
	Seed uint64
}

// Tables in load order.
var Tables = []string{"region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"}

func (g *Gen) scaled(n float64) int {
	v := int(n * g.SF)
	if v < 1 {
		v = 1
	}
	return v
}

func (g *Gen) nParts() int     { return g.scaled(200_000) }
func (g *Gen) nSuppliers() int { return g.scaled(10_000) }
func (g *Gen) nCustomers() int { return g.scaled(150_000) }
func (g *Gen) nOrders() int    { return g.scaled(1_500_000) }

// Rows yields the rows of table in key order. Each table has its own
// random stream, so any table can be generated alone.
func (g *Gen) Rows(table string) iter.Seq[[]any] {
	h := fnv.New64a()
	h.Write([]byte(table))
	r := rand.New(rand.NewPCG(g.Seed, h.Sum64()))
	switch table {
	case "region":
		return func(yield func([]any) bool) {
			for i, n := range regions {
				if !yield([]any{int32(i), n, text(r, 31, 115)}) {
					return
				}
			}
		}
	case "nation":
		return func(yield func([]any) bool) {
			for i, n := range nations {
				if !yield([]any{int32(i), n.name, int32(n.region), text(r, 31, 114)}) {
					return
				}
			}
		}
	case "part":
		return func(yield func([]any) bool) {
			for k := 1; k <= g.nParts(); k++ {
				m := 1 + r.IntN(5)
				row := []any{int32(k), partName(r), fmt.Sprintf("Manufacturer#%d", m),
					fmt.Sprintf("Brand#%d%d", m, 1+r.IntN(5)),
					pick(r, typeS1) + " " + pick(r, typeS2) + " " + pick(r, typeS3),
					int32(1 + r.IntN(50)), pick(r, containerS1) + " " + pick(r, containerS2),
					retailPrice(k), text(r, 5, 22)}
				if !yield(row) {
					return
				}
			}
		}
	case "supplier":
		return func(yield func([]any) bool) {
			for k := 1; k <= g.nSuppliers(); k++ {
				nk := r.IntN(25)
				row := []any{int32(k), fmt.Sprintf("Supplier#%09d", k), vstring(r, 10, 40), int32(nk),
					phone(r, nk), dec(-99999 + r.IntN(1_099_999)), text(r, 25, 100)}
				if !yield(row) {
					return
				}
			}
		}
	case "partsupp":
		return func(yield func([]any) bool) {
			for k := 1; k <= g.nParts(); k++ {
				for i := 0; i < 4; i++ {
					row := []any{int32(k), int32(g.partSupp(k, i)), int32(1 + r.IntN(9999)),
						dec(100 + r.IntN(99_901)), text(r, 49, 198)}
					if !yield(row) {
						return
					}
				}
			}
		}
	case "customer":
		return func(yield func([]any) bool) {
			for k := 1; k <= g.nCustomers(); k++ {
				nk := r.IntN(25)
				row := []any{int32(k), fmt.Sprintf("Customer#%09d", k), vstring(r, 10, 40), int32(nk),
					phone(r, nk), dec(-99999 + r.IntN(1_099_999)), pick(r, segments), text(r, 29, 116)}
				if !yield(row) {
					return
				}
			}
		}
	case "orders", "lineitem":
		wantOrders := table == "orders"
		// Both tables come from the same stream, so they agree.
		r = rand.New(rand.NewPCG(g.Seed, 0x6f7264657273))
		return func(yield func([]any) bool) {
			g.orders(r, func(o []any, lines [][]any) bool {
				if wantOrders {
					return yield(o)
				}
				for _, l := range lines {
					if !yield(l) {
						return false
					}
				}
				return true
			})
		}
	}
	panic("unknown table " + table)
}

// partSupp is the i-th (0..3) supplier of part k (spec 4.2.3, PS_SUPPKEY).
// Below about SF 0.01 the spec's formula repeats suppliers for a part, so
// tiny scales drop its (k-1)/S term.
func (g *Gen) partSupp(k, i int) int {
	s := g.nSuppliers()
	step := s/4 + (k-1)/s
	if s < 100 {
		step = max(s/4, 1)
	}
	return (k+i*step)%s + 1
}

func retailPrice(k int) dec { return dec(90000 + (k/10)%20001 + 100*(k%1000)) }

func (g *Gen) orders(r *rand.Rand, emit func(order []any, lines [][]any) bool) {
	nc, np := g.nCustomers(), g.nParts()
	clerks := g.scaled(1000)
	for i := 0; i < g.nOrders(); i++ {
		key := int32(i/8*32 + i%8 + 1)
		cust := 1 + r.IntN(nc)
		for nc >= 3 && cust%3 == 0 {
			cust = 1 + r.IntN(nc)
		}
		odate := startDate + r.IntN(endDate-151-startDate+1)
		prio := pick(r, priorities)
		clerk := fmt.Sprintf("Clerk#%09d", 1+r.IntN(clerks))
		n := 1 + r.IntN(7)
		lines := make([][]any, n)
		var total float64
		nf, no := 0, 0
		for j := range lines {
			pk := 1 + r.IntN(np)
			sk := g.partSupp(pk, r.IntN(4))
			qty := 1 + r.IntN(50)
			ext := dec(qty) * retailPrice(pk)
			disc := dec(r.IntN(11))
			tax := dec(r.IntN(9))
			ship := odate + 1 + r.IntN(121)
			commit := odate + 30 + r.IntN(61)
			receipt := ship + 1 + r.IntN(30)
			status := "O"
			if ship <= currentDate {
				status = "F"
				nf++
			} else {
				no++
			}
			flag := "N"
			if receipt <= currentDate {
				flag = []string{"R", "A"}[r.IntN(2)]
			}
			total += ext.float() * (1 + tax.float()) * (1 - disc.float())
			lines[j] = []any{key, int32(pk), int32(sk), int32(j + 1), dec(qty * 100), ext, disc, tax,
				flag, status, dateOf(ship), dateOf(commit), dateOf(receipt),
				pick(r, instructs), pick(r, shipModes), text(r, 10, 43)}
		}
		ostatus := "P"
		if nf == n {
			ostatus = "F"
		} else if no == n {
			ostatus = "O"
		}
		order := []any{key, int32(cust), ostatus, dec(total*100 + 0.5), dateOf(odate), prio, clerk, int32(0), text(r, 19, 78)}
		if !emit(order, lines) {
			return
		}
	}
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func phone(r *rand.Rand, nation int) string {
	return fmt.Sprintf("%02d-%03d-%03d-%04d", nation+10, 100+r.IntN(900), 100+r.IntN(900), 1000+r.IntN(9000))
}

func vstring(r *rand.Rand, lo, hi int) string {
	b := make([]byte, lo+r.IntN(hi-lo+1))
	for i := range b {
		b[i] = alnum[r.IntN(len(alnum))]
	}
	return string(b)
}

// partName is five distinct color words.
func partName(r *rand.Rand) string {
	var picked [5]string
	for i := 0; i < 5; i++ {
	again:
		w := pick(r, colors)
		for _, p := range picked[:i] {
			if p == w {
				goto again
			}
		}
		picked[i] = w
	}
	return strings.Join(picked[:], " ")
}

// text is a comment of lo..hi characters made of random words.
func text(r *rand.Rand, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pick(r, words))
	}
	return strings.TrimRight(b.String()[:n], " ")
}
