package server

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRESPOffByDefault: no RESP listener unless a port is set.
func TestRESPOffByDefault(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if a := s.RESPAddr(); a != nil {
		t.Fatalf("RESPAddr = %v with RESPPort 0", a)
	}
}

// TestRESPPortFromConfig: Config.RESPPort turns the listener on, and it
// serves until Close.
func TestRESPPortFromConfig(t *testing.T) {
	// A free port, released for the server to take: another process
	// may take it first, so a few ports are tried.
	var s *Server
	var port int
	for attempt := 0; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cfg := testConfig(t)
		cfg.Host = "127.0.0.1"
		cfg.RESPPort = port
		if s, err = New(cfg, WithLogger(quiet)); err != nil {
			t.Fatal(err)
		}
		err = s.Start()
		if err == nil {
			break
		}
		s.Close()
		if attempt == 4 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
	}
	defer s.Close()
	if got := s.RESPAddr().(*net.TCPAddr).Port; got != port {
		t.Fatalf("RESP listens on %d, want %d", got, port)
	}
	c, err := net.DialTimeout("tcp", s.RESPAddr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var lines []string
	for i := 0; i < 3; i++ {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	if strings.Join(lines, " ") != "+OK $1 v" {
		t.Fatalf("replies = %q", lines)
	}

	// A second server on the same RESP port fails Start with the flag to
	// change.
	cfg2 := testConfig(t)
	cfg2.Host = "127.0.0.1"
	cfg2.RESPPort = port
	b, err := New(cfg2, WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--resp-port") {
		t.Fatalf("Run on a busy RESP port = %v", err)
	}
}
