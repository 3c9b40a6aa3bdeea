package funcs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

func (c *Context) now() time.Time {
	if c == nil || c.Now.IsZero() {
		return time.Now().UTC()
	}
	return c.Now.UTC()
}

// toTime accepts a time or timestamp text.
func toTime(v types.Value) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		t, err := types.ParseTime(x, types.Timestamptz)
		if err != nil {
			return time.Time{}, err
		}
		return t.(time.Time), nil
	case int64:
		return time.UnixMilli(x).UTC(), nil
	}
	return time.Time{}, errs.Errorf(errs.DatatypeMismatch, "cannot convert %s to timestamp", valueType(v))
}

// timeRet gives the argument's time type (timestamp stays timestamp),
// timestamptz for dates and untyped input.
func timeRet(i int) retFn {
	return func(a []types.T) (types.T, error) {
		if i < len(a) && (a[i] == types.Timestamp || a[i] == types.Timestamptz) {
			return a[i], nil
		}
		return types.Timestamptz, nil
	}
}

func init() {
	stmtNow := func(c *Context, _ []types.Value) (types.Value, error) { return c.now(), nil }
	def("now current_timestamp transaction_timestamp statement_timestamp", 0, 0, "", types.Timestamptz, stmtNow, volatile)
	def("localtimestamp", 0, 0, "", types.Timestamp, stmtNow, volatile)
	def("clock_timestamp", 0, 0, "", types.Timestamptz, func(*Context, []types.Value) (types.Value, error) {
		return time.Now().UTC(), nil
	}, volatile)
	def("current_date", 0, 0, "", types.Date, func(c *Context, _ []types.Value) (types.Value, error) {
		y, m, d := c.now().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}, volatile)
	truncRet := func(a []types.T) (types.T, error) {
		if len(a) > 1 && a[1] == IntervalType {
			return IntervalType, nil
		}
		if len(a) > 1 && !isTimeT(a[1]) && !a[1].IsString() && !isDyn(a[1]) {
			return types.Unknown, errTypeMismatch
		}
		return timeRet(1)(a)
	}
	def("date_trunc", 2, 3, "sas", truncRet, func(_ *Context, a []types.Value) (types.Value, error) {
		if iv, ok := a[1].(Interval); ok {
			return TruncInterval(str(a[0]), iv)
		}
		t, err := toTime(a[1])
		if err != nil {
			return nil, err
		}
		return DateTrunc(str(a[0]), t)
	})
	def("extract", 2, 2, "sa", types.Numeric, func(_ *Context, a []types.Value) (types.Value, error) {
		return Extract(str(a[0]), a[1])
	})
	def("date_part", 2, 2, "sa", types.Float8, func(_ *Context, a []types.Value) (types.Value, error) {
		v, err := Extract(str(a[0]), a[1])
		if err != nil {
			return nil, err
		}
		return toFloat(v)
	})
	def("to_char", 2, 2, "as", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		switch x := a[0].(type) {
		case time.Time:
			return ToChar(x, str(a[1])), nil
		case Interval:
			return ToChar(AddInterval(time.Time{}, x), str(a[1])), nil
		case int64, float64, *apd.Decimal:
			return numToChar(x, str(a[1]))
		case string:
			t, err := toTime(x)
			if err != nil {
				return nil, err
			}
			return ToChar(t, str(a[1])), nil
		}
		return nil, errs.Errorf(errs.UndefinedFunction, "function to_char(%s, text) does not exist", valueType(a[0]))
	})
	def("to_timestamp", 1, 2, "as", types.Timestamptz, func(_ *Context, a []types.Value) (types.Value, error) {
		if len(a) == 2 {
			return parseWithFormat(str(a[0]), str(a[1]))
		}
		f, err := toFloat(a[0])
		if err != nil {
			return nil, err
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9.2e12 {
			return nil, errs.New(errs.DatetimeOverflow, "timestamp out of range")
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64(math.Round((f-sec)*1e6))*1000).UTC(), nil
	})
	def("to_date", 2, 2, "s", types.Date, func(_ *Context, a []types.Value) (types.Value, error) {
		t, err := parseWithFormat(str(a[0]), str(a[1]))
		if err != nil {
			return nil, err
		}
		y, m, d := t.(time.Time).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	})
	def("make_date", 3, 3, "i", types.Date, func(_ *Context, a []types.Value) (types.Value, error) {
		return makeTime(a, 3)
	})
	def("make_timestamp make_timestamptz", 6, 6, "i", types.Timestamptz, func(_ *Context, a []types.Value) (types.Value, error) {
		return makeTime(a, 6)
	})
	def("age", 1, 2, "t", IntervalType, func(c *Context, a []types.Value) (types.Value, error) {
		t1, err := toTime(a[0])
		if err != nil {
			return nil, err
		}
		if len(a) == 1 {
			y, m, d := c.now().Date()
			return Age(time.Date(y, m, d, 0, 0, 0, 0, time.UTC), t1), nil
		}
		t2, err := toTime(a[1])
		if err != nil {
			return nil, err
		}
		return Age(t1, t2), nil
	})
	def("time_bucket", 2, 3, "aaa", retFn(func(a []types.T) (types.T, error) {
		if a[1].IsInteger() {
			return a[1], nil
		}
		if a[1] == types.Date {
			return types.Date, nil
		}
		return timeRet(1)(a)
	}), timeBucketEval)
	def("interval", 1, 1, "s", IntervalType, func(_ *Context, a []types.Value) (types.Value, error) {
		return toInterval(a[0])
	})
	def("justify_hours", 1, 1, "v", IntervalType, func(_ *Context, a []types.Value) (types.Value, error) {
		iv, err := toInterval(a[0])
		if err != nil {
			return nil, err
		}
		d := iv.Micros / microsPerDay
		return Interval{iv.Months, iv.Days + int32(d), iv.Micros - d*microsPerDay}, nil
	})
}

