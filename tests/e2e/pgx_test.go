package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgErr unwraps err into a *pgconn.PgError or fails the test.
func pgErr(t *testing.T, err error) *pgconn.PgError {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *pgconn.PgError", err, err)
	}
	return pe
}

const allTypesDDL = `CREATE TABLE alltypes (
	id INTEGER PRIMARY KEY,
	i2 SMALLINT,
	i8 BIGINT,
	f4 REAL,
	f8 DOUBLE PRECISION,
	n NUMERIC,
	tx TEXT,
	vc VARCHAR(20),
	b BOOLEAN,
	ts TIMESTAMPTZ,
	d DATE,
	by BYTEA,
	u UUID,
	j JSONB)`

type allTypesRow struct {
	ID int32
	I2 int16
	I8 int64
	F4 float32
	F8 float64
	N  pgtype.Numeric
	Tx string
	Vc string
	B  bool
	Ts time.Time
	D  time.Time
	By []byte
	U  [16]byte
	J  map[string]any
}

func TestPgxTypesRoundTrip(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, allTypesDDL)

	ts := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	d := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	u := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	num := pgtype.Numeric{Int: big.NewInt(1234567), Exp: -3, Valid: true} // 1234.567
	jv := map[string]any{"k": "v", "n": float64(3), "arr": []any{true, nil}}
	by := []byte{0, 1, 2, 0xfe, 0xff}

	tag, err := conn.Exec(ctx, `INSERT INTO alltypes (id, i2, i8, f4, f8, n, tx, vc, b, ts, d, by, u, j)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		int32(1), int16(-32768), int64(9007199254740993), float32(1.5), float64(-2.25e100), num,
		"héllo wörld", "short", true, ts, d, by, u, jv)
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	if tag.String() != "INSERT 0 1" {
		t.Errorf("tag = %q, want INSERT 0 1", tag)
	}
	// A row of NULLs except the key.
	mustExec(t, conn, `INSERT INTO alltypes (id) VALUES ($1)`, 2)

	var r allTypesRow
	err = conn.QueryRow(ctx, `SELECT id, i2, i8, f4, f8, n, tx, vc, b, ts, d, by, u, j FROM alltypes WHERE id = $1`, 1).
		Scan(&r.ID, &r.I2, &r.I8, &r.F4, &r.F8, &r.N, &r.Tx, &r.Vc, &r.B, &r.Ts, &r.D, &r.By, &r.U, &r.J)
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	if r.ID != 1 || r.I2 != -32768 || r.I8 != 9007199254740993 || r.F4 != 1.5 || r.F8 != -2.25e100 {
		t.Errorf("numbers = %+v", r)
	}
	if nf, _ := r.N.Float64Value(); !r.N.Valid || nf.Float64 != 1234.567 {
		t.Errorf("numeric = %+v (%v)", r.N, nf)
	}
	if r.Tx != "héllo wörld" || r.Vc != "short" || !r.B {
		t.Errorf("text/bool = %q %q %v", r.Tx, r.Vc, r.B)
	}
	if !r.Ts.Equal(ts) {
		t.Errorf("timestamptz = %v, want %v", r.Ts, ts)
	}
	if !r.D.Equal(d) {
		t.Errorf("date = %v, want %v", r.D, d)
	}
	if !bytes.Equal(r.By, by) {
		t.Errorf("bytea = %x, want %x", r.By, by)
	}
	if r.U != u {
		t.Errorf("uuid = %x, want %x", r.U, u)
	}
	gotJ, _ := json.Marshal(r.J)
	wantJ, _ := json.Marshal(jv)
	if string(gotJ) != string(wantJ) {
		t.Errorf("jsonb = %s, want %s", gotJ, wantJ)
	}

	// NULLs scan into pointers.
	var (
		i2 *int16
		tx *string
		b  *bool
		tz *time.Time
		bb []byte
		j  map[string]any
	)
	if err := conn.QueryRow(ctx, `SELECT i2, tx, b, ts, by, j FROM alltypes WHERE id = 2`).Scan(&i2, &tx, &b, &tz, &bb, &j); err != nil {
		t.Fatalf("select nulls: %v", err)
	}
	if i2 != nil || tx != nil || b != nil || tz != nil || bb != nil || j != nil {
		t.Errorf("nulls = %v %v %v %v %v %v", i2, tx, b, tz, bb, j)
	}

	// Parameters in WHERE of several types.
	var id int32
	if err := conn.QueryRow(ctx, `SELECT id FROM alltypes WHERE tx = $1 AND b = $2 AND i8 > $3 AND ts = $4 AND d = $5`,
		"héllo wörld", true, int64(1), ts, d).Scan(&id); err != nil || id != 1 {
		t.Errorf("filtered select = %d, %v", id, err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM alltypes WHERE u = $1`, u).Scan(&id); err != nil || id != 1 {
		t.Errorf("select by uuid = %d, %v", id, err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM alltypes WHERE by = $1`, by).Scan(&id); err != nil || id != 1 {
		t.Errorf("select by bytea = %d, %v", id, err)
	}

	// Result OIDs as the server describes them.
	rows, err := conn.Query(ctx, `SELECT id, i2, i8, f4, f8, n, tx, vc, b, ts, d, by, u, j FROM alltypes LIMIT 0`)
	if err != nil {
		t.Fatal(err)
	}
	var oids []uint32
	for _, fd := range rows.FieldDescriptions() {
		oids = append(oids, fd.DataTypeOID)
	}
	rows.Close()
	want := []uint32{pgtype.Int4OID, pgtype.Int2OID, pgtype.Int8OID, pgtype.Float4OID, pgtype.Float8OID,
		pgtype.NumericOID, pgtype.TextOID, pgtype.VarcharOID, pgtype.BoolOID, pgtype.TimestamptzOID,
		pgtype.DateOID, pgtype.ByteaOID, pgtype.UUIDOID, pgtype.JSONBOID}
	if fmt.Sprint(oids) != fmt.Sprint(want) {
		t.Errorf("column OIDs = %v, want %v", oids, want)
	}
}

// TestPgxSimpleProtocol: the same values through the simple query protocol
// (text parameters interpolated by pgx, text results).
func TestPgxSimpleProtocol(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, allTypesDDL)
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := conn.Exec(ctx, `INSERT INTO alltypes (id, i2, i8, f8, tx, b, ts) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		pgx.QueryExecModeSimpleProtocol, 7, int16(3), int64(-5), 0.5, "it's", false, ts)
	if err != nil {
		t.Fatalf("simple insert: %v", err)
	}
	var (
		i8 int64
		f8 float64
		tx string
		b  bool
		tz time.Time
	)
	err = conn.QueryRow(ctx, `SELECT i8, f8, tx, b, ts FROM alltypes WHERE id = $1`, pgx.QueryExecModeSimpleProtocol, 7).
		Scan(&i8, &f8, &tx, &b, &tz)
	if err != nil {
		t.Fatalf("simple select: %v", err)
	}
	if i8 != -5 || f8 != 0.5 || tx != "it's" || b || !tz.Equal(ts) {
		t.Errorf("simple select = %d %v %q %v %v", i8, f8, tx, b, tz)
	}
}

