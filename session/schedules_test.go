package session

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openClock(t *testing.T, dir string, c *fakeClock) *tdb {
	t.Helper()
	db, err := OpenDB(DBConfig{Dir: dir, Now: c.now, ManualSchedules: true})
	require.NoError(t, err)
	return &tdb{t: t, db: db, m: NewManager(db)}
}

func TestSchedules(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 11, 26, 9, 0, 30, 0, time.UTC)}
	d := openClock(t, dir, clock)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE ticks (at TIMESTAMPTZ PRIMARY KEY, n INT)`)
	d.q(s, `CREATE TABLE hourly (id TEXT PRIMARY KEY)`)
	d.fail(s, errs.InvalidParameterValue, `CREATE SCHEDULE bad CRON '61 * * * *' AS BEGIN SELECT 1; END`)
	d.fail(s, errs.InvalidParameterValue, `CREATE SCHEDULE bad CRON '* * * * *' WITH (MISSED = 'later') AS BEGIN SELECT 1; END`)
	d.fail(s, errs.SyntaxError, `CREATE SCHEDULE bad CRON '* * * * *' WITH (colour = 'red') AS BEGIN SELECT 1; END`)
	d.fail(s, errs.FeatureNotSupported, `CREATE SCHEDULE bad CRON '* * * * *' AS BEGIN DROP TABLE ticks; END`)

	d.q(s, `CREATE SCHEDULE every_minute CRON '* * * * *' AS BEGIN
		INSERT INTO ticks SELECT now(), count(*) FROM ticks;
	END`)
	d.q(s, `CREATE SCHEDULE top_of_hour CRON '0 * * * *' WITH (MISSED = 'CATCH_UP') AS $$
		INSERT INTO hourly VALUES (gen_random_uuid()::text);
	$$`)
	d.q(s, `CREATE SCHEDULE failing CRON '* * * * *' AS BEGIN INSERT INTO nope VALUES (1); END`)
	d.fail(s, errs.DuplicateObject, `CREATE SCHEDULE failing CRON '* * * * *' AS BEGIN SELECT 1; END`)

	d.db.RunSchedules()
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM ticks`), "nothing is due yet at 09:00:30")
	clock.add(40 * time.Second) // 09:01:10
	d.db.RunSchedules()
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM ticks`))
	d.db.RunSchedules()
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM ticks`), "an occurrence runs once")
	clock.add(time.Minute) // 09:02:10
	d.db.RunSchedules()
	require.Equal(t, "2", d.q(s, `SELECT count(*) FROM ticks`))

	r, err := run(s, `SHOW SCHEDULES`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 3)
	byName := map[string][]any{}
	for _, row := range r.Rows {
		byName[row[0].(string)] = row
	}
	require.Equal(t, time.Date(2026, 11, 26, 9, 3, 0, 0, time.UTC), byName["every_minute"][5], "next_run")
	require.Equal(t, "ok", byName["every_minute"][7])
	require.Equal(t, "error", byName["failing"][7])
	require.Contains(t, byName["failing"][8], "nope")
	require.Equal(t, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), byName["top_of_hour"][5])

	r, err = run(s, `SHOW SCHEDULE HISTORY every_minute`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 2)
	require.Equal(t, time.Date(2026, 11, 26, 9, 2, 0, 0, time.UTC), r.Rows[0][0], "newest first")
	require.Equal(t, "ok", r.Rows[0][3])

	// Disabled: no runs; enabling does not catch up the disabled time.
	d.q(s, `ALTER SCHEDULE every_minute DISABLE`)
	clock.add(3 * time.Minute) // 09:05:10
	d.db.RunSchedules()
	require.Equal(t, "2", d.q(s, `SELECT count(*) FROM ticks`))
	d.q(s, `ALTER SCHEDULE every_minute ENABLE`)
	d.db.RunSchedules()
	require.Equal(t, "2", d.q(s, `SELECT count(*) FROM ticks`))
	clock.add(time.Minute) // 09:06:10
	d.db.RunSchedules()
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM ticks`))

	// Downtime from 09:06:10 to 11:30:10: every_minute (SKIP) does not run
	// for what it missed, only for 11:30, which is on time; top_of_hour
	// (CATCH_UP) runs once for 10:00 and 11:00.
	s.Close()
	d.close()
	clock.add(2*time.Hour + 24*time.Minute)
	d = openClock(t, dir, clock)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.db.RunSchedules()
	require.Equal(t, "4", d.q(s, `SELECT count(*) FROM ticks`), "SKIP: only the on-time occurrence runs")
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM hourly`), "CATCH_UP: one run for the missed ones")
	r, err = run(s, `SHOW SCHEDULE HISTORY every_minute`)
	require.NoError(t, err)
	require.Equal(t, "ok", r.Rows[0][3])
	require.Equal(t, time.Date(2026, 11, 26, 11, 30, 0, 0, time.UTC), r.Rows[0][0])
	require.Equal(t, "skipped", r.Rows[1][3])
	require.Contains(t, r.Rows[1][4], "143 occurrence(s) missed")
	clock.add(time.Minute) // 11:31:10
	d.db.RunSchedules()
	require.Equal(t, "5", d.q(s, `SELECT count(*) FROM ticks`), "and it carries on")

	d.q(s, `ALTER SCHEDULE every_minute SET CRON '0 0 1 1 *'`)
	clock.add(time.Minute)
	d.db.RunSchedules()
	require.Equal(t, "5", d.q(s, `SELECT count(*) FROM ticks`))
	d.q(s, `DROP SCHEDULE every_minute`)
	d.fail(s, errs.UndefinedObject, `DROP SCHEDULE every_minute`)
	d.q(s, `DROP SCHEDULE IF EXISTS every_minute`)
	d.fail(s, errs.UndefinedObject, `SHOW SCHEDULE HISTORY every_minute`)
}

// TestScheduleTicksByItself runs the real ticker once.
func TestScheduleTicksByItself(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 26, 9, 0, 59, 0, time.UTC)}
	db, err := OpenDB(DBConfig{Dir: t.TempDir(), Now: clock.now})
	require.NoError(t, err)
	d := &tdb{t: t, db: db, m: NewManager(db)}
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE ticks (id TEXT PRIMARY KEY)`)
	d.q(s, `CREATE SCHEDULE m CRON '* * * * *' AS BEGIN INSERT INTO ticks VALUES ('x'); END`)
	clock.add(2 * time.Second)
	d.waitQ(s, `SELECT count(*) FROM ticks`, "1")
}
