# A private PostgreSQL 15 server for the sink's tests: initdb in its own
# temporary directory, listening only on a Unix socket there (no TCP),
# run as the postgres user when the test runs as root (PostgreSQL refuses
# to run as root). Source after lib.sh (and netlib.sh); pg_start starts
# it and sets $PG_DSN; it is stopped and removed on exit.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BIN/initdb" ] || fail "no PostgreSQL 15 in $PG_BIN: deploy/deps.sh --test"
PGROOT=$(mktemp -d /tmp/simpul-pg.XXXXXX)
PG_AS=()
if [ "$(id -u)" = 0 ]; then
  PG_AS=(runuser -u postgres --)
  chown postgres "$PGROOT"
fi
PG_DSN="host=$PGROOT port=5432 user=simpul dbname=simpul"

pg_ctl_() { "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGROOT/data" "$@"; }
pg_start() {
  if [ ! -d "$PGROOT/data" ]; then
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PGROOT/data" -U simpul \
      --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log" 2>&1 ||
      { cat "$PGROOT/initdb.log" >&2; fail "initdb"; }
    pg_ctl_ -o "-k $PGROOT -c listen_addresses= -p 5432" \
      -l "$PGROOT/server.log" -w start >/dev/null
    psql_ dbname=postgres -c "CREATE DATABASE simpul" >/dev/null
  else
    pg_ctl_ -o "-k $PGROOT -c listen_addresses= -p 5432" \
      -l "$PGROOT/server.log" -w start >/dev/null
  fi
}
pg_stop() { pg_ctl_ -m fast -w stop >/dev/null 2>&1 || true; }
# psql_ [conninfo overrides] ARGS...: psql on the private server.
psql_() {
  local dsn=$PG_DSN
  case "${1:-}" in *=*) dsn="$dsn $1"; shift ;; esac
  psql "$dsn" -X -q -v ON_ERROR_STOP=1 "$@"
}
# sql QUERY: its value(s), unaligned, no header.
sql() { psql_ -At -c "$1"; }

pg_cleanup() {
  pg_stop
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$PGROOT"
}
# Under set -e a failing command in the trap would end it early, leaving
# the daemons running: errexit off, and the test's status handed on to
# cleanup_daemons (which shows the logs of a failed test).
trap 'rc_=$?; set +e; pg_cleanup; (exit $rc_); cleanup_daemons' EXIT
