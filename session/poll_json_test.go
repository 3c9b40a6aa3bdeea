package session

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/types"
)

// TestStreamEventJSON: the hand-written MarshalJSON renders what
// encoding/json renders for the event with converted values.
func TestStreamEventJSON(t *testing.T) {
	old := map[string]any{"id": int64(1), "name": "a<b>", "tags": []any{"x", 2.5}, "at": time.Unix(1700000000, 5).UTC()}
	new := map[string]any{"id": int64(1), "name": "a \"quoted\"", "tags": []any{"x", 2.5, nil}, "blob": []byte{1, 2}}
	for _, e := range []event.Event{
		{LSN: 7, Partition: 3, Collection: "c", Op: "UPDATE", RowID: "1", TimeMs: 1700000000000, New: new, Old: old},
		{LSN: 8, Partition: 1023, Collection: "c", Op: "INSERT", RowID: "2", New: new},
		{LSN: 9, Collection: "c", Op: "DELETE", RowID: "3", Old: old},
	} {
		se := toStreamEvent(e)
		got, err := json.Marshal(se)
		if err != nil {
			t.Fatal(err)
		}
		type plain StreamEvent // no MarshalJSON
		p := plain(se)
		p.NewValue, p.OldValue = types.ToJSON(e.New), types.ToJSON(e.Old)
		if e.New == nil {
			p.NewValue = nil
		}
		if e.Old == nil {
			p.OldValue = nil
		}
		for i := range p.FieldDiffs {
			p.FieldDiffs[i].OldValue = types.ToJSON(p.FieldDiffs[i].OldValue)
			p.FieldDiffs[i].NewValue = types.ToJSON(p.FieldDiffs[i].NewValue)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("invalid JSON %s: %v", got, err)
		}
		_ = json.Unmarshal(buf.Bytes(), &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("event %d:\n got  %s\n want %s", e.LSN, got, buf.Bytes())
		}
	}
}

// TestPollResultJSON: PollResult.AppendJSON is valid JSON with what
// encoding/json renders (partitions in numeric rather than string order).
func TestPollResultJSON(t *testing.T) {
	r := &PollResult{Events: []StreamEvent{toStreamEvent(event.Event{LSN: 3, Collection: "c", Op: "INSERT", RowID: "k",
		New: map[string]any{"k": "v"}})}, PartitionOffsets: map[int]uint64{10: 3, 2: 1}, Count: 1, OldestAvailableLSN: 1}
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	got := r.AppendJSON(nil)
	if !json.Valid(got) || !strings.Contains(string(got), `"partition_offsets":{"2":1,"10":3}`) {
		t.Fatalf("\n got  %s", got)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("\n got  %s\n want %s", got, want)
	}
	empty := &PollResult{PartitionOffsets: map[int]uint64{}}
	if got := string(empty.AppendJSON(nil)); got != `{"events":[],"partition_offsets":{},"count":0,"evicted_since_last_poll":0,"oldest_available_lsn":0}` {
		t.Fatal(got)
	}
}

// TestLivePayloadJSON: the hand-written LIVE SELECT payload is what
// encoding/json renders for it with converted row values.
func TestLivePayloadJSON(t *testing.T) {
	row := map[string]any{"id": int64(7), "name": "x \"y\" <z>", "at": time.Unix(1700000000, 0).UTC(), "b": []byte{1}, "n": nil}
	for _, p := range []livePayload{
		{SubscriptionID: "s1", Op: "INSERT", RowID: "7", LSN: 42, Row: row},
		{SubscriptionID: "s1", Op: "UPDATE", Transition: "left", RowID: "7", LSN: 43, Row: map[string]any{}},
	} {
		conv := map[string]any{}
		for k, v := range p.Row {
			conv[k] = types.ToJSON(v)
		}
		q := p
		q.Row = conv
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(q); err != nil {
			t.Fatal(err)
		}
		if got, want := string(p.AppendJSON(nil)), strings.TrimSpace(buf.String()); got != want {
			t.Errorf("\n got  %s\n want %s", got, want)
		}
	}
}
