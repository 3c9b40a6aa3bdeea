package funcs

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// asDoc returns v as a document. Text that looks like a JSON object or
// array (change-stream values, JSON text columns) is parsed.
func asDoc(v types.Value) types.Value {
	switch x := v.(type) {
	case types.JSONText:
		return x.Doc()
	case *types.Composite:
		return x.Map()
	}
	if s, ok := v.(string); ok {
		t := strings.TrimSpace(s)
		if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			if d, err := types.ParseJSON(t); err == nil {
				return d
			}
		}
	}
	return v
}

// jsonText renders a value as JSON text (strings quoted).
func jsonText(v types.Value) string {
	if iv, ok := v.(Interval); ok {
		v = iv.String()
	}
	b, err := json.Marshal(types.ToJSON(v))
	if err != nil {
		return types.FormatText(v)
	}
	return string(b)
}

// jsonScalarText renders a document element the way ->> does: strings
// bare, NULL as SQL NULL, everything else as JSON text.
func jsonScalarText(v types.Value) types.Value {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	}
	return jsonText(v)
}

// jsonGet is the -> operator: object field by key, array element by index
// (0-based, negative from the end).
func jsonGet(l, r types.Value) types.Value {
	switch d := asDoc(l).(type) {
	case map[string]any:
		if k, ok := r.(string); ok {
			return d[k]
		}
	case []any:
		var i int64
		switch k := r.(type) {
		case int64:
			i = k
		case string:
			n, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				return nil
			}
			i = n
		default:
			return nil
		}
		if i < 0 {
			i += int64(len(d))
		}
		if i < 0 || i >= int64(len(d)) {
			return nil
		}
		return d[i]
	}
	return nil
}

// JSONContains reports whether a contains b with jsonb @> semantics:
// objects contain objects whose every key maps to a contained value,
// arrays contain arrays whose every element is contained in some element,
// an array contains a scalar it holds, and scalars contain equal scalars.
func JSONContains(a, b types.Value) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, bv := range y {
			av, ok := x[k]
			if !ok || !JSONContains(av, bv) {
				return false
			}
		}
		return true
	case []any:
		switch y := b.(type) {
		case []any:
			for _, bv := range y {
				if !arrayHas(x, bv) {
					return false
				}
			}
			return true
		case map[string]any:
			return false
		default:
			return arrayHas(x, y)
		}
	}
	if _, ok := b.(map[string]any); ok {
		return false
	}
	if _, ok := b.([]any); ok {
		return false
	}
	return types.Equal(a, b) && types.TypeOf(a) == types.TypeOf(b) || numEqual(a, b)
}

func numEqual(a, b types.Value) bool {
	return kindOf(a) != kNone && kindOf(b) != kNone && types.Compare(a, b) == 0
}

func arrayHas(arr []any, v types.Value) bool {
	for _, e := range arr {
		_, eo := e.(map[string]any)
		_, ea := e.([]any)
		_, vo := v.(map[string]any)
		_, va := v.([]any)
		if eo != vo || ea != va {
			continue
		}
		if JSONContains(e, v) {
			return true
		}
	}
	return false
}

// jsonHasKey is the ? operator.
func jsonHasKey(l types.Value, key string) bool {
	switch d := asDoc(l).(type) {
	case map[string]any:
		_, ok := d[key]
		return ok
	case []any:
		for _, e := range d {
			if s, ok := e.(string); ok && s == key {
				return true
			}
		}
	case string:
		return d == key
	}
	return false
}

// jsonConcat is || on documents: objects merge (right wins), arrays
// concatenate, and a scalar joins an array as an element.
func jsonConcat(l, r types.Value) types.Value {
	lm, lok := l.(map[string]any)
	rm, rok := r.(map[string]any)
	if lok && rok {
		out := make(map[string]any, len(lm)+len(rm))
		for k, v := range lm {
			out[k] = v
		}
		for k, v := range rm {
			out[k] = v
		}
		return out
	}
	la := asArray(l)
	ra := asArray(r)
	out := make([]any, 0, len(la)+len(ra))
	return append(append(out, la...), ra...)
}

func asArray(v types.Value) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// DocGet evaluates a JSONPath subset against a document: "$", ".key",
// "['key']" / "[\"key\"]", "[i]" (0-based; negative counts from the end),
// and "[*]" / ".*" (collects into an array). The leading "$" is optional.
// A missing step gives NULL.
func DocGet(doc types.Value, path string) (types.Value, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	return walkPath(asDoc(doc), steps), nil
}

