package types

import (
	"encoding/json"
	"time"
)

// JSONText is a json value kept as its text, as PostgreSQL keeps json:
// the functions that build json (to_json, row_to_json, json_build_object,
// json_agg, ...) and the cast of text to json produce it, so key order,
// repeated keys and spacing come out as PostgreSQL gives them. Code that
// needs the structure parses it (Plain, ParseJSON); storage keeps json
// columns as documents, so a stored json value loses its text form.
type JSONText string

// Doc parses the text into a document value. The text was valid JSON when
// the value was made; should it not parse, it is returned as a string.
func (j JSONText) Doc() Value {
	v, err := ParseJSON(string(j))
	if err != nil {
		return string(j)
	}
	return v
}

// NewJSONText validates s as JSON and keeps it as it is, for text cast
// to json.
func NewJSONText(s string) (Value, error) {
	if _, err := ParseJSON(s); err != nil {
		return nil, err
	}
	return JSONText(s), nil
}

// AppendJSONArg appends v, of static type t, as PostgreSQL renders a
// value inside the json it builds (datum_to_json): json text as it is, a
// row value as row_to_json gives it, a jsonb object in jsonb's text form,
// dates and timestamps as to_json gives them, other documents compact.
// A jsonb array renders compact too: SQL arrays are jsonb arrays here,
// and PostgreSQL renders those compact.
func AppendJSONArg(dst []byte, v Value, t T) []byte {
	switch x := v.(type) {
	case JSONText:
		return append(dst, x...)
	case *Composite:
		return AppendCompositeJSON(dst, x, false)
	case time.Time:
		return AppendJSON(dst, JSONTyped(x, t))
	case map[string]any:
		if t == JSONB {
			return AppendJSONB(dst, x)
		}
	}
	return AppendJSON(dst, v)
}

// jsonTextValue is ToJSON of a JSONText: encoding/json copies it as it
// is.
func jsonTextValue(j JSONText) any { return json.RawMessage(j) }
