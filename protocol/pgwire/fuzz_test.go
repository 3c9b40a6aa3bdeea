package pgwire

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// FuzzConn feeds arbitrary bytes after a valid startup into one server
// connection. The connection must neither panic nor hang.
func FuzzConn(f *testing.F) {
	enc := func(msgs ...pgproto3.FrontendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			var err error
			if b, err = m.Encode(b); err != nil {
				f.Fatal(err)
			}
		}
		return b
	}
	f.Add(enc(&pgproto3.Query{String: "select 1"}))
	f.Add(enc(&pgproto3.Parse{Name: "a", Query: "select $1"}, &pgproto3.Bind{PreparedStatement: "a",
		Parameters: [][]byte{[]byte("x")}}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(enc(&pgproto3.Query{String: "copy t from stdin binary"}, &pgproto3.CopyData{Data: []byte("PGCOPY\n\377\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04")}, &pgproto3.CopyDone{}))
	f.Add(enc(&pgproto3.Query{String: "copy t from stdin with (format csv)"}, &pgproto3.CopyData{Data: []byte("1,\"a\n")}, &pgproto3.CopyDone{}))
	f.Add([]byte{'Q', 0xff, 0xff, 0xff, 0xff})
	f.Add(enc(&pgproto3.Describe{ObjectType: 'S', Name: "zz"}, &pgproto3.Flush{}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Sync{}))

	startup, err := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "fuzz"}}).Encode(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := NewServer(Config{MaxMessageSize: 1 << 16, AuthTimeout: 5 * time.Second}, newFakeManager())
		client, server := net.Pipe()
		c := newConn(srv, server)
		done := make(chan struct{})
		go func() { defer close(done); c.run() }()
		drained := make(chan struct{})
		go func() { defer close(drained); _, _ = io.Copy(io.Discard, client) }()

		_ = client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, _ = client.Write(startup)
		_, _ = client.Write(data)
		// Give the connection a moment to process, then hang up as a
		// server shutdown would.
		time.Sleep(time.Millisecond)
		client.Close()
		c.kill()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("connection goroutine hung")
		}
		<-drained
	})
}
