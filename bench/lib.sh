# Shared by the bench/*/run.sh scripts (sourced, not run): logging, a
# throwaway workspace removed on exit, free ports, building nodedb (and
# nats-server/natscli from their Go modules), and starting PostgreSQL 15,
# nodedb, redis-server and nats-server on 127.0.0.1.
#
# The sourcing script sets REPO, PGBIN and REF (empty: build the working
# tree; else build nodedb at that git ref) before calling these.

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }

# need_postgres [TOOL...] checks what a side-by-side run needs of
# PostgreSQL 15: root (its server runs as the postgres user via su), initdb
# and the named tools under $PGBIN (postgresql-15 and postgresql-contrib
# are installed when one is missing), and the postgres user.
need_postgres() {
	[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL is started as the postgres user via su)"
	local t missing=""
	for t in initdb "$@"; do
		[ -x "$PGBIN/$t" ] || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		log "PostgreSQL 15 tools missing under $PGBIN:$missing; installing postgresql-15 and postgresql-contrib"
		apt_install postgresql-15 postgresql-contrib
	fi
	getent passwd postgres >/dev/null || die "no postgres user (installing postgresql-15 creates it)"
}

# need_redis installs redis-server when it is missing.
need_redis() {
	command -v redis-server >/dev/null && return
	log "redis-server missing; installing redis-server"
	apt_install redis-server
}

# bench_workspace NAME creates $WORK and installs the cleanup traps: on
# exit (also on failure or Ctrl-C) every server started here is stopped, the
# last log lines are shown on failure, and $WORK is removed.
bench_workspace() {
	WORK=$(mktemp -d "/tmp/nodedb-$1.XXXXXX")
	chmod 755 "$WORK"
	NPID=""
	RPID=""
	NATS_PIDS=""
	CHILD=""
	PGDATA="$WORK/pg/data"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Long-running steps run through bg_wait: the script waits with the wait
# builtin, which a trapped SIGINT/SIGTERM interrupts at once. (A plain
# foreground child would delay the trap until it exits, and pgbench answers
# Ctrl-C by sending cancel requests instead of exiting.)
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
	local p
	for p in $NATS_PIDS; do stop_pid "$p"; done
	if [ -f "$PGDATA/postmaster.pid" ]; then
		su -s /bin/sh postgres -c "'$PGBIN/pg_ctl' -D '$PGDATA' -m fast -w stop" >/dev/null 2>&1
	fi
	if [ $rc -ne 0 ]; then
		[ -f "$WORK/nodedb.log" ] && { log "last lines of the nodedb log:"; tail -n 20 "$WORK/nodedb.log" >&2; }
		[ -f "$WORK/pg/log" ] && { log "last lines of the postgres log:"; tail -n 20 "$WORK/pg/log" >&2; }
		[ -f "$WORK/redis.log" ] && { log "last lines of the redis log:"; tail -n 20 "$WORK/redis.log" >&2; }
		for p in "$WORK"/nats-*.log; do
			[ -f "$p" ] && { log "last lines of ${p##*/}:"; tail -n 20 "$p" >&2; }
		done
	fi
	rm -rf "$WORK"
	exit $rc
}

# free_port prints a port nobody listens on, below the kernel's ephemeral
# range (so no outgoing connection of the benchmark can be holding it when
# the server binds it), and not handed out before in this run (callers run
# it in $(...), a subshell, so that is kept in a file).
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$lo" -gt 11000 ] || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		grep -qx "$p" "$WORK/.ports" 2>/dev/null && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p" >>"$WORK/.ports"
			echo "$p"
			return
		fi
	done
}

