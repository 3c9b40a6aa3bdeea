package event

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed five-field cron expression (minute hour day-of-month
// month day-of-week), evaluated in UTC. Fields take *, numbers, lists
// (1,5), ranges (1-5) and steps (*/15, 0-30/10); day of week is 0-7 with 0
// and 7 both Sunday. As in cron, when both day fields are restricted a day
// matches if either does.
type Cron struct {
	min, hour, dom, month, dow uint64 // bit sets
	domStar, dowStar           bool
	src                        string
}

// ParseCron parses a cron expression.
func ParseCron(s string) (*Cron, error) {
	f := strings.Fields(s)
	if len(f) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", s, len(f))
	}
	c := &Cron{src: strings.Join(f, " ")}
	var err error
	if c.min, err = cronField(f[0], 0, 59); err != nil {
		return nil, fmt.Errorf("cron %q: minute: %w", s, err)
	}
	if c.hour, err = cronField(f[1], 0, 23); err != nil {
		return nil, fmt.Errorf("cron %q: hour: %w", s, err)
	}
	if c.dom, err = cronField(f[2], 1, 31); err != nil {
		return nil, fmt.Errorf("cron %q: day of month: %w", s, err)
	}
	if c.month, err = cronField(f[3], 1, 12); err != nil {
		return nil, fmt.Errorf("cron %q: month: %w", s, err)
	}
	if c.dow, err = cronField(f[4], 0, 7); err != nil {
		return nil, fmt.Errorf("cron %q: day of week: %w", s, err)
	}
	if c.dow&(1<<7) != 0 {
		c.dow |= 1 // 7 is Sunday too
	}
	c.domStar, c.dowStar = strings.HasPrefix(f[2], "*"), strings.HasPrefix(f[4], "*")
	return c, nil
}

// String returns the expression.
func (c *Cron) String() string { return c.src }

func cronField(s string, lo, hi int) (uint64, error) {
	var set uint64
	for _, part := range strings.Split(s, ",") {
		step := 1
		if i := strings.IndexByte(part, '/'); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad step in %q", part)
			}
			step, part = n, part[:i]
		}
		a, b := lo, hi
		switch {
		case part == "*":
		case strings.Contains(part, "-"):
			i := strings.IndexByte(part, '-')
			var err1, err2 error
			a, err1 = strconv.Atoi(part[:i])
			b, err2 = strconv.Atoi(part[i+1:])
			if err1 != nil || err2 != nil || a > b {
				return 0, fmt.Errorf("bad range %q", part)
			}
		default:
			n, err := strconv.Atoi(part)
			if err != nil {
				return 0, fmt.Errorf("bad value %q", part)
			}
			a, b = n, n
			if step > 1 {
				b = hi // "5/15" means from 5 every 15
			}
		}
		if a < lo || b > hi {
			return 0, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set |= 1 << v
		}
	}
	return set, nil
}

func (c *Cron) dayMatches(t time.Time) bool {
	dom := c.dom&(1<<t.Day()) != 0
	dow := c.dow&(1<<int(t.Weekday())) != 0
	switch {
	case c.domStar && c.dowStar:
		return true
	case c.domStar:
		return dow
	case c.dowStar:
		return dom
	}
	return dom || dow
}

// Next returns the first time matching the expression strictly after t
// (at a whole minute, UTC), or the zero time if none within five years.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		if c.month&(1<<int(t.Month())) == 0 {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if c.hour&(1<<t.Hour()) == 0 {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
			continue
		}
		if c.min&(1<<t.Minute()) == 0 {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}
