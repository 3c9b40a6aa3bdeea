package funcs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Interval is an SQL interval value: months, days and microseconds kept
// apart as in PostgreSQL (a month is not a fixed number of days, a day is
// not always 24 hours across time zone changes).
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// IntervalType is the static type of interval expressions.
const IntervalType = types.Interval

// PGInterval implements types.IntervalValue.
func (iv Interval) PGInterval() (months, days int32, micros int64) {
	return iv.Months, iv.Days, iv.Micros
}

const (
	microsPerSecond = int64(1_000_000)
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// totalMicros approximates the interval's length with 30-day months, the
// rule PostgreSQL uses to compare intervals.
func (iv Interval) totalMicros() float64 {
	return float64(iv.Months)*30*float64(microsPerDay) + float64(iv.Days)*float64(microsPerDay) + float64(iv.Micros)
}

// Compare orders intervals by their 30-day-month length.
func (iv Interval) Compare(o Interval) int {
	a, b := iv.totalMicros(), o.totalMicros()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Neg returns -iv.
func (iv Interval) Neg() Interval { return Interval{-iv.Months, -iv.Days, -iv.Micros} }

// Add returns iv + o.
func (iv Interval) Add(o Interval) Interval {
	return Interval{iv.Months + o.Months, iv.Days + o.Days, iv.Micros + o.Micros}
}

// Duration returns the interval as a fixed duration (30-day months).
func (iv Interval) Duration() time.Duration {
	return time.Duration(iv.totalMicros()) * time.Microsecond
}

// Mul scales the interval, carrying fractions down as PostgreSQL does.
func (iv Interval) Mul(f float64) Interval {
	months := float64(iv.Months) * f
	m := math.Trunc(months)
	days := float64(iv.Days)*f + (months-m)*30
	d := math.Trunc(days)
	micros := float64(iv.Micros)*f + (days-d)*float64(microsPerDay)
	return Interval{int32(m), int32(d), int64(math.Round(micros))}
}

// Div divides the interval by f as PostgreSQL's interval_div does:
// months and days divided whole, their fractions carried down to days
// and seconds (rounded to microseconds), the time divided.
func (iv Interval) Div(f float64) Interval {
	tsround := func(x float64) float64 { return math.RoundToEven(x*1e6) / 1e6 }
	m := int32(float64(iv.Months) / f)
	d := int32(float64(iv.Days) / f)
	monthDays := tsround((float64(iv.Months)/f - float64(m)) * 30)
	secs := tsround((float64(iv.Days)/f - float64(d) + monthDays - math.Trunc(monthDays)) * 86400)
	if math.Abs(secs) >= 86400 {
		d += int32(secs / 86400)
		secs -= math.Trunc(secs/86400) * 86400
	}
	d += int32(monthDays)
	return Interval{m, d, int64(math.RoundToEven(float64(iv.Micros)/f + secs*1e6))}
}

// String renders the interval in PostgreSQL's default (postgres) style:
// "1 year 2 mons 3 days 04:05:06.5".
func (iv Interval) String() string {
	var parts []string
	plural := func(n int64, unit string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	years, months := iv.Months/12, iv.Months%12
	if years != 0 {
		parts = append(parts, plural(int64(years), "year"))
	}
	if months != 0 {
		parts = append(parts, plural(int64(months), "mon"))
	}
	if iv.Days != 0 {
		parts = append(parts, plural(int64(iv.Days), "day"))
	}
	if iv.Micros != 0 || len(parts) == 0 {
		m := iv.Micros
		sign := ""
		if m < 0 {
			sign = "-"
			m = -m
		} else if len(parts) > 0 && (iv.Months < 0 || iv.Days < 0) {
			sign = "+"
		}
		h := m / microsPerHour
		m -= h * microsPerHour
		mi := m / microsPerMinute
		m -= mi * microsPerMinute
		s := m / microsPerSecond
		us := m - s*microsPerSecond
		t := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, mi, s)
		if us != 0 {
			t += strings.TrimRight(fmt.Sprintf(".%06d", us), "0")
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// ParseInterval parses PostgreSQL interval input: "5 minutes",
// "1 day 02:00:00", "1 year 2 mons", "-3 hours", "2 weeks ago", compact
// forms such as "1h30m" and "90s", and ISO 8601 durations ("P1DT2H").
func ParseInterval(s string) (Interval, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	bad := func() (Interval, error) {
		return Interval{}, errs.Errorf(errs.InvalidDatetime, "invalid input syntax for type interval: %q", s)
	}
	if in == "" {
		return bad()
	}
	if strings.HasPrefix(in, "p") {
		if iv, ok := parseISOInterval(in); ok {
			return iv, nil
		}
		return bad()
	}
	ago := false
	if strings.HasSuffix(in, " ago") {
		ago = true
		in = strings.TrimSpace(strings.TrimSuffix(in, " ago"))
	}
	if strings.HasPrefix(in, "@") {
		in = strings.TrimSpace(in[1:])
	}
	var iv Interval
	var fm, fd float64 // fractional months and days carried down
	toks := tokenizeInterval(in)
	if len(toks) == 0 {
		return bad()
	}
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		if strings.Contains(tok, ":") {
			us, ok := parseClock(tok)
			if !ok {
				return bad()
			}
			iv.Micros += us
			continue
		}
		num, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return bad()
		}
		unit := "second"
		if i+1 < len(toks) && !isNumberTok(toks[i+1]) {
			unit = toks[i+1]
			i++
		} else if len(toks) > 1 {
			return bad() // a bare number is only allowed alone ('10' is 10 seconds)
		}
		if !addIntervalUnit(&iv, &fm, &fd, num, unit) {
			return bad()
		}
	}
	if fm != 0 {
		fd += fm * 30
	}
	if fd != 0 {
		d := math.Trunc(fd)
		iv.Days += int32(d)
		iv.Micros += int64(math.Round((fd - d) * float64(microsPerDay)))
	}
	if ago {
		iv = iv.Neg()
	}
	return iv, nil
}

func isNumberTok(t string) bool {
	if strings.Contains(t, ":") {
		return true
	}
	_, err := strconv.ParseFloat(t, 64)
	return err == nil
}

// tokenizeInterval splits "1h30m", "1 day, 2 hours" into number and unit tokens.
func tokenizeInterval(s string) []string {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == ',' || c == '\t':
			i++
		case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] == '.' || s[j] == ':' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && ((s[j] >= 'a' && s[j] <= 'z') || s[j] == 'µ') {
				j++
			}
			if j == i {
				j = i + 1
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

func parseClock(t string) (int64, bool) {
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimLeft(t, "+-")
	f := strings.Split(t, ":")
	if len(f) < 2 || len(f) > 3 {
		return 0, false
	}
	h, err1 := strconv.ParseInt(f[0], 10, 64)
	m, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	us := h*microsPerHour + m*microsPerMinute
	if len(f) == 3 {
		sec, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return 0, false
		}
		us += int64(math.Round(sec * float64(microsPerSecond)))
	}
	if neg {
		us = -us
	}
	return us, true
}

func addIntervalUnit(iv *Interval, fm, fd *float64, n float64, unit string) bool {
	switch unit {
	case "us", "usec", "usecs", "microsecond", "microseconds", "µs":
		iv.Micros += int64(math.Round(n))
	case "ms", "msec", "msecs", "millisecond", "milliseconds":
		iv.Micros += int64(math.Round(n * 1000))
	case "s", "sec", "secs", "second", "seconds":
		iv.Micros += int64(math.Round(n * float64(microsPerSecond)))
	case "m", "min", "mins", "minute", "minutes":
		iv.Micros += int64(math.Round(n * float64(microsPerMinute)))
	case "h", "hr", "hrs", "hour", "hours":
		iv.Micros += int64(math.Round(n * float64(microsPerHour)))
	case "d", "day", "days":
		whole := math.Trunc(n)
		iv.Days += int32(whole)
		*fd += n - whole
	case "w", "week", "weeks":
		whole := math.Trunc(n * 7)
		iv.Days += int32(whole)
		*fd += n*7 - whole
	case "mon", "mons", "month", "months":
		whole := math.Trunc(n)
		iv.Months += int32(whole)
		*fm += n - whole
	case "y", "yr", "yrs", "year", "years":
		whole := math.Trunc(n * 12)
		iv.Months += int32(whole)
		*fm += n*12 - whole
	case "decade", "decades":
		iv.Months += int32(math.Round(n * 120))
	case "century", "centuries":
		iv.Months += int32(math.Round(n * 1200))
	case "millennium", "millennia", "millenniums":
		iv.Months += int32(math.Round(n * 12000))
	default:
		return false
	}
	return true
}

func parseISOInterval(s string) (Interval, bool) {
	var iv Interval
	inTime := false
	num := ""
	for _, c := range s[1:] {
		switch {
		case c == 't':
			inTime = true
		case (c >= '0' && c <= '9') || c == '.' || c == '-':
			num += string(c)
		default:
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return iv, false
			}
			num = ""
			switch {
			case c == 'y':
				iv.Months += int32(n * 12)
			case c == 'm' && !inTime:
				iv.Months += int32(n)
			case c == 'w':
				iv.Days += int32(n * 7)
			case c == 'd':
				iv.Days += int32(n)
			case c == 'h':
				iv.Micros += int64(n * float64(microsPerHour))
			case c == 'm':
				iv.Micros += int64(n * float64(microsPerMinute))
			case c == 's':
				iv.Micros += int64(math.Round(n * float64(microsPerSecond)))
			default:
				return iv, false
			}
		}
	}
	return iv, num == ""
}

// toInterval accepts an Interval or interval text.
func toInterval(v types.Value) (Interval, error) {
	switch x := v.(type) {
	case Interval:
		return x, nil
	case string:
		return ParseInterval(x)
	}
	return Interval{}, errs.Errorf(errs.DatatypeMismatch, "cannot convert %s to interval", types.TypeOf(v))
}

// AddInterval adds iv to t: months first (clamping the day to the month's
// end as PostgreSQL does), then days, then the time part.
func AddInterval(t time.Time, iv Interval) time.Time {
	if iv.Months != 0 {
		y, m, d := t.Date()
		total := int(y)*12 + int(m) - 1 + int(iv.Months)
		ny, nm := total/12, total%12
		if nm < 0 {
			nm += 12
			ny--
		}
		last := daysIn(time.Month(nm+1), ny)
		if d > last {
			d = last
		}
		hh, mm, ss := t.Clock()
		t = time.Date(ny, time.Month(nm+1), d, hh, mm, ss, t.Nanosecond(), t.Location())
	}
	if iv.Days != 0 {
		t = t.AddDate(0, 0, int(iv.Days))
	}
	return t.Add(time.Duration(iv.Micros) * time.Microsecond)
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// subTimes returns a - b as an interval of days and microseconds.
func subTimes(a, b time.Time) Interval {
	us := a.Sub(b).Microseconds()
	if d := a.Sub(b); d == time.Duration(math.MaxInt64) || d == time.Duration(math.MinInt64) {
		us = a.UnixMicro() - b.UnixMicro()
	}
	days := us / microsPerDay
	return Interval{Days: int32(days), Micros: us - days*microsPerDay}
}
