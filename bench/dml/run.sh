#!/usr/bin/env bash
# Bulk DML side by side: NodeDB-Go vs PostgreSQL 15, same machine, same run.
#
#   bash bench/dml/run.sh [--rows N] [--rounds R] [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0), starts a throwaway PostgreSQL 15 cluster and a
# throwaway nodedb (both with synchronous, fsync-on durability) and, in each of
# R rounds (default 3), on nodedb then on PostgreSQL: creates a table with a
# primary key, times a bulk INSERT ... SELECT generate_series of N rows
# (default 200000), two CREATE INDEX, an UPDATE of half the rows (of an indexed
# column) and a DELETE of half the rows, then drops the table. Prints the
# median of each step for both and the ratio, and writes
# bench/results/<date>-<HHMMSS>-dml.md. Everything temporary is removed on exit.
set -euo pipefail

ROWS=${ROWS:-200000}
ROUNDS=${ROUNDS:-3}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REF=${REF:-}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${OUTDIR:-$REPO/bench/results}

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--rows) ROWS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

. "$REPO/bench/lib.sh"

need_postgres
PSQL=$PGBIN/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql not found"
command -v go >/dev/null || die "go not found"

bench_workspace dml
build_nodedb
start_postgres
start_nodedb

HALF=$((ROWS / 2))
# step key | label | SQL (the same on both servers)
STEPS=(
	"insert|INSERT ... SELECT generate_series ($ROWS rows)|INSERT INTO dml_t SELECT g, g % 1000, 'row ' || g, g FROM generate_series(1, $ROWS) g"
	"index_a|CREATE INDEX on an INT column|CREATE INDEX dml_t_a ON dml_t (a)"
	"index_b|CREATE INDEX on a TEXT column|CREATE INDEX dml_t_b ON dml_t (b)"
	"update|UPDATE of half the rows (indexed column a)|UPDATE dml_t SET a = a + 1 WHERE id <= $HALF"
	"delete|DELETE of half the rows|DELETE FROM dml_t WHERE id <= $HALF"
)
SETUP="CREATE TABLE dml_t (id BIGINT PRIMARY KEY, a INT, b TEXT, c INT)"

declare -A T CHECK # side.key.round -> ms; side.round -> check
RAW="$WORK/raw.md"
: >"$RAW"

# run_round side round: one psql session runs every step with \timing on;
# each statement's "Time:" line is its client-side elapsed time.
run_round() {
	local side=$1 round=$2 port user db out name
	if [ "$side" = nd ]; then port=$ND_PORT user=admin db=nodedb name=nodedb; else port=$PG_PORT user=postgres db=postgres name=postgres; fi
	out="$WORK/$side-$round.out"
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -c 'CHECKPOINT' >/dev/null
	{
		echo "DROP TABLE IF EXISTS dml_t;"
		echo "$SETUP;"
		echo '\timing on'
		for s in "${STEPS[@]}"; do
			IFS='|' read -r _ _ sql <<<"$s"
			echo "$sql;"
		done
		echo '\timing off'
	} >"$WORK/round.sql"
	log "round $round on $name"
	bg_wait "$PSQL" -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -f "$WORK/round.sql" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "round $round on $name failed"; }
	local i=0 ms
	while read -r ms; do
		IFS='|' read -r key _ _ <<<"${STEPS[$i]}"
		T[$side.$key.$round]=$ms
		i=$((i + 1))
	done < <(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out")
	[ "$i" = "${#STEPS[@]}" ] || die "round $round on $name: expected ${#STEPS[@]} timings, got $i"
	CHECK[$side.$round]=$("$PSQL" -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" -d "$db" \
		-c 'SELECT count(*), sum(a) FROM dml_t')
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -c 'DROP TABLE dml_t' >/dev/null
	{
		echo "### round $round on $name"
		echo
		echo '```'
		sed "s|$WORK/||g" "$out" # no temporary paths in the report
		echo '```'
		echo
	} >>"$RAW"
}


LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$ROUNDS"); do
	# Alternate which server goes first, so neither always runs on a
	# machine still busy with the other's background work.
	if [ $((r % 2)) = 1 ]; then run_round nd "$r"; run_round pg "$r"; else run_round pg "$r"; run_round nd "$r"; fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR] = $1} END { if (NR % 2) printf "%.1f", a[(NR + 1) / 2]; else printf "%.1f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
all() { local side=$1 key=$2 r out=""; for r in $(seq 1 "$ROUNDS"); do out="$out ${T[$side.$key.$r]}"; done; echo "$out"; }

TABLE=$(
	echo "| step | nodedb median (ms) | postgres median (ms) | ratio (nodedb/postgres) | nodedb per round (ms) | postgres per round (ms) |"
	echo "| --- | ---: | ---: | ---: | --- | --- |"
	for s in "${STEPS[@]}"; do
		IFS='|' read -r key label _ <<<"$s"
		nd=$(all nd "$key" | median)
		pg=$(all pg "$key" | median)
		printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$nd" "$pg" "$(ratio "$nd" "$pg")" \
			"$(all nd "$key" | sed 's/^ //; s/ /, /g')" "$(all pg "$key" | sed 's/^ //; s/ /, /g')"
	done
)
echo
echo "$TABLE"

mkdir -p "$OUTDIR"
REPORT="$OUTDIR/$(date +%Y-%m-%d-%H%M%S)-dml.md"
{
	echo "# Bulk DML: NodeDB-Go vs PostgreSQL 15 ($(date +%Y-%m-%d))"
	echo
	echo "Produced by \`bash bench/dml/run.sh --rows $ROWS --rounds $ROUNDS\`; see bench/README.md."
	echo
	echo "- nodedb commit: $(commit_label), $(go version | awk '{print $3}'), CGO_ENABLED=0, durability=sync"
	echo "- $("$PGBIN/postgres" --version), default settings (fsync=on, synchronous_commit=on), trust auth"
	echo "- each step is one autocommit statement sent by psql over TCP to 127.0.0.1; times are psql's \\timing (client-side elapsed)"
	echo "- machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r), temp dirs on $(df -T /tmp | awk 'NR == 2 {print $2}')"
	echo "- load average (1/5/15 min) before the rounds: $LOAD_BEFORE; after: $LOAD_AFTER"
	echo "- check after each round (\`SELECT count(*), sum(a)\`, must match): $(for r in $(seq 1 "$ROUNDS"); do printf 'round %s nodedb [%s] postgres [%s]; ' "$r" "${CHECK[nd.$r]}" "${CHECK[pg.$r]}"; done)"
	echo
	echo "Table: \`$SETUP\`. Steps, in order, each round (odd rounds nodedb first, even rounds PostgreSQL first):"
	echo
	for s in "${STEPS[@]}"; do
		IFS='|' read -r key _ sql <<<"$s"
		echo "- $key: \`$sql\`"
	done
	echo
	echo "## Times"
	echo
	echo "$TABLE"
	echo
	echo "## Raw psql output"
	echo
	cat "$RAW"
} >"$REPORT"
log "wrote ${REPORT#"$REPO"/}"
