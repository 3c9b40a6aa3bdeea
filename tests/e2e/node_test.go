package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestNodePostgres(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH (install nodejs and npm to run this test)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not on PATH (install npm to run this test)")
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "node"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pg")); err != nil {
		cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install in %s: %v\n%s", dir, err, out)
		}
	}

	s := startServer(t)
	cmd := exec.CommandContext(ctx, node, "smoke.js", strconv.Itoa(s.port))
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node smoke.js: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}

	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("parse output %q: %v", stdout.String(), err)
	}
	// Compare as canonical JSON.
	want := `{
		"inserted": [1, 1, 1],
		"fields": ["id:23", "name:25", "big:20", "score:701", "ok:16", "at:1184", "doc:3802", "raw:17"],
		"rows": [
			{"id": 1, "name": "ann", "big": "9007199254740993", "score": 1.5, "ok": true,
			 "at": "2025-01-02T03:04:05.678Z", "doc": {"a": [1, 2], "b": "x"}, "raw": "0001ff"},
			{"id": 2, "name": "ben", "big": "-5", "score": -0.25, "ok": false,
			 "at": "2024-02-29T00:00:00.000Z", "doc": null, "raw": null},
			{"id": 3, "name": "o'neil", "big": null, "score": null, "ok": null,
			 "at": null, "doc": {"nested": {"k": true}}, "raw": ""}
		],
		"named": [1, 2, 3, null],
		"returning": [{"id": 2, "name": "benjamin"}],
		"after": [
			{"id": 1, "name": "ann", "score": 1.5},
			{"id": 2, "name": "benjamin", "score": -0.25},
			{"id": 3, "name": "o'neil", "score": null}
		],
		"error": "23505",
		"count": "3",
		"realtime": [
			{"channel": "smoke", "payload": "committed"},
			{"live": "UPDATE", "row_id": "3", "row": {"id": 3, "name": "o."}},
			{"live": "UPDATE", "row_id": "2", "row": {"id": 2, "name": "b."}}
		]
	}`
	var wantV map[string]any
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatal(err)
	}
	gotJ, _ := json.MarshalIndent(got, "", "  ")
	wantJ, _ := json.MarshalIndent(wantV, "", "  ")
	if string(gotJ) != string(wantJ) {
		t.Errorf("node-postgres output:\n%s\nwant:\n%s", gotJ, wantJ)
	}
}
