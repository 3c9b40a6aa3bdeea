package types

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/errs"
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

// JSONElements returns the elements of a JSON array text as they are
// written (json_array_elements gives them so); ok is false when the text
// is not an array (kind then says what it is: "object" or "scalar").
func JSONElements(text string) (elems []string, kind string, err error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, "", errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type json: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		if ok && d == '{' {
			return nil, "object", nil
		}
		return nil, "scalar", nil
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, "", errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type json: %v", err)
		}
		elems = append(elems, string(raw))
	}
	return elems, "array", nil
}

// JSONFields returns the keys and value texts of a JSON object text in
// the order written, repeated keys included (json_each gives them so);
// kind says what the text is when it is not an object ("array",
// "scalar").
func JSONFields(text string) (keys, vals []string, kind string, err error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, "", errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type json: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if ok && d == '[' {
			return nil, nil, "array", nil
		}
		return nil, nil, "scalar", nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, nil, "", errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type json: %v", err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, "", errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type json: %v", err)
		}
		keys = append(keys, k.(string))
		vals = append(vals, string(raw))
	}
	return keys, vals, "object", nil
}

// JSONBKeys returns an object's keys in jsonb's order: shorter first,
// then bytewise.
func JSONBKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return keys
}
