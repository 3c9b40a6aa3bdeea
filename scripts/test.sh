#!/usr/bin/env bash
# The project's test command: formatting, vet, race-checked tests for the
# concurrent core, plain tests for everything else. CI runs exactly this
# (through .ci/run). Set TEST_TIMEOUT (default 20m) to change the per-run
# go test timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout="${TEST_TIMEOUT:-20m}"
export CGO_ENABLED="${CGO_ENABLED:-0}"

echo "== gofmt"
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 gofmt -l)
if [[ -n "$unformatted" ]]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

# Packages with shared mutable state and goroutines: run them under the race
# detector (which needs cgo, hence a C compiler).
race_patterns=(./txn/... ./storage/... ./event/... ./session/... ./protocol/... ./server/...)
mapfile -t race_pkgs < <(go list "${race_patterns[@]}" 2>/dev/null)
mapfile -t all_pkgs < <(go list ./...)
rest_pkgs=()
for p in "${all_pkgs[@]}"; do
	skip=
	for r in "${race_pkgs[@]}"; do
		[[ "$p" == "$r" ]] && skip=1 && break
	done
	[[ -z "$skip" ]] && rest_pkgs+=("$p")
done

if ((${#race_pkgs[@]})); then
	if command -v "${CC:-gcc}" >/dev/null 2>&1; then
		echo "== go test -race (concurrent core)"
		CGO_ENABLED=1 go test -race -timeout "$timeout" "${race_pkgs[@]}"
	else
		echo "== go test (concurrent core; no C compiler, so no -race)" >&2
		go test -timeout "$timeout" "${race_pkgs[@]}"
	fi
fi

if ((${#rest_pkgs[@]})); then
	echo "== go test (everything else)"
	go test -timeout "$timeout" "${rest_pkgs[@]}"
fi
