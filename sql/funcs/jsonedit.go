package funcs

import (
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// The jsonb editing operators and functions: - (delete a key, a string
// element, an index or several keys), #- (delete at a path), #> and #>>
// (the value at a path), ?| and ?& (any or all keys present), jsonb_set,
// jsonb_insert and json[b]_strip_nulls. Documents are never changed in
// place (they may be shared): each edit copies the containers on its path.

// textPath reads a path argument: a text[] value or PostgreSQL array
// text ('{a,0,b}').
func textPath(v types.Value) ([]string, error) {
	var elems []any
	switch x := v.(type) {
	case []any:
		elems = x
	case string:
		a, err := types.ParseArrayText(x)
		if err != nil {
			return nil, err
		}
		elems = a
	case types.JSONText:
		d, ok := x.Doc().([]any)
		if !ok {
			return nil, errs.Errorf(errs.InvalidTextRep, "malformed array literal: %q", string(x))
		}
		elems = d
	default:
		return nil, errs.Errorf(errs.DatatypeMismatch, "path must be a text array, not %s", types.TypeOf(v))
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if e == nil {
			return nil, errs.Errorf(codeNullNotAllowed, "path element at position %d is null", i+1)
		}
		out[i] = str(e)
	}
	return out, nil
}

// arrayIndex resolves a path step on an array of n elements: negative
// counts from the end. ok is false when the step is not an integer.
func arrayIndex(step string, n int) (int, bool) {
	i, err := strconv.Atoi(strings.TrimSpace(step))
	if err != nil {
		return 0, false
	}
	if i < 0 {
		i += n
	}
	return i, true
}

// jsonPathGet is #>: the value at path, or NULL when there is none.
func jsonPathGet(doc types.Value, path []string) (types.Value, bool) {
	v := asDoc(doc)
	for _, step := range path {
		switch x := asDoc(v).(type) {
		case map[string]any:
			e, ok := x[step]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, ok := arrayIndex(step, len(x))
			if !ok || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonDelete is jsonb - key (a string removes that key, or the string
// elements equal to it from an array), - index and - text[].
func jsonDelete(l, r types.Value) (types.Value, error) {
	doc := asDoc(l)
	switch k := r.(type) {
	case int64:
		switch x := doc.(type) {
		case []any:
			i := int(k)
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				return x, nil
			}
			out := append(append(make([]any, 0, len(x)-1), x[:i]...), x[i+1:]...)
			return out, nil
		case map[string]any:
			return nil, errs.New(errs.InvalidParameterValue, "cannot delete from object using integer index")
		}
		return nil, errs.New(errs.InvalidParameterValue, "cannot delete from scalar")
	case []any:
		out := doc
		for _, e := range k {
			if e == nil {
				continue
			}
			var err error
			if out, err = jsonDelete(out, str(e)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	key := str(r)
	switch x := doc.(type) {
	case map[string]any:
		if _, ok := x[key]; !ok {
			return x, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k != key {
				out[k] = e
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok && s == key {
				continue
			}
			out = append(out, e)
		}
		return out, nil
	}
	return nil, errs.New(errs.InvalidParameterValue, "cannot delete from scalar")
}

// jsonHasKeys is ?| (any) and ?& (all): top-level keys, or string
// elements of an array.
func jsonHasKeys(l, r types.Value, all bool) (bool, error) {
	keys, err := textPath(r)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		has := jsonHasKey(l, k)
		if has && !all {
			return true, nil
		}
		if !has && all {
			return false, nil
		}
	}
	return all, nil
}

// jsonEdit replaces, inserts or deletes the value at path (jsonb_set,
// jsonb_insert, #-): at the last step edit is called with the container
// and the step; steps that lead nowhere leave the document as it is.
func jsonEdit(doc types.Value, path []string, depth int, edit func(c types.Value, step string, pos int) (types.Value, error)) (types.Value, error) {
	if len(path) == 0 {
		return doc, nil
	}
	if depth == len(path)-1 {
		return edit(doc, path[depth], depth+1)
	}
	switch x := doc.(type) {
	case map[string]any:
		e, ok := x[path[depth]]
		if !ok {
			return x, nil
		}
		ne, err := jsonEdit(asDoc(e), path, depth+1, edit)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = v
		}
		out[path[depth]] = ne
		return out, nil
	case []any:
		i, ok := arrayIndex(path[depth], len(x))
		if !ok {
			return nil, notInteger(path[depth], depth+1)
		}
		if i < 0 || i >= len(x) {
			return x, nil
		}
		ne, err := jsonEdit(asDoc(x[i]), path, depth+1, edit)
		if err != nil {
			return nil, err
		}
		out := append([]any(nil), x...)
		out[i] = ne
		return out, nil
	}
	return doc, nil
}

func notInteger(step string, pos int) error {
	return errs.Errorf(errs.InvalidTextRep, "path element at position %d is not an integer: %q", pos, step)
}

// jsonSet is jsonb_set(target, path, value, create_missing).
func jsonSet(target types.Value, path []string, val types.Value, create bool) (types.Value, error) {
	return jsonEdit(asDoc(target), path, 0, func(c types.Value, step string, pos int) (types.Value, error) {
		switch x := c.(type) {
		case map[string]any:
			if _, ok := x[step]; !ok && !create {
				return x, nil
			}
			return withKey(x, step, val), nil
		case []any:
			i, ok := arrayIndex(step, len(x))
			if !ok {
				return nil, notInteger(step, pos)
			}
			switch {
			case i >= 0 && i < len(x):
				out := append([]any(nil), x...)
				out[i] = val
				return out, nil
			case !create:
				return x, nil
			case i < 0:
				return append([]any{val}, x...), nil
			}
			return append(append([]any(nil), x...), val), nil
		}
		return c, nil
	})
}

// jsonInsert is jsonb_insert(target, path, value, insert_after).
func jsonInsert(target types.Value, path []string, val types.Value, after bool) (types.Value, error) {
	return jsonEdit(asDoc(target), path, 0, func(c types.Value, step string, pos int) (types.Value, error) {
		switch x := c.(type) {
		case map[string]any:
			if _, ok := x[step]; ok {
				return nil, errs.New(errs.InvalidParameterValue, "cannot replace existing key").
					WithHint("Try using the function jsonb_set to replace key value.")
			}
			return withKey(x, step, val), nil
		case []any:
			i, ok := arrayIndex(step, len(x))
			if !ok {
				return nil, notInteger(step, pos)
			}
			if after {
				i++
			}
			i = max(0, min(i, len(x)))
			out := make([]any, 0, len(x)+1)
			out = append(append(append(out, x[:i]...), val), x[i:]...)
			return out, nil
		}
		return c, nil
	})
}

// jsonDeletePath is #-.
func jsonDeletePath(target types.Value, path []string) (types.Value, error) {
	doc := asDoc(target)
	switch doc.(type) {
	case map[string]any, []any:
	default:
		return nil, errs.New(errs.InvalidParameterValue, "cannot delete path in scalar")
	}
	return jsonEdit(doc, path, 0, func(c types.Value, step string, pos int) (types.Value, error) {
		switch x := c.(type) {
		case map[string]any:
			return jsonDelete(x, step)
		case []any:
			i, ok := arrayIndex(step, len(x))
			if !ok {
				return nil, notInteger(step, pos)
			}
			if i < 0 || i >= len(x) {
				return x, nil
			}
			return jsonDelete(x, int64(i))
		}
		return c, nil
	})
}

// stripNulls is json[b]_strip_nulls: object fields whose value is null
// are removed at every depth (array elements stay).
func stripNulls(v types.Value) types.Value {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = stripNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripNulls(e)
		}
		return out
	}
	return v
}

// jsonbPretty renders v as jsonb_pretty does: four spaces per level, one
// element or field per line, empty containers as {} and [].
func jsonbPretty(v types.Value) string {
	var b strings.Builder
	var write func(v types.Value, indent string)
	write = func(v types.Value, indent string) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 {
				b.WriteString("{\n" + indent + "}")
				return
			}
			b.WriteString("{\n")
			for i, k := range types.JSONBKeys(x) {
				if i > 0 {
					b.WriteString(",\n")
				}
				b.WriteString(indent + "    ")
				b.Write(types.AppendJSONString(nil, k))
				b.WriteString(": ")
				write(x[k], indent+"    ")
			}
			b.WriteString("\n" + indent + "}")
		case []any:
			if len(x) == 0 {
				b.WriteString("[\n" + indent + "]")
				return
			}
			b.WriteString("[\n")
			for i, e := range x {
				if i > 0 {
					b.WriteString(",\n")
				}
				b.WriteString(indent + "    ")
				write(e, indent+"    ")
			}
			b.WriteString("\n" + indent + "]")
		default:
			b.Write(types.AppendJSONB(nil, x))
		}
	}
	write(asDoc(v), "")
	return b.String()
}

// jsonbArg is an argument taken as jsonb: a text value (a literal) is
// parsed; json, jsonb and documents are used as they are.
func jsonbArg(v types.Value, t types.T) (types.Value, error) {
	if s, ok := v.(string); ok && (t.IsString() || t == types.Unknown) {
		return types.ParseJSON(s)
	}
	return types.Plain(v), nil
}

// isJSONValue reports whether v is a document container or json text,
// the left side of a jsonb - key.
func isJSONValue(v types.Value) bool {
	switch v.(type) {
	case map[string]any, []any, types.JSONText:
		return true
	}
	return false
}

// withKey is a copy of m with k set to v.
func withKey(m map[string]any, k string, v types.Value) map[string]any {
	out := make(map[string]any, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}
