package pgwire

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/nodedb-go/nodedb/sql/types"
)

// rawConn drives the server message by message with pgproto3's Frontend.
type rawConn struct {
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &rawConn{nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

func (r *rawConn) startup(t testing.TB) {
	t.Helper()
	r.send(t, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "alice", "database": "db"}})
	r.expect(t, "AuthenticationOk")
}

func (r *rawConn) write(t testing.TB, b []byte) {
	t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

func (r *rawConn) send(t testing.TB, msgs ...pgproto3.FrontendMessage) {
	t.Helper()
	for _, m := range msgs {
		r.fe.Send(m)
	}
	if err := r.fe.Flush(); err != nil {
		t.Fatal(err)
	}
}

// readUntilClosed reads until the server closes the connection and returns
// the SQLSTATE of the last ErrorResponse seen.
func (r *rawConn) readUntilClosed(t testing.TB) string {
	t.Helper()
	code := ""
	for {
		msg, err := r.fe.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server did not close the connection")
			}
			return code
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); ok {
			code = e.Code
		}
	}
}

// describe renders a backend message compactly for comparisons.
func describe(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		var parts []string
		for _, f := range m.Fields {
			parts = append(parts, fmt.Sprintf("%s:%d/%d", f.Name, f.DataTypeOID, f.Format))
		}
		return "RowDescription(" + strings.Join(parts, ",") + ")"
	case *pgproto3.DataRow:
		var parts []string
		for _, v := range m.Values {
			if v == nil {
				parts = append(parts, "NULL")
			} else {
				parts = append(parts, string(v))
			}
		}
		return "DataRow(" + strings.Join(parts, ",") + ")"
	case *pgproto3.CommandComplete:
		return "CommandComplete(" + string(m.CommandTag) + ")"
	case *pgproto3.ErrorResponse:
		return "ErrorResponse(" + m.Code + ")"
	case *pgproto3.NoticeResponse:
		return "NoticeResponse(" + m.Message + ")"
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery(" + string(m.TxStatus) + ")"
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription(%v)", m.ParameterOIDs)
	case *pgproto3.CopyInResponse:
		return fmt.Sprintf("CopyInResponse(%d,%d)", m.OverallFormat, len(m.ColumnFormatCodes))
	case *pgproto3.ParameterStatus:
		return "ParameterStatus(" + m.Name + "=" + m.Value + ")"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

// until reads messages up to and including one whose description starts
// with last.
func (r *rawConn) until(t testing.TB, last string) []string {
	t.Helper()
	var out []string
	for {
		msg, err := r.fe.Receive()
		if err != nil {
			t.Fatalf("receive after %v: %v", out, err)
		}
		d := describe(msg)
		out = append(out, d)
		if strings.HasPrefix(d, last) {
			return out
		}
	}
}

func (r *rawConn) expect(t testing.TB, want ...string) {
	t.Helper()
	got := r.until(t, "ReadyForQuery")
	// Skip the startup's ParameterStatus/BackendKeyData noise.
	var filtered []string
	for _, g := range got {
		if !strings.HasPrefix(g, "ParameterStatus") && g != "BackendKeyData" {
			filtered = append(filtered, g)
		}
	}
	if want[len(want)-1] != "ReadyForQuery(I)" && !strings.HasPrefix(want[len(want)-1], "ReadyForQuery") {
		want = append(want, "ReadyForQuery(I)")
	}
	if strings.Join(filtered, " | ") != strings.Join(want, " | ") {
		t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(filtered, " | "), strings.Join(want, " | "))
	}
}

