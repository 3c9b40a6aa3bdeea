package session

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/storage"
)

// events renders a stream read as "op row_id partition-ok lsn-order" lines.
func eventLines(t *testing.T, r *Result) []string {
	t.Helper()
	var out []string
	var last int64
	for _, row := range r.Rows {
		lsn := row[5].(int64)
		require.Greater(t, lsn, last, "events in LSN order")
		last = lsn
		nv, _ := json.Marshal(row[7])
		ov, _ := json.Marshal(row[8])
		out = append(out, row[3].(string)+" "+row[4].(string)+" new="+string(nv)+" old="+string(ov))
	}
	return out
}

func TestChangeStreamsAndGroups(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")

	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY, total INT)`)
	d.q(s, `INSERT INTO orders VALUES (1, 10)`) // before the stream: not seen
	d.q(s, `CREATE CHANGE STREAM oc ON orders`)
	d.fail(s, errs.DuplicateObject, `CREATE CHANGE STREAM oc ON orders`)
	d.fail(s, errs.SyntaxError, `CREATE CHANGE STREAM bad ON orders WITH (colour = 'red')`)
	d.fail(s, errs.UndefinedTable, `CREATE CHANGE STREAM bad ON nope`)
	d.q(s, `CREATE CONSUMER GROUP a ON oc`)
	d.q(s, `CREATE CONSUMER GROUP b ON oc`)
	d.fail(s, errs.DuplicateObject, `CREATE CONSUMER GROUP a ON oc`)
	e := d.fail(s, errs.UndefinedObject, `SELECT * FROM STREAM nope CONSUMER GROUP a`)
	require.Equal(t, "change stream 'nope' does not exist", e.Message)
	e = d.fail(s, errs.UndefinedObject, `SELECT * FROM STREAM oc CONSUMER GROUP zz`)
	require.Equal(t, "consumer group 'zz' does not exist on stream 'oc'", e.Message)

	d.q(s, `INSERT INTO orders VALUES (2, 20), (3, 30)`)
	d.q(s, `UPDATE orders SET total = 21 WHERE id = 2`)
	d.q(s, `DELETE FROM orders WHERE id = 3`)
	d.q(s, `BEGIN; INSERT INTO orders VALUES (9, 9); ROLLBACK`)        // emits nothing
	d.q(s, `INSERT INTO orders VALUES (2, 99) ON CONFLICT DO NOTHING`) // emits nothing
	d.q(s, `UPSERT INTO orders (id, total) VALUES (4, 40)`)            // a new row: INSERT
	d.q(s, `UPSERT INTO orders (id, total) VALUES (4, 41)`)            // overwrite: UPDATE

	want := []string{
		`INSERT 2 new={"id":2,"total":20} old=null`,
		`INSERT 3 new={"id":3,"total":30} old=null`,
		`UPDATE 2 new={"id":2,"total":21} old={"id":2,"total":20}`,
		`DELETE 3 new=null old={"id":3,"total":30}`,
		`INSERT 4 new={"id":4,"total":40} old=null`,
		`UPDATE 4 new={"id":4,"total":41} old={"id":4,"total":40}`,
	}
	r, err := run(s, `SELECT * FROM STREAM oc CONSUMER GROUP a LIMIT 2`)
	require.NoError(t, err)
	require.Equal(t, want[:2], eventLines(t, r))
	// Reads never commit: the same read again returns the same events.
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP a LIMIT 2`)
	require.NoError(t, err)
	require.Equal(t, want[:2], eventLines(t, r))
	d.q(s, `COMMIT OFFSETS ON oc CONSUMER GROUP a`)
	r, err = run(s, `SELECT event_type, row_id FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 4, "group a resumes after what it was delivered")
	require.Equal(t, "UPDATE", r.Rows[0][0])
	// Group b is independent and sees everything.
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP b`)
	require.NoError(t, err)
	require.Equal(t, want, eventLines(t, r))
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP b WHERE event_type = 'DELETE'`)
	require.NoError(t, err)
	require.Equal(t, want[3:4], eventLines(t, r))

	// Explicit offsets: forward only, the same value again is fine.
	r, err = run(s, `SELECT partition, lsn FROM STREAM oc CONSUMER GROUP b LIMIT 1`)
	require.NoError(t, err)
	p, lsn := r.Rows[0][0].(int64), r.Rows[0][1].(int64)
	d.q(s, `COMMIT OFFSET PARTITION `+itoa(p)+` AT `+itoa(lsn)+` ON oc CONSUMER GROUP b`)
	d.q(s, `COMMIT OFFSET PARTITION `+itoa(p)+` AT `+itoa(lsn)+` ON oc CONSUMER GROUP b`)
	d.fail(s, errs.InvalidParameterValue, `COMMIT OFFSET PARTITION `+itoa(p)+` AT `+itoa(lsn-1)+` ON oc CONSUMER GROUP b`)
	r, err = run(s, `SELECT lsn, partition FROM STREAM oc PARTITION `+itoa(p)+` CONSUMER GROUP b`)
	require.NoError(t, err)
	require.NotEmpty(t, r.Rows)
	for _, row := range r.Rows {
		require.Greater(t, row[0].(int64), lsn, "partition %d resumes after lsn %d", p, lsn)
		require.Equal(t, p, row[1].(int64))
	}

	r, err = run(s, `SHOW CONSUMER GROUPS ON oc`)
	require.NoError(t, err)
	require.Equal(t, "a|oc|2|admin|4|\nb|oc|1|admin|5|", render(r))
	d.fail(s, errs.DependentObjects, `DROP COLLECTION orders`)
	s.Close()
	d.close()

	// Offsets and streams survive a restart; reads resume exactly.
	d = openT(t, dir)
	s = d.m.NewSession("admin", "db")
	r, err = run(s, `SELECT event_type, row_id FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 4)
	d.q(s, `ALTER CONSUMER GROUP a ON oc SET OFFSET TO EARLIEST`)
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Equal(t, want, eventLines(t, r))
	d.q(s, `ALTER CONSUMER GROUP a ON oc SET OFFSET TO TIMESTAMP '2000-01-01 00:00:00'`)
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Equal(t, want, eventLines(t, r), "everything happened after 2000")
	d.q(s, `ALTER CONSUMER GROUP a ON oc SET OFFSET TO TIMESTAMP '2999-01-01 00:00:00'`)
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Empty(t, r.Rows, "nothing happened after 2999")
	d.q(s, `ALTER CONSUMER GROUP a ON oc SET OFFSET TO LATEST`)
	r, err = run(s, `SELECT * FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Empty(t, r.Rows)
	r, err = run(s, `SHOW CHANGE STREAMS`)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(render(r), "oc|orders|INSERT,UPDATE,DELETE|json|admin|"))
	r, err = run(s, `SHOW PARTITIONS ON oc`)
	require.NoError(t, err)
	require.NotEmpty(t, r.Rows)

	d.q(s, `DROP CHANGE STREAM oc`)
	d.fail(s, errs.UndefinedObject, `SELECT * FROM STREAM oc CONSUMER GROUP a`)
	d.q(s, `CREATE CHANGE STREAM oc ON orders WITH (INCLUDE = 'DELETE')`)
	d.q(s, `CREATE CONSUMER GROUP a ON oc`)
	d.q(s, `INSERT INTO orders VALUES (5, 5); DELETE FROM orders WHERE id = 5`)
	r, err = run(s, `SELECT event_type, row_id FROM STREAM oc CONSUMER GROUP a`)
	require.NoError(t, err)
	require.Equal(t, "DELETE|5", render(r), "recreated stream starts fresh; INCLUDE filters")
	d.q(s, `DROP CHANGE STREAM oc`)
	d.q(s, `DROP COLLECTION orders`)
	s.Close()
	d.close()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPollStreamLongPollAndDiffs(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION users; CREATE CHANGE STREAM us ON users; CREATE CONSUMER GROUP g ON us`)

	// A long poll returns as soon as an event commits.
	done := make(chan *PollResult, 1)
	go func() {
		r, err := d.m.PollStream(context.Background(), "us", "g", PollOptions{Partition: -1, Wait: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	d.q(s, `INSERT INTO users { id: 'u1', name: 'Ann', tags: ['a'] }`)
	r := <-done
	require.Equal(t, 1, r.Count)
	require.Equal(t, "INSERT", r.Events[0].Op)
	require.Equal(t, "u1", r.Events[0].RowID)

	d.q(s, `UPDATE users SET name = 'Anna', tags = ['a', 'b'] WHERE id = 'u1'`)
	r, err := d.m.PollStream(context.Background(), "us", "g", PollOptions{Partition: -1})
	require.NoError(t, err)
	require.Equal(t, 2, r.Count, "nothing committed yet: both events again")
	up := r.Events[1]
	require.Equal(t, "UPDATE", up.Op)
	require.Equal(t, []event.FieldDiff{
		{Field: "name", Op: "modified", OldValue: "Ann", NewValue: "Anna"},
		{Field: "tags[1]", Op: "array_insert", NewValue: "b"},
	}, up.FieldDiffs)
	offs := map[int]uint64{}
	for p, l := range r.PartitionOffsets {
		offs[p] = l
	}
	require.NoError(t, d.m.CommitStreamOffsets("us", "g", offs))
	r, err = d.m.PollStream(context.Background(), "us", "g", PollOptions{Partition: -1})
	require.NoError(t, err)
	require.Zero(t, r.Count)
	// Below the floor that covering commit set, a position is already
	// acknowledged: committing it again, or lower, changes nothing (a
	// retried request succeeds).
	for p, l := range offs {
		require.NoError(t, d.m.CommitStreamOffsets("us", "g", map[int]uint64{p: l}))
		require.NoError(t, d.m.CommitStreamOffsets("us", "g", map[int]uint64{p: l - 1}))
	}
	r, err = d.m.PollStream(context.Background(), "us", "g", PollOptions{Partition: -1})
	require.NoError(t, err)
	require.Zero(t, r.Count, "nothing moved back")
	// A partition's own committed position is forward only: commit one
	// partition of a poll (not covering it), then lower.
	for _, id := range []string{"u2", "u3", "u4", "u5", "u6", "u7"} {
		d.q(s, `INSERT INTO users { id: '`+id+`', name: 'x' }`)
	}
	r, err = d.m.PollStream(context.Background(), "us", "g", PollOptions{Partition: -1})
	require.NoError(t, err)
	require.Equal(t, 6, r.Count)
	require.Greater(t, len(r.PartitionOffsets), 1, "six rows in one partition")
	first := r.Events[0]
	require.NoError(t, d.m.CommitStreamOffsets("us", "g", map[int]uint64{first.Partition: first.LSN}))
	err = d.m.CommitStreamOffsets("us", "g", map[int]uint64{first.Partition: first.LSN - 1})
	require.True(t, errs.Is(err, errs.InvalidParameterValue), "backwards: %v", err)
	_, err = d.m.PollStream(context.Background(), "us", "nope", PollOptions{Partition: -1})
	require.True(t, errs.Is(err, errs.UndefinedObject))
}

func TestRetentionHistoryLost(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(s, `CREATE CHANGE STREAM st ON t WITH (RETENTION_EVENTS = 3)`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (RETENTION = 'soon')`)
	d.q(s, `CREATE CONSUMER GROUP g ON st; CREATE CONSUMER GROUP fresh ON st`)
	d.q(s, `INSERT INTO t VALUES (1)`)
	r, err := run(s, `SELECT row_id FROM STREAM st CONSUMER GROUP g`)
	require.NoError(t, err)
	require.Equal(t, "1", render(r))
	d.q(s, `COMMIT OFFSETS ON st CONSUMER GROUP g`)
	d.q(s, `INSERT INTO t VALUES (2), (3), (4), (5), (6)`)

	n, err := d.db.TrimChangeLog(context.Background())
	require.NoError(t, err)
	require.Equal(t, 3, n, "events 1..3 go; the newest 3 stay")

	e := d.fail(s, errs.ObjectNotInState, `SELECT * FROM STREAM st CONSUMER GROUP g`)
	require.Contains(t, e.Message, "history lost on stream 'st'")
	require.Contains(t, e.Hint, "SET OFFSET TO EARLIEST")
	_, err = d.m.PollStream(context.Background(), "st", "g", PollOptions{Partition: -1})
	require.True(t, errs.Is(err, errs.ObjectNotInState), "HTTP poll reports it too: %v", err)

	// A group that never committed starts at the oldest retained event.
	r, err = run(s, `SELECT row_id FROM STREAM st CONSUMER GROUP fresh`)
	require.NoError(t, err)
	require.Equal(t, "4\n5\n6", render(r))

	d.q(s, `ALTER CONSUMER GROUP g ON st SET OFFSET TO EARLIEST`)
	r, err = run(s, `SELECT row_id FROM STREAM st CONSUMER GROUP g`)
	require.NoError(t, err)
	require.Equal(t, "4\n5\n6", render(r))
	s.Close()
	d.close()

	// The trim state is durable.
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE CONSUMER GROUP late ON st`)
	r, err = run(s, `SELECT row_id FROM STREAM st CONSUMER GROUP late`)
	require.NoError(t, err)
	require.Equal(t, "4\n5\n6", render(r))
	d.q(s, `COMMIT OFFSET PARTITION 0 AT 1 ON st CONSUMER GROUP late`)
}

// TestRetentionRangesAcrossCollections: retention removes each
// collection's records by its own streams' rules from a log that
// interleaves them (range deletions never cross a record that stays), and
// keeps up in passes smaller than what there is to remove.
func TestRetentionRangesAcrossCollections(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	d.db.events.TrimBatch = 3
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY); CREATE TABLE u (id INT PRIMARY KEY)`)
	d.q(s, `CREATE CHANGE STREAM ts ON t WITH (RETENTION_EVENTS = 3); CREATE CHANGE STREAM us ON u`)
	// t's records to remove come in two runs with u1 between them.
	for _, q := range []string{"t 1", "t 2", "u 1", "t 3", "t 4", "t 5", "u 2", "t 6", "u 3", "t 7", "t 8"} {
		tbl, id, _ := strings.Cut(q, " ")
		d.q(s, `INSERT INTO `+tbl+` VALUES (`+id+`)`)
	}
	n, err := d.db.TrimChangeLog(context.Background())
	require.NoError(t, err)
	require.Equal(t, 5, n, "t1..t5 go in two passes of at most 3 (the first removes t1, t2 and t3 around u1); the newest 3 of t and all of u stay")
	n, err = d.db.TrimChangeLog(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)

	d.q(s, `CREATE CONSUMER GROUP gt ON ts; CREATE CONSUMER GROUP gu ON us`)
	r, err := run(s, `SELECT row_id FROM STREAM ts CONSUMER GROUP gt`)
	require.NoError(t, err)
	require.Equal(t, "6\n7\n8", render(r))
	r, err = run(s, `SELECT row_id FROM STREAM us CONSUMER GROUP gu`)
	require.NoError(t, err)
	require.Equal(t, "1\n2\n3", render(r))
	// Nothing else is left in the log.
	tx := d.db.txm.Begin()
	defer tx.Rollback()
	it, err := tx.NewIter(storage.LSNIndexKey(1), []byte{storage.TagLSNIndex + 1})
	require.NoError(t, err)
	left := 0
	for ; it.Valid(); it.Next() {
		recs, ok := storage.AppendLogRecords(nil, it.Key(), it.Value())
		require.True(t, ok)
		left += len(recs)
	}
	require.NoError(t, it.Close())
	require.Equal(t, 6, left)
}

// TestRetentionSplitsALogGroup: a commit's records share one log entry,
// so retention that may drop only some of them rewrites the entry with the
// others, here keyed by an earlier LSN than before (its last record goes).
// The kept record must still be read, the dropped one not, and history
// lost reported as for a record of its own.
func TestRetentionSplitsALogGroup(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (id INT PRIMARY KEY)`)
	d.q(s, `CREATE CHANGE STREAM sa ON a WITH (RETENTION_EVENTS = 1)`)
	d.q(s, `CREATE CONSUMER GROUP g ON sa`)
	d.q(s, `BEGIN; INSERT INTO b VALUES (10); INSERT INTO a VALUES (1); COMMIT`)
	d.q(s, `INSERT INTO a VALUES (2)`)
	before := logEntries(t, d)
	n, err := d.db.TrimChangeLog(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n, "a's first event goes, b's stays")
	after := logEntries(t, d)
	require.Equal(t, before, after, "the shared entry is rewritten, not dropped")

	r, err := run(s, `SHOW CHANGES FOR b`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 1, "b's record, in the rewritten entry, is still read")
	r, err = run(s, `SHOW CHANGES FOR a`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 1)
	r, err = run(s, `SELECT row_id FROM STREAM sa CONSUMER GROUP g`)
	require.NoError(t, err)
	require.Equal(t, "2", render(r), "a group that never committed starts at the oldest retained event")
}