func TestPgxPreparedAndBatch(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)`)

	// Named prepared statement, executed many times.
	if _, err := conn.Prepare(ctx, "ins", `INSERT INTO kv (k, v) VALUES ($1, $2)`); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	for i := 0; i < 50; i++ {
		if _, err := conn.Exec(ctx, "ins", fmt.Sprintf("k%02d", i), int64(i*i)); err != nil {
			t.Fatalf("exec prepared #%d: %v", i, err)
		}
	}
	sel, err := conn.Prepare(ctx, "sel", `SELECT v FROM kv WHERE k = $1`)
	if err != nil {
		t.Fatalf("prepare select: %v", err)
	}
	if len(sel.ParamOIDs) != 1 || sel.ParamOIDs[0] != pgtype.TextOID {
		t.Errorf("sel param OIDs = %v, want [text]", sel.ParamOIDs)
	}
	for _, i := range []int{0, 7, 49} {
		var v int64
		if err := conn.QueryRow(ctx, "sel", fmt.Sprintf("k%02d", i)).Scan(&v); err != nil || v != int64(i*i) {
			t.Errorf("sel k%02d = %d, %v", i, v, err)
		}
	}
	if err := conn.Deallocate(ctx, "sel"); err != nil {
		t.Errorf("deallocate: %v", err)
	}

	// Batch: pipelined statements in one round trip.
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO kv (k, v) VALUES ($1, $2)`, "batch1", int64(100))
	b.Queue(`INSERT INTO kv (k, v) VALUES ($1, $2)`, "batch2", int64(200))
	b.Queue(`UPDATE kv SET v = v + $1 WHERE k = $2`, int64(5), "batch1")
	b.Queue(`SELECT v FROM kv WHERE k = $1`, "batch1")
	b.Queue(`SELECT count(*) FROM kv`)
	br := conn.SendBatch(ctx, b)
	for i := 0; i < 2; i++ {
		if tag, err := br.Exec(); err != nil || tag.RowsAffected() != 1 {
			t.Errorf("batch insert %d: %v %v", i, tag, err)
		}
	}
	if tag, err := br.Exec(); err != nil || tag.String() != "UPDATE 1" {
		t.Errorf("batch update: %v %v", tag, err)
	}
	var v, n int64
	if err := br.QueryRow().Scan(&v); err != nil || v != 105 {
		t.Errorf("batch select = %d, %v", v, err)
	}
	if err := br.QueryRow().Scan(&n); err != nil || n != 52 {
		t.Errorf("batch count = %d, %v", n, err)
	}
	if err := br.Close(); err != nil {
		t.Fatalf("batch close: %v", err)
	}

	// A failing statement in a batch: the error surfaces, the connection stays usable.
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO kv (k, v) VALUES ($1, $2)`, "batch3", int64(1))
	b.Queue(`INSERT INTO kv (k, v) VALUES ($1, $2)`, "batch1", int64(1)) // duplicate
	b.Queue(`INSERT INTO kv (k, v) VALUES ($1, $2)`, "batch4", int64(1))
	err = conn.SendBatch(ctx, b).Close()
	if pe := pgErr(t, err); pe.Code != "23505" {
		t.Errorf("batch duplicate code = %s (%s)", pe.Code, pe.Message)
	}
	var present []string
	rows, err := conn.Query(ctx, `SELECT k FROM kv WHERE k IN ('batch3', 'batch4') ORDER BY k`)
	if err != nil {
		t.Fatalf("select after failed batch: %v", err)
	}
	present, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// Statements after the failing one are skipped until Sync.
	if slices.Contains(present, "batch4") {
		t.Errorf("batch4 (after the failing statement) was executed: %v", present)
	}
	t.Run("failed batch is one implicit transaction", func(t *testing.T) {
		if len(present) != 0 {
			t.Errorf("rows from the failed batch: %v, want none", present)
		}
	})
	mustExec(t, conn, `DELETE FROM kv WHERE k = 'batch3'`)

	// Query with many rows, iterated.
	rows, err = conn.Query(ctx, `SELECT k, v FROM kv WHERE k LIKE $1 ORDER BY k DESC LIMIT $2`, "k%", 3)
	if err != nil {
		t.Fatal(err)
	}
	type kvRow struct {
		K string
		V int64
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[kvRow])
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if fmt.Sprint(got) != "[{k49 2401} {k48 2304} {k47 2209}]" {
		t.Errorf("ordered rows = %v", got)
	}
}

func TestPgxCopyFrom(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE events (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, ok BOOLEAN, at TIMESTAMPTZ)`)

	const n = 10000
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	copied, err := conn.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"id", "name", "score", "ok", "at"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			var score any = float64(i) / 4
			if i%1000 == 0 {
				score = nil
			}
			return []any{int64(i), fmt.Sprintf("event-%05d", i), score, i%2 == 0, base.Add(time.Duration(i) * time.Second)}, nil
		}))
	if err != nil {
		t.Fatalf("CopyFrom: %v", err)
	}
	if copied != n {
		t.Errorf("CopyFrom copied %d, want %d", copied, n)
	}
	var count, evens int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&count); err != nil || count != n {
		t.Fatalf("count = %d, %v", count, err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM events WHERE ok = true`).Scan(&evens); err != nil || evens != n/2 {
		t.Errorf("count ok = %d, %v", evens, err)
	}
	for _, i := range []int64{0, 1, 4242, 9999} {
		var (
			name  string
			score *float64
			ok    bool
			at    time.Time
		)
		if err := conn.QueryRow(ctx, `SELECT name, score, ok, at FROM events WHERE id = $1`, i).Scan(&name, &score, &ok, &at); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		wantScore := float64(i) / 4
		if name != fmt.Sprintf("event-%05d", i) || ok != (i%2 == 0) || !at.Equal(base.Add(time.Duration(i)*time.Second)) {
			t.Errorf("row %d = %q %v %v", i, name, ok, at)
		}
		if i%1000 == 0 {
			if score != nil {
				t.Errorf("row %d score = %v, want NULL", i, *score)
			}
		} else if score == nil || *score != wantScore {
			t.Errorf("row %d score = %v, want %v", i, score, wantScore)
		}
	}
	var sum float64
	if err := conn.QueryRow(ctx, `SELECT sum(score) FROM events`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	// sum(i/4) for i in 0..9999 minus the NULL rows (multiples of 1000).
	want := float64(n*(n-1)/2)/4 - float64(0+1000+2000+3000+4000+5000+6000+7000+8000+9000)/4
	if sum != want {
		t.Errorf("sum(score) = %v, want %v", sum, want)
	}

	// A COPY that violates the primary key fails as a whole.
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"id", "name"},
		pgx.CopyFromRows([][]any{{int64(n + 1), "new"}, {int64(5), "dup"}}))
	if pe := pgErr(t, err); pe.Code != "23505" {
		t.Errorf("duplicate COPY code = %s (%s)", pe.Code, pe.Message)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&count); err != nil || count != n {
		t.Errorf("count after failed COPY = %d, %v; want %d", count, err, n)
	}
}

func TestPgxTransactions(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE acct (id INTEGER PRIMARY KEY, bal BIGINT NOT NULL)`)
	mustExec(t, conn, `INSERT INTO acct (id, bal) VALUES (1, 100), (2, 100)`)

	balances := func(c *pgx.Conn) string {
		t.Helper()
		rows, err := c.Query(ctx, `SELECT id, bal FROM acct ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for rows.Next() {
			var id int32
			var bal int64
			if err := rows.Scan(&id, &bal); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d=%d", id, bal))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, ",")
	}

	// Commit.
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE acct SET bal = bal - $1 WHERE id = $2`, 30, 1); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE acct SET bal = bal + $1 WHERE id = $2`, 30, 2)
		return err
	})
	if err != nil {
		t.Fatalf("commit tx: %v", err)
	}
	if got := balances(conn); got != "1=70,2=130" {
		t.Errorf("after commit: %s", got)
	}

	// Rollback: the transaction sees its own writes, nobody else does.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO acct (id, bal) VALUES (3, 5)`); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM acct`).Scan(&n); err != nil || n != 3 {
		t.Errorf("count inside tx = %d, %v", n, err)
	}
	other := s.pgxConnect(t)
	if err := other.QueryRow(ctx, `SELECT count(*) FROM acct`).Scan(&n); err != nil || n != 2 {
		t.Errorf("count from another connection during tx = %d, %v", n, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := balances(conn); got != "1=70,2=130" {
		t.Errorf("after rollback: %s", got)
	}

	// An error inside a transaction aborts it (25P02) until ROLLBACK.
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO acct (id, bal) VALUES (1, 1)`)
	if pe := pgErr(t, err); pe.Code != "23505" {
		t.Errorf("dup in tx code = %s", pe.Code)
	}
	_, err = tx.Exec(ctx, `SELECT 1`)
	if pe := pgErr(t, err); pe.Code != "25P02" {
		t.Errorf("statement in aborted tx code = %s (%s)", pe.Code, pe.Message)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// A multi-statement simple query is one implicit transaction.
	_, err = conn.PgConn().Exec(ctx, `INSERT INTO acct (id, bal) VALUES (10, 1); INSERT INTO acct (id, bal) VALUES (1, 1)`).ReadAll()
	if pe := pgErr(t, err); pe.Code != "23505" {
		t.Errorf("multi-statement dup code = %s", pe.Code)
	}
	t.Run("multi-statement query is one implicit transaction", func(t *testing.T) {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM acct WHERE id = 10`).Scan(&n); err != nil || n != 0 {
			t.Errorf("row 10 count = %d, %v; want 0", n, err)
		}
	})
	mustExec(t, conn, `DELETE FROM acct WHERE id = 10`)
	t.Run("COMMIT in a multi-statement query commits what ran before it", func(t *testing.T) {
		_, err := conn.PgConn().Exec(ctx, `INSERT INTO acct (id, bal) VALUES (11, 1); COMMIT; INSERT INTO acct (id, bal) VALUES (12, 1); SELECT 1/0`).ReadAll()
		if pe := pgErr(t, err); pe.Code != "22012" {
			t.Errorf("code = %s", pe.Code)
		}
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM acct WHERE id IN (11, 12)`).Scan(&n); err != nil || n != 1 {
			t.Errorf("rows 11 and 12: count = %d, %v; want 1 (11 committed, 12 rolled back)", n, err)
		}
		_, err = conn.PgConn().Exec(ctx, `INSERT INTO acct (id, bal) VALUES (12, 1); ROLLBACK; SELECT 1`).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM acct WHERE id = 12`).Scan(&n); err != nil || n != 0 {
			t.Errorf("row 12 after ROLLBACK in the string: count = %d, %v; want 0", n, err)
		}
		mustExec(t, conn, `DELETE FROM acct WHERE id = 11`)
	})
	t.Run("DDL after writes in a multi-statement query commits them first", func(t *testing.T) {
		// A migration script sent as one string (golang-migrate does).
		_, err := conn.PgConn().Exec(ctx, `CREATE TABLE mig (id INT PRIMARY KEY, v INT); INSERT INTO mig VALUES (1, 5), (2, 6); CREATE INDEX mig_v ON mig (v); INSERT INTO mig VALUES (3, 5)`).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM mig WHERE v = 5`).Scan(&n); err != nil || n != 2 {
			t.Errorf("count = %d, %v; want 2", n, err)
		}
		// In an explicit block DDL on a collection the block wrote is
		// still refused: the block asked for one transaction and DDL runs
		// in its own. DDL on others runs.
		_, err = conn.PgConn().Exec(ctx, `BEGIN; INSERT INTO mig VALUES (4, 7); CREATE TABLE mig2 (id INT PRIMARY KEY); CREATE INDEX mig2_id ON mig2 (id); CREATE INDEX mig_id ON mig (id)`).ReadAll()
		if pe := pgErr(t, err); pe.Code != "55006" {
			t.Errorf("DDL on a collection written in BEGIN: code = %s", pe.Code)
		}
		mustExec(t, conn, `ROLLBACK`)
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM mig2`).Scan(&n); err != nil || n != 0 {
			t.Errorf("mig2 (DDL is not transactional): %d, %v", n, err)
		}
		mustExec(t, conn, `DROP TABLE mig, mig2`)
	})

	// Conflicting concurrent updates: the second committer gets 40001.
	tx1, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx2, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Both read (take their snapshots) before either writes.
	var b1, b2 int64
	if err := tx1.QueryRow(ctx, `SELECT bal FROM acct WHERE id = 1`).Scan(&b1); err != nil {
		t.Fatal(err)
	}
	if err := tx2.QueryRow(ctx, `SELECT bal FROM acct WHERE id = 1`).Scan(&b2); err != nil {
		t.Fatal(err)
	}
	if _, err := tx1.Exec(ctx, `UPDATE acct SET bal = $1 WHERE id = 1`, b1+1); err != nil {
		t.Fatal(err)
	}
	_, err2 := tx2.Exec(ctx, `UPDATE acct SET bal = $1 WHERE id = 1`, b2+2)
	if err := tx1.Commit(ctx); err != nil {
		t.Fatalf("first commit: %v", err)
	}
	if err2 == nil {
		err2 = tx2.Commit(ctx)
	} else {
		_ = tx2.Rollback(ctx)
	}
	if pe := pgErr(t, err2); pe.Code != "40001" {
		t.Errorf("conflicting update code = %s (%s)", pe.Code, pe.Message)
	}
	if got := balances(conn); got != "1=71,2=130" {
		t.Errorf("after conflict: %s", got)
	}
	// The loser can retry and succeed.
	if _, err := other.Exec(ctx, `UPDATE acct SET bal = bal + 2 WHERE id = 1`); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := balances(conn); got != "1=73,2=130" {
		t.Errorf("after retry: %s", got)
	}
}

func TestPgxErrors(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE strict1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER, email TEXT UNIQUE)`)
	mustExec(t, conn, `INSERT INTO strict1 (id, name, n, email) VALUES (1, 'a', 1, 'a@x')`)

	cases := []struct {
		name  string
		sql   string
		args  []any
		codes []string
	}{
		{"unknown table", `SELECT * FROM no_such_table`, nil, []string{"42P01"}},
		{"text into integer literal", `INSERT INTO strict1 (id, name, n) VALUES (2, 'b', 'not a number')`, nil, []string{"22P02", "42804"}},
		{"duplicate key", `INSERT INTO strict1 (id, name) VALUES (1, 'again')`, nil, []string{"23505"}},
		{"duplicate unique", `INSERT INTO strict1 (id, name, email) VALUES (5, 'e', 'a@x')`, nil, []string{"23505"}},
		{"null into not null", `INSERT INTO strict1 (id, name) VALUES (3, NULL)`, nil, []string{"23502"}},
		{"missing not null", `INSERT INTO strict1 (id) VALUES (4)`, nil, []string{"23502"}},
		{"null param into not null", `INSERT INTO strict1 (id, name) VALUES ($1, $2)`, []any{6, nil}, []string{"23502"}},
		{"bad text param for integer", `INSERT INTO strict1 (id, name, n) VALUES (7, 'x', $1)`, []any{"abc"}, []string{"22P02", "42804"}},
		{"unknown column", `SELECT nope FROM strict1`, nil, []string{"42703"}},
		{"division by zero", `SELECT 1 / 0`, nil, []string{"22012"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := conn.Exec(ctx, c.sql, c.args...)
			pe := pgErr(t, err)
			ok := false
			for _, code := range c.codes {
				ok = ok || pe.Code == code
			}
			if !ok {
				t.Errorf("%s: code %s (%s), want one of %v", c.sql, pe.Code, pe.Message, c.codes)
			}
			if pe.Severity != "ERROR" || pe.Message == "" {
				t.Errorf("severity %q message %q", pe.Severity, pe.Message)
			}
		})
	}

	t.Run("syntax error position", func(t *testing.T) {
		sql := `SELECT id FROM strict1 WHERE id = = 1`
		_, err := conn.Exec(ctx, sql)
		pe := pgErr(t, err)
		if pe.Code != "42601" {
			t.Errorf("code %s (%s), want 42601", pe.Code, pe.Message)
		}
		// Position is 1-based, in characters; it points at the second '='.
		if pe.Position <= 0 || int(pe.Position) > len(sql) {
			t.Errorf("position = %d, want within 1..%d", pe.Position, len(sql))
		} else if want := strings.Index(sql, "= =") + 3; int(pe.Position) != want {
			t.Logf("position = %d (points at %q); PostgreSQL would report %d", pe.Position, sql[pe.Position-1:], want)
		}
	})

	t.Run("garbage statement", func(t *testing.T) {
		_, err := conn.Exec(ctx, `SELEKT 1`)
		if pe := pgErr(t, err); pe.Code != "42601" || pe.Position <= 0 {
			t.Errorf("code %s position %d (%s)", pe.Code, pe.Position, pe.Message)
		}
	})

	// The connection is still fine and nothing bad was written.
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM strict1`).Scan(&n); err != nil || n != 1 {
		t.Errorf("count after errors = %d, %v", n, err)
	}
}

func TestPgxSchemaless(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE COLLECTION people`)
	mustExec(t, conn, `INSERT INTO people { id: 'p1', name: 'Carol', age: 35, tags: ['a','b'], addr: { city: 'Oslo', zip: '0150' } }`)
	mustExec(t, conn, `INSERT INTO people [ { id: 'p2', name: 'Dana', addr: { city: 'Bergen' } }, { id: 'p3', name: 'Eve' } ]`)
	// Parameters for schemaless fields are described as text (see the known
	// gap below); an explicit cast lets pgx bind a Go int.
	mustExec(t, conn, `INSERT INTO people (id, name, age) VALUES ($1, $2, $3::BIGINT)`, "p4", "Frank", 41)

	rows, err := conn.Query(ctx, `SELECT id, name, addr.city FROM people ORDER BY id`)
	if err != nil {
		t.Fatalf("select addr.city: %v", err)
	}
	var got []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.TrimSpace(fmt.Sprintln(vals...)))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	if want := "p1 Carol Oslo|p2 Dana Bergen|p3 Eve <nil>|p4 Frank <nil>"; strings.Join(got, "|") != want {
		t.Errorf("rows = %q, want %q", strings.Join(got, "|"), want)
	}

	var name string
	if err := conn.QueryRow(ctx, `SELECT name FROM people WHERE addr.city = $1`, "Oslo").Scan(&name); err != nil || name != "Carol" {
		t.Errorf("where addr.city = %q, %v", name, err)
	}
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM people WHERE age > 30`).Scan(&n); err != nil || n != 2 {
		t.Errorf("count age > 30 = %d, %v", n, err)
	}

	// A Go int parameter compared with a numeric document field.
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM people WHERE age > $1`, 30).Scan(&n); err != nil || n != 2 {
		t.Errorf("count age > $1(30) = %d, %v", n, err)
	}
	t.Run("integer parameter inserted into a schemaless field", func(t *testing.T) {
		knownGap(t, "schemaless collections: for `INSERT INTO nums (id, n) VALUES ($1, $2)` (empty "+
			"collection) ParameterDescription reports both parameters as text (OID 25), so pgx cannot "+
			"bind a Go int ('unable to encode 7 into text format for text (OID 25)'), and a client that "+
			"sends '7' as text stores the string \"7\" (later `WHERE n > 5` fails with 42883 text > integer). "+
			"Workaround: $2::BIGINT. Expected: unknown (OID 0) parameters whose value keeps the type "+
			"the client bound, as with object literals")
		mustExec(t, conn, `CREATE COLLECTION nums`)
		mustExec(t, conn, `INSERT INTO nums (id, n) VALUES ($1, $2)`, "a", 7)
		var got any
		if err := conn.QueryRow(ctx, `SELECT n FROM nums WHERE id = 'a'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%T %v", got, got) != "int64 7" {
			t.Errorf("n = %#v, want int64 7", got)
		}
	})
	// Text parameters still compare numerically with numeric fields.
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM people WHERE age > $1`, "5").Scan(&n); err != nil || n != 2 {
		t.Errorf("count age > '5' = %d, %v", n, err)
	}

	// Upsert and update on a document.
	mustExec(t, conn, `UPSERT INTO people { id: 'p3', name: 'Eve', age: 29 }`)
	mustExec(t, conn, `UPDATE people SET age = age + 1 WHERE id = 'p3'`)
	var age int64
	if err := conn.QueryRow(ctx, `SELECT age FROM people WHERE id = 'p3'`).Scan(&age); err != nil || age != 30 {
		t.Errorf("age after upsert+update = %d, %v", age, err)
	}
}

func TestPgxReturning(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER DEFAULT 1)`)

	var (
		id   int32
		name string
		qty  int32
	)
	if err := conn.QueryRow(ctx, `INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id, name, qty`, 1, "apple").Scan(&id, &name, &qty); err != nil {
		t.Fatalf("insert returning: %v", err)
	}
	if id != 1 || name != "apple" || qty != 1 {
		t.Errorf("insert returning = %d %q %d", id, name, qty)
	}
	if err := conn.QueryRow(ctx, `UPDATE items SET qty = qty + 10 WHERE id = 1 RETURNING qty`).Scan(&qty); err != nil || qty != 11 {
		t.Errorf("update returning = %d, %v", qty, err)
	}
	if err := conn.QueryRow(ctx, `INSERT INTO items (id, name) VALUES (1, 'pear') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING name`).Scan(&name); err != nil || name != "pear" {
		t.Errorf("on conflict returning = %q, %v", name, err)
	}
	if err := conn.QueryRow(ctx, `DELETE FROM items WHERE id = 1 RETURNING *`).Scan(&id, &name, &qty); err != nil || id != 1 || name != "pear" || qty != 11 {
		t.Errorf("delete returning = %d %q %d, %v", id, name, qty, err)
	}
	tag, err := conn.Exec(ctx, `DELETE FROM items WHERE id = 1`)
	if err != nil || tag.String() != "DELETE 0" {
		t.Errorf("second delete = %v, %v", tag, err)
	}
}

func TestPgxCancel(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE big (id BIGINT PRIMARY KEY, v TEXT)`)
	_, err := conn.CopyFrom(ctx, pgx.Identifier{"big"}, []string{"id", "v"},
		pgx.CopyFromSlice(20000, func(i int) ([]any, error) { return []any{int64(i), strings.Repeat("x", 50)}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	// A context already cancelled must not run the statement, and pgx closes
	// the connection; a fresh one still works.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := conn.Exec(cctx, `SELECT count(*) FROM big`); err == nil {
		t.Errorf("exec with cancelled context succeeded")
	}
	// Cancel during a long-running aggregate: the server
	// should accept the CancelRequest; either the query ends early with
	// 57014 or it finishes before the cancel lands. Both are fine; what is
	// checked is that the server stays healthy.
	c2 := s.pgxConnect(t)
	qctx, qcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer qcancel()
	_, err = c2.Exec(qctx, `SELECT v, count(*) FROM big GROUP BY v ORDER BY v`)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code != "57014" {
			t.Errorf("cancelled query code = %s (%s), want 57014", pe.Code, pe.Message)
		}
	}
	c3 := s.pgxConnect(t)
	var n int64
	if err := c3.QueryRow(ctx, `SELECT count(*) FROM big`).Scan(&n); err != nil || n != 20000 {
		t.Errorf("count after cancel = %d, %v", n, err)
	}
}