# build_nodedb builds $WORK/nodedb from the working tree or from $REF.
build_nodedb() {
	if [ -n "$REF" ]; then
		log "building nodedb at $REF (CGO_ENABLED=0)"
		mkdir -p "$WORK/src"
		(cd "$REPO" && git archive --format=tar "$REF") | tar -x -C "$WORK/src"
		bg_wait env -C "$WORK/src" CGO_ENABLED=0 go build -o "$WORK/nodedb" ./cmd/nodedb || die "build failed"
	else
		log "building nodedb from the working tree (CGO_ENABLED=0)"
		bg_wait env -C "$REPO" CGO_ENABLED=0 go build -o "$WORK/nodedb" ./cmd/nodedb || die "build failed (try --ref HEAD to build the last commit)"
	fi
}

# start_postgres [SETTING...] runs initdb and starts PostgreSQL on a free
# port with the given extra settings (e.g. max_connections=300); sets
# PG_PORT, PG_PID and PG_DSN.
start_postgres() {
	local extra="" s
	for s in "$@"; do extra="$extra -c $s"; done
	PG_PORT=$(free_port)
	mkdir -p "$WORK/pg/sock"
	chown -R postgres:postgres "$WORK/pg"
	log "initdb + start PostgreSQL on 127.0.0.1:$PG_PORT${1:+ ($*)}"
	su -s /bin/sh postgres -c "'$PGBIN/initdb' -D '$PGDATA' -A trust -U postgres -E UTF8 --locale=C" >"$WORK/initdb.log" 2>&1 ||
		{ cat "$WORK/initdb.log" >&2; die "initdb failed"; }
	su -s /bin/sh postgres -c "'$PGBIN/pg_ctl' -D '$PGDATA' -l '$WORK/pg/log' -w -t 60 start \
		-o \"-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$WORK/pg/sock$extra\"" >/dev/null ||
		die "PostgreSQL did not start"
	PG_PID=$(head -n 1 "$PGDATA/postmaster.pid")
	PG_DSN="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
}

# start_nodedb [http] starts nodedb (durability sync) on a free pgwire port,
# and on a free HTTP port when asked (else HTTP is off), and waits until it
# answers SQL; sets ND_PORT, ND_HTTP, NPID and ND_DSN.
start_nodedb() {
	ND_PORT=$(free_port)
	ND_HTTP=0
	[ "${1:-}" = http ] && ND_HTTP=$(free_port)
	log "starting nodedb on 127.0.0.1:$ND_PORT (pgwire), :$ND_HTTP (HTTP), durability=sync"
	# Own session, so a Ctrl-C on the terminal reaches only this script and
	# the load generator; cleanup stops nodedb with SIGTERM.
	setsid "$WORK/nodedb" --data-dir "$WORK/nodedb-data" --host 127.0.0.1 --pgwire-port "$ND_PORT" --http-port "$ND_HTTP" \
		--durability sync >"$WORK/nodedb.log" 2>&1 &
	NPID=$!
	ND_DSN="postgres://admin@127.0.0.1:$ND_PORT/nodedb?sslmode=disable"
	local i
	for i in $(seq 1 100); do
		"${PSQL:-$PGBIN/psql}" -X -q -h 127.0.0.1 -p "$ND_PORT" -U admin -d nodedb -c 'SELECT 1' >/dev/null 2>&1 && return 0
		kill -0 "$NPID" 2>/dev/null || die "nodedb exited during startup"
		sleep 0.2
	done
	die "nodedb did not accept connections within 20s"
}

# start_redis starts redis-server without persistence on a free port and
# waits until it accepts connections; sets R_PORT and RPID.
start_redis() {
	R_PORT=$(free_port)
	mkdir -p "$WORK/redis"
	log "starting redis-server on 127.0.0.1:$R_PORT (no persistence)"
	setsid redis-server --bind 127.0.0.1 --port "$R_PORT" --dir "$WORK/redis" --save '' --appendonly no \
		--daemonize no --logfile "$WORK/redis.log" >/dev/null 2>&1 &
	RPID=$!
	local i
	for i in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$R_PORT") 2>/dev/null && return 0
		kill -0 "$RPID" 2>/dev/null || die "redis-server exited during startup"
		sleep 0.2
	done
	die "redis-server did not accept connections within 10s"
}