type pathStep struct {
	key   string
	index int64
	isIdx bool
	wild  bool
}

func parsePath(p string) ([]pathStep, error) {
	bad := func() ([]pathStep, error) {
		return nil, errs.Errorf(errs.InvalidParameterValue, "invalid JSON path: %q", p)
	}
	s := strings.TrimSpace(p)
	if strings.HasPrefix(s, "$") {
		s = s[1:]
	} else if s != "" && s[0] != '.' && s[0] != '[' {
		s = "." + s
	}
	var steps []pathStep
	for len(s) > 0 {
		switch s[0] {
		case '.':
			s = s[1:]
			if strings.HasPrefix(s, "*") {
				steps = append(steps, pathStep{wild: true})
				s = s[1:]
				continue
			}
			if strings.HasPrefix(s, `"`) {
				end := strings.Index(s[1:], `"`)
				if end < 0 {
					return bad()
				}
				steps = append(steps, pathStep{key: s[1 : end+1]})
				s = s[end+2:]
				continue
			}
			i := strings.IndexAny(s, ".[")
			if i < 0 {
				i = len(s)
			}
			if i == 0 {
				return bad()
			}
			steps = append(steps, pathStep{key: s[:i]})
			s = s[i:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return bad()
			}
			in := strings.TrimSpace(s[1:end])
			if q := in; len(q) >= 2 && (q[0] == '\'' || q[0] == '"') && q[len(q)-1] == q[0] {
				// A quoted key may itself contain ']': find the closing quote first.
				steps = append(steps, pathStep{key: q[1 : len(q)-1]})
			} else if len(in) > 0 && (in[0] == '\'' || in[0] == '"') {
				qe := strings.IndexByte(s[2:], s[1])
				if qe < 0 {
					return bad()
				}
				key := s[2 : 2+qe]
				rest := strings.TrimSpace(s[2+qe+1:])
				if !strings.HasPrefix(rest, "]") {
					return bad()
				}
				steps = append(steps, pathStep{key: key})
				s = rest[1:]
				continue
			} else if in == "*" {
				steps = append(steps, pathStep{wild: true})
			} else {
				n, err := strconv.ParseInt(in, 10, 64)
				if err != nil {
					if strings.HasPrefix(in, "last") {
						off := int64(0)
						if r := strings.TrimSpace(in[4:]); r != "" {
							r = strings.ReplaceAll(r, " ", "")
							if o, err := strconv.ParseInt(r, 10, 64); err == nil && o <= 0 {
								off = o
							} else {
								return bad()
							}
						}
						steps = append(steps, pathStep{index: -1 + off, isIdx: true})
						s = s[end+1:]
						continue
					}
					return bad()
				}
				steps = append(steps, pathStep{index: n, isIdx: true})
			}
			s = s[end+1:]
		default:
			return bad()
		}
	}
	return steps, nil
}

func walkPath(v types.Value, steps []pathStep) types.Value {
	for i, st := range steps {
		switch {
		case st.wild:
			var elems []any
			switch d := v.(type) {
			case []any:
				elems = d
			case map[string]any:
				for _, k := range types.SortedKeys(d) {
					elems = append(elems, d[k])
				}
			default:
				return nil
			}
			out := make([]any, 0, len(elems))
			for _, e := range elems {
				if r := walkPath(e, steps[i+1:]); r != nil {
					out = append(out, r)
				}
			}
			return out
		case st.isIdx:
			a, ok := v.([]any)
			if !ok {
				return nil
			}
			idx := st.index
			if idx < 0 {
				idx += int64(len(a))
			}
			if idx < 0 || idx >= int64(len(a)) {
				return nil
			}
			v = a[idx]
		default:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[st.key]
		}
	}
	return v
}

// toJSONValue converts a SQL value into a document value: times, bytes,
// intervals and non-finite floats become strings, numbers stay numbers.
func toJSONValue(v types.Value) types.Value {
	switch x := v.(type) {
	case Interval:
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toJSONValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSONValue(e)
		}
		return out
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return types.FormatFloat(x)
		}
		return x
	case *apd.Decimal, int64, bool, string, nil, *types.Composite, types.JSONText:
		return x
	}
	return types.ToJSON(v)
}

// jsonTypeof is json_typeof.
func jsonTypeof(v types.Value) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, float64, *apd.Decimal:
		return "number"
	}
	return "string"
}
