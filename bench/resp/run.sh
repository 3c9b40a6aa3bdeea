#!/usr/bin/env bash
# Side-by-side redis-benchmark: NodeDB-Go's RESP listener vs redis-server,
# same machine, same run, two durability pairings.
#
#   bash bench/resp/run.sh [-n requests] [-c clients] [-P pipeline] [-t tests]
#                          [-r keyspace] [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0) and runs `redis-benchmark -t set,get,incr -n 1000000
# -c 50 -P 16` against nodedb with durability=relaxed and against redis-server with
# appendonly yes + appendfsync everysec, then nodedb with durability=sync against
# redis-server with appendfsync always. Prints ops/s side by side with the ratio and
# writes bench/results/<date>-resp.md. Everything temporary is removed on exit.
set -euo pipefail

REQUESTS=${REQUESTS:-1000000}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-16}
TESTS=${TESTS:-set,get,incr}
REF=${REF:-}
TIMEOUT=${TIMEOUT:-900} # seconds per redis-benchmark run before it is stopped
KEYSPACE=${KEYSPACE:-}  # redis-benchmark -r: random keys over this many (empty: one key per command, as redis-benchmark does by default)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-n) REQUESTS=$2; shift 2 ;;
	-c) CLIENTS=$2; shift 2 ;;
	-P) PIPELINE=$2; shift 2 ;;
	-t) TESTS=$2; shift 2 ;;
	-r) KEYSPACE=$2; shift 2 ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

. "$REPO/bench/lib.sh"

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null || ! command -v redis-cli >/dev/null; then
	log "redis-server / redis-benchmark missing; installing redis-server and redis-tools"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
fi
command -v go >/dev/null || die "go not found"

bench_workspace resp
build_nodedb

