package resp

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkPipeline sends redis-benchmark's unit of work: pipelines of 16
// commands on one key, from 8 connections at once. An op is one command;
// allocs/op counts the server's allocations per command (the client
// allocates nothing per op).
func BenchmarkPipeline(b *testing.B) {
	for _, name := range []string{"SET", "GET", "INCR"} {
		b.Run(name, func(b *testing.B) {
			e := start(b, Config{})
			var one string
			switch name {
			case "SET":
				one = "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n"
			case "GET":
				one = "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n"
			case "INCR":
				one = "*2\r\n$4\r\nINCR\r\n$20\r\ncounter:__rand_int__\r\n"
			}
			const depth, conns = 16, 8
			pipe := []byte(strings.Repeat(one, depth))
			cs := make([]net.Conn, conns)
			for i := range cs {
				cs[i] = dial(b, e)
				if err := cs[i].SetDeadline(time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
			// The key exists before the timed part (a GET reads a value).
			if _, err := fmt.Fprint(cs[0], "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n"); err != nil {
				b.Fatal(err)
			}
			if _, err := bufio.NewReader(cs[0]).ReadString('\n'); err != nil {
				b.Fatal(err)
			}
			rounds := b.N/depth + 1
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			errs := make(chan error, conns)
			for i, c := range cs {
				n := rounds / conns
				if i < rounds%conns {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					br := bufio.NewReader(c)
					for range n {
						if _, err := c.Write(pipe); err != nil {
							errs <- err
							return
						}
						for range depth {
							line, err := br.ReadSlice('\n')
							if err != nil {
								errs <- err
								return
							}
							if line[0] == '-' {
								errs <- fmt.Errorf("reply %q", line)
								return
							}
							if line[0] == '$' && line[1] != '-' {
								if _, err := br.ReadSlice('\n'); err != nil {
									errs <- err
									return
								}
							}
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
		})
	}
}
