package types

import (
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"
)

func testRow() *Composite {
	return &Composite{
		Names: []string{"id", "name", "born", "tags", "doc", "note"},
		Types: []T{Int4, Text, Date, JSONB, JSONB, Text},
		Vals: []Value{int64(7), `a "b", c\d`, time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC),
			[]any{"x", "y"}, map[string]any{"bb": int64(1), "a": int64(2)}, nil},
	}
}

func TestRecordText(t *testing.T) {
	for _, tc := range []struct {
		c    *Composite
		want string
	}{
		{testRow(), `(7,"a ""b"", c\\d",2026-02-03,"[""x"", ""y""]","{""a"": 2, ""bb"": 1}",)`},
		{&Composite{Names: []string{"a", "b"}, Types: []T{Text, Text}, Vals: []Value{"", "(x)"}}, `("","(x)")`},
		{&Composite{Names: []string{"a"}, Types: []T{Int8}, Vals: []Value{nil}}, `()`},
		{&Composite{}, `()`},
	} {
		if got := string(EncodeText(tc.c, Record)); got != tc.want {
			t.Errorf("record text: got %s, want %s", got, tc.want)
		}
		if got := FormatText(tc.c); got != tc.want {
			t.Errorf("FormatText: got %s, want %s", got, tc.want)
		}
	}
}

func TestCompositeJSON(t *testing.T) {
	c := testRow()
	want := `{"id":7,"name":"a \"b\", c\\d","born":"2026-02-03","tags":["x","y"],"doc":{"a": 2, "bb": 1},"note":null}`
	if got := string(AppendCompositeJSON(nil, c, false)); got != want {
		t.Errorf("compact:\n got %s\nwant %s", got, want)
	}
	pretty := "{\"id\":7,\n \"name\":\"a \\\"b\\\", c\\\\d\",\n \"born\":\"2026-02-03\",\n \"tags\":[\"x\",\"y\"],\n \"doc\":{\"a\": 2, \"bb\": 1},\n \"note\":null}"
	if got := string(AppendCompositeJSON(nil, c, true)); got != pretty {
		t.Errorf("pretty:\n got %s\nwant %s", got, pretty)
	}
	// As json (static type json) the fields stay in order; as jsonb they
	// take jsonb's key order and spacing.
	if got := string(EncodeText(c, JSON)); got != want {
		t.Errorf("json column: got %s", got)
	}
	if got, want := string(EncodeText(c, JSONB)), `{"id": 7, "doc": {"a": 2, "bb": 1}, "born": "2026-02-03", "name": "a \"b\", c\\d", "note": null, "tags": ["x", "y"]}`; got != want {
		t.Errorf("jsonb column:\n got %s\nwant %s", got, want)
	}
	// encoding/json (HTTP rows) keeps the order too (and compacts).
	b, err := json.Marshal([]any{ToJSON(c)})
	if err != nil || string(b) != `[{"id":7,"name":"a \"b\", c\\d","born":"2026-02-03","tags":["x","y"],"doc":{"a":2,"bb":1},"note":null}]` {
		t.Errorf("encoding/json: %s, %v", b, err)
	}
}

func TestRecordBinary(t *testing.T) {
	c := &Composite{Names: []string{"a", "b"}, Types: []T{Int4, Text}, Vals: []Value{int64(5), nil}}
	b, err := EncodeBinary(c, Record)
	if err != nil {
		t.Fatal(err)
	}
	want := binary.BigEndian.AppendUint32(nil, 2)
	want = binary.BigEndian.AppendUint32(want, OIDInt4)
	want = binary.BigEndian.AppendUint32(want, 4)
	want = binary.BigEndian.AppendUint32(want, 5)
	want = binary.BigEndian.AppendUint32(want, OIDText)
	want = binary.BigEndian.AppendUint32(want, 0xFFFFFFFF)
	if string(b) != string(want) {
		t.Errorf("got %x, want %x", b, want)
	}
}

func TestPlainReplacesCompositesOnly(t *testing.T) {
	inner := &Composite{Names: []string{"x"}, Types: []T{Int8}, Vals: []Value{int64(1)}}
	doc := map[string]any{"r": inner, "l": []any{inner, "s"}, "k": int64(2)}
	got := Plain(doc).(map[string]any)
	if _, ok := got["r"].(map[string]any); !ok {
		t.Errorf("nested composite not replaced: %#v", got["r"])
	}
	if _, ok := got["l"].([]any)[0].(map[string]any); !ok {
		t.Errorf("composite in array not replaced: %#v", got["l"])
	}
	if _, ok := doc["r"].(*Composite); !ok {
		t.Error("Plain changed its argument")
	}
	plain := map[string]any{"a": []any{int64(1)}}
	if p := Plain(plain).(map[string]any); len(p) != 1 || len(p["a"].([]any)) != 1 {
		t.Error("plain document changed")
	}
	if v := Plain(JSONText(`{"b":1,"a":2}`)); v.(map[string]any)["b"] != int64(1) {
		t.Errorf("json text not parsed: %#v", v)
	}
}

func TestJSONTextKeepsItsText(t *testing.T) {
	v, err := Cast(`{"b":1,  "a":[1,2], "b":3}`, JSON)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(EncodeText(v, JSON)); got != `{"b":1,  "a":[1,2], "b":3}` {
		t.Errorf("json: %s", got)
	}
	if got := string(EncodeText(v, JSONB)); got != `{"a": [1, 2], "b": 3}` {
		t.Errorf("as jsonb: %s", got)
	}
	if _, err := Cast(`{"b":`, JSON); err == nil {
		t.Error("invalid json accepted")
	}
	// A json column stores the document, not the text.
	stored, err := Coerce(`{"b":1}`, JSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stored.(map[string]any); !ok {
		t.Errorf("json column value is %T", stored)
	}
	if s, err := Cast(v, Text); err != nil || s != `{"b":1,  "a":[1,2], "b":3}` {
		t.Errorf("json::text = %v, %v", s, err)
	}
}
