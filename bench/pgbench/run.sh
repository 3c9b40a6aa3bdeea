#!/usr/bin/env bash
# Side-by-side pgbench: NodeDB-Go vs PostgreSQL 15, same machine, same run.
#
#   bash bench/pgbench/run.sh [-T seconds] [-c clients] [-j threads] [--rows N]
#                             [--jobs N] [--only key,...] [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0), starts a throwaway PostgreSQL 15 cluster and a
# throwaway nodedb, both with their default (synchronous, fsync-on) durability,
# runs the same pgbench scripts against each, prints a comparison table and
# writes bench/results/<date>-pgbench.md. Everything temporary is removed on
# exit, also on failure or Ctrl-C. See bench/README.md.
set -euo pipefail

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-2}
ROWS=${ROWS:-100000}
JOBS=${JOBS:-300000} # jobs preloaded for the queue workload
ONLY=${ONLY:-}       # comma-separated workload keys to run (empty: all)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=${REF:-}   # empty: build the working tree; else build this git ref (e.g. HEAD)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-T) DURATION=$2; shift 2 ;;
	-c) CLIENTS=$2; shift 2 ;;
	-j) THREADS=$2; shift 2 ;;
	--rows) ROWS=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

. "$REPO/bench/lib.sh"

# --- prerequisites -----------------------------------------------------------
need_postgres pgbench
PGBENCH=$PGBIN/pgbench
PSQL=$PGBIN/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql not found"
command -v go >/dev/null || die "go not found"

bench_workspace pgbench
build_nodedb
start_postgres
start_nodedb

pg_sql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
nd_sql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$ND_PORT" -U admin -d nodedb "$@"; }

pg_sql -c 'SELECT 1' >/dev/null || die "cannot connect to PostgreSQL"