// TestPgxRegclass checks regclass output as PostgreSQL sends it: the
// relation's name in text format (simple and extended protocol), the OID
// in binary format.
func TestPgxRegclass(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE "Users" (id INT PRIMARY KEY)`)
	var oid uint32
	if err := conn.QueryRow(ctx, `SELECT oid FROM pg_class WHERE relname = 'Users'`).Scan(&oid); err != nil {
		t.Fatalf("pg_class oid: %v", err)
	}
	const q = `SELECT '"Users"'::regclass, 'pg_class'::regclass, 'information_schema.tables'::regclass, 0::regclass`
	want := []string{`"Users"`, "pg_class", "information_schema.tables", "-"}
	check := func(name string, res *pgconn.Result) {
		t.Helper()
		if res.Err != nil {
			t.Fatalf("%s: %v", name, res.Err)
		}
		if len(res.Rows) != 1 {
			t.Fatalf("%s: %d rows", name, len(res.Rows))
		}
		var got []string
		for _, v := range res.Rows[0] {
			got = append(got, string(v))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: regclass text output = %q, want %q", name, got, want)
		}
	}
	all, err := conn.PgConn().Exec(ctx, q).ReadAll()
	if err != nil || len(all) != 1 {
		t.Fatalf("simple protocol: %d results, %v", len(all), err)
	}
	check("simple protocol", all[0])
	check("extended protocol, text", conn.PgConn().ExecParams(ctx, q, nil, nil, nil, []int16{0}).Read())
	res := conn.PgConn().ExecParams(ctx, `SELECT '"Users"'::regclass`, nil, nil, nil, []int16{1}).Read()
	if res.Err != nil {
		t.Fatalf("binary: %v", res.Err)
	}
	if got := res.Rows[0][0]; len(got) != 4 || binary.BigEndian.Uint32(got) != oid {
		t.Errorf("regclass binary output = %x, want the OID %d", got, oid)
	}
}

// TestPgxInterval: intervals go out in PostgreSQL's binary form (pgx reads
// them into pgtype.Interval) and in text, and an interval parameter comes
// in either way.
func TestPgxInterval(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	var iv, sum pgtype.Interval
	if err := conn.QueryRow(ctx, `SELECT '1 year 2 mons 3 days 04:05:06.5'::interval, 3 * interval '1 hour' + $1::interval`,
		pgtype.Interval{Months: 1, Days: 2, Microseconds: 1500000, Valid: true}).Scan(&iv, &sum); err != nil {
		t.Fatal(err)
	}
	want := pgtype.Interval{Months: 14, Days: 3, Microseconds: (4*3600+5*60+6)*1e6 + 5e5, Valid: true}
	if iv != want {
		t.Errorf("binary interval %+v, want %+v", iv, want)
	}
	if w := (pgtype.Interval{Months: 1, Days: 2, Microseconds: 3*3600e6 + 1500000, Valid: true}); sum != w {
		t.Errorf("3 hours + a parameter: %+v, want %+v", sum, w)
	}
	var text string
	if err := conn.QueryRow(ctx, `SELECT (interval '1 day' - interval '1 hour')::text`, pgx.QueryExecModeSimpleProtocol).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if text != "1 day -01:00:00" {
		t.Errorf("text %q", text)
	}
	_, err := conn.Exec(ctx, `CREATE TABLE ti (id INT PRIMARY KEY, d INTERVAL)`)
	if pe := pgErr(t, err); pe.Code != "0A000" {
		t.Errorf("interval column: %s %s", pe.Code, pe.Message)
	}
}

// TestPgxAdvisoryLocks: what migration tools do (golang-migrate locks
// with SELECT pg_advisory_lock($1) and a bigint parameter, then unlocks).
func TestPgxAdvisoryLocks(t *testing.T) {
	s := startServer(t)
	a, b := s.pgxConnect(t), s.pgxConnect(t)
	ctx := testCtx(t)
	const key = int64(1796430548) // a hash of the database name, as golang-migrate takes
	if _, err := a.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		t.Fatal(err)
	}
	var ok bool
	if err := b.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil || ok {
		t.Fatalf("second session got the lock: %v %v", ok, err)
	}
	if err := a.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&ok); err != nil || !ok {
		t.Fatalf("unlock: %v %v", ok, err)
	}
	if err := b.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil || !ok {
		t.Fatalf("second session after the unlock: %v %v", ok, err)
	}
}