func TestRawExtendedProtocol(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	r.startup(t)

	// Row limits suspend the portal; Execute resumes it.
	r.send(t,
		&pgproto3.Parse{Name: "s1", Query: "select n from series"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1", ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 4},
		&pgproto3.Execute{Portal: "p1", MaxRows: 4},
		&pgproto3.Execute{Portal: "p1"},
		&pgproto3.Sync{})
	bin := func(i byte) string { return "DataRow(" + string([]byte{0, 0, 0, 0, 0, 0, 0, i}) + ")" }
	r.expect(t, "ParseComplete", "ParameterDescription([])", "RowDescription(n:20/0)", "BindComplete",
		"RowDescription(n:20/1)",
		bin(1), bin(2), bin(3), bin(4), "PortalSuspended",
		bin(5), bin(6), bin(7), bin(8), "PortalSuspended",
		bin(9), bin(10), "CommandComplete(SELECT 2)")
	if n := ts.mgr.execCount("select n from series"); n != 1 {
		t.Errorf("portal executed %d times, want 1", n)
	}

	// Duplicate statement name: error, then everything until Sync is skipped.
	r.send(t,
		&pgproto3.Parse{Name: "s1", Query: "select 1"},
		&pgproto3.Bind{PreparedStatement: "s1"},
		&pgproto3.Execute{},
		&pgproto3.Sync{})
	r.expect(t, "ErrorResponse(42P05)")

	// Parameter types: unknown ones are described as text; declared ones kept.
	r.send(t,
		&pgproto3.Parse{Name: "u", Query: "select $1"},
		&pgproto3.Describe{ObjectType: 'S', Name: "u"},
		&pgproto3.Parse{Name: "d", Query: "select $1", ParameterOIDs: []uint32{types.OIDInt8}},
		&pgproto3.Describe{ObjectType: 'S', Name: "d"},
		&pgproto3.Bind{PreparedStatement: "d", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 1, 0}}},
		&pgproto3.Execute{},
		&pgproto3.Parse{Name: "i", Query: "insert into t values (1)"},
		&pgproto3.Describe{ObjectType: 'S', Name: "i"},
		&pgproto3.Sync{})
	r.expect(t, "ParseComplete", "ParameterDescription([25])", "RowDescription(c1:25/0)",
		"ParseComplete", "ParameterDescription([20])", "RowDescription(c1:25/0)",
		"BindComplete", "DataRow(256)", "CommandComplete(SELECT 1)",
		"ParseComplete", "ParameterDescription([])", "NoData")

	// Empty queries, notices, unknown portals and statements, bad bind.
	r.send(t, &pgproto3.Query{String: "  ; "})
	r.expect(t, "EmptyQueryResponse")
	r.send(t, &pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	r.expect(t, "ParseComplete", "BindComplete", "NoData", "EmptyQueryResponse")
	r.send(t, &pgproto3.Query{String: "notice"})
	r.expect(t, "NoticeResponse(hello notice)", "CommandComplete(DO)")
	r.send(t, &pgproto3.Execute{Portal: "nope"}, &pgproto3.Sync{})
	r.expect(t, "ErrorResponse(34000)")
	r.send(t, &pgproto3.Close{ObjectType: 'S', Name: "s1"}, &pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Sync{})
	r.expect(t, "CloseComplete", "ErrorResponse(26000)")
	r.send(t, &pgproto3.Bind{PreparedStatement: "d"}, &pgproto3.Sync{})
	r.expect(t, "ErrorResponse(08P01)")
	r.send(t, &pgproto3.Bind{PreparedStatement: "d", Parameters: [][]byte{[]byte("x")}}, &pgproto3.Sync{})
	r.expect(t, "ErrorResponse(22P02)")

	// Transaction status and multi-statement simple queries.
	r.send(t, &pgproto3.Query{String: "begin; select 1"})
	r.expect(t, "CommandComplete(BEGIN)", "RowDescription(?column?:23/0)", "DataRow(1)", "CommandComplete(SELECT 1)", "ReadyForQuery(T)")
	r.send(t, &pgproto3.Query{String: "select 1; select fail; commit"})
	r.expect(t, "RowDescription(?column?:23/0)", "DataRow(1)", "CommandComplete(SELECT 1)", "ErrorResponse(22012)", "ReadyForQuery(T)")
	r.send(t, &pgproto3.Query{String: "commit"})
	r.expect(t, "CommandComplete(COMMIT)")
	// Schemaless documents are JSON text in both formats.
	r.send(t, &pgproto3.Query{String: "select doc from docs"})
	r.expect(t, "RowDescription(doc:25/0)", `DataRow({"a":1})`, `DataRow(plain)`, "CommandComplete(SELECT 2)")
	r.send(t, &pgproto3.Terminate{})
	if code := r.readUntilClosed(t); code != "" {
		t.Errorf("terminate: %s", code)
	}
}

