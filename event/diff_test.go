package event

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	old := map[string]any{"a": int64(1), "b": "x", "tags": []any{"p", "q"}, "addr": map[string]any{"city": "Oslo", "zip": "1"}, "gone": true}
	new := map[string]any{"a": int64(2), "b": "x", "tags": []any{"p", "n", "q"}, "addr": map[string]any{"city": "Bergen", "zip": "1"}, "extra": int64(7)}
	got, err := json.Marshal(Diff(old, new))
	require.NoError(t, err)
	require.JSONEq(t, `[
		{"field":"a","op":"modified","old_value":1,"new_value":2},
		{"field":"addr.city","op":"modified","old_value":"Oslo","new_value":"Bergen"},
		{"field":"extra","op":"added","new_value":7},
		{"field":"gone","op":"removed","old_value":true},
		{"field":"tags[1]","op":"array_insert","new_value":"n"}
	]`, string(got))
	got, _ = json.Marshal(Diff(map[string]any{"t": []any{int64(1), int64(2), int64(3)}}, map[string]any{"t": []any{int64(1), int64(3)}}))
	require.JSONEq(t, `[{"field":"t[1]","op":"array_remove","old_value":2}]`, string(got))
	require.Empty(t, Diff(map[string]any{"a": int64(1)}, map[string]any{"a": 1.0}), "1 and 1.0 are equal")
}
