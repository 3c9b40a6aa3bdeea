#!/usr/bin/env bash
# Realtime side by side: NodeDB-Go LIVE SELECT fan-out vs PostgreSQL 15
# trigger + pg_notify/LISTEN, and NodeDB-Go topics vs Redis Streams.
#
#   bash bench/realtime/run.sh [-T seconds] [--rate N] [--subscribers N]
#                              [--messages N] [--ref GIT_REF] [--out DIR]
#
# Builds nodedb (CGO_ENABLED=0) and the benchmark (go build ./bench/realtime),
# starts a throwaway PostgreSQL 15 (max_connections=300), nodedb (durability
# sync) and redis-server (no persistence) on free ports, runs the benchmark,
# prints the tables and writes bench/results/<date>-realtime.md. Everything
# temporary is removed on exit, also on failure or Ctrl-C. See bench/README.md.
set -euo pipefail

DURATION=${DURATION:-10}
RATE=${RATE:-2000}
SUBSCRIBERS=${SUBSCRIBERS:-200}
MESSAGES=${MESSAGES:-100000}
WRITERS=${WRITERS:-8}
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
	--rate) RATE=$2; shift 2 ;;
	--subscribers) SUBSCRIBERS=$2; shift 2 ;;
	--messages) MESSAGES=$2; shift 2 ;;
	--writers) WRITERS=$2; shift 2 ;;
	--ref) REF=$2; shift 2 ;;
	--out) OUTDIR=$2; shift 2 ;;
	--) shift; EXTRA=("$@"); break ;; # passed on to the benchmark program
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL is started as the postgres user via su)"

# --- prerequisites -----------------------------------------------------------
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/psql" ]; then
	log "PostgreSQL 15 server or psql missing under $PGBIN; installing postgresql-15"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-contrib >/dev/null
fi
if ! command -v redis-server >/dev/null; then
	log "redis-server missing; installing redis-server"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
getent passwd postgres >/dev/null || die "no postgres user (installing postgresql-15 creates it)"
command -v go >/dev/null || die "go not found"

# --- temp workspace and cleanup -----------------------------------------------
WORK=$(mktemp -d /tmp/nodedb-realtime.XXXXXX)
chmod 755 "$WORK"
NPID=""
RPID=""
CHILD=""
PGDATA="$WORK/pg/data"

bg_wait() {
	"$@" &
	CHILD=$!
	local rc=0
	wait "$CHILD" || rc=$?
	CHILD=""
	return $rc
}

stop_pid() { # pid
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1"
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1"
	wait "$1" 2>/dev/null
}

cleanup() {
	local rc=$?
	set +e
	[ -n "$CHILD" ] && stop_pid "$CHILD"
	[ -n "$NPID" ] && stop_pid "$NPID"
	[ -n "$RPID" ] && stop_pid "$RPID"
	if [ -f "$PGDATA/postmaster.pid" ]; then
		su -s /bin/sh postgres -c "'$PGBIN/pg_ctl' -D '$PGDATA' -m fast -w stop" >/dev/null 2>&1
	fi
	if [ $rc -ne 0 ]; then
		[ -f "$WORK/nodedb.log" ] && { log "last lines of the nodedb log:"; tail -n 20 "$WORK/nodedb.log" >&2; }
		[ -f "$WORK/pg/log" ] && { log "last lines of the postgres log:"; tail -n 20 "$WORK/pg/log" >&2; }
		[ -f "$WORK/redis.log" ] && { log "last lines of the redis log:"; tail -n 20 "$WORK/redis.log" >&2; }
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

USED_PORTS=" "
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		case $USED_PORTS in *" $p "*) continue ;; esac
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			USED_PORTS="$USED_PORTS$p "
			echo "$p"
			return
		fi
	done
}

# --- build -----------------------------------------------------------------------
if [ -n "$REF" ]; then
	log "building nodedb at $REF (CGO_ENABLED=0)"
	mkdir -p "$WORK/src"
	(cd "$REPO" && git archive --format=tar "$REF") | tar -x -C "$WORK/src"
	bg_wait env -C "$WORK/src" CGO_ENABLED=0 go build -o "$WORK/nodedb" ./cmd/nodedb || die "build failed"
else
	log "building nodedb from the working tree (CGO_ENABLED=0)"
	bg_wait env -C "$REPO" CGO_ENABLED=0 go build -o "$WORK/nodedb" ./cmd/nodedb || die "build failed (try --ref HEAD to build the last commit)"
