package resp

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { client.Close(); r.c.Close() })
	return client, r.c
}

// pattern is n bytes that show any reordering or loss.
func pattern(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*7 + seed) % 251)
	}
	return b
}

// A try write to a client that is not reading never blocks: what the
// socket does not take waits in pending and goes out, before anything
// newer, at the next ordinary write.
func TestReplyWriterTryKeepsOrderWhenSocketFull(t *testing.T) {
	client, server := tcpPair(t)
	rw := newReplyWriter(server)
	if rw.raw == nil {
		t.Skip("no raw socket access here")
	}
	var want []byte
	rw.try = true
	for i := 0; len(rw.pending) == 0; i++ {
		if i == 1000 {
			t.Fatal("a socket nobody reads took 1000 MiB without filling")
		}
		b := pattern(1<<20, i)
		want = append(want, b...)
		if n, err := rw.Write(b); n != len(b) || err != nil {
			t.Fatalf("try write = %d, %v", n, err)
		}
	}
	// Make room in the socket: a try write must still queue behind the
	// pending bytes rather than jump ahead of them.
	sent := len(want) - len(rw.pending)
	head := make([]byte, min(sent, 64<<10))
	if _, err := io.ReadFull(client, head); err != nil {
		t.Fatal(err)
	}
	more := []byte(":1\r\n")
	want = append(want, more...)
	if _, err := rw.Write(more); err != nil {
		t.Fatal(err)
	}
	rw.try = false
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- append(head, b...)
	}()
	tail := []byte("+OK\r\n")
	want = append(want, tail...)
	if _, err := rw.Write(tail); err != nil {
		t.Fatal(err)
	}
	if len(rw.pending) != 0 {
		t.Fatalf("%d bytes still pending after an ordinary write", len(rw.pending))
	}
	server.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("client read %d bytes, want %d in order", len(b), len(want))
	}
}

// Without raw socket access (a pipe, TLS) a try write sends nothing; the
// next ordinary write sends it.
func TestReplyWriterTryWithoutRawSocket(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	rw := newReplyWriter(server)
	rw.try = true
	if _, err := rw.Write([]byte("$1\r\na\r\n")); err != nil {
		t.Fatal(err)
	}
	rw.try = false
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	if _, err := rw.Write([]byte("+OK\r\n")); err != nil {
		t.Fatal(err)
	}
	server.Close()
	if b := <-got; string(b) != "$1\r\na\r\n+OK\r\n" {
		t.Fatalf("client read %q", b)
	}
}

// A try write to a closed connection fails the connection's next write.
func TestReplyWriterTryErrorSticks(t *testing.T) {
	_, server := tcpPair(t)
	rw := newReplyWriter(server)
	server.Close()
	rw.try = true
	_, _ = rw.Write([]byte("+OK\r\n"))
	rw.try = false
	if rw.raw != nil && rw.err == nil {
		t.Fatal("try write on a closed socket recorded no error")
	}
	if _, err := rw.Write([]byte("+OK\r\n")); err == nil {
		t.Fatal("write after a failed try write succeeded")
	}
}
