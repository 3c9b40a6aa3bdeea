package funcs

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// JSONScalar renders a date or a timestamp without time zone as its JSON
// string (types.JSONTyped). It is not callable by name: the planner wraps
// such arguments of the JSON aggregates with it, which see values without
// their types.
var JSONScalar *Func

// Version is what version() reports; drivers parse the leading
// "PostgreSQL 15.0".
const Version = "PostgreSQL 15.0 (NodeDB-Go) on x86_64-pc-linux-gnu, compiled by Go, 64-bit"

func jsonRet(t types.T) retFn {
	return func([]types.T) (types.T, error) { return t, nil }
}

func init() {
	def("coalesce", 1, -1, "a", retFn(commonTypeFor("COALESCE")), func(_ *Context, a []types.Value) (types.Value, error) {
		for _, v := range a {
			if v != nil {
				return v, nil
			}
		}
		return nil, nil
	}, nonStrict)
	def("nullif", 2, 2, "a", retFn(func(a []types.T) (types.T, error) {
		if _, err := commonTypeFor("NULLIF")(a); err != nil {
			return types.Unknown, err
		}
		if a[0] == types.Unknown {
			return types.Text, nil
		}
		return a[0], nil
	}), func(_ *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil || a[1] == nil {
			return a[0], nil
		}
		c, err := compareValues(a[0], a[1])
		if err != nil {
			return nil, err
		}
		if c == 0 {
			return nil, nil
		}
		return a[0], nil
	}, nonStrict)
	extreme := func(name string, want int) {
		def(name, 1, -1, "a", retFn(commonTypeFor(strings.ToUpper(name))), func(_ *Context, a []types.Value) (types.Value, error) {
			var best types.Value
			for _, v := range a {
				if v == nil {
					continue
				}
				if best == nil {
					best = v
					continue
				}
				c, err := compareValues(v, best)
				if err != nil {
					return nil, err
				}
				if c == want {
					best = v
				}
			}
			return best, nil
		}, nonStrict)
	}
	extreme("greatest", 1)
	extreme("least", -1)

	def("gen_random_uuid uuid_generate_v4", 0, 0, "", types.UUID, func(*Context, []types.Value) (types.Value, error) {
		return newUUID(), nil
	}, volatile)
	def("version", 0, 0, "", types.Text, func(*Context, []types.Value) (types.Value, error) { return Version, nil })
	def("current_user session_user user current_role", 0, 0, "", types.Text, func(c *Context, _ []types.Value) (types.Value, error) {
		if c == nil {
			return "", nil
		}
		return c.User, nil
	}, volatile)
	def("current_database current_catalog", 0, 0, "", types.Text, func(c *Context, _ []types.Value) (types.Value, error) {
		if c == nil {
			return "", nil
		}
		return c.Database, nil
	}, volatile)
	def("current_schema", 0, 0, "", types.Text, func(*Context, []types.Value) (types.Value, error) { return "public", nil })
	def("current_schemas", 1, 1, "B", types.TextArray, func(_ *Context, a []types.Value) (types.Value, error) {
		if types.Truthy(a[0]) {
			return []any{"pg_catalog", "public"}, nil
		}
		return []any{"public"}, nil
	})
	def("pg_backend_pid", 0, 0, "", types.Int4, func(*Context, []types.Value) (types.Value, error) { return int64(0), nil })

	pgTypeof := &Func{Name: "pg_typeof", MinArgs: 1, MaxArgs: 1,
		Type: func(a []types.T) (types.T, error) {
			if len(a) != 1 {
				return types.Unknown, undefinedFunc("pg_typeof", a)
			}
			return types.Text, nil
		},
		Eval: func(_ *Context, a []types.Value) (types.Value, error) { return valueTypeName(a[0]), nil },
		EvalTyped: func(_ *Context, a []types.Value, ts []types.T) (types.Value, error) {
			if len(ts) == 1 && ts[0] != types.Unknown && ts[0] != types.Doc {
				return typeName(ts[0]), nil
			}
			return valueTypeName(a[0]), nil
		},
	}
	registry["pg_typeof"] = pgTypeof
	typeofFn := *pgTypeof
	typeofFn.Name = "typeof"
	registry["typeof"] = &typeofFn // the value's own type at run time
	// pg_typeof names the expression's type, as PostgreSQL does (an int4
	// column is integer, not the int64 that holds it).
	pgTypeof.StaticTypes = true

	// Documents and JSON.
	def("doc_get", 2, 2, "as", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		return DocGet(a[0], str(a[1]))
	})
	buildObject := func(_ *Context, a []types.Value) (types.Value, error) {
		if len(a)%2 != 0 {
			return nil, invalidParam("argument list must have even number of elements")
		}
		m := make(map[string]any, len(a)/2)
		for i := 0; i < len(a); i += 2 {
			if a[i] == nil {
				return nil, errs.Errorf(codeNullNotAllowed, "null value not allowed for object key")
			}
			m[keyText(a[i])] = toJSONValue(a[i+1])
		}
		return m, nil
	}
	def("json_build_object", 0, -1, "a", types.JSON, buildObject, nonStrict)
	def("jsonb_build_object", 0, -1, "a", types.JSONB, buildObject, nonStrict)
	buildArray := func(_ *Context, a []types.Value) (types.Value, error) {
		out := make([]any, len(a))
		for i, v := range a {
			out[i] = toJSONValue(v)
		}
		return out, nil
	}
	def("json_build_array", 0, -1, "a", types.JSON, buildArray, nonStrict)
	def("jsonb_build_array", 0, -1, "a", types.JSONB, buildArray, nonStrict)
	toJSON := func(_ *Context, a []types.Value) (types.Value, error) { return toJSONValue(a[0]), nil }
	def("to_json", 1, 1, "a", types.JSON, toJSON)
	def("to_jsonb", 1, 1, "a", types.JSONB, func(_ *Context, a []types.Value) (types.Value, error) {
		return types.Plain(toJSONValue(a[0])), nil
	})
	// row_to_json(record [, pretty]): the row's fields in order; a
	// composite renders so as JSON (see types.AppendCompositeJSON).
	def("row_to_json", 1, 2, "rB", types.JSON, func(_ *Context, a []types.Value) (types.Value, error) {
		c, ok := a[0].(*types.Composite)
		if !ok {
			return nil, errs.Errorf(errs.DatatypeMismatch, "row_to_json expects a row value, not %s", types.TypeOf(a[0]))
		}
		return types.JSONText(types.AppendCompositeJSON(nil, c, len(a) == 2 && a[1] == true)), nil
	})
	// A date renders as "2026-02-03" and a timestamp without time zone
	// without a zone, as in PostgreSQL; the values alone cannot tell them
	// from a timestamptz, so these take their arguments' static types.
	JSONScalar = &Func{Name: "to_json", MinArgs: 1, MaxArgs: 1, Strict: true, StaticTypes: true,
		Type: func([]types.T) (types.T, error) { return types.Text, nil },
		Eval: func(_ *Context, a []types.Value) (types.Value, error) { return types.ToJSON(a[0]), nil },
		EvalTyped: func(_ *Context, a []types.Value, ts []types.T) (types.Value, error) {
			if ts[0] == types.JSONB {
				// jsonb inside json keeps jsonb's text form.
				return types.JSONText(types.AppendJSONArg(nil, a[0], ts[0])), nil
			}
			return types.JSONTyped(a[0], ts[0]), nil
		},
	}
	for _, name := range []string{"json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "to_json", "to_jsonb"} {
		f := registry[name]
		eval := f.Eval
		f.StaticTypes = true
		f.EvalTyped = func(ctx *Context, a []types.Value, ts []types.T) (types.Value, error) {
			var conv []types.Value
			for i, v := range a {
				if _, ok := v.(time.Time); ok && i < len(ts) && (ts[i] == types.Date || ts[i] == types.Timestamp) {
					if conv == nil {
						conv = slices.Clone(a)
					}
					conv[i] = types.JSONTyped(v, ts[i])
				}
			}
			if conv == nil {
				conv = a
			}
			return eval(ctx, conv)
		}
	}
	// The json (not jsonb) builders produce json text, as PostgreSQL's
	// do: arguments in order, its spacing, each argument rendered by its
	// static type (types.AppendJSONArg).
	jsonBuilder := func(name string, build func(a []types.Value, ts []types.T) ([]byte, error)) {
		f := registry[name]
		f.EvalTyped = func(_ *Context, a []types.Value, ts []types.T) (types.Value, error) {
			b, err := build(a, ts)
			if err != nil {
				return nil, err
			}
			return types.JSONText(b), nil
		}
		f.Eval = func(ctx *Context, a []types.Value) (types.Value, error) {
			return f.EvalTyped(ctx, a, make([]types.T, len(a)))
		}
	}
	jsonBuilder("to_json", func(a []types.Value, ts []types.T) ([]byte, error) {
		return types.AppendJSONArg(nil, a[0], ts[0]), nil
	})
	jsonBuilder("json_build_array", func(a []types.Value, ts []types.T) ([]byte, error) {
		b := []byte{'['}
		for i, v := range a {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = types.AppendJSONArg(b, v, ts[i])
		}
		return append(b, ']'), nil
	})
	jsonBuilder("json_build_object", func(a []types.Value, ts []types.T) ([]byte, error) {
		if len(a)%2 != 0 {
			return nil, invalidParam("argument list must have even number of elements")
		}
		b := []byte{'{'}
		for i := 0; i < len(a); i += 2 {
			if a[i] == nil {
				return nil, errs.Errorf(codeNullNotAllowed, "null value not allowed for object key")
			}
			if i > 0 {
				b = append(b, ", "...)
			}
			b = types.AppendJSONString(b, keyText(a[i]))
			b = append(b, " : "...)
			b = types.AppendJSONArg(b, a[i+1], ts[i+1])
		}
		return append(b, '}'), nil
	})
	typeofJSON := func(_ *Context, a []types.Value) (types.Value, error) { return jsonTypeof(asDoc(a[0])), nil }
	def("json_typeof jsonb_typeof", 1, 1, "j", types.Text, typeofJSON)
	def("json_array_length jsonb_array_length", 1, 1, "j", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		arr, ok := asDoc(a[0]).([]any)
		if !ok {
			if _, isObj := asDoc(a[0]).(map[string]any); isObj {
				return nil, invalidParam("cannot get array length of a non-array")
			}
			return nil, invalidParam("cannot get array length of a scalar")
		}
		return int64(len(arr)), nil
	})
	extractPath := func(a []types.Value) types.Value {
		v := asDoc(a[0])
		for _, k := range a[1:] {
			if k == nil {
				return nil
			}
			v = jsonGet(v, str(k))
			if v == nil {
				return nil
			}
		}
		return v
	}
	def("json_extract_path jsonb_extract_path", 1, -1, "js", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		return extractPath(a), nil
	})
	def("json_extract_path_text jsonb_extract_path_text", 1, -1, "js", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		return jsonScalarText(extractPath(a)), nil
	})
	def("jsonb_pretty", 1, 1, "j", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		v, err := jsonbArg(a[0], types.Unknown)
		if err != nil {
			return nil, err
		}
		return jsonbPretty(v), nil
	})
	registry["jsonb_pretty"].StaticTypes = true
	registry["jsonb_pretty"].EvalTyped = func(_ *Context, a []types.Value, ts []types.T) (types.Value, error) {
		v, err := jsonbArg(a[0], ts[0])
		if err != nil {
			return nil, err
		}
		return jsonbPretty(v), nil
	}
	def("jsonb_strip_nulls", 1, 1, "j", types.JSONB, func(_ *Context, a []types.Value) (types.Value, error) {
		return stripNulls(types.Plain(asDoc(a[0]))), nil
	})
	def("json_strip_nulls", 1, 1, "j", types.JSON, func(_ *Context, a []types.Value) (types.Value, error) {
		return stripNulls(types.Plain(asDoc(a[0]))), nil
	})
	def("array_to_json", 1, 2, "aB", types.JSON, func(_ *Context, a []types.Value) (types.Value, error) {
		if _, ok := a[0].([]any); !ok {
			return nil, errs.Errorf(errs.DatatypeMismatch, "array_to_json expects an array, not %s", types.TypeOf(a[0]))
		}
		return types.JSONText(types.AppendJSON(nil, a[0])), nil
	})
	// jsonb_set and jsonb_insert take their new value as jsonb: text (a
	// literal) is parsed, a json or jsonb value (to_jsonb(x)) is used as
	// it is; so they need their arguments' static types.
	jsonbEdit := func(name string, edit func(target types.Value, path []string, val types.Value, flag bool) (types.Value, error), flagDefault bool) {
		def(name, 3, 4, "jajB", types.JSONB, nil)
		f := registry[name]
		f.StaticTypes = true
		f.EvalTyped = func(_ *Context, a []types.Value, ts []types.T) (types.Value, error) {
			path, err := textPath(a[1])
			if err != nil {
				return nil, err
			}
			target, err := jsonbArg(a[0], ts[0])
			if err != nil {
				return nil, err
			}
			val, err := jsonbArg(a[2], ts[2])
			if err != nil {
				return nil, err
			}
			flag := flagDefault
			if len(a) == 4 {
				flag = a[3] == true
			}
			return edit(target, path, val, flag)
		}
		f.Eval = func(ctx *Context, a []types.Value) (types.Value, error) {
			return f.EvalTyped(ctx, a, make([]types.T, len(a))) // text arguments are parsed
		}
	}
	jsonbEdit("jsonb_set", jsonSet, true)
	jsonbEdit("jsonb_insert", jsonInsert, false)

	// Arrays (document arrays, 1-based in SQL).
	def("array_length", 2, 2, "ai", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		arr, ok := asDoc(a[0]).([]any)
		if !ok {
			return nil, errs.New(errs.DatatypeMismatch, "array_length requires an array")
		}
		dim, err := toInt(a[1])
		if err != nil {
			return nil, err
		}
		if dim != 1 || len(arr) == 0 {
			return nil, nil
		}
		return int64(len(arr)), nil
	})
	def("cardinality", 1, 1, "a", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		arr, ok := asDoc(a[0]).([]any)
		if !ok {
			return nil, errs.New(errs.DatatypeMismatch, "cardinality requires an array")
		}
		return int64(len(arr)), nil
	})
	def("array_to_string", 2, 3, "as", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		arr, ok := asDoc(a[0]).([]any)
		if !ok {
			return nil, errs.New(errs.DatatypeMismatch, "array_to_string requires an array")
		}
		var parts []string
		for _, e := range arr {
			if e == nil {
				if len(a) == 3 && a[2] != nil {
					parts = append(parts, str(a[2]))
				}
				continue
			}
			parts = append(parts, elemText(e))
		}
		return strings.Join(parts, str(a[1])), nil
	}, nonStrict)
	def("string_to_array", 2, 3, "s", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		s := str(a[0])
		var parts []string
		switch {
		case s == "":
			return []any{}, nil
		case a[1] == nil:
			for _, r := range s {
				parts = append(parts, string(r))
			}
		case str(a[1]) == "":
			parts = []string{s}
		default:
			parts = strings.Split(s, str(a[1]))
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			if len(a) == 3 && a[2] != nil && p == str(a[2]) {
				out[i] = nil
			} else {
				out[i] = p
			}
		}
		return out, nil
	}, nonStrict)
	def("array_append", 2, 2, "aa", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		arr, _ := asDoc(a[0]).([]any)
		out := append(append([]any{}, arr...), a[1])
		return out, nil
	}, nonStrict)
	def("array_prepend", 2, 2, "aa", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		arr, _ := asDoc(a[1]).([]any)
		return append([]any{a[0]}, arr...), nil
	}, nonStrict)
	def("array_cat", 2, 2, "aa", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		x, _ := asDoc(a[0]).([]any)
		y, _ := asDoc(a[1]).([]any)
		if a[0] == nil && a[1] == nil {
			return nil, nil
		}
		return append(append([]any{}, x...), y...), nil
	}, nonStrict)
	def("array_position", 2, 2, "aa", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		arr, ok := asDoc(a[0]).([]any)
		if !ok {
			return nil, nil
		}
		for i, e := range arr {
			if (e == nil && a[1] == nil) || (e != nil && a[1] != nil && types.Compare(e, a[1]) == 0) {
				return int64(i + 1), nil
			}
		}
		return nil, nil
	}, nonStrict)
}

