package event

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCronNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		require.NoError(t, err)
		return v
	}
	for _, c := range []struct{ expr, from, want string }{
		{"* * * * *", "2026-11-26 09:00", "2026-11-26 09:01"},
		{"0 2 * * *", "2026-11-26 09:00", "2026-11-27 02:00"},
		{"0 2 * * *", "2026-11-26 01:59", "2026-11-26 02:00"},
		{"*/15 * * * *", "2026-11-26 09:07", "2026-11-26 09:15"},
		{"5/20 * * * *", "2026-11-26 09:07", "2026-11-26 09:25"},
		{"0 0 1 * *", "2026-11-26 09:00", "2026-12-01 00:00"},
		{"0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"},
		{"30 8 * * 1-5", "2026-11-27 09:00", "2026-11-30 08:30"}, // Friday → Monday
		{"0 12 * * 0", "2026-11-26 09:00", "2026-11-29 12:00"},   // Sunday as 0
		{"0 12 * * 7", "2026-11-26 09:00", "2026-11-29 12:00"},   // and as 7
		{"0 0 13 * 5", "2026-11-26 09:00", "2026-11-27 00:00"},   // dom OR dow: Friday 27th
		{"0,30 9-10 * * *", "2026-11-26 09:30", "2026-11-26 10:00"},
		{"0 0 1 1 *", "2026-11-26 09:00", "2027-01-01 00:00"},
	} {
		cr, err := ParseCron(c.expr)
		require.NoError(t, err, c.expr)
		require.Equal(t, at(c.want), cr.Next(at(c.from)), "%s after %s", c.expr, c.from)
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8",
		"*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * * * *"} {
		_, err := ParseCron(bad)
		require.Error(t, err, bad)
	}
	never, err := ParseCron("0 0 31 2 *")
	require.NoError(t, err)
	require.True(t, never.Next(at("2026-01-01 00:00")).IsZero())
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"* * * * *", "*/5 1-3 1,15 * 1-5", "0 0 29 2 *", "5/7 * * * 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCron(s)
		if err != nil {
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		n := c.Next(from)
		if !n.IsZero() && !n.After(from) {
			t.Fatalf("%q: Next(%v) = %v", s, from, n)
		}
	})
}
