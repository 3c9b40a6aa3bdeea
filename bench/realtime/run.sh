#!/usr/bin/env bash
# Realtime side by side: NodeDB-Go LIVE SELECT fan-out vs PostgreSQL 15
# trigger + pg_notify/LISTEN, and NodeDB-Go topics vs NATS JetStream and
# Redis Streams.
#
#   bash bench/realtime/run.sh [-T seconds] [--rate N] [--subscribers N]
#                              [--messages N] [--nats-sync both|default|always]
#                              [--fanout-runs N] [--writers N]
#                              [--no-nats] [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0) and the benchmark (go build ./bench/realtime),
# and nats-server + natscli from their Go modules (cached in $NATS_CACHE),
# starts a throwaway PostgreSQL 15 (max_connections=300), nodedb (durability
# sync), redis-server (no persistence) and nats-server with JetStream (file
# storage; default sync and sync_interval: always) on free ports, runs the
# benchmark, prints the tables and writes bench/results/<date>-realtime.md.
# Everything temporary is removed on exit, also on failure or Ctrl-C. See
# bench/README.md.
set -euo pipefail

DURATION=${DURATION:-10}
RATE=${RATE:-2000}
SUBSCRIBERS=${SUBSCRIBERS:-200}
MESSAGES=${MESSAGES:-100000}
WRITERS=${WRITERS:-8}
FANOUT_RUNS=${FANOUT_RUNS:-1}
NATS=${NATS:-1}                 # 0: leave NATS JetStream out
NATS_SYNC=${NATS_SYNC:-both}    # JetStream servers to run: default (sync_interval 2m), always, or both
NATS_SERVER_VERSION=${NATS_SERVER_VERSION:-v2.15.2}
NATSCLI_VERSION=${NATSCLI_VERSION:-v0.5.0}
NATS_CACHE=${NATS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nodedb-bench}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=${REF:-}   # empty: build the working tree; else build nodedb at this git ref (e.g. HEAD)
EXTRA=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-T) DURATION=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--subscribers) SUBSCRIBERS=$2; shift 2 ;;
	--messages) MESSAGES=$2; shift 2 ;;
	--writers) WRITERS=$2; shift 2 ;;
	--fanout-runs) FANOUT_RUNS=$2; shift 2 ;;
	--nats-sync) NATS_SYNC=$2; shift 2 ;;
	--no-nats) NATS=0; shift ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	--) shift; EXTRA=("$@"); break ;; # passed on to the benchmark program
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

. "$REPO/bench/lib.sh"

# --- prerequisites -----------------------------------------------------------
need_postgres psql
need_redis
command -v go >/dev/null || die "go not found"
case $NATS_SYNC in both | default | always) ;; *) die "--nats-sync must be both, default or always" ;; esac

bench_workspace realtime
build_nodedb
log "building the benchmark (bench/realtime)"
bg_wait env -C "$REPO" CGO_ENABLED=0 go build -o "$WORK/realtime" ./bench/realtime || die "building bench/realtime failed"
NATS_ARGS=()
if [ "$NATS" = 0 ]; then
	NATS_ARGS=(-nats-skip "left out (--no-nats)")
elif ! build_nats; then
	NATS_ARGS=(-nats-skip "$NATS_BUILD_ERR")
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_postgres max_connections=300
start_nodedb http
start_redis
if [ "$NATS" != 0 ] && [ -z "$NATS_BUILD_ERR" ]; then
	NATS_ARGS=(-nats-cli "$NATS_CLI" -nats-version "nats-server $NATS_SERVER_VERSION, natscli $NATSCLI_VERSION")
	if [ "$NATS_SYNC" != always ]; then
		start_nats default # sync_interval left at its default (2m)
		NATS_ARGS+=(-nats "nats://127.0.0.1:$NATS_PORT" -nats-pid "$NATS_PID")
	fi
	if [ "$NATS_SYNC" != default ]; then
		start_nats always "sync_interval: always"
		NATS_ARGS+=(-nats-always "nats://127.0.0.1:$NATS_PORT" -nats-always-pid "$NATS_PID")
	fi
fi
COMMIT=$(commit_label)
REPORT=$(report_path realtime)

bg_wait "$WORK/realtime" -nodedb "$ND_DSN" -nodedb-http "http://127.0.0.1:$ND_HTTP" \
	-pg "$PG_DSN" -redis "127.0.0.1:$R_PORT" -rate "$RATE" -duration "${DURATION}s" -subscribers "$SUBSCRIBERS" \
	-messages "$MESSAGES" -writers "$WRITERS" -fanout-runs "$FANOUT_RUNS" -out "$REPORT" -commit "$COMMIT" -load-before "$LOAD_BEFORE" \
	-nodedb-pid "$NPID" -pg-pid "$PG_PID" -redis-pid "$RPID" -clk-tck "$(getconf CLK_TCK)" ${NATS_ARGS[@]+"${NATS_ARGS[@]}"} ${EXTRA[@]+"${EXTRA[@]}"}
kill -0 "$NPID" 2>/dev/null || die "nodedb is no longer running after the benchmark"