// commonTypeFor wraps commonType with PostgreSQL's CASE/COALESCE error.
func commonTypeFor(what string) retFn {
	return func(a []types.T) (types.T, error) {
		t, err := commonType(a)
		if err != nil {
			var first types.T
			for _, x := range a {
				if x != types.Unknown {
					if first == types.Unknown {
						first = x
					} else if x != first {
						return types.Unknown, errs.Errorf(errs.DatatypeMismatch, "%s types %s and %s cannot be matched", what, first, x)
					}
				}
			}
			return types.Unknown, errs.Errorf(errs.DatatypeMismatch, "%s types cannot be matched", what)
		}
		return t, nil
	}
}

// keyText renders an object key.
func keyText(v types.Value) string {
	if b, ok := v.(bool); ok {
		if b {
			return "true"
		}
		return "false"
	}
	return str(v)
}

// elemText renders an array element for array_to_string.
func elemText(v types.Value) string {
	switch v.(type) {
	case map[string]any, []any:
		return jsonText(v)
	case bool:
		return keyText(v)
	}
	return str(v)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// typeName is the name pg_typeof prints for a static type.
func typeName(t types.T) string {
	switch t {
	case types.Timestamp:
		return "timestamp without time zone"
	case types.Timestamptz:
		return "timestamp with time zone"
	case types.Varchar:
		return "character varying"
	case types.Bpchar:
		return "character"
	case types.Doc:
		return "json"
	}
	return t.String()
}

// valueTypeName is pg_typeof from a value alone.
func valueTypeName(v types.Value) string {
	switch v.(type) {
	case nil:
		return "unknown"
	case Interval:
		return "interval"
	case *apd.Decimal:
		return "numeric"
	}
	return typeName(types.TypeOf(v))
}