func makeTime(a []types.Value, n int) (types.Value, error) {
	var f [6]float64
	for i := 0; i < n; i++ {
		x, err := toFloat(a[i])
		if err != nil {
			return nil, err
		}
		f[i] = x
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > float64(daysIn(time.Month(f[1]), int(f[0]))) ||
		f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] >= 61 {
		return nil, errs.New(errs.DatetimeOverflow, "date field value out of range")
	}
	sec := math.Floor(f[5])
	return time.Date(int(f[0]), time.Month(f[1]), int(f[2]), int(f[3]), int(f[4]), int(sec),
		int(math.Round((f[5]-sec)*1e6))*1000, time.UTC), nil
}

// TruncInterval is date_trunc of an interval, as PostgreSQL's
// interval_trunc: the fields below unit are zeroed (each toward zero).
func TruncInterval(unit string, iv Interval) (Interval, error) {
	m, d, us := iv.Months, iv.Days, iv.Micros
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "microsecond", "microseconds", "us":
	case "millisecond", "milliseconds", "ms":
		us = us / 1000 * 1000
	case "second", "seconds", "s":
		us = us / microsPerSecond * microsPerSecond
	case "minute", "minutes", "m":
		us = us / microsPerMinute * microsPerMinute
	case "hour", "hours", "h":
		us = us / microsPerHour * microsPerHour
	case "day", "days", "d":
		us = 0
	case "month", "months", "mon":
		d, us = 0, 0
	case "quarter":
		m, d, us = m/3*3, 0, 0
	case "year", "years", "y":
		m, d, us = m/12*12, 0, 0
	case "decade":
		m, d, us = m/120*120, 0, 0
	case "century":
		m, d, us = m/1200*1200, 0, 0
	case "millennium":
		m, d, us = m/12000*12000, 0, 0
	case "week", "weeks", "w":
		return Interval{}, errs.New(errs.FeatureNotSupported, `unit "week" not supported for type interval`).
			WithDetail("Months do not have a fixed number of weeks.")
	default:
		return Interval{}, errs.Errorf(errs.InvalidParameterValue, "unit %q not recognized for type interval", unit)
	}
	return Interval{m, d, us}, nil
}