# --- memory ----------------------------------------------------------------------------
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
pg_pids() { echo "$PG_PID"; ps -o pid= --ppid "$PG_PID" 2>/dev/null || true; }
pg_mem() { # "<rss sum kB> <pss sum kB> <process count>"
	local r=0 s=0 n=0 p
	for p in $(pg_pids); do
		r=$((r + $(rss_kb "$p"))); s=$((s + $(pss_kb "$p"))); n=$((n + 1))
	done
	echo "$r $s $n"
}
# CPU time (clock ticks) of a process; with "all", plus its reaped children's.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
		awk -v all="${2:-}" '{ t = $12 + $13; if (all != "") t += $14 + $15; print t }' || echo 0
}
server_cpu() { # side -> ticks used so far by that server
	local t=0 p
	if [ "$1" = nd ]; then cpu_ticks "$NPID"; return; fi
	for p in $(pg_pids); do t=$((t + $(cpu_ticks "$p" all))); done
	echo "$t"
}
CLK_TCK=$(getconf CLK_TCK)
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
declare -A MEM
snap_mem() { # label
	sleep 1
	MEM[$1.nd_rss]=$(rss_kb "$NPID")
	MEM[$1.nd_pss]=$(pss_kb "$NPID")
	read -r MEM[$1.pg_rss] MEM[$1.pg_pss] MEM[$1.pg_n] < <(pg_mem)
	log "memory ($1): nodedb RSS $(mib "${MEM[$1.nd_rss]}") MiB; postgres RSS sum $(mib "${MEM[$1.pg_rss]}") MiB, PSS sum $(mib "${MEM[$1.pg_pss]}") MiB over ${MEM[$1.pg_n]} processes"
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
snap_mem idle

# --- schema and preload (identical on both) ---------------------------------------------
SETUP_SQL="CREATE TABLE bench_ins (id BIGINT PRIMARY KEY, client INT, v INT);
CREATE TABLE bench_sel (id BIGINT PRIMARY KEY, v INT, pad TEXT);
CREATE TABLE bench_trg (id BIGINT PRIMARY KEY, client INT, v INT);
CREATE TABLE bench_trg_sync (id BIGINT PRIMARY KEY, client INT, v INT);
CREATE TABLE bench_audit (id TEXT PRIMARY KEY, row_id BIGINT, client INT);
CREATE TABLE bench_jobs (id BIGINT PRIMARY KEY, payload TEXT);"
# nodedb's rows are spread over vShards by a hash of the key, so its primary
# key does not order them: ORDER BY id LIMIT 1 reads an index on id in order.
# PostgreSQL's primary-key index does that already.
ND_JOBS_INDEX="CREATE INDEX bench_jobs_id ON bench_jobs (id)"
# The audit trigger: one audit row per inserted row. nodedb runs it ASYNC
# (after commit, from the change log, exactly once); PostgreSQL runs the
# equivalent plpgsql AFTER ... FOR EACH ROW trigger inside the transaction.
ND_TRIGGER="CREATE TRIGGER bench_audit_t AFTER INSERT ON bench_trg FOR EACH ROW BEGIN
  INSERT INTO bench_audit VALUES (gen_random_uuid()::text, NEW.id, NEW.client); END"
ND_SYNC_TRIGGER="CREATE SYNC TRIGGER bench_audit_s AFTER INSERT ON bench_trg_sync FOR EACH ROW BEGIN
  INSERT INTO bench_audit VALUES (gen_random_uuid()::text, NEW.id, NEW.client); END"
PG_TRIGGER="CREATE FUNCTION bench_audit_f() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN INSERT INTO bench_audit VALUES (gen_random_uuid()::text, NEW.id, NEW.client); RETURN NULL; END \$\$;
CREATE TRIGGER bench_audit_t AFTER INSERT ON bench_trg FOR EACH ROW EXECUTE FUNCTION bench_audit_f();
CREATE TRIGGER bench_audit_s AFTER INSERT ON bench_trg_sync FOR EACH ROW EXECUTE FUNCTION bench_audit_f();"
log "creating tables; preloading $ROWS rows into bench_sel with COPY FROM STDIN"
awk -v n="$ROWS" 'BEGIN {
	pad = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01"
	for (i = 1; i <= n; i++) printf "%d\t%d\t%s\n", i, (i * 7919) % 1000000, pad
}' >"$WORK/bench_sel.tsv"
log "preloading $JOBS jobs into bench_jobs with COPY FROM STDIN"
awk -v n="$JOBS" 'BEGIN { for (i = 1; i <= n; i++) printf "%d\tjob-%d\n", i, i }' >"$WORK/bench_jobs.tsv"
for side in nd pg; do
	${side}_sql -c "$SETUP_SQL" || die "$side: CREATE TABLE failed"
	if [ "$side" = nd ]; then
		nd_sql -c "$ND_TRIGGER" || die "nodedb: CREATE TRIGGER failed"
		nd_sql -c "$ND_SYNC_TRIGGER" || die "nodedb: CREATE SYNC TRIGGER failed"
	else
		pg_sql -c "$PG_TRIGGER" || die "postgres: CREATE TRIGGER failed"
	fi
	${side}_sql -c "\\copy bench_sel FROM '$WORK/bench_sel.tsv'" || die "$side: COPY into bench_sel failed"
	${side}_sql -c "\\copy bench_jobs FROM '$WORK/bench_jobs.tsv'" || die "$side: COPY into bench_jobs failed"
	if [ "$side" = nd ]; then
		nd_sql -c "$ND_JOBS_INDEX" || die "nodedb: CREATE INDEX on bench_jobs failed"
	fi
	got=$(${side}_sql -At -c "SELECT count(*) FROM bench_sel") || die "$side: count failed"
	[ "$got" = "$ROWS" ] || die "$side: bench_sel has $got rows, want $ROWS"
