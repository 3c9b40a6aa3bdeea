#!/usr/bin/env bash
# Change streams side by side: NodeDB-Go vs PostgreSQL 15 logical decoding
# (commit-to-consumer latency) and Redis Streams (catch-up throughput).
#
#   bash bench/streams/run.sh [-T seconds] [--rates 1000,5000] [--events N]
#                             [--writers N] [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0) and the benchmark (go build ./bench/streams),
# starts a throwaway PostgreSQL 15 (wal_level=logical), nodedb (durability
# sync) and redis-server (no persistence) on free ports, runs the benchmark,
# prints the tables and writes bench/results/<date>-streams.md. Everything
# temporary is removed on exit, also on failure or Ctrl-C. See bench/README.md.
set -euo pipefail

DURATION=${DURATION:-10}
RATES=${RATES:-1000,5000}
EVENTS=${EVENTS:-1000000}
WRITERS=${WRITERS:-8}
POLL_INTERVAL=${POLL_INTERVAL:-1ms}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=${REF:-}   # empty: build the working tree; else build nodedb at this git ref (e.g. HEAD)
EXTRA=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-T) DURATION=$2; shift 2 ;;
	--rates) RATES=$2; shift 2 ;;
	--events) EVENTS=$2; shift 2 ;;
	--writers) WRITERS=$2; shift 2 ;;
	--poll-interval) POLL_INTERVAL=$2; shift 2 ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	--) shift; EXTRA=("$@"); break ;; # passed on to the benchmark program
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

. "$REPO/bench/lib.sh"

# --- prerequisites -----------------------------------------------------------
need_postgres pg_recvlogical
need_redis
command -v go >/dev/null || die "go not found"

bench_workspace streams
build_nodedb
log "building the benchmark (bench/streams)"
# The HTTP consumer decodes each poll's JSON with encoding/json; built with
# GOEXPERIMENT=jsonv2 that is Go's v2 implementation (2.0 -> 1.4 ms for a
# 1,000-event poll here). The report names the decoder.
bg_wait env -C "$REPO" CGO_ENABLED=0 GOEXPERIMENT=jsonv2 go build -o "$WORK/streams" ./bench/streams || die "building bench/streams failed"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_postgres wal_level=logical
start_nodedb http
start_redis
COMMIT=$(commit_label)
REPORT=$(report_path streams)

bg_wait "$WORK/streams" -nodedb "$ND_DSN" -nodedb-http "http://127.0.0.1:$ND_HTTP" \
	-pg "$PG_DSN" -pg-host 127.0.0.1 -pg-port "$PG_PORT" -pg-recvlogical "$PGBIN/pg_recvlogical" \
	-redis "127.0.0.1:$R_PORT" -rates "$RATES" -duration "${DURATION}s" -events "$EVENTS" -writers "$WRITERS" \
	-poll-interval "$POLL_INTERVAL" -out "$REPORT" -commit "$COMMIT" -load-before "$LOAD_BEFORE" \
	-nodedb-pid "$NPID" -pg-pid "$PG_PID" -redis-pid "$RPID" -clk-tck "$(getconf CLK_TCK)" ${EXTRA[@]+"${EXTRA[@]}"}
kill -0 "$NPID" 2>/dev/null || die "nodedb is no longer running after the benchmark"