// logEntries counts the change log's entries (keys, not records).
func logEntries(t *testing.T, d *tdb) int {
	t.Helper()
	tx := d.db.txm.Begin()
	defer tx.Rollback()
	it, err := tx.NewIter(storage.LSNIndexKey(1), []byte{storage.TagLSNIndex + 1})
	require.NoError(t, err)
	defer it.Close()
	n := 0
	for ; it.Valid(); it.Next() {
		_, ok := storage.AppendLogRecords(nil, it.Key(), it.Value())
		require.True(t, ok)
		n++
	}
	return n
}

func TestNamedMembersSplitPartitions(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY); CREATE CHANGE STREAM st ON t; CREATE CONSUMER GROUP g ON st`)
	for i := 0; i < 200; i++ {
		d.q(s, `INSERT INTO t VALUES (`+strconv.Itoa(i)+`)`)
	}
	// Two members: each sees a disjoint share, together everything.
	_, err := run(s, `SELECT lsn FROM STREAM st CONSUMER GROUP g CONSUMER 'm1' LIMIT 1`)
	require.NoError(t, err)
	seen := map[int64]string{}
	for _, m := range []string{"m2", "m1"} { // m2 joins, then both read
		r, err := run(s, `SELECT lsn, partition FROM STREAM st CONSUMER GROUP g CONSUMER '`+m+`' LIMIT 10000`)
		require.NoError(t, err)
		for _, row := range r.Rows {
			lsn, p := row[0].(int64), row[1].(int64)
			require.NotContains(t, seen, lsn, "event read by two members")
			seen[lsn] = m
			if m == "m1" {
				require.Less(t, p, int64(512))
			} else {
				require.GreaterOrEqual(t, p, int64(512))
			}
		}
	}
	require.Len(t, seen, 200)
	r, err := run(s, `SHOW CONSUMER GROUPS ON st`)
	require.NoError(t, err)
	require.Equal(t, "m1,m2", r.Rows[0][5])
}

// TestHTTPCommitsAdvanceFloor: committing each poll's partition_offsets
// moves the group's floor, so later polls do not rescan consumed events.
func TestHTTPCommitsAdvanceFloor(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY); CREATE CHANGE STREAM st ON t; CREATE CONSUMER GROUP g ON st`)
	for i := 0; i < 50; i++ {
		d.q(s, `INSERT INTO t VALUES (`+strconv.Itoa(i)+`)`)
	}
	ctx := context.Background()
	var last uint64
	for read := 0; read < 5; read++ {
		r, err := d.m.PollStream(ctx, "st", "g", PollOptions{Partition: -1, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, 10, r.Count)
		require.Greater(t, r.Events[0].LSN, last)
		last = r.Events[9].LSN
		offs := map[int]uint64{}
		for p, l := range r.PartitionOffsets {
			offs[p] = l
		}
		require.NoError(t, d.m.CommitStreamOffsets("st", "g", offs))
		tx := d.db.txm.Begin()
		o, err := event.LoadOffsets(tx, d.db.cat.Groups(d.db.cat.Streams()[0].ID)[0].ID)
		tx.Rollback()
		require.NoError(t, err)
		require.Equal(t, last, o.Floor, "read %d: the floor follows the commits", read)
	}
}

