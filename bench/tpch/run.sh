#!/usr/bin/env bash
# TPC-H-like queries side by side: NodeDB-Go vs PostgreSQL 15 on the same
# generated data, in the same run.
#
#   bash bench/tpch/run.sh [--sf SCALE] [--runs N] [--seed N] [--queries Q1,Q6]
#                          [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0) and the benchmark (go build ./bench/tpch),
# starts a throwaway PostgreSQL 15 and nodedb (durability sync) on free
# ports, generates the eight TPC-H tables (scale factor 0.1 by default),
# loads both with COPY FROM STDIN, creates the same indexes, VACUUM ANALYZEs, runs
# queries 1, 3, 5, 6, 10, 12 and 14 on both, compares their rows, prints
# the table and writes bench/results/<date>-tpch.md. Everything temporary is
# removed on exit. See bench/README.md.
set -euo pipefail

SF=${SF:-0.1}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
QUERIES=${QUERIES:-}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=${REF:-}
EXTRA=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--sf) SF=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--queries) QUERIES=$2; shift 2 ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	--) shift; EXTRA=("$@"); break ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

. "$REPO/bench/lib.sh"

need_postgres psql
command -v go >/dev/null || die "go not found"

bench_workspace tpch
build_nodedb
log "building the benchmark (bench/tpch)"
bg_wait env -C "$REPO" CGO_ENABLED=0 go build -o "$WORK/tpch" ./bench/tpch || die "building bench/tpch failed"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_postgres
start_nodedb
COMMIT=$(commit_label)
REPORT=$(report_path tpch)

bg_wait "$WORK/tpch" -nodedb "$ND_DSN" -pg "$PG_DSN" -sf "$SF" -runs "$RUNS" -seed "$SEED" -queries "$QUERIES" \
	-out "$REPORT" -commit "$COMMIT" -load-before "$LOAD_BEFORE" ${EXTRA[@]+"${EXTRA[@]}"}
kill -0 "$NPID" 2>/dev/null || die "nodedb is no longer running after the benchmark"
