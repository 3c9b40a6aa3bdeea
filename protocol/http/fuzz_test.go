package http

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"
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

// FuzzWebSocketMessage: any incoming WebSocket message, text or binary,
// gets a reply that encodes as JSON and is either {"id", "result"} or
// {"id", "error": {"code", "message"}} with a SQLSTATE; nothing panics.
func FuzzWebSocketMessage(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"method":"ping"}`,
		`{"id":"x","method":"query","params":{"sql":"SELECT $1","params":[1,"a",null,{"k":[true]}]}}`,
		`{"id":2,"method":"live","params":{"sql":"live SELECT * FROM t","since_lsn":5}}`,
		`{"id":3,"method":"live","params":{"sql":"SELECT 1","since_lsn":-1}}`,
		`{"id":4,"method":"cancel","params":{"subscription_id":"x'y"}}`,
		`{"id":5,"method":"query","params":"not an object"}`,
		`{"id":{"a":[1,2]},"method":"nope"}`, `{"method":"live"}`, `{"id":1e400}`,
		`[]`, `{`, `null`, `""`, "\xff\xfe", `{"id":1,"method":"query","params":{"sql":""}}`,
	} {
		f.Add([]byte(seed), false)
	}
	f.Add([]byte(`{"id":1,"method":"ping"}`), true)
	h := &handler{backend: &fakeBackend{noRecord: true}, cfg: Config{Logger: quietLogger, MaxBodyBytes: 1 << 16},
		log: quietLogger, stop: make(chan struct{})}
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		sess := h.backend.NewSession("admin")
		defer sess.Close()
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		resp := h.wsAnswer(context.Background(), sess, typ, data)
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("reply to %q does not encode: %v", data, err)
		}
		if _, ok := resp["id"]; !ok {
			t.Fatalf("reply without id: %v", resp)
		}
		e, failed := resp["error"].(map[string]any)
		switch {
		case failed:
			if c, _ := e["code"].(string); len(c) != 5 || e["message"] == "" {
				t.Fatalf("error without SQLSTATE or message: %v", resp)
			}
			if binary && e["code"] != "08P01" {
				t.Fatalf("binary message answered %v", resp)
			}
		case binary:
			t.Fatalf("binary message accepted: %v", resp)
		default:
			if _, ok := resp["result"]; !ok {
				t.Fatalf("reply with neither result nor error: %v", resp)
			}
		}
	})
}