func TestShowChanges(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION orders; CREATE COLLECTION other`)
	d.q(s, `INSERT INTO orders { id: 'o1', total: 5 }`)
	d.q(s, `INSERT INTO other { id: 'x' }`)
	d.q(s, `UPDATE orders SET total = 6 WHERE id = 'o1'`)
	d.q(s, `DELETE FROM orders WHERE id = 'o1'`)
	r, err := run(s, `SHOW CHANGES FOR orders`)
	require.NoError(t, err)
	var ops []string
	for _, row := range r.Rows {
		ops = append(ops, row[1].(string)+" "+row[2].(string))
	}
	require.Equal(t, []string{"INSERT o1", "UPDATE o1", "DELETE o1"}, ops)
	second := r.Rows[1][4].(int64)
	r, err = run(s, `SHOW CHANGES FOR orders SINCE LSN `+strconv.FormatInt(second, 10)+` LIMIT 1`)
	require.NoError(t, err)
	require.Equal(t, "UPDATE", r.Rows[0][1])
	require.Len(t, r.Rows, 1)
	r, err = run(s, `SHOW CHANGES FOR orders SINCE '2999-01-01T00:00:00Z'`)
	require.NoError(t, err)
	require.Empty(t, r.Rows)
	require.Empty(t, r.Notices)
	d.fail(s, errs.UndefinedTable, `SHOW CHANGES FOR nope`)
	// A LIMIT over the cap returns the cap, and says so.
	r, err = run(s, `SHOW CHANGES FOR orders LIMIT 10001`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 3)
	require.Len(t, r.Notices, 1)
	require.Contains(t, r.Notices[0].Message, "at most 10000 changes per call, not 10001")
	r, err = run(s, `SHOW CHANGES FOR orders LIMIT 10000`)
	require.NoError(t, err)
	require.Empty(t, r.Notices)
}

func TestNotifyMailboxOverflowIsCounted(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	l, n := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer l.Close()
	defer n.Close()
	d.q(l, `LISTEN ch`)
	for i := 0; i < mailboxSize+10; i++ {
		d.q(n, `NOTIFY ch, 'x'`)
	}
	require.Len(t, l.Notifications(), mailboxSize)
	require.Equal(t, uint64(10), l.DroppedNotifications(), "a full mailbox never blocks the notifier; the loss is counted")
	require.Equal(t, uint64(10), d.db.Stats().NotifyDropped, "and /metrics counts it")
	usage := func() float64 {
		t.Helper()
		r, err := run(n, `SELECT pg_notification_queue_usage()`)
		require.NoError(t, err)
		return r.Rows[0][0].(float64)
	}
	require.Equal(t, 1.0, usage(), "the fullest listening mailbox")
	for range mailboxSize / 4 {
		<-l.Notifications()
	}
	require.Equal(t, 0.75, usage())
	d.q(l, `UNLISTEN ch`)
	d.q(n, `NOTIFY ch, 'y'`)
	require.Equal(t, uint64(10), l.DroppedNotifications())
}

func TestTopics(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TOPIC order_events WITH (RETENTION = '1 hour')`)
	d.fail(s, errs.DuplicateObject, `CREATE TOPIC order_events`)
	d.fail(s, errs.ReservedName, `CREATE COLLECTION __topic__x`)
	d.q(s, `CREATE CONSUMER GROUP processors ON order_events`)
	d.q(s, `PUBLISH TO order_events 'order 123 shipped'`)
	d.q(s, `PUBLISH TO order_events '{"order": 124, "status": "paid"}'`)
	d.q(s, `BEGIN; PUBLISH TO order_events 'rolled back'; ROLLBACK`)
	d.q(s, `PUBLISH TO order_events 'it''s quoted'`)
	d.fail(s, errs.UndefinedObject, `PUBLISH TO nope 'x'`)
	r, err := run(s, `SELECT payload FROM TOPIC order_events CONSUMER GROUP processors LIMIT 100`)
	require.NoError(t, err)
	require.Equal(t, `{"message":"order 123 shipped"}`+"\n"+`{"order":124,"status":"paid"}`+"\n"+`{"message":"it's quoted"}`, render(r))
	d.q(s, `COMMIT OFFSETS ON order_events CONSUMER GROUP processors`)
	r, err = run(s, `SELECT * FROM TOPIC order_events CONSUMER GROUP processors`)
	require.NoError(t, err)
	require.Empty(t, r.Rows)
	r, err = run(s, `SHOW TOPICS`)
	require.NoError(t, err)
	require.Equal(t, "order_events|1h0m0s|3|admin", render(r))
	r, err = run(s, `SHOW COLLECTIONS`)
	require.NoError(t, err)
	require.Empty(t, r.Rows, "a topic's internal collection is not listed")
	r, err = run(s, `SHOW CHANGE STREAMS`)
	require.NoError(t, err)
	require.Empty(t, r.Rows)
	s.Close()
	d.close()

	// Offsets stick across a restart; new messages arrive after them.
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `PUBLISH TO order_events '5'`)
	// The payload may be a parameter (a client prepares once).
	_, err = run(s, `PUBLISH TO order_events $1`, `{"n": 6}`)
	require.NoError(t, err)
	_, err = run(s, `PUBLISH TO order_events $1`, nil)
	require.Error(t, err)
	r, err = run(s, `SELECT payload FROM TOPIC order_events CONSUMER GROUP processors`)
	require.NoError(t, err)
	require.Equal(t, "5\n{\"n\":6}", render(r))
	d.q(s, `DROP TOPIC order_events`)
	d.fail(s, errs.UndefinedObject, `SELECT * FROM TOPIC order_events CONSUMER GROUP processors`)
	d.q(s, `DROP TOPIC IF EXISTS order_events`)
	d.q(s, `CREATE TOPIC order_events`)
	r, err = run(s, `SHOW TOPICS`)
	require.NoError(t, err)
	require.Equal(t, "order_events|24 hours|0|admin", render(r), "a recreated topic starts empty")
}

