package event

import (
	"fmt"
	"sort"

	"github.com/nodedb-go/nodedb/sql/types"
)

// FieldDiff is one field-level difference between an UPDATE's old and new
// values. Path is dotted for nested objects, with [i] for array elements.
type FieldDiff struct {
	Field    string `json:"field"`
	Op       string `json:"op"` // modified, added, removed, array_insert, array_remove
	OldValue any    `json:"old_value,omitempty"`
	NewValue any    `json:"new_value,omitempty"`
}

// Diff computes the field diffs from old to new, in path order.
func Diff(old, new map[string]any) []FieldDiff {
	var out []FieldDiff
	diffObject("", old, new, &out)
	return out
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func diffObject(prefix string, old, new map[string]any, out *[]FieldDiff) {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		ov, inOld := old[k]
		nv, inNew := new[k]
		path := join(prefix, k)
		switch {
		case !inOld:
			*out = append(*out, FieldDiff{Field: path, Op: "added", NewValue: types.ToJSON(nv)})
		case !inNew:
			*out = append(*out, FieldDiff{Field: path, Op: "removed", OldValue: types.ToJSON(ov)})
		default:
			diffValue(path, ov, nv, out)
		}
	}
}

func diffValue(path string, ov, nv any, out *[]FieldDiff) {
	om, oIsMap := ov.(map[string]any)
	nm, nIsMap := nv.(map[string]any)
	if oIsMap && nIsMap {
		diffObject(path, om, nm, out)
		return
	}
	oa, oIsArr := ov.([]any)
	na, nIsArr := nv.([]any)
	if oIsArr && nIsArr {
		diffArray(path, oa, na, out)
		return
	}
	if !types.Equal(ov, nv) {
		*out = append(*out, FieldDiff{Field: path, Op: "modified", OldValue: types.ToJSON(ov), NewValue: types.ToJSON(nv)})
	}
}

// diffArray reports a single inserted or removed element as such (the
// common append/remove edits); anything else is element-wise.
func diffArray(path string, oa, na []any, out *[]FieldDiff) {
	elem := func(i int) string { return fmt.Sprintf("%s[%d]", path, i) }
	switch {
	case len(na) == len(oa)+1:
		if i, ok := oneEdit(oa, na); ok {
			*out = append(*out, FieldDiff{Field: elem(i), Op: "array_insert", NewValue: types.ToJSON(na[i])})
			return
		}
	case len(oa) == len(na)+1:
		if i, ok := oneEdit(na, oa); ok {
			*out = append(*out, FieldDiff{Field: elem(i), Op: "array_remove", OldValue: types.ToJSON(oa[i])})
			return
		}
	}
	n := max(len(oa), len(na))
	for i := 0; i < n; i++ {
		switch {
		case i >= len(oa):
			*out = append(*out, FieldDiff{Field: elem(i), Op: "array_insert", NewValue: types.ToJSON(na[i])})
		case i >= len(na):
			*out = append(*out, FieldDiff{Field: elem(i), Op: "array_remove", OldValue: types.ToJSON(oa[i])})
		default:
			diffValue(elem(i), oa[i], na[i], out)
		}
	}
}

// oneEdit reports whether long is short with one element inserted, and
// where.
func oneEdit(short, long []any) (int, bool) {
	i := 0
	for i < len(short) && types.Equal(short[i], long[i]) {
		i++
	}
	for j := i; j < len(short); j++ {
		if !types.Equal(short[j], long[j+1]) {
			return 0, false
		}
	}
	return i, true
}