# build_nats builds nats-server and the nats CLI (natscli, for `nats bench`)
# from their Go modules through the Go module proxy, at $NATS_SERVER_VERSION
# and $NATSCLI_VERSION, and keeps the binaries in $NATS_CACHE so later runs
# skip the build. Not a dependency of the repository's go.mod: `go install
# module@version` builds each with its own go.mod. Sets NATS_SERVER and
# NATS_CLI; on failure returns 1 with the reason in NATS_BUILD_ERR.
build_nats() {
	NATS_SERVER="$NATS_CACHE/nats-server-$NATS_SERVER_VERSION"
	NATS_CLI="$NATS_CACHE/nats-$NATSCLI_VERSION"
	NATS_BUILD_ERR=""
	mkdir -p "$NATS_CACHE" "$WORK/gobin"
	go_install_cached "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION" nats-server "$NATS_SERVER" &&
		go_install_cached "github.com/nats-io/natscli/nats@$NATSCLI_VERSION" nats "$NATS_CLI"
}

go_install_cached() { # module@version binary-name destination
	[ -x "$3" ] && return 0
	log "building $1 (go install, CGO_ENABLED=0; cached in $NATS_CACHE)"
	if ! bg_wait env -C "$WORK" GOBIN="$WORK/gobin" CGO_ENABLED=0 go install "$1" >"$WORK/go-install-$2.log" 2>&1; then
		NATS_BUILD_ERR="go install $1 failed: $(tail -n 1 "$WORK/go-install-$2.log")"
		log "$NATS_BUILD_ERR"
		return 1
	fi
	mv "$WORK/gobin/$2" "$3.tmp.$$" && mv "$3.tmp.$$" "$3"
}

# start_nats NAME [SETTING...] starts nats-server with JetStream (file
# storage under a fresh $WORK/nats-NAME directory) on a free port, with the
# given extra settings inside the jetstream block of its config file (e.g.
# "sync_interval: always"), and waits until it accepts connections; sets
# NATS_PORT and NATS_PID and adds the pid to NATS_PIDS (stopped on exit).
start_nats() {
	local name=$1 s
	shift
	NATS_PORT=$(free_port)
	mkdir -p "$WORK/nats-$name"
	{
		echo "listen: 127.0.0.1:$NATS_PORT"
		echo "jetstream {"
		echo "  store_dir: \"$WORK/nats-$name\""
		for s in "$@"; do echo "  $s"; done
		echo "}"
	} >"$WORK/nats-$name.conf"
	log "starting nats-server ($name) with JetStream on 127.0.0.1:$NATS_PORT${1:+ ($*)}"
	setsid "$NATS_SERVER" -c "$WORK/nats-$name.conf" >"$WORK/nats-$name.log" 2>&1 &
	NATS_PID=$!
	NATS_PIDS="$NATS_PIDS $NATS_PID"
	local i
	for i in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && return 0
		kill -0 "$NATS_PID" 2>/dev/null || die "nats-server ($name) exited during startup"
		sleep 0.2
	done
	die "nats-server ($name) did not accept connections within 10s"
}

# commit_label prints the commit the measured nodedb was built from.
commit_label() {
	if [ -n "$REF" ]; then
		(cd "$REPO" && git rev-parse --short "$REF^{commit}")
	else
		local c
		c=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
		(cd "$REPO" && git diff --quiet HEAD -- . ':!bench' 2>/dev/null) || c="$c + uncommitted working-tree changes"
		echo "$c"
	fi
}

# report_path NAME prints bench/results-style report path for today, not
# overwriting an earlier report of the same day.
report_path() {
	local stamp r
	stamp=$(date +%Y-%m-%d)
	mkdir -p "$OUTDIR"
	r="$OUTDIR/$stamp-$1.md"
	[ -e "$r" ] && r="$OUTDIR/$stamp-$(date +%H%M%S)-$1.md"
	echo "$r"
}
