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

// TestLivePayloadJSON: the hand-written LIVE SELECT payload is valid JSON
// with the row's columns in the select list's order.
func TestLivePayloadJSON(t *testing.T) {
	row := []liveField{{"name", "x \"y\" <z>"}, {"id", int64(7)}, {"at", types.ToJSON(time.Unix(1700000000, 0).UTC())}, {"b", types.ToJSON([]byte{1})}, {"n", nil}}
	for _, tc := range []struct {
		p    livePayload
		want string
	}{
		{livePayload{SubscriptionID: "s1", Op: "INSERT", RowID: "7", LSN: 42, Row: row},
			`{"subscription_id":"s1","op":"INSERT","row_id":"7","lsn":42,"row":{"name":"x \"y\" <z>","id":7,"at":"2023-11-14T22:13:20Z","b":"\\x01","n":null}}`},
		{livePayload{SubscriptionID: "s1", Op: "UPDATE", Transition: "left", RowID: "7", LSN: 43, Row: []liveField{}},
			`{"subscription_id":"s1","op":"UPDATE","transition":"left","row_id":"7","lsn":43,"row":{}}`},
		{livePayload{SubscriptionID: "s1", Op: "DELETE", RowID: "7", LSN: 44},
			`{"subscription_id":"s1","op":"DELETE","row_id":"7","lsn":44,"row":null}`},
	} {
		got := string(tc.p.AppendJSON(nil))
		if got != tc.want {
			t.Errorf("\n got  %s\n want %s", got, tc.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("not valid JSON: %s", got)
		}
	}
}
