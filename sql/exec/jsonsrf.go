package exec

import (
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// jsonTableFunc evaluates the JSON set-returning functions
// (json[b]_array_elements[_text], json[b]_each[_text],
// json[b]_object_keys) on one argument. The json forms read json text in
// the order written and return values as written; the jsonb forms read
// the document (keys in jsonb's order) and return documents.
func jsonTableFunc(name string, arg types.Value) ([]types.Row, error) {
	if arg == nil {
		return nil, nil
	}
	isB := strings.HasPrefix(name, "jsonb")
	asText := strings.HasSuffix(name, "_text")
	base := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(name, "jsonb"), "json"), "_text")
	var text string
	var doc types.Value
	switch x := arg.(type) {
	case types.JSONText:
		text = string(x)
	case string:
		if _, err := types.ParseJSON(x); err != nil {
			return nil, err
		}
		text = x
	default:
		doc = types.Plain(x)
	}
	if isB || text == "" {
		if doc == nil {
			d, err := types.ParseJSON(text)
			if err != nil {
				return nil, err
			}
			doc = d
		}
		return jsonDocRows(name, base, doc, isB, asText)
	}
	switch base {
	case "_array_elements":
		elems, kind, err := types.JSONElements(text)
		if err != nil {
			return nil, err
		}
		if kind != "array" {
			return nil, errs.Errorf(errs.InvalidParameterValue, "cannot extract elements from %s", article(kind))
		}
		rows := make([]types.Row, len(elems))
		for i, e := range elems {
			rows[i] = types.Row{jsonOut(types.JSONText(e), asText)}
		}
		return rows, nil
	case "_each", "_object_keys":
		keys, vals, kind, err := types.JSONFields(text)
		if err != nil {
			return nil, err
		}
		if kind != "object" {
			return nil, nonObject(name, base, kind)
		}
		rows := make([]types.Row, len(keys))
		for i, k := range keys {
			if base == "_object_keys" {
				rows[i] = types.Row{k}
				continue
			}
			rows[i] = types.Row{k, jsonOut(types.JSONText(vals[i]), asText)}
		}
		return rows, nil
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "table function %s", name)
}

// jsonDocRows is jsonTableFunc over a document: a stored json column or
// any jsonb value.
func jsonDocRows(name, base string, doc types.Value, isB, asText bool) ([]types.Row, error) {
	render := func(v types.Value) types.Value {
		if v == nil && !asText {
			return types.JSONText("null") // JSON's null, not SQL's NULL
		}
		if isB {
			if asText {
				return jsonOut(types.JSONText(types.AppendJSONB(nil, v)), true)
			}
			return v
		}
		return jsonOut(types.JSONText(types.AppendJSON(nil, v)), asText)
	}
	switch base {
	case "_array_elements":
		arr, ok := doc.([]any)
		if !ok {
			kind := "scalar"
			if _, isObj := doc.(map[string]any); isObj {
				kind = "object"
			}
			return nil, errs.Errorf(errs.InvalidParameterValue, "cannot extract elements from %s", article(kind))
		}
		rows := make([]types.Row, len(arr))
		for i, e := range arr {
			rows[i] = types.Row{render(e)}
		}
		return rows, nil
	case "_each", "_object_keys":
		m, ok := doc.(map[string]any)
		if !ok {
			kind := "scalar"
			if _, isArr := doc.([]any); isArr {
				kind = "array"
			}
			return nil, nonObject(name, base, kind)
		}
		keys := types.JSONBKeys(m)
		if !isB {
			keys = types.SortedKeys(m) // a stored json object's order is lost; AppendJSON's
		}
		rows := make([]types.Row, len(keys))
		for i, k := range keys {
			if base == "_object_keys" {
				rows[i] = types.Row{k}
				continue
			}
			rows[i] = types.Row{k, render(m[k])}
		}
		return rows, nil
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "table function %s", name)
}

// jsonOut is a json value as a value column gives it: json text, or for
// the _text forms a string as its contents, null as NULL, anything else
// as its text.
func jsonOut(j types.JSONText, asText bool) types.Value {
	if !asText {
		return j
	}
	switch v := j.Doc().(type) {
	case nil:
		return nil
	case string:
		return v
	}
	return string(j)
}

func article(kind string) string {
	if kind == "object" || kind == "array" {
		return "an " + kind
	}
	return "a " + kind
}

// nonObject is PostgreSQL's error for json_each and json_object_keys on
// something else.
func nonObject(name, base, kind string) error {
	if base == "_object_keys" {
		return errs.Errorf(errs.InvalidParameterValue, "cannot call %s on %s", name, article(kind))
	}
	return errs.Errorf(errs.InvalidParameterValue, "cannot call %s on a non-object", name)
}