fi
log "building the benchmark (bench/realtime)"
bg_wait env -C "$REPO" CGO_ENABLED=0 go build -o "$WORK/realtime" ./bench/realtime || die "building bench/realtime failed"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- start PostgreSQL (max_connections=300 for 200 LISTEN sessions + writers) -------
PG_PORT=$(free_port)
mkdir -p "$WORK/pg/sock"
chown -R postgres:postgres "$WORK/pg"
log "initdb + start PostgreSQL on 127.0.0.1:$PG_PORT (max_connections=300)"
su -s /bin/sh postgres -c "'$PGBIN/initdb' -D '$PGDATA' -A trust -U postgres -E UTF8 --locale=C" >"$WORK/initdb.log" 2>&1 ||
	{ cat "$WORK/initdb.log" >&2; die "initdb failed"; }
su -s /bin/sh postgres -c "'$PGBIN/pg_ctl' -D '$PGDATA' -l '$WORK/pg/log' -w -t 60 start \
	-o \"-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$WORK/pg/sock -c max_connections=300\"" >/dev/null ||
	die "PostgreSQL did not start"
PG_PID=$(head -n 1 "$PGDATA/postmaster.pid")

# --- start nodedb ---------------------------------------------------------------------
ND_PORT=$(free_port)
ND_HTTP=$(free_port)
log "starting nodedb on 127.0.0.1:$ND_PORT (pgwire), :$ND_HTTP (HTTP), durability=sync"
setsid "$WORK/nodedb" --data-dir "$WORK/nodedb-data" --host 127.0.0.1 --pgwire-port "$ND_PORT" --http-port "$ND_HTTP" \
	--durability sync >"$WORK/nodedb.log" 2>&1 &
NPID=$!

# --- start redis ----------------------------------------------------------------------
R_PORT=$(free_port)
mkdir -p "$WORK/redis"
log "starting redis-server on 127.0.0.1:$R_PORT (no persistence)"
setsid redis-server --bind 127.0.0.1 --port "$R_PORT" --dir "$WORK/redis" --save '' --appendonly no \
	--daemonize no --logfile "$WORK/redis.log" >/dev/null 2>&1 &
RPID=$!

ND_DSN="postgres://admin@127.0.0.1:$ND_PORT/nodedb?sslmode=disable"
PG_DSN="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
PSQL=$PGBIN/psql
for i in $(seq 1 100); do
	"$PSQL" -X -q -h 127.0.0.1 -p "$ND_PORT" -U admin -d nodedb -c 'SELECT 1' >/dev/null 2>&1 && break
	kill -0 "$NPID" 2>/dev/null || die "nodedb exited during startup"
	[ "$i" = 100 ] && die "nodedb did not accept connections within 20s"
	sleep 0.2
done
for i in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$R_PORT") 2>/dev/null && break
	kill -0 "$RPID" 2>/dev/null || die "redis-server exited during startup"
	[ "$i" = 50 ] && die "redis-server did not accept connections within 10s"
	sleep 0.2
done

# --- run ------------------------------------------------------------------------------
if [ -n "$REF" ]; then
	COMMIT=$(cd "$REPO" && git rev-parse --short "$REF^{commit}")
else
	COMMIT=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
	(cd "$REPO" && git diff --quiet HEAD -- . ':!bench' 2>/dev/null) || COMMIT="$COMMIT + uncommitted working-tree changes"
fi
mkdir -p "$OUTDIR"
STAMP=$(date +%Y-%m-%d)
REPORT="$OUTDIR/$STAMP-realtime.md"
[ -e "$REPORT" ] && REPORT="$OUTDIR/$STAMP-$(date +%H%M%S)-realtime.md"

bg_wait "$WORK/realtime" -nodedb "$ND_DSN" -nodedb-http "http://127.0.0.1:$ND_HTTP" \
	-pg "$PG_DSN" -redis "127.0.0.1:$R_PORT" -rate "$RATE" -duration "${DURATION}s" -subscribers "$SUBSCRIBERS" \
	-messages "$MESSAGES" -writers "$WRITERS" -out "$REPORT" -commit "$COMMIT" -load-before "$LOAD_BEFORE" \
	-nodedb-pid "$NPID" -pg-pid "$PG_PID" -redis-pid "$RPID" -clk-tck "$(getconf CLK_TCK)" ${EXTRA[@]+"${EXTRA[@]}"}
kill -0 "$NPID" 2>/dev/null || die "nodedb is no longer running after the benchmark"
