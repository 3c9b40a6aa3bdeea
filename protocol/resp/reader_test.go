package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, in string, lim Limits) ([][][]byte, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), lim)
	var out [][][]byte
	for {
		args, err := r.ReadCommand()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, args)
	}
}

func TestReaderCommands(t *testing.T) {
	cmds, err := readAll(t, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\nPING  hello\r\n\r\n*0\r\n", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"GET", "k"}, {"SET", "k", ""}, {"PING", "hello"}, {}, {}}
	if len(cmds) != len(want) {
		t.Fatalf("got %d commands, want %d: %q", len(cmds), len(want), cmds)
	}
	for i, c := range cmds {
		if len(c) != len(want[i]) {
			t.Fatalf("command %d = %q, want %q", i, c, want[i])
		}
		for j := range c {
			if string(c[j]) != want[i][j] {
				t.Fatalf("command %d = %q, want %q", i, c, want[i])
			}
		}
	}
}

func TestReaderRejects(t *testing.T) {
	cases := map[string]struct {
		in  string
		lim Limits
	}{
		"bad multibulk":   {in: "*x\r\n"},
		"huge multibulk":  {in: "*9999999999999\r\n"},
		"negative bulk":   {in: "*1\r\n$-5\r\n"},
		"no dollar":       {in: "*1\r\n:5\r\n"},
		"oversized bulk":  {in: "*1\r\n$100\r\n", lim: Limits{MaxBulk: 10}},
		"too many args":   {in: "*5\r\n", lim: Limits{MaxArgs: 4}},
		"missing CRLF":    {in: "*1\r\n$1\r\nabc\r\n"},
		"bare LF header":  {in: "*1\n"},
		"huge inline":     {in: strings.Repeat("a", 100) + "\r\n", lim: Limits{MaxInline: 10}},
		"truncated bulk":  {in: "*1\r\n$10\r\nabc"},
		"truncated array": {in: "*2\r\n$1\r\na\r\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := readAll(t, c.in, c.lim)
			var pe *ProtocolError
			if !errors.As(err, &pe) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want a protocol error or unexpected EOF", err)
			}
		})
	}
}

// FuzzReader: arbitrary bytes never panic the reader, and whatever it
// parses round-trips through AppendCommand.
func FuzzReader(f *testing.F) {
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
	f.Add([]byte("PING\r\n"))
	f.Add([]byte("*1\r\n$99999999999999999999\r\n"))
	f.Add([]byte("*-1\r\n*1\r\n$0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), Limits{MaxBulk: 1 << 16, MaxArgs: 1 << 10})
		// The same bytes arriving one at a time (nothing buffered ahead,
		// so no fast path) must read as the same commands and errors.
		slow := NewReader(iotest.OneByteReader(bytes.NewReader(in)), Limits{MaxBulk: 1 << 16, MaxArgs: 1 << 10})
		// Until Release, every command read stays as it was read.
		var kept, copies [][][]byte
		defer func() {
			for i := range kept {
				for j := range kept[i] {
					if !bytes.Equal(kept[i][j], copies[i][j]) {
						t.Fatalf("command %d changed from %q to %q by later reads", i, copies[i], kept[i])
					}
				}
			}
		}()
		for i := 0; i < 100; i++ {
			args, err := r.ReadCommand()
			sargs, serr := slow.ReadCommand()
			if fmt.Sprint(err) != fmt.Sprint(serr) || !equalArgs(args, sargs) {
				t.Fatalf("command %d: read whole %q, %v; read a byte at a time %q, %v", i, args, err, sargs, serr)
			}
			if err != nil {
				return
			}
			if len(args) == 0 {
				continue
			}
			kept = append(kept, args)
			c := make([][]byte, len(args))
			for j, a := range args {
				c[j] = bytes.Clone(a)
			}
			copies = append(copies, c)
			enc := AppendCommand(nil, args...)
			again, err := NewReader(bytes.NewReader(enc), Limits{}).ReadCommand()
			if err != nil {
				t.Fatalf("re-read %q: %v", enc, err)
			}
			if len(again) != len(args) {
				t.Fatalf("round trip changed %q into %q", args, again)
			}
			for j := range args {
				if !bytes.Equal(args[j], again[j]) {
					t.Fatalf("round trip changed %q into %q", args, again)
				}
			}
		}
	})
}

func equalArgs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
