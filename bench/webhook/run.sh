#!/usr/bin/env bash
# Webhook delivery side by side: NodeDB-Go change stream with a URL vs
# PostgreSQL 15 AFTER INSERT trigger + pg_notify + a LISTEN/POST relay, both
# delivering to one in-process HTTP receiver.
#
#   bash bench/webhook/run.sh [-T seconds] [--rate N] [--events N]
#                             [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0) and the benchmark (go build ./bench/webhook),
# starts a throwaway PostgreSQL 15 and nodedb (durability sync) on free
# ports, runs the latency (paced) and throughput (held, then released)
# workloads, prints the tables and writes bench/results/<date>-webhook.md.
# Everything temporary is removed on exit. See bench/README.md.
set -euo pipefail

DURATION=${DURATION:-10}
RATE=${RATE:-1000}
EVENTS=${EVENTS:-20000}
WRITERS=${WRITERS:-4}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=${REF:-}
EXTRA=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-T) DURATION=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--events) EVENTS=$2; shift 2 ;;
	--writers) WRITERS=$2; shift 2 ;;
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

bench_workspace webhook
build_nodedb
log "building the benchmark (bench/webhook)"
bg_wait env -C "$REPO" CGO_ENABLED=0 go build -o "$WORK/webhook" ./bench/webhook || die "building bench/webhook failed"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_postgres
start_nodedb
COMMIT=$(commit_label)
REPORT=$(report_path webhook)

bg_wait "$WORK/webhook" -nodedb "$ND_DSN" -pg "$PG_DSN" -rate "$RATE" -duration "${DURATION}s" -events "$EVENTS" \
	-writers "$WRITERS" -out "$REPORT" -commit "$COMMIT" -load-before "$LOAD_BEFORE" \
	-nodedb-pid "$NPID" -pg-pid "$PG_PID" -clk-tck "$(getconf CLK_TCK)" ${EXTRA[@]+"${EXTRA[@]}"}
kill -0 "$NPID" 2>/dev/null || die "nodedb is no longer running after the benchmark"