# wait_resp PORT PID: wait until the server answers PING; fails if it exits
# (say, its port was taken meanwhile) or does not answer within 20 s.
wait_resp() {
	local i
	for i in $(seq 1 100); do
		[ "$(redis-cli -h 127.0.0.1 -p "$1" PING 2>/dev/null)" = PONG ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# start_nodedb_resp DURABILITY: nodedb with RESP on a free port (pgwire and
# HTTP on OS-chosen ports); sets ND_RESP and NPID. free_port only checks that
# nothing listens, so a start that loses its port to another process is
# retried on another.
start_nodedb_resp() {
	local try
	for try in 1 2 3; do
		ND_RESP=$(free_port)
		rm -rf "$WORK/nodedb-data"
		log "starting nodedb on 127.0.0.1:$ND_RESP (RESP), durability=$1"
		setsid "$WORK/nodedb" --data-dir "$WORK/nodedb-data" --host 127.0.0.1 --pgwire-port 0 --http-port 0 \
			--resp-port "$ND_RESP" --durability "$1" >"$WORK/nodedb.log" 2>&1 &
		NPID=$!
		wait_resp "$ND_RESP" "$NPID" && return 0
		stop_pid "$NPID"
		NPID=""
	done
	die "nodedb did not start"
}

# start_redis_aof FSYNC: redis-server with AOF on (appendfsync FSYNC), no RDB
# snapshots; sets R_PORT and RPID.
start_redis_aof() {
	local try
	for try in 1 2 3; do
		R_PORT=$(free_port)
		rm -rf "$WORK/redis"
		mkdir -p "$WORK/redis"
		log "starting redis-server on 127.0.0.1:$R_PORT (appendonly yes, appendfsync $1)"
		setsid redis-server --bind 127.0.0.1 --port "$R_PORT" --dir "$WORK/redis" --save '' \
			--appendonly yes --appendfsync "$1" --daemonize no --logfile "$WORK/redis.log" >/dev/null 2>&1 &
		RPID=$!
		wait_resp "$R_PORT" "$RPID" && return 0
		stop_pid "$RPID"
		RPID=""
	done
	die "redis-server did not start"
}

declare -A OPS
RAW="$WORK/raw.md"
: >"$RAW"

# bench SIDE PAIRING PORT: run redis-benchmark, record ops/s per test.
bench() {
	local side=$1 pairing=$2 port=$3 out="$WORK/$1-$2.csv" rc=0
	log "redis-benchmark on $side ($pairing): -t $TESTS -n $REQUESTS -c $CLIENTS -P $PIPELINE${KEYSPACE:+ -r $KEYSPACE}"
	bg_wait timeout "$TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$TESTS" -n "$REQUESTS" \
		-c "$CLIENTS" -P "$PIPELINE" ${KEYSPACE:+-r "$KEYSPACE"} --csv >"$out" 2>"$WORK/$side-$pairing.err" || rc=$?
	[ $rc -eq 0 ] || log "redis-benchmark on $side ($pairing) exited with status $rc"
	local t rps
	while IFS=, read -r t rps _; do
		t=${t//\"/}
		rps=${rps//\"/}
		[ "$t" = test ] && continue
		OPS[$side.$pairing.$t]=$rps
	done <"$out"
	{
		echo "### $side, $pairing (exit status $rc)"
		echo
		echo '```'
		cat "$out"
		echo '```'
		echo
	} >>"$RAW"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# pairing | nodedb durability | redis appendfsync
PAIRINGS=("relaxed|relaxed|everysec" "sync|sync|always")
for p in "${PAIRINGS[@]}"; do
	IFS='|' read -r name dur fsync <<<"$p"
	start_nodedb_resp "$dur"
	bench nodedb "$name" "$ND_RESP"
	stop_pid "$NPID"
	NPID=""
	start_redis_aof "$fsync"
	bench redis "$name" "$R_PORT"
	stop_pid "$RPID"
	RPID=""
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
fmt() { if [ -n "$1" ]; then awk -v t="$1" 'BEGIN {printf "%.0f", t}'; else echo FAILED; fi; }
TABLE=$(
	echo "| pairing | command | nodedb ops/s | redis ops/s | ratio (nodedb/redis) |"
	echo "| --- | --- | ---: | ---: | ---: |"
	for p in "${PAIRINGS[@]}"; do
		IFS='|' read -r name dur fsync <<<"$p"
		for t in $(echo "$TESTS" | tr ',' ' ' | tr '[:lower:]' '[:upper:]'); do
			printf '| nodedb %s vs redis appendfsync %s | %s | %s | %s | %s |\n' "$dur" "$fsync" "$t" \
				"$(fmt "${OPS[nodedb.$name.$t]:-}")" "$(fmt "${OPS[redis.$name.$t]:-}")" \
				"$(ratio "${OPS[nodedb.$name.$t]:-}" "${OPS[redis.$name.$t]:-}")"
		done
	done
)
echo
echo "$TABLE"

REPORT=$(report_path resp)
{
	echo "# redis-benchmark: NodeDB-Go RESP vs redis-server ($(date +%Y-%m-%d))"
	echo
	echo "Produced by \`bash bench/resp/run.sh\`; see bench/README.md."
	echo
	echo "- nodedb commit: $(commit_label), $(go version | awk '{print $3}'), CGO_ENABLED=0"
	echo "- $(redis-server --version | awk '{print $1, $2, $3}'), AOF on, no RDB snapshots"
	echo "- redis-benchmark $(redis-benchmark --version | awk '{print $2}'): -t $TESTS -n $REQUESTS -c $CLIENTS -P $PIPELINE${KEYSPACE:+ -r $KEYSPACE}, over TCP on 127.0.0.1"
	if [ -z "$KEYSPACE" ]; then
		echo "- without -r every SET, GET and INCR hits one key (redis-benchmark's default): nodedb then"
		echo "  serializes the connections' batches on that key's lock, one commit each"
	fi
	echo "- machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, temp dirs on $(df -T /tmp | awk 'NR == 2 {print $2}'); redis-benchmark and the server share the CPUs"
	echo "- load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
	echo
	echo "Pairings: nodedb \`durability = relaxed\` (commits acknowledged before the fsync) vs"
	echo "Redis \`appendfsync everysec\`; nodedb \`durability = sync\` (acknowledged after the"
	echo "group commit's fsync) vs Redis \`appendfsync always\`. nodedb runs a connection's"
	echo "pipelined commands in one transaction, so with -P 16 one commit carries up to 16 commands."
	echo
	echo "## Throughput"
	echo
	echo "$TABLE"
	echo
	echo "## Raw redis-benchmark output (CSV)"
	echo
	cat "$RAW"
} >"$REPORT"
log "wrote ${REPORT#"$REPO"/}"