func TestLiveSelectRejectsSubqueries(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	d.fail(s, errs.FeatureNotSupported, `LIVE SELECT id FROM t WHERE v IN (SELECT v FROM t)`)
	d.fail(s, errs.FeatureNotSupported, `LIVE SELECT t.id FROM t JOIN t AS u ON u.id = t.id`)
	r, err := run(s, `LIVE SELECT id FROM t WHERE v > 1`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 1)
	r, err = run(s, `CANCEL LIVE SELECT '`+r.Rows[0][0].(string)+`'`)
	require.NoError(t, err)
	require.Equal(t, "CANCEL LIVE SELECT", r.Tag)
	d.fail(s, errs.UndefinedObject, `CANCEL LIVE SELECT 'live_0_0'`)
}

// TestMembersCommitConcurrently: members of one group commit their own
// reads (never each other's), so concurrent COMMIT OFFSETS do not
// conflict, and together they read every event once.
func TestMembersCommitConcurrently(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	w := d.m.NewSession("admin", "db")
	defer w.Close()
	d.q(w, `CREATE TOPIC tp; CREATE CONSUMER GROUP g ON tp`)
	for i := 0; i < 400; i++ {
		d.q(w, `PUBLISH TO tp '`+strconv.Itoa(i)+`'`)
	}
	const members = 4
	sess := make([]*Session, members)
	for i := range sess {
		sess[i] = d.m.NewSession("admin", "db")
		defer sess[i].Close()
		// Join before anyone reads, so the ranges are settled.
		d.q(sess[i], `SELECT * FROM TOPIC tp CONSUMER GROUP g CONSUMER 'm`+strconv.Itoa(i)+`' LIMIT 0`)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	errsCh := make(chan error, members)
	for i := range sess {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for round := 0; round < 50; round++ {
				r, err := run(sess[i], `SELECT lsn FROM TOPIC tp CONSUMER GROUP g CONSUMER 'm`+strconv.Itoa(i)+`' LIMIT 20`)
				if err != nil {
					errsCh <- err
					return
				}
				if len(r.Rows) == 0 {
					return
				}
				mu.Lock()
				for _, row := range r.Rows {
					seen[row[0].(int64)]++
				}
				mu.Unlock()
				if _, err := run(sess[i], `COMMIT OFFSETS ON tp CONSUMER GROUP g`); err != nil {
					errsCh <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errsCh)
	for err := range errsCh {
		t.Fatalf("member error: %v", err)
	}
	require.Len(t, seen, 400)
	for lsn, n := range seen {
		require.Equal(t, 1, n, "lsn %d read %d times", lsn, n)
	}
}

// TestLiveSelectManySubscribers: subscriptions share one reader of the
// change log; each still gets every matching change once, in order,
// including subscriptions that start while others run and after all
// others left.
func TestLiveSelectManySubscribers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	w := d.m.NewSession("admin", "db")
	defer w.Close()
	d.q(w, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	subscribe := func(where string) (*Session, string) {
		s := d.m.NewSession("admin", "db")
		r, err := run(s, `LIVE SELECT id FROM t WHERE `+where)
		require.NoError(t, err)
		return s, r.Rows[0][1].(string)
	}
	var subs []*Session
	for i := 0; i < 10; i++ {
		s, _ := subscribe("v >= 0")
		subs = append(subs, s)
	}
	even, _ := subscribe("v % 2 = 0")
	for i := 0; i < 30; i++ {
		d.q(w, `INSERT INTO t VALUES (`+strconv.Itoa(i)+`, `+strconv.Itoa(i)+`)`)
		if i == 10 {
			late, _ := subscribe("v >= 0") // joins mid-stream: sees 11..29
			subs = append(subs, late)
		}
	}
	collect := func(s *Session, n int) []string {
		var ids []string
		timeout := time.After(10 * time.Second)
		for len(ids) < n {
			select {
			case note := <-s.Notifications():
				var p struct {
					RowID string `json:"row_id"`
				}
				require.NoError(t, json.Unmarshal([]byte(note.Payload), &p))
				ids = append(ids, p.RowID)
			case <-timeout:
				t.Fatalf("got %d of %d notifications: %v", len(ids), n, ids)
			}
		}
		return ids
	}
	for i, s := range subs[:10] {
		ids := collect(s, 30)
		require.Equal(t, "0", ids[0], "subscriber %d", i)
		require.Equal(t, "29", ids[29], "subscriber %d", i)
	}
	late := collect(subs[10], 19)
	require.Equal(t, "11", late[0])
	evens := collect(even, 15)
	require.Equal(t, "28", evens[14])
	for _, s := range append(subs, even) {
		s.Close()
	}
	// Everyone left; a new subscription still works (the reader restarts).
	again, _ := subscribe("v = 100")
	defer again.Close()
	d.q(w, `INSERT INTO t VALUES (100, 100)`)
	require.Equal(t, []string{"100"}, collect(again, 1))
}

// TestLiveSelectSharedShapes: subscriptions with the same query share one
// evaluation per change, but only when it would give the same answer: a
// predicate on current_user is evaluated per user, and every payload
// carries its own subscription id.
func TestLiveSelectSharedShapes(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	w := d.m.NewSession("admin", "db")
	defer w.Close()
	d.q(w, `CREATE TABLE docs (id INT PRIMARY KEY, owner TEXT)`)
	type sub struct {
		s  *Session
		id string
	}
	subscribe := func(user, q string) sub {
		s := d.m.NewSession(user, "db")
		r, err := run(s, q)
		require.NoError(t, err)
		return sub{s, r.Rows[0][0].(string)}
	}
	mine := `LIVE SELECT id, owner FROM docs WHERE owner = current_user`
	a1, a2, b := subscribe("alice", mine), subscribe("alice", mine), subscribe("bob", mine)
	all := subscribe("alice", `LIVE SELECT id FROM docs`)
	for _, x := range []sub{a1, a2, b, all} {
		defer x.s.Close()
	}
	d.q(w, `INSERT INTO docs VALUES (1, 'alice'), (2, 'bob'), (3, 'alice')`)
	next := func(x sub) (string, string) {
		select {
		case n := <-x.s.Notifications():
			var p struct {
				SubscriptionID string         `json:"subscription_id"`
				RowID          string         `json:"row_id"`
				Row            map[string]any `json:"row"`
			}
			require.NoError(t, json.Unmarshal([]byte(n.Payload), &p))
			require.Equal(t, x.id, p.SubscriptionID)
			owner, _ := p.Row["owner"].(string)
			return p.RowID, owner
		case <-time.After(10 * time.Second):
			t.Fatalf("subscription %s: no notification", x.id)
			return "", ""
		}
	}
	for _, x := range []sub{a1, a2} {
		for _, want := range []string{"1", "3"} {
			id, owner := next(x)
			require.Equal(t, want, id)
			require.Equal(t, "alice", owner)
		}
	}
	id, owner := next(b)
	require.Equal(t, "2", id)
	require.Equal(t, "bob", owner)
	for _, want := range []string{"1", "2", "3"} {
		id, _ := next(all)
		require.Equal(t, want, id)
	}
	// Nothing more for anyone.
	d.q(w, `INSERT INTO docs VALUES (4, 'carol')`)
	id, _ = next(all)
	require.Equal(t, "4", id)
	for _, x := range []sub{a1, a2, b} {
		select {
		case n := <-x.s.Notifications():
			t.Fatalf("subscription %s got %s", x.id, n.Payload)
		default:
		}
	}
}

// TestStreamReadAfterLSN: `WHERE lsn > n` on a stream read skips what the
// consumer received, whether or not it committed, and still reads up to
// LIMIT events after it; other conditions still filter.
func TestStreamReadAfterLSN(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	d.q(s, `CREATE CHANGE STREAM cs ON t`)
	d.q(s, `CREATE CONSUMER GROUP g ON cs`)
	for i := 1; i <= 6; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO t VALUES (%d, %d)`, i, i))
	}
	d.q(s, `UPDATE t SET v = 0 WHERE id = 1`)
	all := strings.Split(d.q(s, `SELECT lsn FROM STREAM cs CONSUMER GROUP g LIMIT 100`), "\n")
	require.Len(t, all, 7)
	second, _ := strconv.ParseInt(all[1], 10, 64)
	r, err := run(s, `SELECT row_id FROM STREAM cs CONSUMER GROUP g WHERE lsn > $1 LIMIT 2`, second)
	require.NoError(t, err)
	require.Len(t, r.Rows, 2)
	require.Equal(t, "3", r.Rows[0][0])
	require.Equal(t, "4", r.Rows[1][0])
	require.Equal(t, "1", d.q(s, fmt.Sprintf(`SELECT row_id FROM STREAM cs CONSUMER GROUP g WHERE event_type = 'UPDATE' AND lsn > %d`, second)))
	require.Equal(t, "5\n6", d.q(s, fmt.Sprintf(`SELECT row_id FROM STREAM cs CONSUMER GROUP g AS x WHERE %s < x.lsn AND event_type = 'INSERT' LIMIT 10`, all[3])))
	require.Contains(t, d.q(s, `EXPLAIN SELECT * FROM STREAM cs CONSUMER GROUP g WHERE lsn > 3 LIMIT 5`), "after an LSN")
	// Nothing was committed: the group still starts at the beginning.
	require.Equal(t, all[0], strings.Split(d.q(s, `SELECT lsn FROM STREAM cs CONSUMER GROUP g LIMIT 1`), "\n")[0])
}

// TestLiveSelectFallsBehindRetention: a LIVE SELECT whose subscriber reads
// nothing falls behind (its mailbox full, it reads the change log at the
// subscriber's pace); when retention then removes changes it has not
// been given, it ends with an error notification (55000) naming the last
// change it was given, instead of skipping what was removed.
func TestLiveSelectFallsBehindRetention(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	w := d.m.NewSession("admin", "db")
	defer w.Close()
	d.q(w, `CREATE TABLE t (id INT PRIMARY KEY); CREATE CHANGE STREAM keep100 ON t WITH (RETENTION_EVENTS = 100)`)
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	r, err := run(s, `LIVE SELECT id FROM t`)
	require.NoError(t, err)
	subID := r.Rows[0][0].(string)
	const rows = 20_000
	d.q(w, `INSERT INTO t SELECT g FROM generate_series(1, 20000) g`)
	// Nothing read yet: the mailbox fills up, then the trim runs.
	require.Eventually(t, func() bool { return len(s.Notifications()) == cap(s.Notifications()) },
		10*time.Second, time.Millisecond)
	trimmed, err := d.db.TrimChangeLog(context.Background())
	require.NoError(t, err)
	t.Logf("trimmed %d", trimmed)

	var last uint64
	got := 0
	timeout := time.After(10 * time.Second)
	for {
		var n Notification
		select {
		case n = <-s.Notifications():
		case <-timeout:
			t.Fatalf("no error notification after %d changes", got)
		}
		require.Equal(t, subID, n.Sub)
		if n.Err == nil {
			var p struct {
				LSN uint64         `json:"lsn"`
				Row map[string]int `json:"row"`
			}
			require.NoError(t, json.Unmarshal([]byte(n.Payload), &p))
			got++
			require.Equal(t, got, p.Row["id"], "changes arrive in order, none skipped")
			last = p.LSN
			continue
		}
		requireLiveFailure(t, n, subID, "55000", "fell behind the change log's retention", last)
		require.Less(t, got, rows, "retention removed changes it had not been given")
		break
	}
	select {
	case n := <-s.Notifications():
		t.Fatalf("notification after the subscription ended: %+v", n)
	case <-time.After(200 * time.Millisecond):
	}
}

// requireLiveFailure checks the notification that ends LIVE SELECT sub:
// {"subscription_id", "error": {"code", "message"}, "last_lsn"}, with
// the same SQLSTATE and LSN on the Go side, last the last change
// delivered.
func requireLiveFailure(t *testing.T, n Notification, sub, code, message string, last uint64) {
	t.Helper()
	require.Equal(t, sub, n.Sub)
	require.Equal(t, code, errs.Code(n.Err), n.Payload)
	require.Equal(t, last, n.LSN)
	var p struct {
		SubscriptionID string `json:"subscription_id"`
		Error          struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		LastLSN uint64 `json:"last_lsn"`
	}
	require.NoError(t, json.Unmarshal([]byte(n.Payload), &p), n.Payload)
	require.Equal(t, sub, p.SubscriptionID)
	require.Equal(t, code, p.Error.Code)
	require.Contains(t, p.Error.Message, message)
	require.Equal(t, last, p.LastLSN, "last_lsn is the last change delivered")
}

// TestLiveSelectSlowAndFastSubscribers: subscribers that pause reading at
// random (so the tailer hands them back to catch up from the log, and they
// join again, over and over) and subscribers that keep up, on one table
// under concurrent writers, with some subscriptions cancelled midway: every
// subscription that runs to the end gets every change exactly once, in
// commit order.
func TestLiveSelectSlowAndFastSubscribers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	w := d.m.NewSession("admin", "db")
	defer w.Close()
	d.q(w, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	const subs, writers, perWriter = 8, 4, 3000
	type sub struct {
		s      *Session
		id     string
		ids    []int
		cancel bool
	}
	var all []*sub
	for i := 0; i < subs; i++ {
		s := d.m.NewSession("admin", "db")
		defer s.Close()
		r, err := run(s, `LIVE SELECT id FROM t`)
		require.NoError(t, err)
		all = append(all, &sub{s: s, id: r.Rows[0][0].(string), cancel: i == subs-1})
	}
	var wg sync.WaitGroup
	for wi := 0; wi < writers; wi++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := d.m.NewSession("admin", "db")
			defer ws.Close()
			for j := 0; j < perWriter; j += 100 {
				lo := wi*perWriter + j + 1
				_, err := run(ws, fmt.Sprintf(`INSERT INTO t SELECT g, g FROM generate_series(%d, %d) g`, lo, lo+99))
				assert.NoError(t, err)
			}
		}()
	}
	const total = writers * perWriter
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()
	var rg sync.WaitGroup
	for i, sb := range all {
		rg.Add(1)
		go func() {
			defer rg.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			timeout := time.After(60 * time.Second)
			for len(sb.ids) < total {
				if sb.cancel && len(sb.ids) >= total/3 {
					_, err := run(sb.s, `CANCEL LIVE SELECT '`+sb.id+`'`)
					assert.NoError(t, err)
					return
				}
				switch {
				case i%2 == 0 && len(sb.ids) == 0:
					<-writersDone // far behind: 12,000 changes, a 4,096 mailbox
				case i%2 == 0 && rng.Intn(2000) == 0:
					time.Sleep(time.Duration(20+rng.Intn(80)) * time.Millisecond) // behind again
				}
				select {
				case n := <-sb.s.Notifications():
					var p struct {
						Row map[string]int `json:"row"`
					}
					if !assert.NoError(t, json.Unmarshal([]byte(n.Payload), &p)) || !assert.Nil(t, n.Err) {
						return
					}
					sb.ids = append(sb.ids, p.Row["id"])
				case <-timeout:
					t.Errorf("subscriber %d: %d of %d changes", i, len(sb.ids), total)
					return
				}
			}
		}()
	}
	wg.Wait()
	rg.Wait()
	require.Positive(t, d.db.Stats().LiveCatchUps, "the slow subscribers fell behind and caught up from the log")
	// Commit order: each writer's rows in its order; rows of one
	// statement together and ascending.
	for i, sb := range all {
		if sb.cancel {
			continue
		}
		require.Equal(t, total, len(sb.ids), "subscriber %d: changes received", i)
		seen := make(map[int]bool, total)
		last := make([]int, writers)
		for _, id := range sb.ids {
			require.False(t, seen[id], "subscriber %d: row %d twice", i, id)
			seen[id] = true
			wi := (id - 1) / perWriter
			require.Greater(t, id, last[wi], "subscriber %d: row %d after %d of the same writer", i, id, last[wi])
			last[wi] = id
		}
	}
}

// TestLiveSelectFailureIsTold: a subscription that fails computing a
// change (a bug, stood for by a panic) ends with an error notification
// (XX000) naming the last change it was given, whether the shared tailer
// or its own catch-up read was delivering; other subscriptions go on.
func TestLiveSelectFailureIsTold(t *testing.T) {
	for _, path := range []string{"tailer", "catch-up"} {
		t.Run(path, func(t *testing.T) {
			d := openT(t, t.TempDir())
			defer d.close()
			// LIVE SELECT id ... fails on the row with id 6; LIVE SELECT
			// id AS n ... does not.
			d.db.knobs.liveEvent = func(sub *liveSub, e event.Event) {
				if sub.cols[0].Name == "id" && fmt.Sprint(e.New["id"]) == "6" {
					panic("evaluation bug")
				}
			}
			w := d.m.NewSession("admin", "db")
			defer w.Close()
			d.q(w, `CREATE TABLE t (id INT PRIMARY KEY)`)
			s := d.m.NewSession("admin", "db")
			defer s.Close()
			insert := func(from, to int) {
				for i := from; i <= to; i++ {
					d.q(w, fmt.Sprintf(`INSERT INTO t VALUES (%d)`, i))
				}
			}
			var bad, good string
			var lsn5 uint64 // the change before the failing one
			first := 1      // the first change the subscriptions get
			if path == "tailer" {
				r, err := run(s, `LIVE SELECT id FROM t`)
				require.NoError(t, err)
				bad = r.Rows[0][0].(string)
				r, err = run(s, `LIVE SELECT id AS n FROM t`)
				require.NoError(t, err)
				good = r.Rows[0][0].(string)
				insert(1, 10)
			} else {
				// Replayed from the log, after row 5: the very first
				// change fails.
				insert(1, 5)
				lsn5, first = d.db.txm.LastLSN(), 6
				insert(6, 10)
				var err error
				bad, err = s.LiveFrom(`SELECT id FROM t`, lsn5, nil)
				require.NoError(t, err)
				good, err = s.LiveFrom(`SELECT id AS n FROM t`, lsn5, nil)
				require.NoError(t, err)
			}

			badGot, goodGot := first-1, first-1
			var failure Notification
			timeout := time.After(10 * time.Second)
			for failure.Err == nil || goodGot < 10 {
				var n Notification
				select {
				case n = <-s.Notifications():
				case <-timeout:
					t.Fatalf("after %d and %d changes: no more notifications (failure: %v)", badGot, goodGot, failure.Err)
				}
				if n.Err != nil {
					require.Equal(t, bad, n.Sub)
					failure = n
					continue
				}
				var p struct {
					LSN uint64         `json:"lsn"`
					Row map[string]int `json:"row"`
				}
				require.NoError(t, json.Unmarshal([]byte(n.Payload), &p))
				switch n.Sub {
				case bad:
					require.Nil(t, failure.Err, "a change after the failure")
					badGot++
					require.Equal(t, badGot, p.Row["id"])
					lsn5 = p.LSN
				case good:
					goodGot++
					require.Equal(t, goodGot, p.Row["n"])
				}
			}
			require.Equal(t, 5, badGot, "the changes up to the failing one")
			requireLiveFailure(t, failure, bad, "XX000", "internal error", lsn5)

			// The failed subscription is over; the other one goes on.
			d.q(w, `INSERT INTO t VALUES (11)`)
			select {
			case n := <-s.Notifications():
				require.Equal(t, good, n.Sub)
				require.Contains(t, n.Payload, `"n":11`)
			case <-time.After(10 * time.Second):
				t.Fatal("the other subscription stopped too")
			}
			select {
			case n := <-s.Notifications():
				t.Fatalf("notification after the subscription ended: %+v", n)
			case <-time.After(200 * time.Millisecond):
			}
		})
	}
}

// TestLiveSelectEvaluationError: a change the subscription's WHERE clause
// or select list cannot be evaluated on (here a division by zero) ends
// the subscription with that error's SQLSTATE, as the same SELECT fails
// on that row, rather than skipping the change or sending it without the
// value; the changes before it were delivered, and last_lsn names the
// last of them.
func TestLiveSelectEvaluationError(t *testing.T) {
	for _, tc := range []struct{ name, query string }{
		{"where", `SELECT id FROM nums WHERE 10 / x > 0`},
		{"select list", `SELECT id, 10 / x AS q FROM nums`},
	} {
		for _, replay := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/replay=%v", tc.name, replay), func(t *testing.T) {
				d := openT(t, t.TempDir())
				defer d.close()
				w := d.m.NewSession("admin", "db")
				defer w.Close()
				d.q(w, `CREATE TABLE nums (id INT PRIMARY KEY, x INT)`)
				s := d.m.NewSession("admin", "db")
				defer s.Close()
				insert := func() {
					for i, x := range []int{5, 2, 0, 1} {
						d.q(w, fmt.Sprintf(`INSERT INTO nums VALUES (%d, %d)`, i+1, x))
					}
				}
				var sub string
				var err error
				if replay {
					insert()
					sub, err = s.LiveFrom(tc.query, 0, nil)
					require.NoError(t, err)
				} else {
					sub, err = s.LiveFrom(tc.query, d.db.txm.LastLSN(), nil)
					require.NoError(t, err)
					insert()
				}
				var last uint64
				got := 0
				for {
					var n Notification
					select {
					case n = <-s.Notifications():
					case <-time.After(10 * time.Second):
						t.Fatalf("no failure after %d changes", got)
					}
					require.Equal(t, sub, n.Sub)
					if n.Err == nil {
						got++
						var p struct {
							LSN uint64 `json:"lsn"`
						}
						require.NoError(t, json.Unmarshal([]byte(n.Payload), &p))
						last = p.LSN
						continue
					}
					requireLiveFailure(t, n, sub, "22012", "division by zero", last)
					break
				}
				require.Equal(t, 2, got, "the rows before the one that fails")
				_, err = run(w, tc.query)
				require.Error(t, err, "the same SELECT fails")
				require.Equal(t, "22012", errs.Code(err))
				select {
				case n := <-s.Notifications():
					t.Fatalf("notification after the subscription ended: %+v", n)
				case <-time.After(200 * time.Millisecond):
				}
			})
		}
	}
}

// TestLiveSelectEndsWhenCollectionDropped: DROP ends the LIVE SELECTs of
// that collection with 42P01 naming the last change delivered; others go
// on.
func TestLiveSelectEndsWhenCollectionDropped(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	w := d.m.NewSession("admin", "db")
	defer w.Close()
	d.q(w, `CREATE TABLE t (id INT PRIMARY KEY); CREATE TABLE u (id INT PRIMARY KEY)`)
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	r, err := run(s, `LIVE SELECT id FROM t`)
	require.NoError(t, err)
	onT := r.Rows[0][0].(string)
	r, err = run(s, `LIVE SELECT id FROM u`)
	require.NoError(t, err)
	onU := r.Rows[0][0].(string)
	next := func() Notification {
		t.Helper()
		select {
		case n := <-s.Notifications():
			return n
		case <-time.After(10 * time.Second):
			t.Fatal("no notification")
			return Notification{}
		}
	}
	d.q(w, `INSERT INTO t VALUES (1)`)
	n := next()
	require.Equal(t, onT, n.Sub)
	require.Equal(t, int64(2), d.db.Stats().LiveSubscriptions)
	d.q(w, `DROP TABLE t`)
	requireLiveFailure(t, next(), onT, "42P01", "was dropped", n.LSN)
	require.Equal(t, uint64(1), d.db.Stats().LiveFailures)
	require.Eventually(t, func() bool { return d.db.Stats().LiveSubscriptions == 1 }, 10*time.Second, time.Millisecond)
	d.q(w, `INSERT INTO u VALUES (1)`)
	require.Equal(t, onU, next().Sub, "the other subscription goes on")
	select {
	case n := <-s.Notifications():
		t.Fatalf("notification after the subscription ended: %+v", n)
	case <-time.After(200 * time.Millisecond):
	}
}

// drain takes what is in a session's mailbox now.
func drain(s *Session) []Notification {
	var ns []Notification
	for {
		select {
		case n := <-s.Notifications():
			ns = append(ns, n)
		default:
			return ns
		}
	}
}

func payloads(ns []Notification) []string {
	var ps []string
	for _, n := range ns {
		ps = append(ps, n.Channel+":"+n.Payload)
	}
	return ps
}

// TestBlockNotifications covers what the end of a transaction block
// delivers (PostgreSQL's rules; tests/oracle compares them with
// PostgreSQL's over the wire).
func TestBlockNotifications(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	l, n := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer l.Close()
	defer n.Close()

	// Listening already: a LISTEN in the block also gets what its channel
	// had committed earlier in the block, in commit order.
	d.q(l, `LISTEN base`)
	d.q(l, `BEGIN`)
	d.q(n, `NOTIFY late, 'before'`)
	d.q(n, `NOTIFY base, 'base'`)
	d.q(l, `LISTEN late`)
	d.q(n, `NOTIFY late, 'after'`)
	d.q(l, `COMMIT`)
	require.Equal(t, []string{"late:before", "base:base", "late:after"}, payloads(l.BlockNotifications(drain(l))))
	require.Nil(t, l.BlockNotifications(nil), "once per block")

	// The history is kept only while a block needs it, and bounded: what
	// it lost is counted as dropped.
	d.q(l, `BEGIN`)
	for range 4096 + 5 {
		d.q(n, `NOTIFY lots, 'x'`)
	}
	d.q(l, `LISTEN lots`)
	d.q(l, `COMMIT`)
	require.Len(t, l.BlockNotifications(drain(l)), 4096)
	require.Equal(t, uint64(1), l.DroppedNotifications())
	d.q(l, `UNLISTEN *`)

	// Listening to nothing: the first LISTEN starts at its commit.
	d.q(l, `BEGIN`)
	d.q(n, `NOTIFY y, 'before'`)
	d.q(l, `LISTEN y`)
	d.q(n, `NOTIFY y, 'during'`)
	d.q(l, `COMMIT`)
	d.q(n, `NOTIFY y, 'after'`)
	require.Equal(t, []string{"y:after"}, payloads(l.BlockNotifications(drain(l))))

	// A rolled-back LISTEN gives nothing.
	d.q(l, `BEGIN`)
	d.q(l, `LISTEN z`)
	d.q(n, `NOTIFY z, 'z'`)
	d.q(l, `ROLLBACK`)
	require.Empty(t, l.BlockNotifications(drain(l)))
}

// TestImplicitBlockCommit: COMMIT and ROLLBACK inside a multi-statement
// string end the implicit block's part before them, NOTIFYs included,
// with PostgreSQL's warning (there was no BEGIN).
func TestImplicitBlockCommit(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	l, s := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer l.Close()
	defer s.Close()
	d.q(l, `LISTEN c`)
	s.BeginImplicit()
	d.q(s, `NOTIFY c, 'kept'`)
	r, err := run(s, `COMMIT`)
	require.NoError(t, err)
	require.Equal(t, []Notice{noTransaction}, r.Notices)
	d.q(s, `NOTIFY c, 'undone'`)
	r, err = run(s, `ROLLBACK`)
	require.NoError(t, err)
	require.Equal(t, []Notice{noTransaction}, r.Notices)
	d.q(s, `NOTIFY c, 'failed'`)
	_, err = run(s, `SELECT 1/0`)
	require.Error(t, err)
	require.NoError(t, s.EndImplicit())
	require.Equal(t, []string{"c:kept"}, payloads(drain(l)))
}

// TestGroupReadDeliversWhatTheQueryPulled: a consumer group read counts
// an event as delivered when the query pulled it, so a LIMIT that stops
// the query early (over a set-returning function, DISTINCT or a filter)
// leaves the rest for the next read, and a LIMIT over operators that read
// everything first is refused rather than losing events.
func TestGroupReadDeliversWhatTheQueryPulled(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION o; CREATE CHANGE STREAM st ON o; CREATE CONSUMER GROUP g ON st`)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		d.q(s, `INSERT INTO o { id: '`+id+`', v: 1 }`)
	}
	read := func(sql string) string {
		t.Helper()
		out := d.q(s, sql)
		d.q(s, `COMMIT OFFSETS ON st CONSUMER GROUP g`)
		return out
	}
	require.Equal(t, "1|a\n2|a\n1|b", read(`SELECT generate_series(1, 2), row_id FROM STREAM st CONSUMER GROUP g LIMIT 3`))
	require.Equal(t, "INSERT", read(`SELECT DISTINCT event_type FROM STREAM st CONSUMER GROUP g LIMIT 1`))
	require.Equal(t, "d", read(`SELECT row_id FROM STREAM st CONSUMER GROUP g WHERE row_id > 'c' LIMIT 1`))
	for _, sql := range []string{
		`SELECT row_id FROM STREAM st CONSUMER GROUP g ORDER BY row_id DESC LIMIT 1`,
		`SELECT count(*) FROM STREAM st CONSUMER GROUP g LIMIT 1`,
		`SELECT row_number() OVER (), row_id FROM STREAM st CONSUMER GROUP g OFFSET 1`,
		`SELECT * FROM (SELECT row_id FROM STREAM st CONSUMER GROUP g ORDER BY 1) x LIMIT 1`,
	} {
		d.fail(s, errs.FeatureNotSupported, sql)
	}
	require.Equal(t, "e", read(`SELECT row_id FROM STREAM st CONSUMER GROUP g ORDER BY row_id`), "nothing lost")
}

// TestLiveSelectPayloadTypes: the row of a LIVE SELECT payload has the
// select list's columns in order and renders dates and timestamps without
// time zone as PostgreSQL's to_json does.
func TestLiveSelectPayloadTypes(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s, w := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer s.Close()
	defer w.Close()
	d.q(s, `CREATE TABLE ty (id INT PRIMARY KEY, d DATE, ts TIMESTAMP, tz TIMESTAMPTZ, b BYTEA, n NUMERIC(6,2))`)
	d.q(s, `LIVE SELECT d, ts, tz, b, n FROM ty`)
	d.q(w, `INSERT INTO ty VALUES (1, '2026-02-03', '2026-02-03 04:05:06.5', '2026-02-03 04:05:06+00', '\x00ff', 1.5)`)
	select {
	case n := <-s.Notifications():
		require.Contains(t, n.Payload, `"row":{"d":"2026-02-03","ts":"2026-02-03T04:05:06.5","tz":"2026-02-03T04:05:06Z","b":"\\x00ff","n":1.50}`)
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}
}

// TestBlockNotificationsConcurrent runs listeners that LISTEN and UNLISTEN
// inside and outside blocks while others NOTIFY, and checks what each
// listener got, idle and at its blocks' ends: every notification at most
// once and in commit order, and nothing delivered on a channel it did not
// listen to then (race-checked with the test command).
func TestBlockNotificationsConcurrent(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	const listeners, notifiers, blocks, notifies = 4, 2, 40, 1500
	chans := []string{"c0", "c1", "c2", "c3"}
	var wg sync.WaitGroup
	errc := make(chan error, listeners+notifiers)
	var nwg sync.WaitGroup
	for i := range notifiers {
		s := d.m.NewSession("admin", "db")
		defer s.Close()
		nwg.Add(1)
		go func() {
			defer nwg.Done()
			for j := range notifies {
				if _, err := run(s, fmt.Sprintf(`NOTIFY %s, '%d-%d'`, chans[(i+j)%len(chans)], i, j)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	for i := range listeners {
		s := d.m.NewSession("admin", "db")
		defer s.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(i)))
			var last uint64
			seen := map[uint64]bool{}
			check := func(ns []Notification) error {
				for _, n := range ns {
					if seen[n.Seq] {
						return fmt.Errorf("listener %d: notification %d (%s) delivered twice", i, n.Seq, n.Payload)
					}
					seen[n.Seq] = true
					if n.Seq < last {
						return fmt.Errorf("listener %d: notification %d after %d", i, n.Seq, last)
					}
					last = n.Seq
				}
				return nil
			}
			// At a block's end: only channels listened to now.
			checkEnd := func(ns []Notification) error {
				for _, n := range ns {
					if !s.Listening(n.Channel) {
						return fmt.Errorf("listener %d: %s on %s, not listened to", i, n.Payload, n.Channel)
					}
				}
				return check(ns)
			}
			steps := []string{`LISTEN base`}
			for range blocks {
				ch := chans[r.Intn(len(chans))]
				switch r.Intn(3) {
				case 0:
					steps = append(steps, `BEGIN`, `LISTEN `+ch, `COMMIT`)
				case 1:
					steps = append(steps, `BEGIN`, `UNLISTEN `+ch, `LISTEN `+chans[r.Intn(len(chans))], `ROLLBACK`)
				default:
					steps = append(steps, `UNLISTEN `+ch)
				}
			}
			for _, st := range steps {
				if s.TxStatus() == TxIdle {
					if err := check(drain(s)); err != nil { // delivered while idle
						errc <- err
						return
					}
				}
				if _, err := run(s, st); err != nil {
					errc <- err
					return
				}
				if st == `COMMIT` || st == `ROLLBACK` {
					if err := checkEnd(s.BlockNotifications(drain(s))); err != nil {
						errc <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	nwg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}