func TestRawCopyText(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	r.startup(t)
	data := "1\tann\t1.5\t2024-05-06 07:08:09.123456+00\r\n" +
		"2\t\\N\t\\N\t\\N\n" +
		"3\ttab\\there\\\\x\\101\\x42\t-2\t2024-01-01\n" +
		"\\.\n" +
		"this is after the end marker\n"
	want := []types.Row{
		{int64(1), "ann", 1.5, ts0},
		{int64(2), nil, nil, nil},
		{int64(3), "tab\there\\xAB", -2.0, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, chunk := range []int{1, 2, 7, 1000} {
		table := fmt.Sprintf("t%d", chunk)
		r.send(t, &pgproto3.Query{String: "copy " + table + " from stdin"})
		if got := r.until(t, "CopyInResponse"); got[len(got)-1] != "CopyInResponse(0,4)" {
			t.Fatalf("got %v", got)
		}
		for i := 0; i < len(data); i += chunk {
			r.fe.Send(&pgproto3.CopyData{Data: []byte(data[i:min(i+chunk, len(data))])})
		}
		r.send(t, &pgproto3.CopyDone{})
		r.expect(t, "CommandComplete(COPY 3)")
		ts.mgr.mu.Lock()
		got := ts.mgr.copied[table]
		ts.mgr.mu.Unlock()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("chunk %d: rows\n %v\nwant\n %v", chunk, got, want)
		}
	}
}

func TestRawCopyCSV(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	r.startup(t)
	data := "id,name,score,at\n" +
		"1,\"multi\nline, \"\"quoted\"\"\",,2024-01-01\n" +
		"2,\"\",3.5,\n" +
		"3,last,4,2024-01-02" // no final newline
	for _, chunk := range []int{1, 3, 1000} {
		table := fmt.Sprintf("c%d", chunk)
		r.send(t, &pgproto3.Query{String: "copy " + table + " from stdin with (format csv, header true)"})
		r.until(t, "CopyInResponse")
		for i := 0; i < len(data); i += chunk {
			r.fe.Send(&pgproto3.CopyData{Data: []byte(data[i:min(i+chunk, len(data))])})
		}
		r.send(t, &pgproto3.CopyDone{})
		r.expect(t, "CommandComplete(COPY 3)")
		ts.mgr.mu.Lock()
		got := ts.mgr.copied[table]
		ts.mgr.mu.Unlock()
		want := []types.Row{
			{int64(1), "multi\nline, \"quoted\"", nil, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
			{int64(2), "", 3.5, nil},
			{int64(3), "last", 4.0, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Errorf("chunk %d: rows\n %q\nwant\n %q", chunk, got, want)
		}
	}
	// Custom delimiter and NULL marker.
	defer func() {
		ts.mgr.mu.Lock()
		defer ts.mgr.mu.Unlock()
		if got := fmt.Sprint(ts.mgr.copied["semi"]); got != "[[5 <nil> 1 <nil>]]" {
			t.Errorf("custom delimiter rows %s", got)
		}
	}()
	r.send(t, &pgproto3.Query{String: "copy semi from stdin with (format csv, delimiter '|', null 'null')"},
		&pgproto3.CopyData{Data: []byte("5|NULL|1|NULL\n")}, &pgproto3.CopyDone{})
	r.expect(t, "CopyInResponse(0,4)", "CommandComplete(COPY 1)")
}

func TestRawCopyErrors(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	r.startup(t)

	// CopyFail aborts with 57014.
	r.send(t, &pgproto3.Query{String: "copy f from stdin"},
		&pgproto3.CopyData{Data: []byte("1\ta\t1\t2024-01-01\n")}, &pgproto3.CopyFail{Message: "client gave up"})
	r.expect(t, "CopyInResponse(0,4)", "ErrorResponse(57014)")

	// Bad data fails at once; the client's remaining copy messages are dropped.
	r.send(t, &pgproto3.Query{String: "copy g from stdin"},
		&pgproto3.CopyData{Data: []byte("x\ta\t1\t2024-01-01\n")},
		&pgproto3.CopyData{Data: []byte("2\tb\t1\t2024-01-01\n")}, &pgproto3.CopyDone{})
	r.expect(t, "CopyInResponse(0,4)", "ErrorResponse(22P02)")
	r.send(t, &pgproto3.Query{String: "copy h from stdin"},
		&pgproto3.CopyData{Data: []byte("1\ta\n")}, &pgproto3.CopyDone{})
	r.expect(t, "CopyInResponse(0,4)", "ErrorResponse(22P04)")
	r.send(t, &pgproto3.Query{String: "copy h from stdin binary"},
		&pgproto3.CopyData{Data: []byte("not a pgcopy header at all")}, &pgproto3.CopyDone{})
	r.expect(t, "CopyInResponse(1,4)", "ErrorResponse(22P04)")
	ts.mgr.mu.Lock()
	n := len(ts.mgr.copied["f"]) + len(ts.mgr.copied["g"]) + len(ts.mgr.copied["h"])
	ts.mgr.mu.Unlock()
	if n != 0 {
		t.Errorf("%d rows of failed COPYs reached the session", n)
	}

	// COPY through the extended protocol.
	// Sync is ignored during copy-in, so clients send it after CopyDone.
	r.send(t, &pgproto3.Parse{Query: "copy e from stdin"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{})
	if got := r.until(t, "CopyInResponse"); strings.Join(got, " ") != "ParseComplete BindComplete CopyInResponse(0,4)" {
		t.Fatalf("got %v", got)
	}
	r.send(t, &pgproto3.CopyData{Data: []byte("9\tz\t0\t2024-01-01\n")}, &pgproto3.Sync{}, &pgproto3.CopyDone{}, &pgproto3.Sync{})
	r.expect(t, "CommandComplete(COPY 1)")
	r.send(t, &pgproto3.Query{String: "select 1"})
	r.expect(t, "RowDescription(?column?:23/0)", "DataRow(1)", "CommandComplete(SELECT 1)")
}

func TestRawProtocolNegotiation(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	// GSSENC and SSL are refused with 'N', then a 3.2 startup is
	// negotiated down to 3.0.
	r.write(t, []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30})
	r.write(t, []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f})
	b := make([]byte, 2)
	if _, err := io.ReadFull(r.nc, b); err != nil || string(b) != "NN" {
		t.Fatalf("got %q %v", b, err)
	}
	r.send(t, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
		Parameters: map[string]string{"user": "alice", "_pq_.x": "1"}})
	got := r.until(t, "ReadyForQuery")
	if got[0] != "NegotiateProtocolVersion" || got[1] != "AuthenticationOk" {
		t.Fatalf("got %v", got)
	}
	// A startup without a user is refused.
	r2 := dialRaw(t, ts.addr)
	r2.send(t, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"database": "db"}})
	if code := r2.readUntilClosed(t); code != "28000" {
		t.Errorf("no user: %s", code)
	}
}