done
# pgbench's own initialisation vacuums its tables; -n skips that, so do it here
# for PostgreSQL (sets hint bits and the visibility map, refreshes statistics).
# Both then CHECKPOINT, so the preload's writes reach the data files before
# the runs rather than during the first one (nodedb: the memtable flush).
pg_sql -c "VACUUM ANALYZE bench_sel" -c "VACUUM ANALYZE bench_jobs" -c "CHECKPOINT"
nd_sql -c "ANALYZE bench_sel" -c "ANALYZE bench_jobs" -c "CHECKPOINT"
snap_mem loaded

# --- runs --------------------------------------------------------------------------------
# workload key | label | script | pgbench query mode
WORKLOADS=(
	"insert|single-row INSERT, autocommit (-M simple)|insert.sql|simple"
	"select|primary-key SELECT (-M prepared)|select_pk.sql|prepared"
	"trigger|single-row INSERT with an audit trigger (nodedb ASYNC, postgres plpgsql AFTER ROW) (-M simple)|insert_trigger.sql|simple"
	"trigger_sync|single-row INSERT with an audit trigger (nodedb SYNC AFTER ROW, postgres plpgsql AFTER ROW) (-M simple)|insert_trigger_sync.sql|simple"
	"queue|job queue: DELETE the first job, taken with ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED (-M simple)|queue.sql|simple"
)
if [ -n "$ONLY" ]; then
	picked=()
	for w in "${WORKLOADS[@]}"; do
		[[ ",$ONLY," == *",${w%%|*},"* ]] && picked+=("$w")
	done
	[ ${#picked[@]} -gt 0 ] || die "--only $ONLY: no such workload (insert, select, trigger, trigger_sync, queue)"
	WORKLOADS=("${picked[@]}")
fi
declare -A TPS LAT FAILED RC CPU
RAW="$WORK/raw.md"
: >"$RAW"

run_pgbench() { # side key script mode
	local side=$1 key=$2 script=$3 mode=$4 port user db out rc
	if [ "$side" = nd ]; then port=$ND_PORT user=admin db=nodedb; else port=$PG_PORT user=postgres db=postgres; fi
	out="$WORK/$side-$key.out"
	log "pgbench $key on $([ "$side" = nd ] && echo nodedb || echo postgres): -c $CLIENTS -j $THREADS -T $DURATION -M $mode"
	local cpu0 cpu1 n
	cpu0=$(server_cpu "$side")
	set +e
	bg_wait env -C "$HERE" "$PGBENCH" -h 127.0.0.1 -p "$port" -U "$user" -n -f "$script" -M "$mode" \
		-c "$CLIENTS" -j "$THREADS" -T "$DURATION" -D rows="$ROWS" "$db" >"$out" 2>&1
	rc=$?
	set -e
	RC[$side.$key]=$rc
	TPS[$side.$key]=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
	LAT[$side.$key]=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$out")
	sleep 1 # let the postmaster reap the exited backends, so their CPU time is counted
	cpu1=$(server_cpu "$side")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
	CPU[$side.$key]=$(awk -v d=$((cpu1 - cpu0)) -v n="${n:-0}" -v hz="$CLK_TCK" \
		'BEGIN { if (n > 0) printf "%.0f", d / hz * 1e6 / n }')
	FAILED[$side.$key]=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
	if [ $rc -ne 0 ] || [ -z "${TPS[$side.$key]}" ]; then
		log "pgbench $key on $side exited with status $rc; its output:"
		sed 's/^/    /' "$out" >&2
	fi
	{
		echo "### $key on $([ "$side" = nd ] && echo nodedb || echo postgres) (exit status $rc)"
		echo
		echo '```'
		cat "$out"
		echo '```'
		echo
	} >>"$RAW"
	sync
	sleep 2
}

for w in "${WORKLOADS[@]}"; do
	IFS='|' read -r key label script mode <<<"$w"
	run_pgbench nd "$key" "$script" "$mode"
	if [ "$key" = trigger ]; then
		# nodedb's ASYNC trigger may still be working through the change log:
		# time how long after the run every inserted row has its audit row.
		t0=$(date +%s.%N)
		TRG_ROWS=$(nd_sql -At -c 'SELECT count(*) FROM bench_trg' 2>/dev/null || echo 0)
		for _ in $(seq 1 3000); do
			TRG_AUDIT=$(nd_sql -At -c 'SELECT count(*) FROM bench_audit' 2>/dev/null || echo 0)
			[ "$TRG_AUDIT" -ge "$TRG_ROWS" ] && break
			sleep 0.1
		done
		TRG_CATCHUP=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		log "nodedb trigger: $TRG_AUDIT audit rows for $TRG_ROWS rows, caught up ${TRG_CATCHUP}s after the run"
	fi
	run_pgbench pg "$key" "$script" "$mode"
done
snap_mem after

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
nd_ins_rows=$(nd_sql -At -c 'SELECT count(*) FROM bench_ins' 2>/dev/null || echo '?')
pg_ins_rows=$(pg_sql -At -c 'SELECT count(*) FROM bench_ins' 2>/dev/null || echo '?')
nd_jobs_left=$(nd_sql -At -c 'SELECT count(*) FROM bench_jobs' 2>/dev/null || echo '?')
pg_jobs_left=$(pg_sql -At -c 'SELECT count(*) FROM bench_jobs' 2>/dev/null || echo '?')

# --- report ----------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
or_fail() { if [ -n "$1" ]; then echo "$1"; else echo "FAILED"; fi; }
tps_fmt() { # tps exit-status
	if [ -n "$1" ] && [ "$2" = 0 ]; then awk -v t="$1" 'BEGIN {printf "%.0f", t}'
	elif [ -n "$1" ]; then awk -v t="$1" 'BEGIN {printf "FAILED (aborted at %.0f)", t}'
	else echo "FAILED"; fi
}

TABLE=$(
	echo "| workload | nodedb TPS | postgres TPS | ratio (nodedb/postgres) | nodedb latency avg (ms) | postgres latency avg (ms) | nodedb server CPU µs/txn | postgres server CPU µs/txn |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for w in "${WORKLOADS[@]}"; do
		IFS='|' read -r key label script mode <<<"$w"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
			"$(tps_fmt "${TPS[nd.$key]}" "${RC[nd.$key]}")" "$(tps_fmt "${TPS[pg.$key]}" "${RC[pg.$key]}")" \
			"$([ "${RC[nd.$key]}${RC[pg.$key]}" = 00 ] && ratio "${TPS[nd.$key]}" "${TPS[pg.$key]}" || echo n/a)" \
			"$(or_fail "${LAT[nd.$key]}")" "$(or_fail "${LAT[pg.$key]}")" \
			"${CPU[nd.$key]:-n/a}" "${CPU[pg.$key]:-n/a}"
	done
)
MEMTABLE=$(
	echo "| when | nodedb RSS (MiB) | postgres RSS sum (MiB) | postgres PSS sum (MiB) | postgres processes |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for s in idle:"idle, after startup" loaded:"after preload, before the runs" after:"after the runs (clients disconnected)"; do
		k=${s%%:*}
		printf '| %s | %s | %s | %s | %s |\n' "${s#*:}" "$(mib "${MEM[$k.nd_rss]}")" \
			"$(mib "${MEM[$k.pg_rss]}")" "$(mib "${MEM[$k.pg_pss]}")" "${MEM[$k.pg_n]}"
	done
)

PROBLEMS=""
for w in "${WORKLOADS[@]}"; do
	IFS='|' read -r key label script mode <<<"$w"
	for side in nd pg; do
		name=$([ "$side" = nd ] && echo nodedb || echo postgres)
		if [ "${RC[$side.$key]}" != 0 ] || [ -z "${TPS[$side.$key]}" ]; then
			PROBLEMS+="- $key on $name: pgbench exit status ${RC[$side.$key]} (full output below)"$'\n'
		elif [ "${FAILED[$side.$key]:-0}" != 0 ]; then
			PROBLEMS+="- $key on $name: ${FAILED[$side.$key]} failed transactions"$'\n'
		fi
	done
done

TRIGGER_NOTE="nodedb's ASYNC audit trigger: ${TRG_AUDIT:-?} audit rows for ${TRG_ROWS:-?} inserted rows, all written ${TRG_CATCHUP:-?} s after the pgbench run ended (PostgreSQL's trigger runs inside each transaction, so its audit is complete when the run ends). Trigger overhead on throughput (trigger TPS / plain insert TPS): nodedb ASYNC $(ratio "${TPS[nd.trigger]:-}" "${TPS[nd.insert]:-}"), nodedb SYNC $(ratio "${TPS[nd.trigger_sync]:-}" "${TPS[nd.insert]:-}"), postgres $(ratio "${TPS[pg.trigger]:-}" "${TPS[pg.insert]:-}")."
echo
echo "$TABLE"
echo
echo "$TRIGGER_NOTE"
echo
echo "$MEMTABLE"
[ -n "$PROBLEMS" ] && { echo; echo "Problems:"; echo "$PROBLEMS"; }

mkdir -p "$OUTDIR"
STAMP=$(date +%Y-%m-%d)
REPORT=$(report_path pgbench)
COMMIT=$(commit_label)
{
	echo "# pgbench: NodeDB-Go vs PostgreSQL 15 ($STAMP)"
	echo
	echo "Produced by \`bash bench/pgbench/run.sh\`; see bench/README.md for how to read it."
	echo
	echo "- nodedb commit: $COMMIT, $(go version | awk '{print $3}'), CGO_ENABLED=0, durability=sync"
	echo "- $("$PGBIN/postgres" --version), default settings (fsync=on, synchronous_commit=on, shared_buffers default), trust auth"
	echo "- $("$PGBENCH" --version): -n -c $CLIENTS -j $THREADS -T $DURATION, over TCP on 127.0.0.1"
	echo "- machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, kernel $(uname -r), temp dirs on $(df -T /tmp | awk 'NR == 2 {print $2}'); pgbench and both servers share the CPUs"
	echo "- load average (1/5/15 min) before the servers started: $LOAD_BEFORE; after the runs: $LOAD_AFTER (anything above 0 before the start is other work on the machine)"
	echo "- bench_sel preloaded with $ROWS rows via COPY FROM STDIN on both; PostgreSQL then VACUUM ANALYZE + CHECKPOINT"
	echo "- rows in bench_ins after the runs: nodedb ${nd_ins_rows}, postgres ${pg_ins_rows}"
	echo "- bench_jobs preloaded with $JOBS jobs on both (nodedb also with \`$ND_JOBS_INDEX\`); jobs left after the runs: nodedb ${nd_jobs_left}, postgres ${pg_jobs_left} (a queue run dry would count empty DELETEs)"
	echo
	echo "## Throughput"
	echo
	echo "$TABLE"
	echo
	echo "$TRIGGER_NOTE"
	echo
	echo "The audit triggers: nodedb \`$ND_TRIGGER\` and \`$ND_SYNC_TRIGGER\`; PostgreSQL \`$(echo "$PG_TRIGGER" | tr '\n' ' ')\`."
	echo
	echo "## Memory"
	echo
	echo "nodedb is one process (RSS = VmRSS). PostgreSQL is the postmaster plus its children; the"
	echo "RSS sum counts shared buffers once per process that touched them, PSS splits them."
	echo
	echo "$MEMTABLE"
	echo
	if [ -n "$PROBLEMS" ]; then
		echo "## Problems"
		echo
		echo "$PROBLEMS"
	fi
	echo "## Scripts"
	echo
	for f in insert.sql select_pk.sql insert_trigger.sql insert_trigger_sync.sql queue.sql; do
		echo "\`$f\`:"
		echo
		echo '```'
		cat "$HERE/$f"
		echo '```'
		echo
	done
	echo "## Raw pgbench output"
	echo
	cat "$RAW"
} >"$REPORT"
log "wrote ${REPORT#"$REPO"/}"