// DateTrunc truncates t to the given field (microseconds … millennium).
func DateTrunc(field string, t time.Time) (time.Time, error) {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ns := t.Nanosecond()
	switch strings.ToLower(strings.TrimSpace(field)) {
	case "microsecond", "microseconds", "us":
		return t.Truncate(time.Microsecond), nil
	case "millisecond", "milliseconds", "ms":
		return time.Date(y, mo, d, h, mi, s, ns/1e6*1e6, time.UTC), nil
	case "second", "seconds", "s":
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC), nil
	case "minute", "minutes", "m":
		return time.Date(y, mo, d, h, mi, 0, 0, time.UTC), nil
	case "hour", "hours", "h":
		return time.Date(y, mo, d, h, 0, 0, 0, time.UTC), nil
	case "day", "days", "d":
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), nil
	case "week", "weeks", "w":
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC), nil
	case "month", "months", "mon":
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC), nil
	case "quarter":
		return time.Date(y, ((mo-1)/3)*3+1, 1, 0, 0, 0, 0, time.UTC), nil
	case "year", "years", "y":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "decade":
		return time.Date(floorInt(y, 10), 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "century":
		c := floorInt(y-1, 100) + 1
		return time.Date(c, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "millennium":
		c := floorInt(y-1, 1000) + 1
		return time.Date(c, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, invalidParam("unit %q not recognized for type timestamp", field)
}

func floorInt(a, b int) int { return int(floorDiv(int64(a), int64(b)) * int64(b)) }

func decScaled(coeff int64, scale int32) *apd.Decimal { return apd.New(coeff, -scale) }

// Extract is EXTRACT(field FROM v) for times and intervals; it returns
// numeric like PostgreSQL 14+ (date_part converts to double).
func Extract(field string, v types.Value) (types.Value, error) {
	f := strings.ToLower(strings.TrimSpace(field))
	if iv, ok := v.(Interval); ok {
		return extractInterval(f, iv)
	}
	if s, ok := v.(string); ok {
		if iv, err := ParseInterval(s); err == nil {
			if _, terr := types.ParseTime(s, types.Timestamptz); terr != nil {
				return extractInterval(f, iv)
			}
		}
	}
	t, err := toTime(v)
	if err != nil {
		return nil, err
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	us := int64(t.Nanosecond() / 1000)
	switch f {
	case "year", "years":
		return decFromInt(int64(y)), nil
	case "month", "months", "mon":
		return decFromInt(int64(mo)), nil
	case "day", "days":
		return decFromInt(int64(d)), nil
	case "hour", "hours":
		return decFromInt(int64(h)), nil
	case "minute", "minutes":
		return decFromInt(int64(mi)), nil
	case "second", "seconds":
		return decScaled(int64(s)*1_000_000+us, 6), nil
	case "millisecond", "milliseconds":
		return decScaled(int64(s)*1_000_000+us, 3), nil
	case "microsecond", "microseconds":
		return decFromInt(int64(s)*1_000_000 + us), nil
	case "epoch":
		return decScaled(t.UnixMicro(), 6), nil
	case "dow":
		return decFromInt(int64(t.Weekday())), nil
	case "isodow":
		wd := int64(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return decFromInt(wd), nil
	case "doy":
		return decFromInt(int64(t.YearDay())), nil
	case "week":
		_, w := t.ISOWeek()
		return decFromInt(int64(w)), nil
	case "isoyear":
		iy, _ := t.ISOWeek()
		return decFromInt(int64(iy)), nil
	case "quarter":
		return decFromInt(int64((mo-1)/3 + 1)), nil
	case "decade":
		return decFromInt(floorDiv(int64(y), 10)), nil
	case "century":
		if y > 0 {
			return decFromInt(int64((y + 99) / 100)), nil
		}
		return decFromInt(-int64((99 - (y - 1)) / 100)), nil
	case "millennium":
		if y > 0 {
			return decFromInt(int64((y + 999) / 1000)), nil
		}
		return decFromInt(-int64((999 - (y - 1)) / 1000)), nil
	case "julian":
		days := floorDiv(t.Unix(), 86400) + 2440588
		frac := t.UnixMicro() - floorDiv(t.UnixMicro(), microsPerDay)*microsPerDay
		if frac == 0 {
			return decFromInt(days), nil
		}
		r, err := decDiv(decFromInt(days*microsPerDay+frac), decFromInt(microsPerDay))
		return r, err
	case "timezone", "timezone_hour", "timezone_minute":
		return decFromInt(0), nil
	}
	return nil, invalidParam("unit %q not recognized for type timestamp", field)
}

func extractInterval(f string, iv Interval) (types.Value, error) {
	us := iv.Micros
	switch f {
	case "epoch":
		// Years count 365.25 days and months 30 days, as in PostgreSQL.
		total := int64(iv.Months/12)*int64(365.25*float64(microsPerDay)) + int64(iv.Months%12)*30*microsPerDay +
			int64(iv.Days)*microsPerDay + us
		return decScaled(total, 6), nil
	case "year", "years":
		return decFromInt(int64(iv.Months / 12)), nil
	case "month", "months", "mon":
		return decFromInt(int64(iv.Months % 12)), nil
	case "day", "days":
		return decFromInt(int64(iv.Days)), nil
	case "hour", "hours":
		return decFromInt(us / microsPerHour), nil
	case "minute", "minutes":
		return decFromInt((us % microsPerHour) / microsPerMinute), nil
	case "second", "seconds":
		return decScaled(us%microsPerMinute, 6), nil
	case "millisecond", "milliseconds":
		return decScaled(us%microsPerMinute, 3), nil
	case "microsecond", "microseconds":
		return decFromInt(us % microsPerMinute), nil
	}
	return nil, invalidParam("unit %q not recognized for type interval", f)
}

// Age is age(a, b): the symbolic difference in years, months, days and time.
func Age(a, b time.Time) Interval {
	if a.Before(b) {
		return Age(b, a).Neg()
	}
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	us1 := a.Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)).Microseconds()
	us2 := b.Sub(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)).Microseconds()
	us := us1 - us2
	days := d1 - d2
	months := int(m1) - int(m2)
	years := y1 - y2
	if us < 0 {
		us += microsPerDay
		days--
	}
	if days < 0 {
		days += daysIn(m2, y2)
		months--
	}
	if months < 0 {
		months += 12
		years--
	}
	return Interval{Months: int32(years*12 + months), Days: int32(days), Micros: us}
}

// TimeBucket returns the start of the width-sized bucket holding t, with
// buckets aligned to origin (the Unix epoch when origin is zero). Month
// widths bucket by calendar months.
func TimeBucket(width Interval, t time.Time, origin time.Time) (time.Time, error) {
	if origin.IsZero() {
		origin = time.Unix(0, 0).UTC()
	}
	if width.Months != 0 {
		if width.Days != 0 || width.Micros != 0 || width.Months < 0 {
			return time.Time{}, invalidParam("interval defined in terms of month, year, century etc. not supported")
		}
		oy, om, _ := origin.Date()
		y, m, _ := t.Date()
		n := int64(y-oy)*12 + int64(m-om)
		b := floorDiv(n, int64(width.Months)) * int64(width.Months)
		return AddInterval(time.Date(oy, om, 1, 0, 0, 0, 0, time.UTC), Interval{Months: int32(b)}), nil
	}
	w := int64(width.Days)*microsPerDay + width.Micros
	if w <= 0 {
		return time.Time{}, invalidParam("interval must be greater than zero")
	}
	off := t.UnixMicro() - origin.UnixMicro()
	b := floorDiv(off, w) * w
	return time.UnixMicro(origin.UnixMicro() + b).UTC(), nil
}

func timeBucketEval(_ *Context, a []types.Value) (types.Value, error) {
	if n, ok := a[1].(int64); ok {
		w, err := toInt(a[0])
		if err != nil {
			return nil, err
		}
		if w <= 0 {
			return nil, invalidParam("period must be greater than 0")
		}
		var off int64
		if len(a) == 3 {
			if off, err = toInt(a[2]); err != nil {
				return nil, err
			}
		}
		return floorDiv(n-off, w)*w + off, nil
	}
	var width Interval
	switch x := a[0].(type) {
	case int64: // integer width on a timestamp: milliseconds
		width = Interval{Micros: x * 1000}
	default:
		iv, err := toInterval(x)
		if err != nil {
			return nil, err
		}
		width = iv
	}
	t, err := toTime(a[1])
	if err != nil {
		return nil, err
	}
	var origin time.Time
	if len(a) == 3 {
		if origin, err = toTime(a[2]); err != nil {
			return nil, err
		}
	}
	return TimeBucket(width, t, origin)
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// charTokens are to_char's template patterns, longest first.
var charTokens = []string{
	"YYYY", "IYYY", "Y,YYY", "YYY", "YY", "Y",
	"MONTH", "Month", "month", "MON", "Mon", "mon", "MM",
	"DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D",
	"HH24", "HH12", "HH", "MI", "SSSS", "SS", "MS", "US",
	"AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.",
	"Q", "WW", "IW", "J", "TZ", "tz", "OF",
}

// ToChar formats t with a PostgreSQL to_char template: YYYY YY MM Mon Month
// DD D DDD Dy Day HH24 HH12 HH MI SS MS US AM/PM Q WW IW J TZ, FM prefix,
// and "quoted" literal text.
func ToChar(t time.Time, format string) string {
	t = t.UTC()
	var b strings.Builder
	for i := 0; i < len(format); {
		if format[i] == '"' {
			j := i + 1
			for j < len(format) && format[j] != '"' {
				if format[j] == '\\' && j+1 < len(format) {
					j++
				}
				b.WriteByte(format[j])
				j++
			}
			i = j + 1
			continue
		}
		fm := false
		if strings.HasPrefix(format[i:], "FM") || strings.HasPrefix(format[i:], "fm") {
			fm = true
			i += 2
		}
		tok := ""
		for _, c := range charTokens {
			if strings.HasPrefix(format[i:], c) {
				tok = c
				break
			}
		}
		if tok == "" {
			if !fm {
				b.WriteByte(format[i])
				i++
			}
			continue
		}
		i += len(tok)
		b.WriteString(charField(t, tok, fm))
	}
	return b.String()
}

func pad(n int64, width int, fm bool) string {
	s := strconv.FormatInt(n, 10)
	if fm {
		return s
	}
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for len(s) < width {
		s = "0" + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

func padName(s string, fm bool) string {
	if fm {
		return s
	}
	return fmt.Sprintf("%-9s", s)
}

func charField(t time.Time, tok string, fm bool) string {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	switch tok {
	case "YYYY":
		return pad(int64(y), 4, fm)
	case "IYYY":
		iy, _ := t.ISOWeek()
		return pad(int64(iy), 4, fm)
	case "Y,YYY":
		return fmt.Sprintf("%d,%03d", y/1000, y%1000)
	case "YYY":
		return pad(int64(y%1000), 3, fm)
	case "YY":
		return pad(int64(y%100), 2, fm)
	case "Y":
		return strconv.Itoa(y % 10)
	case "MONTH":
		return padName(strings.ToUpper(monthNames[mo-1]), fm)
	case "Month":
		return padName(monthNames[mo-1], fm)
	case "month":
		return padName(strings.ToLower(monthNames[mo-1]), fm)
	case "MON":
		return strings.ToUpper(monthNames[mo-1][:3])
	case "Mon":
		return monthNames[mo-1][:3]
	case "mon":
		return strings.ToLower(monthNames[mo-1][:3])
	case "MM":
		return pad(int64(mo), 2, fm)
	case "DAY":
		return padName(strings.ToUpper(dayNames[t.Weekday()]), fm)
	case "Day":
		return padName(dayNames[t.Weekday()], fm)
	case "day":
		return padName(strings.ToLower(dayNames[t.Weekday()]), fm)
	case "DY":
		return strings.ToUpper(dayNames[t.Weekday()][:3])
	case "Dy":
		return dayNames[t.Weekday()][:3]
	case "dy":
		return strings.ToLower(dayNames[t.Weekday()][:3])
	case "DDD":
		return pad(int64(t.YearDay()), 3, fm)
	case "DD":
		return pad(int64(d), 2, fm)
	case "D":
		return strconv.Itoa(int(t.Weekday()) + 1)
	case "HH24":
		return pad(int64(h), 2, fm)
	case "HH12", "HH":
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		return pad(int64(h12), 2, fm)
	case "MI":
		return pad(int64(mi), 2, fm)
	case "SS":
		return pad(int64(s), 2, fm)
	case "SSSS":
		return strconv.Itoa(h*3600 + mi*60 + s)
	case "MS":
		return pad(int64(t.Nanosecond()/1e6), 3, fm)
	case "US":
		return pad(int64(t.Nanosecond()/1e3), 6, fm)
	case "AM", "PM":
		if h >= 12 {
			return "PM"
		}
		return "AM"
	case "am", "pm":
		if h >= 12 {
			return "pm"
		}
		return "am"
	case "A.M.", "P.M.":
		if h >= 12 {
			return "P.M."
		}
		return "A.M."
	case "a.m.", "p.m.":
		if h >= 12 {
			return "p.m."
		}
		return "a.m."
	case "Q":
		return strconv.Itoa(int(mo-1)/3 + 1)
	case "WW":
		return pad(int64((t.YearDay()-1)/7+1), 2, fm)
	case "IW":
		_, w := t.ISOWeek()
		return pad(int64(w), 2, fm)
	case "J":
		return strconv.FormatInt(floorDiv(t.Unix(), 86400)+2440588, 10)
	case "TZ":
		return "UTC"
	case "tz":
		return "utc"
	case "OF":
		return "+00"
	}
	return tok
}

// parseWithFormat is to_timestamp(text, format) for the common patterns
// (YYYY MM DD HH24 HH12 HH MI SS MS US AM PM Mon Month DDD); other template
// characters skip one input character.
func parseWithFormat(s, format string) (types.Value, error) {
	bad := func() (types.Value, error) {
		return nil, errs.Errorf(codeInvalidDatetimeFmt, "invalid value %q for format %q", s, format)
	}
	y, mo, d, h, mi, sec, us := 1, 1, 1, 0, 0, 0, 0
	pm, hasAmPm := false, false
	si := 0
	num := func(maxDigits int) (int, bool) {
		for si < len(s) && s[si] == ' ' {
			si++
		}
		j := si
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		for j < len(s) && j-si < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(s[si:j])
		if err != nil {
			return 0, false
		}
		si = j
		return n, true
	}
	for i := 0; i < len(format); {
		if strings.HasPrefix(format[i:], "FM") {
			i += 2
			continue
		}
		tok := ""
		for _, c := range charTokens {
			if strings.HasPrefix(format[i:], c) {
				tok = c
				break
			}
		}
		if tok == "" {
			if format[i] == '"' {
				j := strings.IndexByte(format[i+1:], '"')
				if j < 0 {
					return bad()
				}
				si += j
				i += j + 2
				continue
			}
			i++
			if si < len(s) {
				si++
			}
			continue
		}
		i += len(tok)
		var ok bool
		switch strings.ToUpper(tok) {
		case "YYYY", "IYYY":
			y, ok = num(4)
		case "YY":
			y, ok = num(2)
			y += 2000
			if y > 2069 {
				y -= 100
			}
		case "MM":
			mo, ok = num(2)
		case "DD":
			d, ok = num(2)
		case "DDD":
			var doy int
			doy, ok = num(3)
			mo, d = 1, doy
		case "HH24", "HH12", "HH":
			h, ok = num(2)
		case "MI":
			mi, ok = num(2)
		case "SS":
			sec, ok = num(2)
		case "MS":
			var ms int
			ms, ok = num(3)
			us += ms * 1000
		case "US":
			var u int
			u, ok = num(6)
			us += u
		case "AM", "PM", "A.M.", "P.M.":
			hasAmPm = true
			rest := strings.ToUpper(s[min(si, len(s)):])
			pm = strings.HasPrefix(rest, "PM") || strings.HasPrefix(rest, "P.M.")
			if strings.HasPrefix(rest, "A.M.") || strings.HasPrefix(rest, "P.M.") {
				si += 4
			} else {
				si += 2
			}
			ok = true
		case "MONTH", "MON":
			rest := strings.ToLower(s[min(si, len(s)):])
			for k, name := range monthNames {
				ln := strings.ToLower(name)
				if strings.HasPrefix(rest, ln) {
					mo, si, ok = k+1, si+len(ln), true
					break
				}
				if strings.HasPrefix(rest, ln[:3]) {
					mo, si, ok = k+1, si+3, true
					break
				}
			}
		case "DAY", "DY":
			for si < len(s) && ((s[si]|0x20) >= 'a' && (s[si]|0x20) <= 'z') {
				si++
			}
			ok = true
		default:
			ok = true
		}
		if !ok {
			return bad()
		}
	}
	if hasAmPm {
		if h == 12 {
			h = 0
		}
		if pm {
			h += 12
		}
	}
	if mo < 1 || mo > 12 || d < 1 || h > 24 || mi > 59 || sec > 60 {
		return nil, errs.New(errs.DatetimeOverflow, "date/time field value out of range")
	}
	if !(mo == 1 && d > 31) && d > daysIn(time.Month(mo), y) {
		return nil, errs.New(errs.DatetimeOverflow, "date/time field value out of range")
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC), nil
}

// numToChar is a basic to_char(number, template): 9 and 0 digit
// positions, . or D for the point, , or G for grouping, FM to trim.
func numToChar(v types.Value, format string) (types.Value, error) {
	fm := strings.Contains(format, "FM")
	f := strings.ReplaceAll(format, "FM", "")
	f = strings.ReplaceAll(strings.ReplaceAll(f, "D", "."), "G", ",")
	intPart, frac := f, ""
	if i := strings.IndexByte(f, '.'); i >= 0 {
		intPart, frac = f[:i], f[i+1:]
	}
	d, err := toDec(v)
	if err != nil {
		return nil, err
	}
	r, err := roundTo(d, int32(len(frac)))
	if err != nil {
		return nil, err
	}
	neg := r.Sign() < 0
	txt := new(apd.Decimal).Abs(r).Text('f')
	ip, fp := txt, ""
	if i := strings.IndexByte(txt, '.'); i >= 0 {
		ip, fp = txt[:i], txt[i+1:]
	}
	slots := strings.Count(intPart, "9") + strings.Count(intPart, "0")
	if len(ip) > slots {
		return "#" + strings.Repeat("#", len(f)), nil
	}
	// Fill integer digit slots right to left.
	out := make([]byte, 0, len(intPart))
	di := len(ip) - 1
	for i := len(intPart) - 1; i >= 0; i-- {
		c := intPart[i]
		switch c {
		case '9', '0':
			switch {
			case di >= 0:
				out = append(out, ip[di])
				di--
			case c == '0' || (ip == "0" && i == len(intPart)-1):
				out = append(out, '0')
			default:
				out = append(out, ' ')
			}
		case ',':
			if di >= 0 {
				out = append(out, ',')
			} else {
				out = append(out, ' ')
			}
		default:
			out = append(out, c)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	res := string(out)
	if frac != "" {
		res += "." + fp
	}
	sign := " "
	if neg {
		sign = "-"
	}
	trimmed := strings.TrimLeft(res, " ")
	res = strings.Repeat(" ", len(res)-len(trimmed)) + sign + trimmed
	if fm {
		res = strings.TrimSpace(res)
		if !neg {
			res = strings.TrimPrefix(res, " ")
		}
	}
	return res, nil
}
