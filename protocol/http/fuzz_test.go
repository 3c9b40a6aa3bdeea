package http

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzQueryRequest feeds arbitrary bodies to the request decoder and to
// POST /query (over a fake backend): nothing panics, every answer is one
// JSON object, and a rejected body is a 4xx with an error and a SQLSTATE.
func FuzzQueryRequest(f *testing.F) {
	for _, seed := range []string{
		`{"sql":"SELECT 1"}`,
		`{"sql":"SELECT $1, $2","params":[1,"two"]}`,
		`{"sql":"SELECT $1","params":[{"a":[1.5e400,-0,null,true]}]}`,
		`{"sql":"q","params":[9223372036854775808, 1e-400, "\u0000"]}`,
		`{"sql":"q"} x`,
		`{"SQL":"case-insensitive key"}`,
		`[]`, `null`, `""`, `{`, `{"sql":}`, "\xff\xfe",
		`{"sql":"s","params":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}`,
	} {
		f.Add([]byte(seed))
	}
	b := &fakeBackend{noRecord: true}
	s := NewServer(Config{Logger: quietLogger, MaxBodyBytes: 1 << 16}, b)
	defer s.Close()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, ae := decodeQueryRequest(strings.NewReader(string(body)))
		if ae != nil {
			if ae.status < 400 || ae.status > 499 || len(ae.err.Code) != 5 || ae.err.Message == "" {
				t.Fatalf("bad rejection %d %q %q", ae.status, ae.err.Code, ae.err.Message)
			}
		} else if strings.TrimSpace(req.SQL) == "" {
			t.Fatalf("accepted a request without SQL: %q", body)
		}

		status, resp := do(t, s.Handler(), "POST", "/query", string(body))
		var m map[string]any
		if err := json.Unmarshal([]byte(resp), &m); err != nil {
			t.Fatalf("response %q is not a JSON object: %v", resp, err)
		}
		switch {
		case status == 200:
			if m["status"] != "ok" {
				t.Fatalf("200 without status ok: %s", resp)
			}
		case status >= 400 && status <= 499:
			if _, ok := m["error"].(string); !ok {
				t.Fatalf("error answer without error: %s", resp)
			}
			if c, _ := m["code"].(string); len(c) != 5 {
				t.Fatalf("error answer without SQLSTATE: %s", resp)
			}
		default:
			t.Fatalf("status %d for body %q: %s", status, body, resp)
		}
	})
}

// FuzzOffsetsRequest: the reflection-free parser of offset commits accepts
// only what encoding/json accepts, with the same result.
func FuzzOffsetsRequest(f *testing.F) {
	for _, s := range []string{
		`{"partition_offsets":{"1":1}}`, `{"partition_offsets": {"0": 0, "1023": 18446744073709551615}}`,
		`{"partition_offsets":{}}`, ` { "partition_offsets" : { "5" : 42 , "5" : 43 } } `,
		`{"partition_offsets":{"01":1}}`, `{"partition_offsets":{"1 ":1}}`, `{"partition_offsets":{"1024":1}}`,
		`{"partition_offsets":{"1":-1}}`, `{"partition_offsets":{"1":1.5}}`, `{"partition_offsets":{"1":1}}x`,
		`{"partition_offsets":{"1":18446744073709551616}}`, `{"partition_offsets":{"1":1},"x":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := parseOffsetsFast(b)
		if !ok {
			return
		}
		slow, ae := decodeOffsetsJSON(b)
		if ae != nil {
			t.Fatalf("fast parser accepted %q, encoding/json refuses it: %v", b, ae.err)
		}
		if len(fast) != len(slow) {
			t.Fatalf("%q: fast %v, encoding/json %v", b, fast, slow)
		}
		for p, l := range slow {
			if fast[p] != l {
				t.Fatalf("%q: fast %v, encoding/json %v", b, fast, slow)
			}
		}
	})
}
